# tsamp - exact, fast, reproducible LLM token sampling.
# `make help` lists the targets. Out-of-tree objects go to build/<compiler>[-san]/, so gcc,
# clang and sanitizer builds never mix.

CC  ?= cc
CXX ?= c++
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=
SAN ?=
OPT ?= -O2

VERSION_MAJOR := 0
VERSION := 0.1.0
SONAME := libtsamp.so.$(VERSION_MAJOR)

BUILD_TAG ?=
EXTRA_CFLAGS ?=
VARIANT := $(notdir $(firstword $(CC)))$(if $(SAN),-san)$(if $(BUILD_TAG),-$(BUILD_TAG))
B := build/$(VARIANT)

ARCH := $(shell $(CC) -dumpmachine 2>/dev/null)
IS_X86 := $(if $(filter x86_64% i686% i386%,$(ARCH)),1)

# Every warning the project promises to be clean under. -ffp-contract=off: a fused
# multiply-add rounds differently from mul+add, and every path must give the scalar bits.
WARN := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wconversion
CFLAGS_BASE := -std=c11 $(OPT) -g -fPIC -ffp-contract=off -fno-fast-math $(WARN) \
               -D_POSIX_C_SOURCE=200809L -Iinclude $(EXTRA_CFLAGS)
ifneq ($(SAN),)
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
XXH_CFLAGS = $(shell pkg-config --cflags libxxhash 2>/dev/null)
XXH_LIBS = $(shell pkg-config --libs libxxhash 2>/dev/null || echo -lxxhash)
LIB_CFLAGS = $(CFLAGS_BASE) $(SANFLAGS) $(XXH_CFLAGS) -fvisibility=hidden -DTSAMP_BUILDING_LIBRARY
APP_CFLAGS = $(CFLAGS_BASE) $(SANFLAGS)
LDLIBS_ALL = $(XXH_LIBS) -lm -lpthread

