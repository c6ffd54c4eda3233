/*
 * tsamp-bench: microseconds per token for sampler chains, next to two floors measured in the
 * same process on the same logits (floor_max: one SIMD max pass; floor_lse: a max pass plus a
 * pass summing exp(x - max)) and a naive textbook sampler (expf softmax, qsort, cumulative
 * walk). Medians of per-token times; every ratio comes from one run.
 *
 *   tsamp-bench [--vocab 32000,128256,...] [--shape normal3,peaked] [--chains a,b,c,...]
 *               [--isa auto|scalar|avx2|avx512|neon] [--seconds S] [--json FILE] [--batch 0|1]
 *
 * --batch 1 (default) also times tsamp_sample_batch for B = 1, 8, 64 rows with 1 and 2
 * threads at V = 128256 (tools/common/bench_batch.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_batch.h"
#include "logit_shapes.h"
#include "tsamp.h"
#include "tsamp_internal.h" /* the kernels, for the floors */

typedef struct {
    const char *name, *spec, *what;
    int naive; /* 1: compare with the naive sampler (0 none, 1 dist, 2 top-p) */
} chain_def;

static const chain_def CHAINS[] = {
    {"a", "greedy", "greedy", 0},
    {"b", "temp=0.8", "temp 0.8 + dist", 1},
    {"c", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8", "top_k 40 + top_p 0.95 + min_p 0.05 + temp 0.8", 0},
    {"d", "top_p=0.9", "top_p 0.9 + dist", 2},
    {"e", "min_p=0.05", "min_p 0.05 + dist", 0},
    {"g", "top_k=40 temp=0.8", "top_k 40 + temp 0.8", 0},
    {"typ", "typical=0.9", "typical 0.9 + dist", 0},
    {"tns", "top_n_sigma=1", "top_n_sigma 1.0 + dist", 0},
    {"dyn", "temp_ext=0.8,0.5,1", "temp_ext (0.8, 0.5, 1) + dist", 0},
    {"mir", "temp=0.8 mirostat_v2=5,0.1", "temp 0.8 + mirostat v2 (5, 0.1)", 0},
    {"xtc", "xtc=1,0.1", "xtc (1.0, 0.1) + dist", 0},
    {"pen", "penalties=64,1.1 top_k=40 top_p=0.95 min_p=0.05 temp=0.8", "penalties (64, 1.1) + c", 0},
};
enum { N_CHAINS = sizeof CHAINS / sizeof CHAINS[0] };

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- the naive sampler ------------------------------------------------------------------- */

typedef struct {
    float p;
    int32_t id;
} naive_entry;

static int naive_cmp(const void *a, const void *b) {
    float x = ((const naive_entry *)a)->p, y = ((const naive_entry *)b)->p;
    return (x < y) - (x > y);
}

/* As the textbook does it: softmax with expf, qsort every token, cumulative walk. */
static int32_t naive_sample(const float *x, size_t n, float temp, float top_p, naive_entry *e,
                            double u) {
    float m = x[0];
    for (size_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        e[i].p = expf((x[i] - m) / temp);
        e[i].id = (int32_t)i;
        sum += e[i].p;
    }
    for (size_t i = 0; i < n; i++) e[i].p /= sum;
    qsort(e, n, sizeof *e, naive_cmp);
    size_t last = n;
    float cum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        cum += e[i].p;
        if (cum >= top_p) {
            last = i + 1;
            break;
        }
    }
    float r = (float)u * (last < n ? cum : 1.0f);
    cum = 0.0f;
    for (size_t i = 0; i < last; i++) {
        cum += e[i].p;
        if (r < cum) return e[i].id;
    }
    return e[last - 1].id;
}

/* ---- timing ------------------------------------------------------------------------------ */

typedef struct {
    double *t;
    size_t cap;
} samples;

static volatile float sink_f;
static volatile double sink_d;
static volatile int32_t sink_i;

/* What one timed step does. */
typedef enum { STEP_MAX, STEP_LSE, STEP_CHAIN, STEP_NAIVE } step_kind;
typedef struct {
    step_kind kind;
    const tsamp_kernels *k;
    const float *x;
    size_t n;
    tsamp_chain *chain;
    naive_entry *ne;
    float temp, top_p;
    uint64_t pos;
} step_ctx;

