# The llama.cpp adapter (contrib/llama/) against the real libllama. Included by the Makefile.
#
#   make test-llama   fetches llama.cpp's header and a prebuilt libllama with npm into
#                     build/llama/ (tests/llama/fetch.sh; once), builds the adapter and
#                     tests/llama/test_llama_adapter.c against them (rpath to build/llama/lib)
#                     and runs it through tests/run.sh: ends with "N passed, M failed, ...".
#                     Without npm or git, off x86-64 Linux, or when the download fails it prints
#                     "test-llama: skipped: <reason>" and succeeds.
#
# LLAMA_NPM_VERSION pins node-llama-cpp and @node-llama-cpp/linux-x64: both are built from one
# llama.cpp release (fetch.sh checks it), so the header describes the library. `make test`
# does not depend on any of this.

LLAMA_NPM_VERSION ?= 3.22.1
LLAMA_DIR := build/llama
LLAMA_STAMP := $(LLAMA_DIR)/ok-$(LLAMA_NPM_VERSION)
LLAMA_TEST_BIN := $(B)/tests/llama/test-llama-adapter
LLAMA_EXAMPLE_BIN := $(B)/tests/llama/readme-example
LLAMA_SRC := contrib/llama/tsamp_llama.c
LLAMA_HDR := contrib/llama/tsamp_llama.h
# Every allocation of the test, the adapter and the static libtsamp goes through the test's
# counters (the no-allocation-per-token check).
LLAMA_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc

.PHONY: test-llama llama-fetch llama-run

test-llama:
	@sh tests/llama/fetch.sh $(LLAMA_DIR) $(LLAMA_NPM_VERSION); rc=$$?; \
	if [ $$rc -eq 77 ]; then exit 0; elif [ $$rc -ne 0 ]; then exit $$rc; fi; \
	$(MAKE) --no-print-directory llama-run

llama-fetch:
	@sh tests/llama/fetch.sh $(LLAMA_DIR) $(LLAMA_NPM_VERSION); rc=$$?; [ $$rc -eq 77 ] || exit $$rc

# The real-context test converts the llama2.c model of `make demo` (MODEL=, TOKENIZER=) to
# GGUF; without it, that test reports SKIP and the others run on fixed logits.
# Then the program of contrib/llama/README.md runs on that model.
llama-run: $(LLAMA_TEST_BIN) $(LLAMA_EXAMPLE_BIN) $(SHARED)
	@rm -f $(LLAMA_DIR)/stories260K.gguf
	@TSAMP_LLAMA_MODEL="$(MODEL)" TSAMP_LLAMA_TOKENIZER="$(TOKENIZER)" \
	    TSAMP_LLAMA_GGUF="$(LLAMA_DIR)/stories260K.gguf" TSAMP_LLAMA_LIBDIR="$(LLAMA_DIR)/lib" \
	    TSAMP_LLAMA_EXAMPLE="$(LLAMA_EXAMPLE_BIN)" \
	    sh tests/run.sh $(SHARED) $(LLAMA_TEST_BIN) tests/llama/readme_example.sh

$(LLAMA_STAMP):
	@echo "$@ is missing: run make test-llama (or make llama-fetch)"; exit 1

LLAMA_TEST_SRC := tests/llama/test_llama_adapter.c tests/llama/llama2c_gguf.c tests/check.c

$(LLAMA_TEST_BIN): $(LLAMA_TEST_SRC) tests/llama/llama2c_gguf.h tests/check.h $(LLAMA_SRC) $(LLAMA_HDR) \
                   include/tsamp.h $(STATIC) $(LLAMA_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -I$(LLAMA_DIR)/include -Icontrib/llama -Itests \
	    -DLLAMA_LIB_DIR='"$(abspath $(LLAMA_DIR)/lib)"' $(LLAMA_TEST_SRC) $(LLAMA_SRC) -o $@ \
	    $(STATIC) -L$(LLAMA_DIR)/lib -lllama -lggml -lggml-base \
	    -Wl,-rpath,$(abspath $(LLAMA_DIR)/lib) $(LLAMA_WRAP) $(LDLIBS_ALL)

# The first ```c block of contrib/llama/README.md, built as the documentation tells.
$(LLAMA_EXAMPLE_BIN): contrib/llama/README.md $(LLAMA_SRC) $(LLAMA_HDR) include/tsamp.h \
                      $(STATIC) $(LLAMA_STAMP)
	@mkdir -p $(dir $@)
	awk '/^```c$$/ {on = 1; next} /^```$$/ {if (on) exit} on' $< >$@.c
	$(CC) $(APP_CFLAGS) -I$(LLAMA_DIR)/include -Icontrib/llama $@.c $(LLAMA_SRC) -o $@ \
	    $(STATIC) -L$(LLAMA_DIR)/lib -lllama -lggml -lggml-base \
	    -Wl,-rpath,$(abspath $(LLAMA_DIR)/lib) $(LDLIBS_ALL)
