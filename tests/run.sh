#!/bin/sh
# The one test runner: checks the shared library's exports, runs every test program given,
# counts their PASS/FAIL/SKIP lines and ends with "N passed, M failed, K skipped" (non-zero
# exit on a failure). A SKIP line says why a test could not run here; it never counts as a pass.
# A program that exits non-zero without reporting a failure counts as one failure.
set -u
shared=$1
shift
passed=0
failed=0
skipped=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Only tsamp_* symbols may be exported.
bad=$(nm -D --defined-only "$shared" | awk '$2 ~ /^[TDBRVW]$/ && $3 !~ /^tsamp_/ {print $3}')
if [ -z "$bad" ]; then
    echo "PASS exports: only tsamp_* symbols in $(basename "$shared")"
    passed=$((passed + 1))
else
    echo "FAIL exports: non-tsamp symbols exported: $bad"
    failed=$((failed + 1))
fi

for prog in "$@"; do
    "$prog" >"$out" 2>&1
    rc=$?
    cat "$out"
    p=$(grep -c '^PASS ' "$out")
    f=$(grep -c '^FAIL ' "$out")
    skipped=$((skipped + $(grep -c '^SKIP ' "$out")))
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $(basename "$prog"): exited with status $rc"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
