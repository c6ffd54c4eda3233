/*
 * Golden vectors (DESIGN.md §6): every case of tools/common/golden_cases.c against its file in
 * tests/golden/, on every code path this machine has (the file text, byte for byte: tokens and
 * log-probability bits), then sampling alone (no distribution call before each draw) and
 * through tsamp_sample_batch with threads and the rows reversed, token for token.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "golden.h"

static const tsamp_isa PATHS[] = {TSAMP_ISA_SCALAR, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                  TSAMP_ISA_NEON};
enum { N_PATHS = sizeof PATHS / sizeof PATHS[0] };

static char want[GOLDEN_TEXT_CAP], got[GOLDEN_TEXT_CAP];

/* Prints the first line where the texts differ. */
static void report_diff(const char *name, const char *path, const char *a, const char *b) {
    size_t line = 1, i = 0;
    while (a[i] && a[i] == b[i]) line += a[i++] == '\n';
    while (i > 0 && a[i - 1] != '\n') i--;
    int la = (int)strcspn(a + i, "\n"), lb = (int)strcspn(b + i, "\n");
    check_fail(__FILE__, __LINE__, "%s on %s: line %zu is \"%.*s\", the file has \"%.*s\"", name,
               path, line, lb, b + i, la, a + i);
}

/* The file of a case, read into `want`; fails the test and returns 0 if it cannot be used. */
static int load_file(const golden_case *gc, const golden_work *w) {
    if (golden_read(gc, want, sizeof want) < 0) {
        check_fail(__FILE__, __LINE__, "%s/%s.txt: missing or too long (make golden writes it)",
                   golden_dir(), gc->name);
        return 0;
    }
    const char *b = strstr(want, "\nbase ");
    uint64_t hash = b ? strtoull(b + 6, NULL, 16) : 0;
    CHECKF(hash == w->base_hash,
           "%s: this platform's libm gives other %s logits (XXH3 %016" PRIx64 ", file %016" PRIx64
           "): not a tsamp difference, but the vectors cannot be compared",
           gc->name, gc->shape, w->base_hash, hash);
    return hash == w->base_hash;
}

/* One case on every path, in lockstep so each step's logits are made once. */
static void check_case(const golden_case *gc, golden_work *w, size_t *runs) {
    tsamp_chain *chains[N_PATHS] = {NULL};
    static golden_step steps[N_PATHS][GOLDEN_STEPS];
    for (size_t p = 0; p < N_PATHS; p++) {
        if (!tsamp_isa_available(PATHS[p])) continue;
        tsamp_status st = golden_chain(gc, PATHS[p], &chains[p]);
        CHECKF(st == TSAMP_OK, "%s: %s", gc->name, tsamp_status_str(st));
    }
    for (size_t s = 0; s < GOLDEN_STEPS; s++) {
        golden_logits(gc, w, s, w->logits);
        for (size_t p = 0; p < N_PATHS; p++)
            if (chains[p]) golden_step_run(chains[p], w, 0, &steps[p][s]);
    }
    for (size_t p = 0; p < N_PATHS; p++) {
        if (!chains[p]) continue;
        tsamp_chain_free(chains[p]);
        golden_format(gc, w->base_hash, steps[p], got, sizeof got);
        if (strcmp(want, got) != 0) report_diff(gc->name, tsamp_isa_name(PATHS[p]), want, got);
        (*runs)++;
    }
}

static void test_golden_every_path(void) {
    size_t runs = 0, paths = 0;
    for (size_t i = 0; i < golden_n_cases; i++) {
        const golden_case *gc = &golden_cases[i];
        golden_work w;
        CHECKF(golden_work_init(&w, gc) == 0, "%s: out of memory", gc->name);
        if (!w.n) continue;
        if (load_file(gc, &w)) check_case(gc, &w, &runs);
        golden_work_free(&w);
    }
    for (size_t p = 0; p < N_PATHS; p++) paths += tsamp_isa_available(PATHS[p]) != 0;
    check_note("%zu cases x %zu paths = %zu runs of %d steps", golden_n_cases, paths, runs,
               GOLDEN_STEPS);
}

/* Every file in the directory belongs to a case (a renamed case leaves none behind). */
static void test_golden_no_stray_files(void) {
    DIR *d = opendir(golden_dir());
    CHECKF(d, "cannot open %s", golden_dir());
    if (!d) return;
    size_t files = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0) continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 4), e->d_name);
        CHECKF(golden_find(name), "%s/%s: no such case in tools/common/golden_cases.c",
               golden_dir(), e->d_name);
        files++;
    }
    closedir(d);
    CHECKF(files >= golden_n_cases, "%zu files for %zu cases", files, golden_n_cases);
}

