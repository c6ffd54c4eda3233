/* SVG drawing for tsamp explain: axes, bars, lines and a legend, sized by simple estimates of
 * text width (no font metrics in a file), so labels are kept short rather than measured. */
#include <math.h>
#include <string.h>

#include "svg_chart.h"

#define FONT "font-family=\"DejaVu Sans, Arial, sans-serif\""
#define CHAR_W 6.6   /* average width of a 11px character */
#define LEGEND_W 230 /* legend column */
#define LEGEND_CHARS 30

/* Tableau 10: distinct, and legible on white. */
static const char *const PALETTE[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
#define N_COLORS (sizeof PALETTE / sizeof PALETTE[0])

/* Series s of n: the palette, or for more series than it has, hues around the circle with
 * alternating lightness so that neighbours differ. */
static const char *color(size_t s, size_t n, char buf[8]) {
    if (n <= N_COLORS) return PALETTE[s];
    double h = 6.0 * (double)s / (double)n, l = s % 2 ? 0.62 : 0.42, c = 0.55 * (1 - fabs(2 * l - 1));
    double x = c * (1 - fabs(fmod(h, 2.0) - 1)), m = l - c / 2, rgb[3];
    int k = (int)h;
    rgb[0] = (k == 0 || k == 5) ? c : (k == 1 || k == 4) ? x : 0;
    rgb[1] = (k == 1 || k == 2) ? c : (k == 0 || k == 3) ? x : 0;
    rgb[2] = (k == 3 || k == 4) ? c : (k == 2 || k == 5) ? x : 0;
    snprintf(buf, 8, "#%02x%02x%02x", (unsigned)((rgb[0] + m) * 255 + 0.5),
             (unsigned)((rgb[1] + m) * 255 + 0.5), (unsigned)((rgb[2] + m) * 255 + 0.5));
    return buf;
}

void svg_text(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((unsigned char)*s >= 0x20) fputc(*s, f); /* XML 1.0 forbids most controls */
        }
    }
}

/* s cut to n characters with "..." (ASCII labels). */
static void svg_text_max(FILE *f, const char *s, size_t n) {
    char buf[128];
    size_t len = strlen(s);
    if (n >= sizeof buf) n = sizeof buf - 1;
    if (n < 4) n = 4;
    if (len <= n) {
        svg_text(f, s);
        return;
    }
    memcpy(buf, s, n - 3);
    memcpy(buf + n - 3, "...", 4);
    svg_text(f, buf);
}

void svg_begin(FILE *f, double width, double height, const char *heading) {
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"20\" y=\"28\" " FONT " font-size=\"15\" fill=\"#222\">",
            width, height, width, height);
    svg_text_max(f, heading, (size_t)((width - 40) / 7.5));
    fputs("</text>\n", f);
}

void svg_end(FILE *f) { fputs("</svg>\n", f); }

/* A step of 1, 2, 2.5 or 5 times a power of ten giving about five gridlines up to vmax. */
static double nice_step(double vmax) {
    double raw = vmax / 5.0, p = pow(10.0, floor(log10(raw))), m = raw / p;
    return p * (m <= 1.0 ? 1.0 : m <= 2.0 ? 2.0 : m <= 2.5 ? 2.5 : m <= 5.0 ? 5.0 : 10.0);
}

typedef struct {
    double x0, y0, w, h, ymax; /* plot area (y0 = top) and the value at its top */
} plot_area;

static double px_y(const plot_area *a, double v) { return a->y0 + a->h * (1.0 - v / a->ymax); }

static void draw_axes(FILE *f, const svg_chart *c, const plot_area *a, double step) {
    for (int i = 0; i * step <= a->ymax * (1 + 1e-9); i++) {
        double v = i * step, y = px_y(a, v);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                a->x0, y, a->x0 + a->w, y, i ? "#e4e4e4" : "#444");
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"11\" fill=\"#444\" "
                   "text-anchor=\"end\">%.3g</text>\n",
                a->x0 - 6, y + 4, v);
    }
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n", a->x0,
            a->y0, a->x0, a->y0 + a->h);
    fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-90)\" " FONT " font-size=\"12\" "
               "fill=\"#222\" text-anchor=\"middle\">",
            a->x0 - 48, a->y0 + a->h / 2);
    svg_text(f, c->y_label);
    fputs("</text>\n", f);
}

