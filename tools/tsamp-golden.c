/*
 * tsamp-golden: writes the golden vectors, tests/golden/<case>.txt (format: tools/common/
 * golden.h), for every case of tools/common/golden_cases.c or the ones named.
 *
 *   tsamp-golden [--dir DIR] [CASE ...]
 *
 * Each case runs on the scalar path and on every other path this machine has; a file is
 * written only when they all agree (otherwise the library breaks its own contract, and the
 * tool says where and exits 1). Says which files are new or changed.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"

static const tsamp_isa PATHS[] = {TSAMP_ISA_SCALAR, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                  TSAMP_ISA_NEON};

/* The file text of a case on one path; 0 on failure (reported). */
static size_t run_case(const golden_case *gc, golden_work *w, tsamp_isa isa, char *text) {
    tsamp_chain *c;
    tsamp_status st = golden_chain(gc, isa, &c);
    if (st != TSAMP_OK) {
        fprintf(stderr, "tsamp-golden: %s: chain: %s\n", gc->name, tsamp_status_str(st));
        return 0;
    }
    golden_step steps[GOLDEN_STEPS];
    golden_run(gc, c, w, 0, GOLDEN_STEPS, 0, steps);
    tsamp_chain_free(c);
    for (size_t s = 0; s < GOLDEN_STEPS; s++)
        if (steps[s].status == TSAMP_OK && steps[s].logprob_bits == 0xff800000u)
            fprintf(stderr, "tsamp-golden: %s: step %zu: token %d is not in the distribution\n",
                    gc->name, s, (int)steps[s].token);
    size_t len = golden_format(gc, w->base_hash, steps, text, GOLDEN_TEXT_CAP);
    if (!len) fprintf(stderr, "tsamp-golden: %s: text too long\n", gc->name);
    return len;
}

/* 1 if the file holds exactly text[0 .. len). */
static int same_file(const char *path, const char *text, size_t len) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char *old = malloc(len + 1);
    size_t n = old ? fread(old, 1, len + 1, f) : 0;
    int same = old && n == len && memcmp(old, text, len) == 0;
    fclose(f);
    free(old);
    return same;
}

static int write_case(const golden_case *gc, const char *dir, int *changed) {
    golden_work w;
    if (golden_work_init(&w, gc)) {
        fprintf(stderr, "tsamp-golden: %s: out of memory or unknown shape\n", gc->name);
        return -1;
    }
    static char text[GOLDEN_TEXT_CAP], other[GOLDEN_TEXT_CAP];
    size_t len = run_case(gc, &w, TSAMP_ISA_SCALAR, text);
    int rc = len ? 0 : -1;
    for (size_t i = 1; rc == 0 && i < sizeof PATHS / sizeof PATHS[0]; i++) {
        if (!tsamp_isa_available(PATHS[i])) continue;
        size_t olen = run_case(gc, &w, PATHS[i], other);
        if (olen != len || memcmp(text, other, len) != 0) {
            fprintf(stderr, "tsamp-golden: %s: path %s differs from scalar; nothing written\n",
                    gc->name, tsamp_isa_name(PATHS[i]));
            rc = -1;
        }
    }
    golden_work_free(&w);
    if (rc) return rc;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.txt", dir, gc->name);
    if (same_file(path, text, len)) return 0;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "tsamp-golden: cannot write %s\n", path);
        return -1;
    }
    printf("wrote %s\n", path);
    (*changed)++;
    return 0;
}

int main(int argc, char **argv) {
    const char *dir = "tests/golden";
    int first = 1;
    if (argc > 2 && strcmp(argv[1], "--dir") == 0) dir = argv[2], first = 3;
    int failed = 0, changed = 0, done = 0;
    for (size_t i = 0; i < golden_n_cases; i++) {
        const golden_case *gc = &golden_cases[i];
        int wanted = first == argc;
        for (int a = first; a < argc; a++) wanted |= strcmp(argv[a], gc->name) == 0;
        if (!wanted) continue;
        failed |= write_case(gc, dir, &changed) != 0;
        done++;
    }
    for (int a = first; a < argc; a++)
        if (!golden_find(argv[a])) {
            fprintf(stderr, "tsamp-golden: no case named %s\n", argv[a]);
            failed = 1;
        }
    printf("tsamp-golden: %d cases, %d files written or changed, paths:", done, changed);
    for (size_t i = 0; i < sizeof PATHS / sizeof PATHS[0]; i++)
        if (tsamp_isa_available(PATHS[i])) printf(" %s", tsamp_isa_name(PATHS[i]));
    printf("\n");
    return failed;
}
