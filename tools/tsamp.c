/*
 * tsamp: the command-line tool. Reads logits from .npy, raw float32 or text files and runs a
 * tsamp chain on them: `sample` draws a token per step, `probs` prints the distribution of
 * one step, `explain` shows what every processor of the chain does to it (and draws it).
 * Exit codes: 0 ok, 1 input or output error, 2 usage error, 3 sampling error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_chain.h"
#include "cli_explain.h"
#include "cli_help.h"
#include "cli_json.h"
#include "logit_file.h"
#include "tsamp.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_SAMPLING = 3 };

#define MSG_CAP 1024

typedef struct {
    const char *cmd, *path;
    logit_format format;
    size_t vocab;
    int vocab_set;
    cli_sampling sampling;
    uint64_t seed, stream;
    int random_seed;
    int32_t *history;
    size_t n_history;
    const char *out_format; /* --format, NULL for the command's default */
    size_t steps;           /* sample: at most this many (--steps); SIZE_MAX: all */
    size_t top_logprobs;    /* sample */
    size_t step;            /* probs, explain: the row */
    size_t top;             /* probs: tokens printed (0: all); explain: per stage */
    int top_set;
    const char *svg;        /* explain */
    float temps[EXPLAIN_MAX_TEMPS];
    size_t n_temps;
    size_t chart_tokens;
} options;

__attribute__((format(printf, 2, 3)))
static int usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("tsamp: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(tsamp %s%s--help lists the options)\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

/* ---- option values ------------------------------------------------------------------------ */

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    if (*s < '0' || *s > '9') return -1; /* strtoull takes signs and blanks */
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_size(const char *s, size_t *out, size_t max) {
    uint64_t v;
    if (parse_u64(s, &v) || v > max) return -1;
    *out = (size_t)v;
    return 0;
}

static int parse_temps(const char *s, options *o) {
    o->n_temps = 0;
    for (const char *p = s;;) {
        char *end;
        errno = 0;
        float t = strtof(p, &end);
        if (end == p || errno || !(t >= 0.0f && t < 1e30f) || o->n_temps == EXPLAIN_MAX_TEMPS)
            return -1;
        o->temps[o->n_temps++] = t;
        if (!*end) return 0;
        if (*end != ',') return -1;
        p = end + 1;
    }
}

/* A seed nobody chose: the system's random bytes, else the clock and the process id. */
static uint64_t random_seed(void) {
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(&s, sizeof s, 1, f) != 1) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec ^ (uint64_t)getpid() << 32;
    }
    if (f) fclose(f);
    return s;
}

/* ---- options ------------------------------------------------------------------------------ */

static int flag_without_value(options *o, const char *a) {
    if (!strcmp(a, "--raw")) o->format = LOGIT_FORMAT_RAW;
    else if (!strcmp(a, "--npy")) o->format = LOGIT_FORMAT_NPY;
    else if (!strcmp(a, "--text")) o->format = LOGIT_FORMAT_TEXT;
    else return 0;
    return 1;
}

/* The flags every command takes. 1 taken, 0 unknown, -1 bad value (reported). */
static int common_flag(options *o, const char *a, const char *v) {
    char msg[MSG_CAP];
    int rc = cli_sampling_flag(&o->sampling, a, v, msg, sizeof msg);
    if (rc) return rc < 0 ? (usage_error(o->cmd, "%s", msg), -1) : 1;
    if (!strcmp(a, "--vocab")) {
        o->vocab_set = 1;
        if (parse_size(v, &o->vocab, INT32_MAX) || !o->vocab) rc = -1;
    } else if (!strcmp(a, "--seed")) {
        o->random_seed = !strcmp(v, "-1");
        if (!o->random_seed && parse_u64(v, &o->seed)) rc = -1;
    } else if (!strcmp(a, "--stream")) {
        if (parse_u64(v, &o->stream)) rc = -1;
    } else if (!strcmp(a, "--history")) {
        free(o->history);
        o->history = NULL;
        if (cli_parse_ids(v, &o->history, &o->n_history, msg, sizeof msg))
            return usage_error(o->cmd, "--history: %s", msg), -1;
    } else {
        return 0;
    }
    if (rc < 0) {
        fprintf(stderr, "tsamp: %s: bad value \"%s\"\n", a, v);
        return -1;
    }
    return 1;
}