/* Group labels under the axis, slanted when they would collide. */
static void draw_group_labels(FILE *f, const svg_chart *c, const plot_area *a) {
    double gw = a->w / (double)c->n_groups;
    size_t longest = 1;
    for (size_t g = 0; g < c->n_groups; g++)
        if (strlen(c->group_labels[g]) > longest) longest = strlen(c->group_labels[g]);
    int slant = (double)longest * CHAR_W + 6 > gw;
    for (size_t g = 0; g < c->n_groups; g++) {
        double x = a->x0 + gw * ((double)g + 0.5), y = a->y0 + a->h + 16;
        if (slant)
            fprintf(f, "<text transform=\"translate(%.1f %.1f) rotate(-35)\" " FONT
                       " font-size=\"11\" fill=\"#222\" text-anchor=\"end\">",
                    x + 4, y - 4);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"11\" fill=\"#222\" "
                       "text-anchor=\"middle\">",
                    x, y);
        svg_text_max(f, c->group_labels[g], 12);
        fputs("</text>\n", f);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"12\" fill=\"#222\" "
               "text-anchor=\"middle\">",
            a->x0 + a->w / 2, a->y0 + a->h + (slant ? 58 : 38));
    svg_text(f, c->x_label);
    fputs("</text>\n", f);
}

static void tooltip(FILE *f, const svg_chart *c, size_t s, size_t g, float v) {
    fputs("<title>", f);
    svg_text(f, c->series_labels[s]);
    fputs(": ", f);
    svg_text(f, c->group_labels[g]);
    fprintf(f, " = %.6g</title>", (double)v);
}

static void draw_bars(FILE *f, const svg_chart *c, const plot_area *a) {
    double gw = a->w / (double)c->n_groups, bw = gw * 0.84 / (double)c->n_series;
    if (bw > 48) bw = 48; /* a few wide groups: bars of a readable width, centred */
    double pad = (gw - bw * (double)c->n_series) / 2;
    for (size_t g = 0; g < c->n_groups; g++)
        for (size_t s = 0; s < c->n_series; s++) {
            float v = c->values[s * c->n_groups + g];
            double x = a->x0 + gw * (double)g + pad + bw * (double)s, y = px_y(a, v);
            char buf[8];
            fprintf(f, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
                    x, y, bw > 1.5 ? bw - 0.5 : bw, a->y0 + a->h - y, color(s, c->n_series, buf));
            tooltip(f, c, s, g, v);
            fputs("</rect>\n", f);
        }
}

static void draw_lines(FILE *f, const svg_chart *c, const plot_area *a) {
    double gw = a->w / (double)c->n_groups;
    for (size_t s = 0; s < c->n_series; s++) {
        char buf[8];
        const char *col = color(s, c->n_series, buf);
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (size_t g = 0; g < c->n_groups; g++)
            fprintf(f, "%s%.1f,%.1f", g ? " " : "", a->x0 + gw * ((double)g + 0.5),
                    px_y(a, c->values[s * c->n_groups + g]));
        fputs("\"/>\n", f);
        for (size_t g = 0; g < c->n_groups; g++) {
            float v = c->values[s * c->n_groups + g];
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">",
                    a->x0 + gw * ((double)g + 0.5), px_y(a, v), col);
            tooltip(f, c, s, g, v);
            fputs("</circle>\n", f);
        }
    }
}

static void draw_legend(FILE *f, const svg_chart *c, double x, double y, double h) {
    double row = (double)c->n_series * 20.0 <= h ? 20.0 : h / (double)c->n_series;
    for (size_t s = 0; s < c->n_series; s++) {
        char buf[8];
        const char *col = color(s, c->n_series, buf);
        double ry = y + row * (double)s;
        if (c->lines)
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"3\"/>\n",
                    x, ry + 6, x + 16, ry + 6, col);
        else
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"12\" fill=\"%s\"/>\n", x,
                    ry, col);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"12\" fill=\"#222\">", x + 22,
                ry + 11);
        svg_text_max(f, c->series_labels[s], LEGEND_CHARS);
        fputs("</text>\n", f);
    }
}

void svg_draw_chart(FILE *f, const svg_chart *c, double x, double y, double w, double h) {
    float vmax = 0.0f;
    for (size_t i = 0; i < c->n_series * c->n_groups; i++)
        if (c->values[i] > vmax) vmax = c->values[i];
    double step = nice_step(vmax > 0.0f ? vmax : 1.0);
    plot_area a = {x + 70, y + 36, w - 70 - LEGEND_W, h - 36 - 72, 0};
    a.ymax = step * ceil((vmax > 0.0f ? vmax : 1.0) / step - 1e-9);

    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" " FONT " font-size=\"14\" font-weight=\"bold\" "
               "fill=\"#222\">",
            a.x0, y + 18);
    svg_text_max(f, c->title, (size_t)((w - 70) / 8.0));
    fputs("</text>\n", f);
    draw_axes(f, c, &a, step);
    if (c->n_groups) {
        if (c->lines) draw_lines(f, c, &a);
        else draw_bars(f, c, &a);
        draw_group_labels(f, c, &a);
    }
    draw_legend(f, c, a.x0 + a.w + 24, a.y0, a.h);
}
