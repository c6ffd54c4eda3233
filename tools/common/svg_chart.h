/* Small self-contained SVG charts: grouped bars or lines over categories, with a legend. */
#ifndef TSAMP_SVG_CHART_H
#define TSAMP_SVG_CHART_H

#include <stddef.h>
#include <stdio.h>

typedef struct {
    const char *title;
    const char *x_label, *y_label;
    size_t n_groups; /* categories along x (e.g. tokens) */
    const char *const *group_labels;
    size_t n_series; /* one bar per group, or one line, per series (e.g. stages) */
    const char *const *series_labels;
    const float *values; /* n_series rows of n_groups values, >= 0 */
    int lines;           /* 0: grouped bars, 1: one polyline per series */
} svg_chart;

/** The document's opening: size in pixels, white background, a heading line. */
void svg_begin(FILE *f, double width, double height, const char *heading);

/** One chart in the box (x, y, w, h): title, axes with gridlines, the data, a legend on the
 *  right. Labels that do not fit are shortened with "..."; crowded x labels are slanted. */
void svg_draw_chart(FILE *f, const svg_chart *c, double x, double y, double w, double h);

void svg_end(FILE *f);

/** s with &, <, >, " and ' escaped (text and attribute values). */
void svg_text(FILE *f, const char *s);

#endif
