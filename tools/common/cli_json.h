/* The little JSON the CLI writes: strings and numbers. */
#ifndef TSAMP_CLI_JSON_H
#define TSAMP_CLI_JSON_H

#include <stdio.h>

/** s as a JSON string, quoted and escaped (control characters as \u00XX). */
void json_string(FILE *f, const char *s);

/** x with 9 significant digits (a float reads back exactly); null if not finite, since JSON
 *  has no NaN or infinity. */
void json_number(FILE *f, double x);

#endif