/* The flags of one command. 1 taken, 0 unknown, -1 bad value (reported). */
static int command_flag(options *o, const char *a, const char *v) {
    int sample = !strcmp(o->cmd, "sample"), explain = !strcmp(o->cmd, "explain");
    int bad = 0;
    if (!strcmp(a, "--format")) o->out_format = v;
    else if (sample && !strcmp(a, "--steps")) bad = parse_size(v, &o->steps, SIZE_MAX);
    else if (sample && !strcmp(a, "--top-logprobs"))
        bad = parse_size(v, &o->top_logprobs, TSAMP_LOGPROBS_MAX_TOP);
    else if (!sample && !strcmp(a, "--step")) bad = parse_size(v, &o->step, SIZE_MAX);
    else if (!sample && !strcmp(a, "--top")) {
        bad = parse_size(v, &o->top, explain ? EXPLAIN_MAX_TOP : SIZE_MAX);
        bad |= explain && o->top == 0;
        o->top_set = 1;
    } else if (explain && !strcmp(a, "--svg")) o->svg = v;
    else if (explain && !strcmp(a, "--temps")) bad = parse_temps(v, o);
    else if (explain && !strcmp(a, "--chart-tokens"))
        bad = parse_size(v, &o->chart_tokens, EXPLAIN_MAX_CHART) || !o->chart_tokens;
    else return 0;
    if (bad) {
        fprintf(stderr, "tsamp: %s: bad value \"%s\" (tsamp %s --help)\n", a, v, o->cmd);
        return -1;
    }
    return 1;
}

static int check_options(options *o) {
    if (!o->path) return usage_error(o->cmd, "%s: no input FILE", o->cmd);
    if (o->sampling.spec && o->sampling.chosen)
        return usage_error(o->cmd, "use either --samplers or the sampler flags (%s)",
                           o->sampling.chosen);
    char msg[MSG_CAP];
    if (!o->sampling.spec && cli_sampling_check(&o->sampling, msg, sizeof msg))
        return usage_error(o->cmd, "%s", msg);
    if (o->format == LOGIT_FORMAT_RAW && !o->vocab_set)
        return usage_error(o->cmd, "%s", "--raw needs --vocab N");
    const char *f = o->out_format, *cmd = o->cmd;
    if (f && !(!strcmp(f, "json") || (!strcmp(cmd, "sample") && !strcmp(f, "ids")) ||
               (strcmp(cmd, "sample") && !strcmp(f, "text"))))
        return usage_error(cmd, "--format: unknown format \"%s\"", f);
    if (o->random_seed) {
        o->seed = random_seed();
        fprintf(stderr, "tsamp: seed %llu\n", (unsigned long long)o->seed);
    }
    return 0;
}

/* 0, or the exit code (also for --help, which exits 0 through *done). */
static int parse_options(int argc, char **argv, options *o, int *done) {
    for (int i = 2; i < argc; i++) {
        char flag[64];
        const char *a = argv[i], *v = NULL, *eq = strchr(a, '=');
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            cli_help_command(stdout, o->cmd);
            *done = 1;
            return 0;
        }
        if (a[0] != '-' || !strcmp(a, "-")) {
            if (o->path) return usage_error(o->cmd, "more than one input FILE (\"%s\")", a);
            o->path = a;
            continue;
        }
        if (flag_without_value(o, a)) continue;
        if (!strncmp(a, "--", 2) && eq && (size_t)(eq - a) < sizeof flag) { /* --flag=value */
            memcpy(flag, a, (size_t)(eq - a));
            flag[eq - a] = 0;
            a = flag;
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            return usage_error(o->cmd, "%s: needs a value, or is unknown", a);
        }
        int rc = common_flag(o, a, v);
        if (rc == 0) rc = command_flag(o, a, v);
        if (rc < 0) return EXIT_USAGE;
        if (rc == 0) return usage_error(o->cmd, "unknown option %s", a);
    }
    return check_options(o);
}

/* ---- running ------------------------------------------------------------------------------ */

typedef struct {
    logit_data data;
    cli_plan plan;
    cli_chain_setup setup;
    float *row;
    const char *name; /* for messages */
} job;

static int load(const options *o, job *j) {
    char msg[MSG_CAP];
    j->name = strcmp(o->path, "-") ? o->path : "<stdin>";
    if (logit_file_load(o->path, o->format, o->vocab, &j->data, msg, sizeof msg) != 0) {
        fprintf(stderr, "tsamp: %s\n", msg);
        return EXIT_INPUT;
    }
    if (o->vocab_set && o->vocab != j->data.n_vocab) {
        fprintf(stderr, "tsamp: %s: %zu values per step, but --vocab is %zu\n", j->name,
                j->data.n_vocab, o->vocab);
        return EXIT_INPUT;
    }
    /* The tokens the run can accept: what a -1 ("context size") window becomes. */
    size_t steps = !strcmp(o->cmd, "sample") && o->steps < j->data.n_steps ? o->steps
                   : !strcmp(o->cmd, "sample")                            ? j->data.n_steps
                                                                          : 0;
    if (cli_plan_make(&o->sampling, o->n_history + steps, &j->plan, msg, sizeof msg) != 0 ||
        !(j->row = malloc(j->data.n_vocab * sizeof *j->row))) {
        fprintf(stderr, "tsamp: out of memory\n");
        return EXIT_INPUT;
    }
    cli_chain_setup s = {o->seed, o->stream, o->history, o->n_history};
    j->setup = s;
    return 0;
}

