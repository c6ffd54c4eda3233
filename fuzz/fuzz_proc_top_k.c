/* Fuzz target: the top_k processor alone, against its definition (proc_target.h). */
#include "invariants.h"
#include "proc_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_processor_target("top_k", data, size);
}
