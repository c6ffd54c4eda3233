# Fuzzing (fuzz/, DESIGN.md §8). Included by the Makefile.
#
#   make test                          also replays every fuzz/corpus/<target>/ (replay-<target>)
#   make fuzz                          libFuzzer + ASan + UBSan binaries (clang)
#   make fuzz-run T=<target> SECONDS=N fuzz one target; new inputs go to build/fuzz-work/<target>/
#   make -j2 fuzz-ci FUZZ_SECONDS=45   every target for that long, two at a time; fails on
#                                      any finding
#   make fuzz-coverage                 line coverage of src/ reached by replaying COV_CORPUS
#   make valgrind                      the unit tests and the replays under valgrind memcheck
#
# A target is a file fuzz/fuzz_<target>.c; everything else in fuzz/*.c is shared by all.

FUZZ_TARGETS := $(sort $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c)))
FUZZ_SHARED_SRC := $(filter-out fuzz/fuzz_%.c fuzz/replay.c,$(wildcard fuzz/*.c))
FUZZ_HDR := $(wildcard fuzz/*.h)
# Tool code a target needs besides the library (compiled into that target only).
FUZZ_EXTRA_logit_file := tools/common/logit_data.c tools/common/logit_npy.c \
                         tools/common/npy_header.c tools/common/logit_text.c
FUZZ_EXTRA_llama2_file := tools/common/llama2_file.c tools/common/llama2_model.c \
                          tools/common/llama2_tokenizer.c

# ---- replay programs (part of `make test`, any compiler) ----------------------------------

FUZZ_REPLAY := $(FUZZ_TARGETS:%=$(B)/fuzz/replay-%)
FUZZ_SHARED_OBJ := $(FUZZ_SHARED_SRC:fuzz/%.c=$(B)/fuzz/obj/%.o)
TEST_PROGS += $(FUZZ_REPLAY)

# -Isrc: the kernels and spec targets compare internal state (kernel tables, processor list).
$(FUZZ_SHARED_OBJ): $(B)/fuzz/obj/%.o: fuzz/%.c $(FUZZ_HDR) $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -Isrc -c $< -o $@

$(B)/fuzz/replay-%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_SHARED_OBJ) $(FUZZ_HDR) $(HEADERS) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -Isrc -Itools/common -DFUZZ_TARGET_NAME='"$*"' $< fuzz/replay.c \
	    $(FUZZ_SHARED_OBJ) $(FUZZ_EXTRA_$*) -o $@ $(STATIC) $(LDLIBS_ALL)

# ---- libFuzzer binaries ---------------------------------------------------------------------

FUZZ_CC := clang
FUZZ_B := build/$(FUZZ_CC)-san-fuzz
FUZZ_LIB := $(FUZZ_B)/libtsamp.a
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANFLAGS_FUZZ_HARNESS := -fsanitize=address,undefined -fno-sanitize-recover=all \
                         -fno-omit-frame-pointer
# FUZZ_DEFS=-DFUZZ_KNOWN_ISSUES: relax the checks of reported, unfixed issues (fuzz/README.md).
FUZZ_DEFS ?=
FUZZ_CFLAGS := -std=c11 $(OPT) -g -ffp-contract=off -fno-fast-math $(WARN) \
               -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc $(FUZZ_SAN) $(FUZZ_DEFS)
# Binaries built with FUZZ_DEFS go to their own directory, so the two kinds never mix.
FUZZ_BIN_DIR := $(FUZZ_B)/fuzz$(if $(strip $(FUZZ_DEFS)),-known)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BIN_DIR)/fuzz-%)
FUZZ_WORK := build/fuzz-work

.PHONY: fuzz fuzz-run fuzz-ci fuzz-deps fuzz-coverage valgrind

fuzz-deps:
	@sh tools/ensure-deps.sh clang libclang-rt-14-dev $(DEPS_LIB)

# The library with ASan + UBSan and coverage instrumentation, in build/clang-san-fuzz/, built
# by a recursive make (which rebuilds only what changed). Guarded: inside that recursive make
# this path is $(STATIC) itself.
ifneq ($(B),$(FUZZ_B))
$(FUZZ_LIB): $(LIB_SRC) $(HEADERS) | fuzz-deps
	+$(MAKE) --no-print-directory lib CC=$(FUZZ_CC) SAN=1 BUILD_TAG=fuzz \
	    EXTRA_CFLAGS=-fsanitize=fuzzer-no-link
endif

fuzz: $(FUZZ_BINS)

# The shared harness code (reference, checks) gets ASan + UBSan but no coverage feedback: its
# loops would otherwise dominate the time and steer the fuzzer; the library and each target's
# input decoding are what coverage should follow.
FUZZ_HARNESS_OBJ := $(FUZZ_SHARED_SRC:fuzz/%.c=$(FUZZ_BIN_DIR)/harness/%.o)
$(FUZZ_HARNESS_OBJ): $(FUZZ_BIN_DIR)/harness/%.o: fuzz/%.c $(FUZZ_HDR) $(HEADERS) | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out $(FUZZ_SAN),$(FUZZ_CFLAGS)) $(SANFLAGS_FUZZ_HARNESS) -c $< -o $@

$(FUZZ_BIN_DIR)/fuzz-%: fuzz/fuzz_%.c $(FUZZ_HARNESS_OBJ) $(FUZZ_HDR) $(HEADERS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itools/common $< $(FUZZ_HARNESS_OBJ) $(FUZZ_EXTRA_$*) -o $@ \
	    $(FUZZ_LIB) $(LDLIBS_ALL)

# libFuzzer reads both corpus directories and writes new inputs only to the first, the scratch
# one under build/, so the committed corpus stays as it is. Findings (crash-*, timeout-*,
# leak-*) land in build/fuzz-work/<target>/artifacts/. The shell snippet reads $$t (target)
# and $$secs (seconds).
T ?= chain
SECONDS ?= 60
FUZZ_SECONDS ?= 45
FUZZ_FLAGS ?= -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_RUN_SH = mkdir -p $(FUZZ_WORK)/$$t/corpus $(FUZZ_WORK)/$$t/artifacts && \
    $(FUZZ_BIN_DIR)/fuzz-$$t -max_total_time=$$secs $(FUZZ_FLAGS) \
    $$(test -f fuzz/$$t.dict && echo -dict=fuzz/$$t.dict) \
    -artifact_prefix=$(FUZZ_WORK)/$$t/artifacts/ $(FUZZ_WORK)/$$t/corpus fuzz/corpus/$$t

fuzz-run: $(FUZZ_BIN_DIR)/fuzz-$(T)
	t=$(T); secs=$(SECONDS); $(FUZZ_RUN_SH)

# Every target for FUZZ_SECONDS; any finding (failed invariant, crash, leak, timeout) fails it.
# One rule per target, so `make -j2 fuzz-ci` fuzzes two at a time.
FUZZ_CI_RUNS := $(FUZZ_TARGETS:%=fuzz-ci-%)
.PHONY: $(FUZZ_CI_RUNS)
fuzz-ci: $(FUZZ_CI_RUNS)
	@echo "fuzz-ci: no findings in $(words $(FUZZ_TARGETS)) targets"

$(FUZZ_CI_RUNS): fuzz-ci-%: $(FUZZ_BIN_DIR)/fuzz-%
	@mkdir -p $(FUZZ_WORK); t=$*; secs=$(FUZZ_SECONDS); \
	if ! ( $(FUZZ_RUN_SH) ) > $(FUZZ_WORK)/$$t.log 2>&1; then \
	    tail -n 60 $(FUZZ_WORK)/$$t.log; \
	    echo "fuzz-ci: $$t failed (log: $(FUZZ_WORK)/$$t.log)"; exit 1; \
	fi; \
	echo "== fuzz $$t, $$secs s: $$(grep -h '^stat::number_of_executed_units' $(FUZZ_WORK)/$$t.log)"

# ---- valgrind -------------------------------------------------------------------------------

VALGRIND := valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite -q
# Left out under valgrind (they run under ASan + UBSan in make test): the statistical,
# exhaustive and large-vocabulary tests, which take minutes under memcheck and reach no code
# the others do not. tests/main.c skips a test whose name contains "-PATTERN".
VALGRIND_SKIP := stats random every_path accuracy isa_ paths_agree golden_sampling \
    golden_batch no_allocation mu_converges resume composition thread_overhead vs_reference \
    long_run history_independent benchmark chi_square core_matches no_collisions \
    token_matches_sample same_path big_tie story_same isa_bitwise

# The scoring replay is left out too: its long-double references hold the library to bounds of
# a few double ulp, and valgrind computes x87 long double in double precision (a documented
# valgrind limitation), so the reference itself is off by more than that there.
VALGRIND_REPLAYS := $(filter-out %/replay-scoring,$(FUZZ_REPLAY))

valgrind: $(TEST_BIN) $(VALGRIND_REPLAYS)
	@test -z "$(SAN)" || { echo "make valgrind: build without SAN=1" >&2; exit 1; }
	@sh tools/ensure-deps.sh valgrind
	@set -e; echo "== valgrind $(TEST_BIN) (leaving out: $(VALGRIND_SKIP))"; \
	$(VALGRIND) $(TEST_BIN) $(VALGRIND_SKIP:%=-%) > $(B)/valgrind-tests.log 2>&1 || \
	    { cat $(B)/valgrind-tests.log; echo "valgrind: errors in the unit tests"; exit 1; }; \
	if grep -q '^FAIL' $(B)/valgrind-tests.log; then \
	    cat $(B)/valgrind-tests.log; echo "valgrind: a unit test failed"; exit 1; fi; \
	echo "valgrind: $$(grep -c '^PASS' $(B)/valgrind-tests.log) unit tests clean"; \
	for p in $(VALGRIND_REPLAYS); do \
	    $(VALGRIND) $$p > $(B)/valgrind-replay.log 2>&1 || \
	        { cat $(B)/valgrind-replay.log; echo "valgrind: errors in $$p"; exit 1; }; \
	done; echo "valgrind: $(words $(VALGRIND_REPLAYS)) corpus replays clean"

# ---- coverage -------------------------------------------------------------------------------

# Replays fuzz/corpus/<target>/ and COV_CORPUS/<target>/ (or COV_CORPUS/<target>/corpus/ when
# that exists) for every target with a clang source-coverage build, and prints llvm-cov's
# report for the library sources. COV_CORPUS=build/fuzz-work: what the fuzzing runs found.
COV_B := build/clang-cov
COV_LIB := $(COV_B)/libtsamp.a
COV_FLAGS := -fprofile-instr-generate -fcoverage-mapping
COV_CORPUS ?=
LLVM_SUFFIX ?= -14

ifneq ($(B),$(COV_B))
$(COV_LIB): $(LIB_SRC) $(HEADERS) | fuzz-deps
	+$(MAKE) --no-print-directory $(COV_LIB) CC=clang BUILD_TAG=cov EXTRA_CFLAGS="$(COV_FLAGS)"
endif

# Known issues are accepted here (fuzz/README.md): a replay that stops at one would write
# no profile, and this measures coverage, not verdicts (make test gives those).
$(COV_B)/fuzz/replay-%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_SHARED_SRC) $(FUZZ_HDR) $(HEADERS) \
                        $(COV_LIB)
	@mkdir -p $(dir $@)
	clang $(CFLAGS_BASE) $(COV_FLAGS) -Isrc -Itools/common -DFUZZ_KNOWN_ISSUES \
	    -DFUZZ_TARGET_NAME='"$*"' $< fuzz/replay.c $(FUZZ_SHARED_SRC) $(FUZZ_EXTRA_$*) -o $@ \
	    $(COV_LIB) $(LDLIBS_ALL)

fuzz-coverage: $(FUZZ_TARGETS:%=$(COV_B)/fuzz/replay-%)
	@rm -rf $(COV_B)/profiles && mkdir -p $(COV_B)/profiles
	@for t in $(FUZZ_TARGETS); do \
	    d=; if [ -n "$(COV_CORPUS)" ]; then d=$(COV_CORPUS)/$$t; \
	        if [ -d $$d/corpus ]; then d=$$d/corpus; fi; fi; \
	    LLVM_PROFILE_FILE=$(COV_B)/profiles/$$t.profraw $(COV_B)/fuzz/replay-$$t \
	        fuzz/corpus/$$t $$d || echo "fuzz-coverage: replay-$$t failed; no profile"; \
	done
	llvm-profdata$(LLVM_SUFFIX) merge -sparse $(COV_B)/profiles/*.profraw -o $(COV_B)/fuzz.profdata
	llvm-cov$(LLVM_SUFFIX) report -instr-profile=$(COV_B)/fuzz.profdata \
	    $(firstword $(FUZZ_TARGETS:%=$(COV_B)/fuzz/replay-%)) \
	    $(addprefix -object=,$(wordlist 2,100,$(FUZZ_TARGETS:%=$(COV_B)/fuzz/replay-%))) \
	    $(LIB_SRC)
