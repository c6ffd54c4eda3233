# aarch64 cross build of the library and the unit tests, run under qemu-user (DESIGN.md §8):
# the NEON path must reproduce, bit for bit, the golden vectors the x86 paths reproduce.
#
#   make test-aarch64   installs the cross compiler and qemu-user if missing (Debian packages),
#                       builds the library and tsamp-tests into build/aarch64/, runs them under
#                       qemu-aarch64 through tests/run.sh: ends with "N passed, M failed, ..."
#   AARCH64_TESTS="a b" only the tests whose names contain a, then those with b (default: all;
#                       a test matching two filters runs twice)
#
# xxHash: -DXXH_INLINE_ALL compiles the host's xxhash.h (architecture-independent, from
# libxxhash-dev) into each file that uses it, so no arm64 libxxhash is needed. Only this build
# does that; the native builds link libxxhash.

AARCH64_CC := aarch64-linux-gnu-gcc
AARCH64_AR := aarch64-linux-gnu-ar
AARCH64_SYSROOT := /usr/aarch64-linux-gnu
AARCH64_QEMU := qemu-aarch64 -L $(AARCH64_SYSROOT)
AARCH64_B := build/aarch64
AARCH64_DEPS := gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
                qemu-user libxxhash-dev
AARCH64_TESTS ?=

# The project's flags, minus anything host-specific (pkg-config, EXTRA_CFLAGS, sanitizers).
AARCH64_CFLAGS := -std=c11 $(OPT) -g -fPIC -ffp-contract=off -fno-fast-math $(WARN) \
                  -D_POSIX_C_SOURCE=200809L -Iinclude -DXXH_INLINE_ALL
AARCH64_LIB_OBJ := $(LIB_SRC:%.c=$(AARCH64_B)/%.o)
AARCH64_STATIC := $(AARCH64_B)/libtsamp.a
AARCH64_SHARED := $(AARCH64_B)/libtsamp.so
AARCH64_TEST_BIN := $(AARCH64_B)/tests/tsamp-tests
AARCH64_TEST_RUN := $(AARCH64_B)/tests/tsamp-tests-qemu

.PHONY: test-aarch64 aarch64-deps

aarch64-deps:
	@sh tools/ensure-deps.sh $(AARCH64_DEPS)

$(AARCH64_LIB_OBJ): $(AARCH64_B)/%.o: %.c $(HEADERS) | aarch64-deps
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -fvisibility=hidden -DTSAMP_BUILDING_LIBRARY -c $< -o $@

$(AARCH64_STATIC): $(AARCH64_LIB_OBJ)
	@rm -f $@
	$(AARCH64_AR) rcs $@ $^

# Only for the export check of tests/run.sh.
$(AARCH64_SHARED): $(AARCH64_LIB_OBJ)
	$(AARCH64_CC) -shared -o $@ $^ -lm -lpthread

$(AARCH64_TEST_BIN): $(TEST_SRC) $(wildcard tests/*.h) $(TOOL_LIB_SRC) $(TOOL_LIB_HDR) \
                     include/tsamp.h $(AARCH64_STATIC)
	@mkdir -p $(dir $@)
	$(AARCH64_CC) $(AARCH64_CFLAGS) -Wno-float-equal -Isrc -Itools/common $(TEST_SRC) \
	    $(TOOL_LIB_SRC) -o $@ $(AARCH64_STATIC) -lm -lpthread

# tests/run.sh runs programs by path: this script runs the aarch64 tests under qemu, once per
# filter of AARCH64_TESTS (from the environment), or once in all.
$(AARCH64_TEST_RUN): $(AARCH64_TEST_BIN)
	printf '%s\n' '#!/bin/sh' 'bin="$$(dirname "$$0")/tsamp-tests"' \
	    '[ -n "$$AARCH64_TESTS" ] || exec $(AARCH64_QEMU) "$$bin"' 'rc=0' \
	    'for f in $$AARCH64_TESTS; do $(AARCH64_QEMU) "$$bin" "$$f" || rc=1; done' 'exit $$rc' > $@
	chmod +x $@

test-aarch64: $(AARCH64_TEST_RUN) $(AARCH64_SHARED)
	@AARCH64_TESTS="$(AARCH64_TESTS)" sh tests/run.sh $(AARCH64_SHARED) $(AARCH64_TEST_RUN)
