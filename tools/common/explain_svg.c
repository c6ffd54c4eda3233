/* tsamp explain --svg: the chart tokens' probabilities per stage and per temperature. */
#include <stdlib.h>
#include <string.h>

#include "cli_explain.h"
#include "svg_chart.h"

#define SVG_W 1200.0
#define PANEL_H 420.0

typedef struct {
    char text[EXPLAIN_MAX_CHART > EXPLAIN_MAX_TEMPS ? EXPLAIN_MAX_CHART : EXPLAIN_MAX_TEMPS][48];
    const char *ptr[EXPLAIN_MAX_CHART > EXPLAIN_MAX_TEMPS ? EXPLAIN_MAX_CHART : EXPLAIN_MAX_TEMPS];
} labels;

static void stage_panel(FILE *f, const explain_result *r, const cli_plan *plan, labels *tok,
                        double y) {
    size_t ns = r->n_stages;
    const char **names = malloc(ns * sizeof *names);
    char (*text)[64] = malloc(ns * sizeof *text);
    float *values = malloc(ns * EXPLAIN_MAX_CHART * sizeof *values);
    if (names && text && values) {
        for (size_t k = 0; k < ns; k++) {
            snprintf(text[k], sizeof text[k], "%zu: %s", k,
                     k ? plan->stage[k - 1].item : "logits (no processor)");
            names[k] = text[k];
            memcpy(values + k * r->n_chart, r->stage[k].chart, r->n_chart * sizeof *values);
        }
        svg_chart c = {"Probability of the top tokens after each stage of the chain",
                       "token id (in the order of stage 0: the logits)", "probability", r->n_chart,
                       tok->ptr, ns, names, values, 0};
        svg_draw_chart(f, &c, 0, y, SVG_W, PANEL_H);
    }
    free(names), free(text), free(values);
}

static void temp_panel(FILE *f, const explain_result *r, labels *tok, double y) {
    labels temps;
    float values[EXPLAIN_MAX_TEMPS * EXPLAIN_MAX_CHART];
    for (size_t t = 0; t < r->n_temps; t++) {
        snprintf(temps.text[t], sizeof temps.text[t], "T = %g", (double)r->temps[t]);
        temps.ptr[t] = temps.text[t];
        memcpy(values + t * r->n_chart, r->temp_probs[t], r->n_chart * sizeof *values);
    }
    svg_chart c = {"softmax(logits / T): the same tokens at several temperatures",
                   "token id (most probable first)", "probability", r->n_chart, tok->ptr,
                   r->n_temps, temps.ptr, values, 1};
    svg_draw_chart(f, &c, 0, y, SVG_W, PANEL_H);
}

void explain_write_svg(FILE *f, const explain_result *r, const cli_plan *plan,
                       const char *file, size_t step) {
    labels tok;
    char heading[512], spec[400];
    for (size_t j = 0; j < r->n_chart; j++) {
        snprintf(tok.text[j], sizeof tok.text[j], "%ld", (long)r->chart_ids[j]);
        tok.ptr[j] = tok.text[j];
    }
    cli_plan_spec(plan, spec, sizeof spec);
    snprintf(heading, sizeof heading, "tsamp explain: %s, step %zu, %zu tokens; chain %s%s%s",
             file, step, r->n_vocab, *spec ? "\"" : "(no processor)", spec, *spec ? "\"" : "");
    int temps = r->n_temps > 0;
    svg_begin(f, SVG_W, 50 + PANEL_H * (temps ? 2 : 1), heading);
    stage_panel(f, r, plan, &tok, 50);
    if (temps) temp_panel(f, r, &tok, 50 + PANEL_H);
    svg_end(f);
}
