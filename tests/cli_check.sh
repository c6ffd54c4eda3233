#!/bin/sh
# End-to-end checks of the tsamp CLI: runs the built binary ($TSAMP_CLI, which mk/cli.mk
# exports; else build/cc/tools/tsamp) on small files made here, one PASS/FAIL line per check.
# Expected tokens are properties (greedy = the argmax, computed here with awk; the same
# distribution whatever the file format) or the binary agreeing with itself; the comparison
# with the library's own tsamp_chain_sample is in tests/test_cli_readers.c.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cli=${TSAMP_CLI:-$here/../build/cc/tools/tsamp}
if [ ! -x "$cli" ]; then
    echo "SKIP cli_check: no tsamp binary at $cli (make build/cc/tools/tsamp)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS cli_check: $1"; }
fail() {
    echo "FAIL cli_check: $1"
    [ -s "$tmp/err" ] && sed 's/^/    stderr: /' "$tmp/err" | head -5
    failed=1
}
# run ARGS...: the CLI with stdout in $tmp/out, stderr in $tmp/err, the status in $rc
run() {
    "$cli" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
}
# expect NAME STATUS WORDS ARGS...: exit status STATUS and WORDS in stderr (WORDS may be "")
expect() {
    name=$1 want=$2 words=$3
    shift 3
    run "$@"
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit status $rc, expected $want"
    elif [ -n "$words" ] && ! grep -qF -- "$words" "$tmp/err"; then
        fail "$name: stderr lacks \"$words\""
    else
        pass "$name"
    fi
}
same() { # NAME FILE1 FILE2
    if cmp -s "$2" "$3"; then pass "$1"; else fail "$1: outputs differ"; fi
}