static void job_free(job *j) {
    logit_data_free(&j->data);
    cli_plan_free(&j->plan);
    free(j->row);
}

/* Exit code of a failed chain creation: the user's flags, spec or history, or memory. */
static int chain_error(tsamp_status st, const char *msg) {
    fprintf(stderr, "tsamp: %s\n", msg);
    return st == TSAMP_ERR_NOMEM ? EXIT_INPUT : EXIT_USAGE;
}

static int read_row(job *j, size_t step) {
    logit_error err;
    if (logit_data_row(&j->data, step, j->row, &err) == 0) return 0;
    fprintf(stderr, "tsamp: %s: byte %zu: %s\n", j->name, err.offset, err.message);
    return EXIT_INPUT;
}

static int check_step(const options *o, const job *j) {
    if (o->step < j->data.n_steps) return 0;
    fprintf(stderr, "tsamp: --step %zu: %s has %zu step%s (0 .. %zu)\n", o->step, j->name,
            j->data.n_steps, j->data.n_steps == 1 ? "" : "s", j->data.n_steps - 1);
    return EXIT_USAGE;
}

static void print_sample(const options *o, size_t step, const tsamp_logprobs *lp) {
    if (o->out_format && !strcmp(o->out_format, "ids")) {
        printf("%ld\n", (long)lp->token);
        return;
    }
    printf("{\"step\":%zu,\"token\":%ld,\"logprob\":", step, (long)lp->token);
    json_number(stdout, lp->logprob);
    fputs(",\"logprob_raw\":", stdout);
    json_number(stdout, lp->logprob_raw);
    printf(",\"rank\":%lu", (unsigned long)lp->rank);
    if (o->top_logprobs) {
        fputs(",\"top_logprobs\":[", stdout);
        for (size_t i = 0; i < lp->n_top; i++) {
            printf("%s{\"token\":%ld,\"logprob\":", i ? "," : "", (long)lp->top_ids[i]);
            json_number(stdout, lp->top_logprobs[i]);
            fputc('}', stdout);
        }
        fputc(']', stdout);
    }
    fputs("}\n", stdout);
}

static int run_sample(const options *o, job *j) {
    char msg[MSG_CAP];
    tsamp_chain *c;
    tsamp_status st = cli_chain_create(&j->plan, j->plan.n, j->data.n_vocab, &j->setup, &c,
                                       msg, sizeof msg);
    if (st != TSAMP_OK) return chain_error(st, msg);
    int rc = 0;
    for (size_t step = 0; step < j->data.n_steps && step < o->steps && !rc; step++) {
        tsamp_logprobs lp;
        if ((rc = read_row(j, step)) != 0) break;
        st = tsamp_chain_sample_logprobs(c, j->row, o->top_logprobs, &lp);
        if (st == TSAMP_OK) st = tsamp_chain_accept(c, lp.token);
        if (st != TSAMP_OK) {
            fflush(stdout); /* the steps so far, then the error */
            fprintf(stderr, "tsamp: %s: step %zu: %s\n", j->name, step, tsamp_status_str(st));
            rc = EXIT_SAMPLING;
        } else {
            print_sample(o, step, &lp);
        }
    }
    tsamp_chain_free(c);
    return rc;
}

/* Most probable first, then lower id. */
static const float *sort_probs;
static int by_prob(const void *pa, const void *pb) {
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    if (sort_probs[a] != sort_probs[b]) return sort_probs[a] > sort_probs[b] ? -1 : 1;
    return (a > b) - (a < b);
}

static void print_probs(const options *o, size_t n_kept, const int32_t *ids, const float *p,
                        const size_t *order) {
    int text = o->out_format && !strcmp(o->out_format, "text");
    size_t n = o->top && o->top < n_kept ? o->top : n_kept;
    if (!text) printf("{\"step\":%zu,\"n_kept\":%zu,\"tokens\":[", o->step, n_kept);
    for (size_t i = 0; i < n; i++) {
        size_t k = order[i];
        if (text) {
            printf("%ld %.9g\n", (long)ids[k], (double)p[k]);
            continue;
        }
        printf("%s{\"token\":%ld,\"prob\":", i ? "," : "", (long)ids[k]);
        json_number(stdout, p[k]);
        fputc('}', stdout);
    }
    if (!text) fputs("]}\n", stdout);
}

