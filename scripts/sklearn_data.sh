# Sourced by the fetchers of tables that Debian's python3-sklearn ships.
#
# sklearn_fetch NAME FILE SHOWN: ends the script (exit 0) when FILE, the last
# file the fetcher writes, is there already, saying SHOWN is present;
# otherwise unpacks the .deb into a temporary folder removed at exit (see
# sklearn_data) so that the caller reads $sklearn_data_dir.
sklearn_fetch() {
  local name=$1 file=$2 shown=$3
  if [[ -s "$file" ]]; then
    echo "$name: $shown already present, nothing to do"
    exit 0
  fi
  sklearn_work=$(mktemp -d)
  trap 'rm -rf "$sklearn_work"' EXIT
  sklearn_data "$sklearn_work" "$name"
}

# sklearn_data WORK_DIR NAME: downloads the .deb into WORK_DIR (unpacked only,
# never installed) and sets sklearn_data_dir to its datasets/data folder. A
# machine whose package lists were never fetched knows no python3-sklearn
# yet: the lists are fetched once (as root, or through sudo) and the
# download tried again.
sklearn_data() {
  local work=$1 name=$2
  echo "$name: downloading python3-sklearn from Debian (unpacked only, not installed)"
  download() { (cd "$work" && apt-get download -q python3-sklearn >/dev/null 2>&1); }
  if ! download; then
    local sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q >/dev/null && download || {
      echo "$name: apt-get could not download python3-sklearn (needs Debian's package lists and network)" >&2
      exit 1
    }
  fi
  dpkg-deb -x "$(ls "$work"/python3-sklearn_*.deb)" "$work/x"
  sklearn_data_dir="$work/x/usr/lib/python3/dist-packages/sklearn/datasets/data"
}