# An .npy file: npy FILE DESCR SHAPE DATA (DATA: printf escapes of the raw bytes).
npy() {
    dict="{'descr': '$2', 'fortran_order': False, 'shape': $3, }"
    hlen=$(((10 + ${#dict} + 1 + 63) / 64 * 64 - 10))
    {
        printf '\223NUMPY\001\000'
        printf "\\$(printf %03o $((hlen % 256)))\\$(printf %03o $((hlen / 256)))"
        printf '%s' "$dict"
        printf "%$((hlen - ${#dict} - 1))s\n" ""
        printf "$4"
    } >"$1"
}
# float32 little-endian bytes of a few exact values
F1='\000\000\200\077' F2='\000\000\000\100' F3='\000\000\100\100' FM1='\000\000\200\277'
FH='\000\000\000\077'

# ---- help and usage ------------------------------------------------------------------------
run --help
if [ "$rc" -eq 0 ] && grep -q '^usage: tsamp COMMAND' "$tmp/out" && grep -q 'exit codes' "$tmp/out"
then pass "tsamp --help"; else fail "tsamp --help"; fi
for c in sample probs explain; do
    run "$c" --help
    if [ "$rc" -eq 0 ] && grep -q "^usage: tsamp $c" "$tmp/out" && grep -q -- '--top-k' "$tmp/out"
    then pass "tsamp $c --help"; else fail "tsamp $c --help"; fi
done
run --version
if [ "$rc" -eq 0 ] && grep -q '^tsamp [0-9]*\.[0-9]*\.[0-9]*$' "$tmp/out"; then pass "--version"
else fail "--version"; fi
expect "no command" 2 "usage: tsamp" 
expect "unknown command" 2 'unknown command "frobnicate"' frobnicate x

# ---- greedy is the argmax, in every format -------------------------------------------------
awk 'BEGIN { srand(7); for (s = 0; s < 6; s++) { line = ""
        for (i = 0; i < 40; i++) line = line sprintf("%s%.6f", i ? " " : "", 6 * rand() - 3)
        print line } }' >"$tmp/r.txt"
awk '{ best = 1; for (i = 2; i <= NF; i++) if ($i + 0 > $best + 0) best = i; print best - 1 }' \
    "$tmp/r.txt" >"$tmp/argmax"
run sample --temp 0 --format ids "$tmp/r.txt"
cp "$tmp/out" "$tmp/greedy"
if [ "$rc" -eq 0 ]; then same "text: --temp 0 gives the argmax of every line" "$tmp/greedy" "$tmp/argmax"
else fail "text greedy: status $rc"; fi
run sample --samplers greedy --format ids - <"$tmp/r.txt"
same "standard input, --samplers greedy" "$tmp/out" "$tmp/argmax"

npy "$tmp/g.npy" '<f4' '(2, 4)' "$F1$F3$F2$FM1$FH$FM1$F2$F3"
printf '1\n3\n' >"$tmp/want"
run sample --temp 0 --format ids "$tmp/g.npy"
same ".npy: --temp 0 gives the argmax of every row" "$tmp/out" "$tmp/want"
printf "$F1$F3$F2$FM1$FH$FM1$F2$F3" >"$tmp/g.raw"
run sample --temp 0 --format ids --raw --vocab 4 "$tmp/g.raw"
same "raw float32: the same tokens" "$tmp/out" "$tmp/want"
printf '1 3 2 -1\n0.5 -1 2 3\n' >"$tmp/g.txt"
for f in g.npy g.txt; do run probs --format text "$tmp/$f"; cp "$tmp/out" "$tmp/p.$f"; done
run probs --format text --raw --vocab 4 "$tmp/g.raw"
cp "$tmp/out" "$tmp/p.raw"
if cmp -s "$tmp/p.g.npy" "$tmp/p.g.txt" && cmp -s "$tmp/p.g.npy" "$tmp/p.raw"; then
    pass "probs: .npy, text and raw give the same distribution"
else fail "probs differ between formats"; fi

# ---- sampling ------------------------------------------------------------------------------
run sample --seed 5 "$tmp/r.txt"
cp "$tmp/out" "$tmp/s1"
run sample --seed 5 "$tmp/r.txt"
same "the same seed gives the same output" "$tmp/s1" "$tmp/out"
run sample --seed 5 --samplers "top_k=40 top_p=0.95 min_p=0.05 temp=0.8" "$tmp/r.txt"
same "the default flags are the chain top_k=40 top_p=0.95 min_p=0.05 temp=0.8" "$tmp/s1" "$tmp/out"
n=$(grep -c '^{"step":[0-9]*,"token":[0-9]*,"logprob":-*[0-9.e-]*,"logprob_raw":-*[0-9.e-]*,"rank":[0-9]*}$' "$tmp/s1")
if [ "$n" -eq 6 ]; then pass "sample --format json: one object per step"
else fail "sample --format json: $n well-formed lines of 6"; fi
run sample --seed 5 --format ids "$tmp/r.txt"
sed 's/.*"token":\([0-9]*\),.*/\1/' "$tmp/s1" >"$tmp/ids"
same "--format ids gives the JSON's tokens" "$tmp/ids" "$tmp/out"
run sample --seed 5 --top-logprobs 3 --steps 2 "$tmp/r.txt"
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 2 ] &&
    [ "$(grep -o '"token"' "$tmp/out" | wc -l)" -eq 8 ]; then
    pass "--top-logprobs 3 --steps 2: two steps with three alternatives each"
else fail "--top-logprobs/--steps"; fi
run sample --seed -1 --format ids "$tmp/r.txt"
seed=$(sed -n 's/^tsamp: seed \([0-9]*\)$/\1/p' "$tmp/err")
cp "$tmp/out" "$tmp/rand"
run sample --seed "$seed" --format ids "$tmp/r.txt"
if [ -n "$seed" ]; then same "--seed -1 reports a seed that repeats the run" "$tmp/rand" "$tmp/out"
else fail "--seed -1 printed no seed"; fi
printf '5 4 0\n' >"$tmp/pen.txt"
run sample --temp 0 --format ids --history 0 --repeat-penalty 100 "$tmp/pen.txt"
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = 1 ]; then
    pass "--history with --repeat-penalty moves greedy off the repeated token"