static void run_step(step_ctx *c) {
    float m;
    switch (c->kind) {
    case STEP_MAX:
        c->k->max(c->x, c->n, &m);
        sink_f = m;
        break;
    case STEP_LSE:
        c->k->max(c->x, c->n, &m);
        sink_d = c->k->sum_exp(c->x, c->n, m, 1.0f, NULL, NULL);
        break;
    case STEP_CHAIN: {
        int32_t t = 0;
        tsamp_chain_sample(c->chain, c->x, &t);
        tsamp_chain_accept(c->chain, t);
        sink_i = t;
        break;
    }
    case STEP_NAIVE: {
        tsamp_rng r = tsamp_rng_at(7, 0, c->pos++);
        sink_i = naive_sample(c->x, c->n, c->temp, c->top_p, c->ne, tsamp_rng_uniform(&r));
        break;
    }
    }
}

/* Repeats a step until `seconds` have passed and at least min_iter times; the median. */
static double median_us(samples *S, double seconds, size_t min_iter, step_ctx *c) {
    size_t n = 0;
    double start = now_us();
    while (n < S->cap && (n < min_iter || now_us() - start < seconds * 1e6)) {
        double a = now_us();
        run_step(c);
        S->t[n++] = now_us() - a;
    }
    qsort(S->t, n, sizeof *S->t, cmp_double);
    return S->t[n / 2];
}

static int list_has(const char *list, const char *item) {
    size_t len = strlen(item);
    for (const char *p = list; (p = strstr(p, item)); p += len)
        if ((p == list || p[-1] == ',') && (p[len] == ',' || p[len] == '\0')) return 1;
    return 0;
}

static int usage(void) {
    fprintf(stderr, "usage: tsamp-bench [--vocab N,N,...] [--shape normal3,peaked] "
                    "[--chains a,b,c,d,e,g,typ,tns,dyn,mir,xtc,pen] [--isa auto|scalar|avx2|avx512|neon] "
                    "[--seconds S] [--json FILE] [--batch 0|1]\n");
    return 2;
}

static const char *cpu_name(void) {
    static char name[256] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(name, sizeof name, "%s", c + 2);
                name[strcspn(name, "\n")] = 0;
            }
            break;
        }
    }
    if (f) fclose(f);
    return name;
}

