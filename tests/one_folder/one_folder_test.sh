#!/usr/bin/env bash
# A new in-tree optimizer is one new folder and nothing else: in a copy of
# the source tree, copy an optimizer's folder under a new name, change only
# that name (the plugin's name and its CMake target), build, and run the
# suite. Every list of plugins in the tests must then take the new one in
# (or leave it alone) without another edit.
#
# It builds a whole second tree, so it is slow (see docs/architecture.md for
# its time) and runs only when OPTBENCH_SLOW_TESTS=1; otherwise it reports
# itself skipped. The copy lives at a fixed place under the build folder and
# keeps its build between runs, so ccache and make redo only what changed.
#
#   OPTBENCH_SLOW_TESTS=1 one_folder_test.sh SOURCE_DIR WORK_DIR [FOLDER]
set -euo pipefail
src=$(cd "$1" && pwd)
work="$2"
folder="${3:-adadelta}"
copy="${folder}_copy"

if [[ "${OPTBENCH_SLOW_TESTS:-0}" != 1 ]]; then
  echo "skipped: set OPTBENCH_SLOW_TESTS=1 to build a copy of the tree and run its suite"
  exit 77
fi

tree="$work/tree"
mkdir -p "$tree/src"
# The tree as it is now: tracked and new files, less what .gitignore leaves
# out (builds, results). Everything but the copy's own build is replaced;
# tar keeps the files' times, so the copy's build stays incremental between
# runs.
find "$tree/src" -mindepth 1 -maxdepth 1 ! -name build -exec rm -rf {} +
(cd "$src" && git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -T - -cf -) | tar -xpf - -C "$tree/src"

# The one edit: a new folder, named for its plugin.
rm -rf "$tree/src/plugins/optimizers/$copy"
cp -a "$tree/src/plugins/optimizers/$folder" "$tree/src/plugins/optimizers/$copy"
sed -i "s/optbench_add_plugin($folder /optbench_add_plugin($copy /" \
  "$tree/src/plugins/optimizers/$copy/CMakeLists.txt"
sed -i "s/\"$folder\"/\"$copy\"/g" "$tree/src/plugins/optimizers/$copy/$folder.cpp"
grep -q "\"$copy\"" "$tree/src/plugins/optimizers/$copy/$folder.cpp" \
  || { echo "FAIL: $folder.cpp does not name its plugin \"$folder\"" >&2; exit 1; }

export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$tree}"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
build="$tree/src/build/release"
start=$(date +%s)
cmake -S "$tree/src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOPTBENCH_WERROR=ON \
  "${launcher[@]}" >"$work/configure.log"
cmake --build "$build" -j"${OPTBENCH_JOBS:-2}" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }
built=$(date +%s)
test -f "$build/optbench-plugins/optimizer_$copy.so" \
  || { echo "FAIL: optimizer_$copy.so was not built" >&2; exit 1; }
# The whole suite but this test itself.
ctest --test-dir "$build" -j"${OPTBENCH_JOBS:-2}" -LE 'one_folder' --output-on-failure \
  >"$work/ctest.log" 2>&1 || { grep -E 'Failed|\*\*\*' "$work/ctest.log" >&2; exit 1; }
done_at=$(date +%s)
# Into a file first: grep -q stops reading at the match, and under pipefail
# the listing's SIGPIPE would fail the check.
"$build/optbench" plugins >"$work/plugins.txt"
grep -q "^$copy " "$work/plugins.txt" \
  || { echo "FAIL: optbench plugins does not list $copy" >&2; exit 1; }
grep -E 'tests passed' "$work/ctest.log"
echo "one folder: build $((built - start)) s, suite $((done_at - built)) s"