else fail "penalties: got $(cat "$tmp/out")"; fi
run sample --temp 0 --format ids --repeat-penalty 100 --repeat-last-n -1 "$tmp/pen.txt" "--steps=1"
if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = 0 ]; then pass "--flag=value, penalties without history"
else fail "--flag=value: status $rc"; fi
expect "--mirostat 2 runs" 0 "" sample --mirostat 2 --seed 3 "$tmp/r.txt"
expect "every llama.cpp flag at once" 0 "" sample --seed 1 --repeat-penalty 1.1 \
    --presence-penalty 0.2 --frequency-penalty 0.1 --dry-multiplier 0.8 --top-n-sigma 2 \
    --typical 0.95 --xtc-probability 0.5 --xtc-threshold 0.1 --dynatemp-range 0.3 \
    --logit-bias 3+1 --min-keep 2 "$tmp/r.txt"

# ---- flags of processors llama.cpp lacks (Hugging Face's names; llama.cpp's adaptive-p) ----
# e.txt: five identical steps, probabilities 0.032 0.644 0.237 0.087 (argmax 1, then 2, 3, 0)
printf '0 3 2 1\n0 3 2 1\n0 3 2 1\n0 3 2 1\n0 3 2 1\n' >"$tmp/e.txt"
full="--temp 1 --top-k 0 --top-p 1 --min-p 0" # no other processor
# ids ARGS...: the CLI's ids on one line ("" on failure), status in $rc
ids() {
    run "$@"
    tr '\n' ' ' <"$tmp/out" | sed 's/ $//'
}
# kept ARGS...: the token ids probs --format text keeps, in id order, on one line
kept() {
    run probs --format text "$@"
    cut -d' ' -f1 "$tmp/out" | sort -n | tr '\n' ' ' | sed 's/ $//'
}
# is NAME GOT WANT
is() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got \"$2\", expected \"$3\""; fi; }
is "--deny-tokens of the argmax: greedy takes the runner-up" \
    "$(ids sample --temp 0 --format ids --deny-tokens 1 --deny-tokens 3 "$tmp/g.txt")" "2 2"
is "--allow-tokens keeps only the listed tokens" "$(kept $full --allow-tokens 0,3 "$tmp/g.txt")" \
    "0 3"
is "--allow-tokens and --deny-tokens together" \
    "$(kept $full --allow-tokens 0,2 --allow-tokens 3 --deny-tokens 2 "$tmp/g.txt")" "0 3"
is "--min-length 3 --eos-token 1 holds the end token back for 3 steps" \
    "$(ids sample --temp 0 --format ids --min-length 3 --eos-token 1 "$tmp/e.txt")" "2 2 2 1 1"
is "--min-length counts the --history tokens" \
    "$(ids sample --temp 0 --format ids --min-length 3 --eos-token 1 --history 0 "$tmp/e.txt")" \
    "2 2 1 1 1"
is "--eos-token takes several ids" \
    "$(ids sample --temp 0 --format ids --min-length 2 --eos-token 1,2 "$tmp/e.txt")" "3 3 1 1 1"
is "--no-repeat-ngram-size 2: greedy never repeats a bigram" \
    "$(ids sample --temp 0 --format ids --no-repeat-ngram-size 2 "$tmp/e.txt")" "1 1 2 1 3"
is "--no-repeat-ngram-last-n 3 forgets older bigrams" \
    "$(ids sample --temp 0 --format ids --no-repeat-ngram-size 2 --no-repeat-ngram-last-n 3 \
        "$tmp/e.txt")" "1 1 2 1 1"
expect "--no-repeat-ngram-size 1 masks every token after four steps: exit 3" 3 \
    "step 4: TSAMP_ERR_ALL_MASKED" sample --temp 0 --no-repeat-ngram-size 1 "$tmp/e.txt"