int main(int argc, char **argv) {
    const char *vocabs = "32000,128256,256000,1048576", *shapes = "normal3,peaked";
    const char *chains = "a,b,c,d,e,g,typ,tns,dyn,mir,xtc,pen", *json_path = NULL, *isa_name = "auto";
    int batch = 1;
    double seconds = 0.3;
    for (int i = 1; i < argc; i += 2) { /* every option takes a value */
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) return usage();
        if (!strcmp(a, "--vocab")) vocabs = v;
        else if (!strcmp(a, "--shape")) shapes = v;
        else if (!strcmp(a, "--chains")) chains = v;
        else if (!strcmp(a, "--isa")) isa_name = v;
        else if (!strcmp(a, "--seconds")) seconds = atof(v);
        else if (!strcmp(a, "--json")) json_path = v;
        else if (!strcmp(a, "--batch")) batch = atoi(v);
        else return usage();
    }
    tsamp_isa isa = TSAMP_ISA_AUTO;
    for (int i = TSAMP_ISA_AUTO; i <= TSAMP_ISA_NEON; i++)
        if (!strcmp(isa_name, tsamp_isa_name((tsamp_isa)i))) isa = (tsamp_isa)i;
    const tsamp_kernels *K = tsamp_kernels_for(isa);
    if (!K || (isa == TSAMP_ISA_AUTO && strcmp(isa_name, "auto"))) {
        fprintf(stderr, "tsamp-bench: instruction set '%s' is not available here\n", isa_name);
        return 1;
    }
    FILE *json = json_path ? fopen(json_path, "w") : NULL;
    if (json_path && !json) {
        fprintf(stderr, "tsamp-bench: cannot write %s\n", json_path);
        return 1;
    }
    printf("tsamp-bench: %s, path %s, median of >= %.2f s per cell\n", cpu_name(),
           tsamp_isa_name(K->isa), seconds);
    printf("%8s %-7s %-5s %10s %8s %8s %10s %8s   %s\n", "vocab", "shape", "chain", "us/token",
           "x_max", "x_lse", "naive_us", "speedup", "chain");
    if (json) fprintf(json, "{\"cpu\": \"%s\", \"isa\": \"%s\", \"cells\": [", cpu_name(), tsamp_isa_name(K->isa));
    int first_cell = 1;
    samples S = {malloc(1000000 * sizeof(double)), 1000000};

    char vbuf[256];
    snprintf(vbuf, sizeof vbuf, "%s", vocabs);
    for (char *vt = strtok(vbuf, ","); vt; vt = strtok(NULL, ",")) {
        size_t n = strtoull(vt, NULL, 10);
        if (n == 0) return usage();
        float *x = malloc(n * sizeof *x);
        naive_entry *ne = malloc(n * sizeof *ne);
        if (!x || !ne) return 1;
        static const char *shape_names[] = {"normal3", "peaked"};
        for (int si = 0; si < 2; si++) {
            const char *shape = shape_names[si];
            if (!list_has(shapes, shape)) continue;
            logit_shape_fill(x, n, shape);
            step_ctx ctx = {STEP_MAX, K, x, n, NULL, ne, 1.0f, 1.0f, 0};
            double fmax = median_us(&S, seconds, 20, &ctx);
            ctx.kind = STEP_LSE;
            double flse = median_us(&S, seconds, 20, &ctx);
            printf("%8zu %-7s %-5s %10.2f %8s %8s   (floor_max %.2f us, floor_lse %.2f us)\n", n, shape,
                   "floor", fmax, "", "", fmax, flse);
            for (int ci = 0; ci < N_CHAINS; ci++) {
                const chain_def *cd = &CHAINS[ci];
                if (!list_has(chains, cd->name)) continue;
                tsamp_chain_params p = tsamp_chain_default_params();
                p.isa = isa;
                p.seed = 7;
                tsamp_chain *c;
                if (tsamp_chain_create(&c, n, &p) != TSAMP_OK || tsamp_chain_parse(c, cd->spec) != TSAMP_OK)
                    return 1;
                ctx.kind = STEP_CHAIN;
                ctx.chain = c;
                double us = median_us(&S, seconds, 20, &ctx);
                tsamp_chain_free(c);
                double naive = 0.0;
                if (cd->naive) {
                    ctx.kind = STEP_NAIVE;
                    ctx.temp = cd->naive == 1 ? 0.8f : 1.0f;
                    ctx.top_p = cd->naive == 2 ? 0.9f : 1.0f;
                    naive = median_us(&S, seconds, 3, &ctx);
                }
                char nbuf[32] = "", sbuf[32] = "";
                if (naive > 0) {
                    snprintf(nbuf, sizeof nbuf, "%.1f", naive);
                    snprintf(sbuf, sizeof sbuf, "%.1fx", naive / us);
                }
                printf("%8zu %-7s %-5s %10.2f %8.2f %8.2f %10s %8s   %s\n", n, shape, cd->name, us,
                       us / fmax, us / flse, nbuf, sbuf, cd->what);
                fflush(stdout);
                if (json) {
                    fprintf(json,
                            "%s\n  {\"vocab\": %zu, \"shape\": \"%s\", \"chain\": \"%s\", \"spec\": \"%s\", "
                            "\"us_per_token\": %.4f, \"floor_max_us\": %.4f, \"floor_lse_us\": %.4f, "
                            "\"ratio_max\": %.4f, \"ratio_lse\": %.4f, \"naive_us\": %.4f}",
                            first_cell ? "" : ",", n, shape, cd->name, cd->spec, us, fmax, flse,
                            us / fmax, us / flse, naive);
                    first_cell = 0;
                }
            }
        }
        free(x), free(ne);
    }
    if (batch) { /* tsamp_sample_batch throughput at V = 128256, chain c, 1 and 2 threads */
        static const size_t batches[] = {1, 8, 64}, threads[] = {1, 2};
        bench_batch_cell cells[6];
        bench_batch_config cfg = {128256, "normal3", CHAINS[2].spec, isa, seconds};
        printf("\ntsamp_sample_batch, V = 128256 normal3, chain c, accept on:\n");
        if (bench_batch_run(&cfg, batches, 3, threads, 2, cells, stdout) != 0) return 1;
        if (json) {
            fprintf(json, "\n], \"batch\": [");
            for (int i = 0; i < 6; i++)
                fprintf(json, "%s\n  {\"batch\": %zu, \"threads\": %zu, \"us_per_call\": %.4f, "
                              "\"rows_per_s\": %.1f}",
                        i ? "," : "", cells[i].batch, cells[i].threads, cells[i].us_per_call,
                        cells[i].rows_per_s);
        }
    }
    if (json) {
        fprintf(json, "\n]}\n");
        fclose(json);
    }
    free(S.t);
    return 0;
}
