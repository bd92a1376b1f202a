#!/usr/bin/env bash
# The optimizer plugins' machine code, as optimizer_common.hpp means it to
# be: a plugin whose folder runs its rule through for_each_element (its own
# `*_update.hpp`, or its family's) has AVX2 element loops
# (detail::loop_avx2) that really use 8-float ymm registers and AVX-512 ones
# (detail::loop_avx512) that really use 16-float zmm registers; no other
# function of any plugin uses ymm or zmm (the plugin must still load and run
# on baseline x86-64), and no instruction anywhere fuses a multiply-add
# (which would change the rounding). A plugin written as a plain scalar loop
# needs no wide copy. The bit-identity test cannot see a loop that silently
# stopped vectorizing; this can.
#
#   [OBJDUMP=objdump] optimizer_loops_test.sh PLUGIN_DIR OPTIMIZER_SOURCE_DIR
set -euo pipefail
dir="$1"
sources="$2"
shopt -s nullglob
plugins=("$dir"/optimizer_*.so)
if ((${#plugins[@]} == 0)); then
  echo "no optimizer_*.so in $dir" >&2
  exit 1
fi

failed=0
for so in "${plugins[@]}"; do
  name=$(basename "$so")
  # One line per function: its name, its ymm and zmm instruction counts, its
  # FMA count.
  report=$("${OBJDUMP:-objdump}" -d -C --no-show-raw-insn "$so" | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/>:$/, "", fn); seen[fn] = 1 }
    /ymm/ { ymm[fn]++ }
    /zmm/ { zmm[fn]++ }
    /\tv?f(n)?m(add|sub)[0-9]+[sp][sd]/ { fma[fn]++ }
    END { for (f in seen) printf "%d\t%d\t%d\t%s\n", ymm[f] + 0, zmm[f] + 0, fma[f] + 0, f }')
  # Demangled as "void optbench::optimizers::detail::loop_avx2<...>(...)".
  loops=$(grep -c 'optimizers::detail::loop_avx2<' <<<"$report" || true)
  wide_loops=$(grep -c 'optimizers::detail::loop_avx512<' <<<"$report" || true)
  folder="$sources/${name#optimizer_}"
  folder="${folder%.so}"
  if [[ ! -d "$folder" ]]; then
    echo "FAIL $name: no source folder $folder" >&2
    failed=1
  elif grep -qsE 'for_each_element|_update\.hpp"|_optimizer\.hpp"' /dev/null "$folder"/*.cpp "$folder"/*.hpp \
    && ((loops == 0 || wide_loops != loops)); then
    echo "FAIL $name: its rule goes through for_each_element, but it has $loops detail::loop_avx2 and $wide_loops detail::loop_avx512" >&2
    failed=1
  fi
  while IFS=$'\t' read -r ymm zmm fma fn; do
    if [[ "$fn" == *optimizers::detail::loop_avx2\<* ]]; then
      if ((ymm == 0 || zmm > 0)); then
        echo "FAIL $name: not vectorized for AVX2 ($ymm ymm, $zmm zmm instructions): $fn" >&2
        failed=1
      fi
    elif [[ "$fn" == *optimizers::detail::loop_avx512\<* ]]; then
      if ((zmm == 0)); then
        echo "FAIL $name: not vectorized for AVX-512 (no zmm register): $fn" >&2
        failed=1
      fi
    elif ((ymm > 0 || zmm > 0)); then
      echo "FAIL $name: uses ymm or zmm outside the wide loops, so needs AVX on every CPU: $fn" >&2
      failed=1
    fi
    if ((fma > 0)); then
      echo "FAIL $name: $fma fused multiply-add instruction(s) in $fn" >&2
      failed=1
    fi
  done <<<"$report"
  echo "$name: $loops AVX2 loops, $wide_loops AVX-512 loops"
done
exit "$failed"
