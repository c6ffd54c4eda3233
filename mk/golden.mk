# Golden vectors (tests/golden/, format and table in tools/common/golden.h, golden_cases.c).
# Included by the Makefile.
#
#   make golden                 regenerate tests/golden/<case>.txt for every case; says which
#                               files are new or changed (review the diff: a changed golden
#                               file is a changed token somewhere)
#   make golden CASES="a b"     only those cases
#
# The generator runs each case on every code path the machine has and writes nothing for a
# case whose paths disagree.

CASES ?=
TOOLS += $(B)/tools/tsamp-golden

.PHONY: golden
golden: $(B)/tools/tsamp-golden
	@mkdir -p tests/golden
	$(B)/tools/tsamp-golden --dir tests/golden $(CASES)