is "--epsilon-cutoff 0.1 drops the tokens of p < 0.1" \
    "$(kept $full --epsilon-cutoff 0.1 "$tmp/e.txt")" "1 2"
is "--epsilon-cutoff with --min-keep 3" \
    "$(kept $full --epsilon-cutoff 0.1 --min-keep 3 "$tmp/e.txt")" "1 2 3"
is "--epsilon-cutoff 0.3 keeps the argmax alone" "$(kept $full --epsilon-cutoff 0.3 "$tmp/e.txt")" 1
is "--eta-cutoff 0.3 cuts at sqrt(0.3) exp(-H) = 0.21 instead" \
    "$(kept $full --eta-cutoff 0.3 "$tmp/e.txt")" "1 2"
run probs --format text $full --adaptive-target 0.25 "$tmp/e.txt"
is "--adaptive-target 0.25 makes the token of p 0.237 the most probable" \
    "$(head -n 1 "$tmp/out" | cut -d' ' -f1)" 2
run explain --deny-tokens 0 --epsilon-cutoff 0.01 --adaptive-target 0.3 --min-length 1 \
    --eos-token 3 "$tmp/r.txt"
is "explain: the masks first, epsilon after min-p, adaptive-p last" \
    "$(sed -n 's/^ *[0-9]*  \([a-z_]*\)=.*/\1/p' "$tmp/out" | tr '\n' ' ')" \
    "deny min_length top_k top_p min_p epsilon temp adaptive_p "
run sample --seed 4 --allow-tokens 1,2,3,5,8,13,21,34 --deny-tokens 8 --min-length 2 \
    --eos-token 3 --no-repeat-ngram-size 2 --epsilon-cutoff 0.02 --eta-cutoff 0.01 \
    --adaptive-target 0.4 "$tmp/r.txt"
cp "$tmp/out" "$tmp/hf1"
run sample --seed 4 --samplers "allow=1,2,3,5,8,13,21,34 deny=8 min_length=3,2
    no_repeat_ngram=2,6 top_k=40 top_p=0.95 min_p=0.05 epsilon=0.02 eta=0.01 temp=0.8
    adaptive_p=0.4,0.9" "$tmp/r.txt"
if [ "$rc" -eq 0 ] && [ -s "$tmp/hf1" ]; then
    same "the new flags sample as the spec they stand for" "$tmp/hf1" "$tmp/out"
else fail "new flags vs --samplers: status $rc"; fi
expect "--mirostat keeps --deny-tokens" 0 "" sample --mirostat 1 --deny-tokens 2 --seed 2 "$tmp/r.txt"
for f in --epsilon-cutoff --eta-cutoff --no-repeat-ngram-size --no-repeat-ngram-last-n \
    --allow-tokens --deny-tokens --min-length --eos-token --adaptive-target --adaptive-decay; do
    missing=
    for c in sample probs explain; do
        "$cli" "$c" --help | grep -q -- "^  $f " || missing="$missing $c"
    done
    if [ -z "$missing" ]; then pass "$f is in the --help of sample, probs, explain"
    else fail "$f missing from --help of:$missing"; fi
done

# ---- probs and explain ---------------------------------------------------------------------
run probs --format text --seed 2 --step 3 "$tmp/r.txt"
if [ "$rc" -eq 0 ] && awk '{ s += $2; if (NR > 1 && $2 > prev) bad = 1; prev = $2 }
        END { exit !(s > 0.99999 && s < 1.00001 && !bad && NR > 0) }' "$tmp/out"; then
    pass "probs: probabilities sum to 1, most probable first"
else fail "probs --format text"; fi
run probs --top 1 --temp 0 --step 4 --format text "$tmp/r.txt"
if [ "$(cut -d' ' -f1 "$tmp/out")" = "$(sed -n 5p "$tmp/argmax")" ]; then
    pass "probs --temp 0 keeps the argmax alone"