/* The steps of a case's file; 0 if it cannot be used (already reported by load_file). */
static int file_steps(const golden_case *gc, golden_step *steps) {
    if (golden_read(gc, want, sizeof want) < 0) return 0;
    size_t bad = golden_parse_steps(gc, want, steps);
    CHECKF(bad == 0, "%s: line %zu is malformed", gc->name, bad);
    return bad == 0;
}

static void compare_steps(const golden_case *gc, const char *how, const golden_step *want_s,
                          const golden_step *got_s) {
    for (size_t s = 0; s < GOLDEN_STEPS; s++)
        CHECKF(want_s[s].status == got_s[s].status && want_s[s].token == got_s[s].token,
               "%s, %s: step %zu: token %d (status %d), the file has %d (status %d)", gc->name,
               how, s, (int)got_s[s].token, (int)got_s[s].status, (int)want_s[s].token,
               (int)want_s[s].status);
}

/* tsamp_chain_distribution before each draw changes nothing: sampling alone gives the file's
 * tokens (on the default path). */
static void test_golden_sampling_alone(void) {
    for (size_t i = 0; i < golden_n_cases; i++) {
        const golden_case *gc = &golden_cases[i];
        golden_step want_s[GOLDEN_STEPS], got_s[GOLDEN_STEPS];
        if (!file_steps(gc, want_s)) continue;
        golden_work w;
        tsamp_chain *c;
        if (golden_work_init(&w, gc) != 0) continue;
        if (golden_chain(gc, TSAMP_ISA_AUTO, &c) == TSAMP_OK) {
            golden_run(gc, c, &w, 0, GOLDEN_STEPS, 1, got_s);
            compare_steps(gc, "sampling alone", want_s, got_s);
            tsamp_chain_free(c);
        }
        golden_work_free(&w);
    }
}

/* All cases at once, one batch per step: rows in reverse order, two threads, explicit
 * positions, accept on. */
static void test_golden_batch_threads(void) {
    size_t n = golden_n_cases;
    golden_work *w = calloc(n, sizeof *w);
    golden_step(*want_s)[GOLDEN_STEPS] = calloc(n, sizeof *want_s);
    tsamp_chain **chains = calloc(n, sizeof *chains);
    const float **logits = calloc(n, sizeof *logits);
    uint64_t *pos = calloc(n, sizeof *pos);
    int32_t *tokens = calloc(n, sizeof *tokens);
    tsamp_status *statuses = calloc(n, sizeof *statuses);
    int ok = w && want_s && chains && logits && pos && tokens && statuses;
    CHECK(ok);
    for (size_t i = 0; ok && i < n; i++) {
        const golden_case *gc = &golden_cases[i];
        ok = file_steps(gc, want_s[i]) && golden_work_init(&w[i], gc) == 0 &&
             golden_chain(gc, TSAMP_ISA_AUTO, &chains[n - 1 - i]) == TSAMP_OK;
        if (ok) logits[n - 1 - i] = w[i].logits;
    }
    tsamp_batch_params bp = tsamp_batch_default_params();
    bp.n_threads = 2;
    bp.accept = 1;
    for (size_t s = 0; ok && s < GOLDEN_STEPS; s++) {
        for (size_t i = 0; i < n; i++) {
            golden_logits(&golden_cases[i], &w[i], s, w[i].logits);
            pos[n - 1 - i] = golden_cases[i].start + s;
        }
        tsamp_sample_batch(chains, logits, pos, n, &bp, tokens, statuses);
        for (size_t i = 0; i < n; i++) {
            const golden_step *g = &want_s[i][s];
            CHECKF(statuses[n - 1 - i] == g->status && tokens[n - 1 - i] == g->token,
                   "%s, batch: step %zu: token %d (status %d), the file has %d (status %d)",
                   golden_cases[i].name, s, (int)tokens[n - 1 - i], (int)statuses[n - 1 - i],
                   (int)g->token, (int)g->status);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (chains) tsamp_chain_free(chains[i]);
        if (w) golden_work_free(&w[i]);
    }
    free(w), free(want_s), free(chains), free(logits), free(pos), free(tokens), free(statuses);
}

void suite_golden(void) {
    RUN(test_golden_every_path);
    RUN(test_golden_no_stray_files);
    RUN(test_golden_sampling_alone);
    RUN(test_golden_batch_threads);
}
