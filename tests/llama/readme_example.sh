#!/bin/sh
# Runs the program of contrib/llama/README.md (extracted and built by mk/llama.mk) on the GGUF
# model test_llama_adapter wrote (run it first). One PASS/FAIL/SKIP line, for tests/run.sh.
# Environment: TSAMP_LLAMA_EXAMPLE (the program), TSAMP_LLAMA_GGUF, TSAMP_LLAMA_LIBDIR.
set -u
name="llama: README example program generates text with the tsamp sampler"
bin=${TSAMP_LLAMA_EXAMPLE:?}
gguf=${TSAMP_LLAMA_GGUF:?}
if [ ! -f "$gguf" ]; then
    echo "SKIP $name: no GGUF model ($gguf: the model test was skipped)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" "$gguf" "Once upon a time" 1 "${TSAMP_LLAMA_LIBDIR:?}" >"$tmp/out" 2>"$tmp/err"
rc=$?
text=$(cat "$tmp/out")
case "$text" in
"Once upon a time"?????????????????????*)
    if [ "$rc" -eq 0 ]; then
        echo "  note: $(printf '%s' "$text" | head -c 150 | tr '\n' ' ')..."
        echo "PASS $name"
        exit 0
    fi
    ;;
esac
echo "FAIL $name: exit status $rc"
sed 's/^/    /' "$tmp/out" | head -5
tail -20 "$tmp/err" | sed 's/^/    /'
