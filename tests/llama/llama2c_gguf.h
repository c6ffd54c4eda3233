/* A llama2.c checkpoint + tokenizer written as a GGUF file llama.cpp loads (test helper). */
#ifndef TSAMP_TESTS_LLAMA2C_GGUF_H
#define TSAMP_TESTS_LLAMA2C_GGUF_H

#include <stddef.h>

/** @return 0, or -1 with a message in err. */
int llama2c_to_gguf(const char *model_path, const char *tok_path, const char *out_path,
                    char *err, size_t errlen);

#endif