LIB_SRC := $(wildcard src/*.c) $(wildcard src/simd/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
HEADERS := include/tsamp.h $(wildcard src/*.h)

# Per-file target flags: only these files may use the ISA; the rest is baseline.
ifeq ($(IS_X86),1)
$(B)/src/simd/avx2.o: ISA_FLAGS := -mavx2
$(B)/src/simd/avx512.o: ISA_FLAGS := -mavx512f
endif

STATIC := $(B)/libtsamp.a
SHARED := $(B)/libtsamp.so.$(VERSION)

# Code the tools share (file readers, the model): linked into every tool and into the tests.
TOOL_LIB_SRC := $(wildcard tools/common/*.c)
TOOL_LIB_HDR := $(wildcard tools/common/*.h)

TEST_SRC := $(wildcard tests/*.c)
TEST_BIN := $(B)/tests/tsamp-tests
PCG_BIN := $(B)/tests/pcg-ref-compare
TOOLS := $(B)/tools/tsamp-demo $(B)/tools/tsamp-bench
CLI := $(if $(wildcard tools/tsamp.c),$(B)/tools/tsamp)
TOOLS += $(CLI)
# Every program `make test` runs (fragments below may add theirs).
TEST_PROGS := $(TEST_BIN) $(PCG_BIN)

# Fragments of other parts of the build (fuzzing, the llama.cpp adapter, ...): each may add
# targets, tools and TEST_PROGS. Their rules come after `all` below.
MK_FRAGMENTS := $(wildcard mk/*.mk)

DEPS_LIB := libxxhash-dev pkg-config
DEPS_TEST := $(DEPS_LIB) libpcg-cpp-dev g++

.PHONY: all lib tools test demo bench install uninstall clean help deps deps-test
.DELETE_ON_ERROR:

all: lib tools

include $(MK_FRAGMENTS)

help:
	@echo "make              build the static and shared library and the tools"
	@echo "make demo         tell a story with stories260K (MODEL=, TOKENIZER=), or the synthetic model if it is absent"
	@echo "make test         build and run every test; ends with 'N passed, M failed'"
	@echo "make bench        quick benchmark: us/token per chain vs SIMD floors and a naive sampler"
	@echo "make test-aarch64 the tests for aarch64 (NEON) under qemu-user (AARCH64_TESTS= filters)"
	@echo "make test-llama   the llama.cpp adapter (contrib/llama/) against libllama fetched with npm"
	@echo "make golden       regenerate tests/golden/ after a deliberate change of tokens"
	@echo "make fuzz         libFuzzer targets; fuzz-run T=target SECONDS=N; fuzz-ci FUZZ_SECONDS=N"
	@echo "make fuzz-coverage line coverage of src/ by the corpora (COV_CORPUS=build/fuzz-work)"
	@echo "make valgrind     the unit tests (but the slow ones) and every corpus replay under memcheck"
	@echo "make install      install header, libraries, tsamp.pc and the tsamp CLI (PREFIX=$(PREFIX) DESTDIR=)"
	@echo "make uninstall    remove what install put there"
	@echo "make clean        remove build/"
	@echo "variables: CC=gcc|clang  SAN=1 (ASan+UBSan)  MODEL=, TOKENIZER= (demo)"
	@echo "           TSAMP_ISA=scalar|avx2|avx512|neon (run time: force a code path)"

# Missing Debian packages are installed when running as root, else the command is printed.
deps:
	@sh tools/ensure-deps.sh $(DEPS_LIB)
deps-test:
	@sh tools/ensure-deps.sh $(DEPS_TEST)

lib: $(STATIC) $(SHARED)

$(B)/%.o: %.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(ISA_FLAGS) -c $< -o $@

$(STATIC): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SHARED): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(SANFLAGS) -o $@ $^ $(LDLIBS_ALL)
	ln -sf libtsamp.so.$(VERSION) $(B)/$(SONAME)
	ln -sf $(SONAME) $(B)/libtsamp.so

tools: $(TOOLS)

# The benchmark reads the kernel table (src/) to time the floors on the same path.
$(B)/tools/%: tools/%.c $(TOOL_LIB_SRC) $(TOOL_LIB_HDR) $(HEADERS) $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -Isrc -Itools/common $< $(TOOL_LIB_SRC) -o $@ $(STATIC) $(LDLIBS_ALL)

$(TEST_BIN): $(TEST_SRC) $(wildcard tests/*.h) $(TOOL_LIB_SRC) $(TOOL_LIB_HDR) include/tsamp.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) $(APP_CFLAGS) -Wno-float-equal -Isrc -Itools/common $(TEST_SRC) $(TOOL_LIB_SRC) -o $@ \
	    $(STATIC) $(LDLIBS_ALL)

$(PCG_BIN): tests/cxx/pcg_ref_compare.cpp include/tsamp.h $(STATIC) | deps-test
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 $(OPT) -Wall -Wextra -Werror $(SANFLAGS) -Iinclude $< -o $@ $(STATIC) $(LDLIBS_ALL)

test: $(TEST_PROGS) $(SHARED)
	@TSAMP_MAKE_VARS="CC=$(CC) CXX=$(CXX) $(if $(SAN),SAN=1)" \
	    sh tests/run.sh $(SHARED) $(TEST_PROGS) tests/install_check.sh

# The demo runs the real model when its files exist, else the synthetic one (and says so).
MODEL ?= ../shared/models/stories260K/stories260K.bin
TOKENIZER ?= ../shared/models/stories260K/tok512.bin
demo: $(B)/tools/tsamp-demo
	$(B)/tools/tsamp-demo --model $(MODEL) --tokenizer $(TOKENIZER)

# A quick run (under a minute); the README gives the full command.
BENCH_ARGS ?= --seconds 0.1
bench: $(B)/tools/tsamp-bench
	$(B)/tools/tsamp-bench $(BENCH_ARGS)

$(B)/tsamp.pc: tsamp.pc.in
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

install: lib $(CLI) $(B)/tsamp.pc
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(if $(CLI),install -d $(DESTDIR)$(BINDIR) && install -m 755 $(CLI) $(DESTDIR)$(BINDIR)/tsamp)
	install -m 644 include/tsamp.h $(DESTDIR)$(INCLUDEDIR)/tsamp.h
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/libtsamp.a
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/libtsamp.so.$(VERSION)
	ln -sf libtsamp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libtsamp.so
	install -m 644 $(B)/tsamp.pc $(DESTDIR)$(PKGCONFIGDIR)/tsamp.pc

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tsamp
	rm -f $(DESTDIR)$(INCLUDEDIR)/tsamp.h $(DESTDIR)$(LIBDIR)/libtsamp.a \
	      $(DESTDIR)$(LIBDIR)/libtsamp.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/libtsamp.so $(DESTDIR)$(PKGCONFIGDIR)/tsamp.pc

clean:
	rm -rf build
