#!/usr/bin/env bash
# Builds (installing what is missing) and runs the whole test suite, then
# names every test that skipped itself and why (a missing optional package
# or data set), so that nothing passes silently by skipping.
# Extra arguments go to ctest (for example -L kill, or -R Store).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build/release"
"$here/scripts/setup.sh" "$build"
status=0
ctest --test-dir "$build" --output-on-failure -j2 "$@" || status=$?

# ctest keeps every test's output here. A GoogleTest test that skips prints
# "file:line: Skipped", its reason on the next line, then "[  SKIPPED ]
# Suite.Name (n ms)"; a script test exits 77 after a line "skipped: reason".
log="$build/Testing/Temporary/LastTest.log"
if [[ -f $log ]]; then
  awk '
    /^[0-9]+\/[0-9]+ Test: / { test = $3 }
    / Skipped$/ { getline reason; next }
    /^\[  SKIPPED \] [^ ]+ \(/ { n++; lines[n] = "  " $4 ": " reason; reason = "" }
    /^skipped: / { n++; lines[n] = "  " test ": " substr($0, 10) }
    END {
      if (n == 0) { print "skipped: none"; exit }
      print "skipped: " n " test" (n == 1 ? "" : "s") ", each with its reason:"
      for (i = 1; i <= n; i++) print lines[i]
    }' "$log"
fi
exit "$status"
