/* The tsamp CLI's --help texts. */
#ifndef TSAMP_CLI_HELP_H
#define TSAMP_CLI_HELP_H

#include <stdio.h>

/** `tsamp --help`: the commands and the exit codes. */
extern const char CLI_HELP_MAIN[];

/** `tsamp CMD --help` for sample, probs or explain: its options, the input formats, the
 *  chain flags and the exit codes. */
void cli_help_command(FILE *f, const char *cmd);

#endif
