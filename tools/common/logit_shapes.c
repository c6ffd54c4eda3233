/* Benchmark logit shapes (logit_shapes.h). Tool code: libm is fine here. */
#include "logit_shapes.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t s;
} splitmix;

static uint64_t next_u64(splitmix *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double next_normal(splitmix *r) {
    double u = ((double)(next_u64(r) >> 11) + 0.5) * 0x1.0p-53;
    double v = (double)(next_u64(r) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

int logit_shape_fill(float *x, size_t n, const char *shape) {
    int peaked = strcmp(shape, "peaked") == 0;
    if (!peaked && strcmp(shape, "normal3") != 0) return -1;
    splitmix r = {0x7473616d70ull ^ n};
    double sigma = peaked ? 2.0 : 3.0;
    for (size_t i = 0; i < n; i++) x[i] = (float)(sigma * next_normal(&r));
    if (!peaked) return 0;
    double background = 0.0;
    for (size_t i = 0; i < n; i++) background += exp((double)x[i]);
    double total = background / 0.04; /* the 8 dominant tokens hold the other 96% */
    static const double share[8] = {0.50, 0.20, 0.10, 0.06, 0.04, 0.03, 0.02, 0.01};
    for (int j = 0; j < 8; j++) x[next_u64(&r) % n] = (float)log(share[j] * total);
    return 0;
}