static int run_probs(const options *o, job *j) {
    char msg[MSG_CAP];
    size_t n = j->data.n_vocab, kept = 0;
    int rc = check_step(o, j);
    if (rc || (rc = read_row(j, o->step)) != 0) return rc;
    tsamp_chain *c;
    tsamp_status st = cli_chain_create(&j->plan, j->plan.n, n, &j->setup, &c, msg, sizeof msg);
    if (st != TSAMP_OK) return chain_error(st, msg);
    int32_t *ids = malloc(n * sizeof *ids);
    float *p = malloc(n * sizeof *p);
    size_t *order = malloc(n * sizeof *order);
    if (!ids || !p || !order) {
        fprintf(stderr, "tsamp: out of memory\n");
        rc = EXIT_INPUT;
    } else if ((st = tsamp_chain_distribution(c, j->row, ids, p, n, &kept)) != TSAMP_OK) {
        fprintf(stderr, "tsamp: %s: step %zu: %s\n", j->name, o->step, tsamp_status_str(st));
        rc = EXIT_SAMPLING;
    } else {
        for (size_t i = 0; i < kept; i++) order[i] = i;
        sort_probs = p;
        qsort(order, kept, sizeof *order, by_prob);
        print_probs(o, kept, ids, p, order);
    }
    free(ids), free(p), free(order);
    tsamp_chain_free(c);
    return rc;
}

static int write_svg(const char *path, const explain_result *r, const cli_plan *plan,
                     const char *name, size_t step) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tsamp: %s: %s\n", path, strerror(errno));
        return EXIT_INPUT;
    }
    explain_write_svg(f, r, plan, name, step);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "tsamp: %s: write error\n", path);
        return EXIT_INPUT;
    }
    return 0;
}

static int run_explain(const options *o, job *j) {
    char msg[MSG_CAP];
    static const float default_temps[] = {0.5f, 0.7f, 1.0f, 1.5f, 2.0f};
    int rc = check_step(o, j);
    if (rc || (rc = read_row(j, o->step)) != 0) return rc;
    explain_options eo = {o->top_set ? o->top : 5, o->chart_tokens ? o->chart_tokens : 10,
                          o->n_temps ? o->n_temps : 5, o->n_temps ? o->temps : default_temps};
    explain_result r;
    tsamp_status st = explain_run(j->row, j->data.n_vocab, &j->plan, &j->setup, &eo, &r, msg,
                                  sizeof msg);
    if (st != TSAMP_OK) {
        /* A bad chain is the user's flags; a bad distribution is the logits. */
        fprintf(stderr, "tsamp: %s\n", msg);
        return st == TSAMP_ERR_NONFINITE || st == TSAMP_ERR_ALL_MASKED ? EXIT_SAMPLING
               : st == TSAMP_ERR_NOMEM                                  ? EXIT_INPUT
                                                                        : EXIT_USAGE;
    }
    if (o->out_format && !strcmp(o->out_format, "json"))
        explain_print_json(stdout, &r, &j->plan, eo.n_top, j->name, o->step);
    else
        explain_print_text(stdout, &r, &j->plan, eo.n_top);
    if (o->svg) rc = write_svg(o->svg, &r, &j->plan, j->name, o->step);
    explain_free(&r);
    return rc;
}

static int run(const options *o) {
    job j;
    memset(&j, 0, sizeof j);
    int rc = load(o, &j);
    if (!rc) {
        if (!strcmp(o->cmd, "sample")) rc = run_sample(o, &j);
        else if (!strcmp(o->cmd, "probs")) rc = run_probs(o, &j);
        else rc = run_explain(o, &j);
    }
    job_free(&j);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "tsamp: standard output: write error\n");
        if (!rc) rc = EXIT_INPUT;
    }
    return rc;
}

int main(int argc, char **argv) {
    const char *cmd = argc > 1 ? argv[1] : NULL;
    if (!cmd) {
        fputs(CLI_HELP_MAIN, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(CLI_HELP_MAIN, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "--version")) {
        unsigned v = tsamp_version_number();
        printf("tsamp %u.%u.%u\n", v / 10000, v / 100 % 100, v % 100);
        return EXIT_OK;
    }
    if (strcmp(cmd, "sample") && strcmp(cmd, "probs") && strcmp(cmd, "explain"))
        return usage_error(NULL, "unknown command \"%s\" (sample, probs, explain)", cmd);

    options o;
    memset(&o, 0, sizeof o);
    o.cmd = cmd;
    o.steps = SIZE_MAX;
    cli_sampling_defaults(&o.sampling);
    int done = 0, rc = parse_options(argc, argv, &o, &done);
    if (!rc && !done) rc = run(&o);
    free(o.history);
    cli_sampling_free(&o.sampling);
    return rc;
}
