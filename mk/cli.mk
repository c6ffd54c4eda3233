# The tsamp CLI (tools/tsamp.c, tools/common/). Included by the Makefile.
#
# `make test` runs tests/cli_check.sh, which finds the binary through TSAMP_CLI; the unit
# tests (suite cli) also run it when it is there.
export TSAMP_CLI := $(abspath $(B)/tools/tsamp)
test: $(B)/tools/tsamp
TEST_PROGS += tests/cli_check.sh
