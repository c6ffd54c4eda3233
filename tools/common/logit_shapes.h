/* The benchmark's logit shapes, shared by tsamp-bench and the tests that check its cells. */
#ifndef TSAMP_LOGIT_SHAPES_H
#define TSAMP_LOGIT_SHAPES_H

#include <stddef.h>

/*
 * Fills x[0..n) deterministically (the same values for the same n and shape):
 *  "normal3": every logit drawn from N(0, 3^2);
 *  "peaked":  N(0, 2^2) plus 8 dominant tokens holding 96% of the mass, the top one 50%,
 *             like a trained model.
 * Returns 0, or -1 for an unknown shape name.
 */
int logit_shape_fill(float *x, size_t n, const char *shape);

#endif
