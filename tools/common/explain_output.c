/* tsamp explain's table and JSON. */
#include <string.h>

#include "cli_explain.h"
#include "cli_json.h"

static const char *stage_name(const cli_plan *plan, size_t k) {
    return k ? plan->stage[k - 1].item : "(none)";
}

void explain_print_text(FILE *f, const explain_result *r, const cli_plan *plan, size_t n_top) {
    int w = 9;
    for (size_t k = 1; k < r->n_stages; k++)
        if ((int)strlen(stage_name(plan, k)) > w) w = (int)strlen(stage_name(plan, k));
    fprintf(f, "%5s  %-*s  %10s  %9s  %8s  %8s  %s\n", "stage", w, "processor", "kept",
            "kept mass", "entropy", "top p", "top tokens (id:p)");
    for (size_t k = 0; k < r->n_stages; k++) {
        const explain_stage *s = &r->stage[k];
        fprintf(f, "%5zu  %-*s  %10zu  %9.6f  %8.4f  %8.6f ", k, w, stage_name(plan, k), s->kept,
                s->mass, s->entropy, s->n_top ? (double)s->top_probs[0] : 0.0);
        for (size_t i = 0; i < s->n_top && i < n_top; i++)
            fprintf(f, " %ld:%.4f", (long)s->top_ids[i], (double)s->top_probs[i]);
        fputc('\n', f);
    }
    fprintf(f, "kept mass: the stage-0 probability of the tokens kept; entropy in nats\n");
}

static void print_stage_json(FILE *f, const explain_stage *s, size_t k, const char *name,
                             size_t n_top) {
    fprintf(f, "{\"stage\":%zu,\"processor\":", k);
    json_string(f, name);
    fprintf(f, ",\"kept\":%zu,\"mass\":", s->kept);
    json_number(f, s->mass);
    fputs(",\"entropy\":", f);
    json_number(f, s->entropy);
    fputs(",\"top\":[", f);
    for (size_t i = 0; i < s->n_top && i < n_top; i++) {
        fprintf(f, "%s{\"token\":%ld,\"prob\":", i ? "," : "", (long)s->top_ids[i]);
        json_number(f, s->top_probs[i]);
        fputc('}', f);
    }
    fputs("]}", f);
}

void explain_print_json(FILE *f, const explain_result *r, const cli_plan *plan, size_t n_top,
                        const char *file, size_t step) {
    fputs("{\"file\":", f);
    json_string(f, file);
    fprintf(f, ",\"step\":%zu,\"n_vocab\":%zu,\"stages\":[", step, r->n_vocab);
    for (size_t k = 0; k < r->n_stages; k++) {
        if (k) fputc(',', f);
        print_stage_json(f, &r->stage[k], k, stage_name(plan, k), n_top);
    }
    fputs("],\"chart_tokens\":[", f);
    for (size_t j = 0; j < r->n_chart; j++) fprintf(f, "%s%ld", j ? "," : "", (long)r->chart_ids[j]);
    fputs("],\"temperatures\":[", f);
    for (size_t t = 0; t < r->n_temps; t++) {
        fprintf(f, "%s{\"temp\":", t ? "," : "");
        json_number(f, r->temps[t]);
        fputs(",\"probs\":[", f);
        for (size_t j = 0; j < r->n_chart; j++) {
            if (j) fputc(',', f);
            json_number(f, r->temp_probs[t][j]);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
}