else fail "probs --temp 0"; fi
run probs "$tmp/g.npy"
if grep -q '^{"step":0,"n_kept":[0-9]*,"tokens":\[{"token":[0-9]*,"prob":' "$tmp/out"; then
    pass "probs --format json"; else fail "probs --format json"; fi
run explain "$tmp/r.txt"
if [ "$rc" -eq 0 ] && [ "$(grep -c '^ *[0-9]  ' "$tmp/out")" -eq 5 ] && grep -q 'top_k=40' "$tmp/out"
then pass "explain: a table row per stage (0 .. 4)"; else fail "explain table"; fi
run explain --format json --top 2 --samplers "top_k=3 greedy" "$tmp/r.txt"
if [ "$rc" -eq 0 ] && [ "$(grep -o '"stage":' "$tmp/out" | wc -l)" -eq 3 ] &&
    grep -q '"processor":"greedy","kept":1,' "$tmp/out"; then
    pass "explain --format json: stages 0 .. 2, greedy keeps one"
else fail "explain --format json"; fi
run explain --svg "$tmp/e.svg" --chart-tokens 6 --temps 0.5,1,2 "$tmp/r.txt"
if [ "$rc" -eq 0 ] && head -c 5 "$tmp/e.svg" | grep -q '<?xml' && tail -n 1 "$tmp/e.svg" |
    grep -q '</svg>'; then pass "explain --svg writes an SVG document"
else fail "explain --svg"; fi
if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); sys.exit(len(d.getElementsByTagName("rect")) < 10)' "$tmp/e.svg" 2>"$tmp/err"
    then pass "the SVG is well-formed XML with its bars"; else fail "the SVG does not parse"; fi
else
    echo "SKIP cli_check: SVG well-formedness (no python3 to parse it)"
fi

# ---- bad input -----------------------------------------------------------------------------
expect "missing file: exit 1, named" 1 "$tmp/none.npy: No such file" sample "$tmp/none.npy"
expect "a directory: exit 1" 1 "directory" sample "$tmp"
: >"$tmp/empty.txt"
expect "empty file: exit 1" 1 "empty.txt: byte 0: empty file" sample "$tmp/empty.txt"
head -c 100 "$tmp/g.npy" >"$tmp/trunc.npy"
expect "truncated .npy: exit 1 with the byte offset" 1 "trunc.npy: byte 100: truncated" \
    sample "$tmp/trunc.npy"
printf '1 2 3\n' >"$tmp/text.npy"
expect ".npy name, no magic: exit 1" 1 "text.npy: byte 0: not a .npy file" probs "$tmp/text.npy"
npy "$tmp/i4.npy" '<i4' '(4,)' "$F1$F1$F1$F1"
expect "integer .npy: exit 1" 1 "unsupported dtype '<i4'" probs "$tmp/i4.npy"
printf '1 2 3\n4 5\n' >"$tmp/ragged.txt"
expect "ragged text: exit 1" 1 "ragged.txt: byte 6: line 2 has 2 numbers" sample "$tmp/ragged.txt"
printf '1 2 3\n1 nan 3\n' >"$tmp/nan.txt"
expect "NaN logit: exit 3 at its step" 3 "nan.txt: step 1: TSAMP_ERR_NONFINITE" sample "$tmp/nan.txt"
if [ "$(wc -l <"$tmp/out")" -eq 1 ]; then pass "the steps before the error are printed"
else fail "output before the sampling error"; fi
printf -- '-inf -inf\n' >"$tmp/masked.txt"
expect "every token masked: exit 3" 3 "TSAMP_ERR_ALL_MASKED" probs "$tmp/masked.txt"
expect "explain on NaN: exit 3" 3 "TSAMP_ERR_NONFINITE" explain --step 1 "$tmp/nan.txt"
expect "--vocab mismatch: exit 1" 1 "4 values per step, but --vocab is 5" probs --vocab 5 "$tmp/g.npy"
expect "raw with a partial step: exit 1" 1 "byte 28: " sample --raw --vocab 7 "$tmp/g.raw"

# ---- bad usage -----------------------------------------------------------------------------
expect "unknown option: exit 2" 2 "unknown option --top-q" sample --top-q 3 "$tmp/g.txt"
expect "bad integer: exit 2" 2 '--top-k: expected an integer, got "x"' sample --top-k x "$tmp/g.txt"
expect "parameter outside its domain: exit 2" 2 "--top-p: top_p=nan" sample --top-p nan "$tmp/g.txt"
expect "bad spec string: exit 2 with the offset" 2 "--samplers: byte 15:" \
    sample --samplers "top_k=3  top_p=x" "$tmp/g.txt"
expect "--samplers with a sampler flag: exit 2" 2 "either --samplers" \
    sample --samplers greedy --temp 0.5 "$tmp/g.txt"
expect "--deny-tokens x: exit 2" 2 '--deny-tokens: expected token ids' \
    sample --deny-tokens x "$tmp/g.txt"
expect "--allow-tokens outside the vocabulary: exit 2" 2 \
    "--allow-tokens: allow=1,4: a token id is outside the vocabulary (0 .. 3)" \
    probs --allow-tokens 1,4 "$tmp/g.txt"
expect "--epsilon-cutoff 1: exit 2" 2 "--epsilon-cutoff: epsilon=1 is not allowed" \
    sample --epsilon-cutoff 1 "$tmp/g.txt"
expect "--eta-cutoff nan: exit 2" 2 "--eta-cutoff: eta=nan is not allowed" \
    probs --eta-cutoff nan "$tmp/g.txt"
expect "--no-repeat-ngram-size -1: exit 2" 2 \
    '--no-repeat-ngram-size: expected a non-negative integer, got "-1"' \
    sample --no-repeat-ngram-size -1 "$tmp/g.txt"
expect "--min-length without --eos-token: exit 2" 2 "--min-length 3: needs --eos-token" \
    sample --min-length 3 "$tmp/g.txt"
expect "--eos-token outside the vocabulary: exit 2" 2 "min_length=9,3: a token id is outside" \
    explain --min-length 3 --eos-token 9 "$tmp/g.txt"
expect "--adaptive-target with --mirostat: exit 2" 2 "--adaptive-target: not with --mirostat" \
    sample --mirostat 2 --adaptive-target 0.3 "$tmp/g.txt"
expect "--adaptive-target inf: exit 2" 2 "--adaptive-target/--adaptive-decay: adaptive_p=inf" \
    sample --adaptive-target inf "$tmp/g.txt"
expect "--samplers with --allow-tokens: exit 2" 2 "either --samplers" \
    sample --samplers greedy --allow-tokens 1 "$tmp/g.txt"
expect "--raw without --vocab: exit 2" 2 "--raw needs --vocab" sample --raw "$tmp/g.raw"
expect "--step past the end: exit 2" 2 "has 2 steps (0 .. 1)" probs --step 2 "$tmp/g.txt"
expect "--history outside the vocabulary: exit 2" 2 "--history: token 4" probs --history 1,4 "$tmp/g.txt"
expect "unknown --format: exit 2" 2 "unknown format" sample --format text "$tmp/g.txt"
expect "two input files: exit 2" 2 "more than one input FILE" sample "$tmp/g.txt" "$tmp/g.txt"
expect "no input file: exit 2" 2 "no input FILE" probs --temp 1
expect "a flag without its value: exit 2" 2 "needs a value" sample "$tmp/g.txt" --top-k
if [ -w /dev/full ]; then
    "$cli" sample "$tmp/r.txt" >/dev/full 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "write error" "$tmp/err"; then pass "a full disk: exit 1"
    else fail "writing to /dev/full: status $rc"; fi
fi
exit "$failed"
