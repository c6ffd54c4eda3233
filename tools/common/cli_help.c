/* The tsamp CLI's --help texts. */
#include <string.h>

#include "cli_chain.h"
#include "cli_help.h"

const char CLI_HELP_MAIN[] =
    "usage: tsamp COMMAND [options] FILE\n"
    "\n"
    "Runs a tsamp sampler chain on logits read from FILE (\"-\": standard input).\n"
    "\n"
    "commands:\n"
    "  sample    draw one token per step (row) of FILE, accepting each into the chain\n"
    "  probs     the final distribution of one step: kept token ids and probabilities\n"
    "  explain   what each processor of the chain does to one step's candidates\n"
    "            (a table, JSON, and with --svg a chart)\n"
    "\n"
    "  tsamp COMMAND --help   the command's options\n"
    "  tsamp --version        the library version\n"
    "\n"
    "exit codes: 0 ok; 1 input or output error (unreadable or malformed file, write error);\n"
    "            2 usage error (unknown flag, bad value, bad spec string, parameter outside\n"
    "            its domain); 3 sampling error (the library rejected the logits: a NaN or +inf\n"
    "            logit, every token masked). Errors go to standard error.\n";

static const char HELP_INPUT[] =
    "input (FILE, or \"-\" for standard input):\n"
    "  .npy       NumPy format 1.0, 2.0 or 3.0; dtype <f2 >f2 <f4 >f4 <f8 >f8; C or Fortran\n"
    "             order. Shape (V,) is one step; (S, V) is S steps; (A, B, ..., V) is A*B*...\n"
    "             steps in C order. Chosen when the file starts with the .npy magic or its\n"
    "             name ends in .npy.\n"
    "  text       numbers separated by blanks, one step per line, every line the same count;\n"
    "             blank lines skipped, '#' starts a comment; inf, -inf, nan allowed (-inf\n"
    "             masks a token). The default for other files.\n"
    "  --raw      little-endian float32, --vocab values per step (--vocab is required)\n"
    "  --npy, --text   force that format\n"
    "  --vocab N  the vocabulary size; for .npy and text it must match the file\n"
    "\n"
    "chain:\n"
    "  --seed S      seed of the random streams (default 0; -1: a random seed, printed on\n"
    "                standard error so the run can be repeated)\n"
    "  --stream S    stream id (default 0)\n"
    "  --history IDS tokens accepted before the first step, e.g. 12,7,7 (penalties see them)\n";

static const char HELP_SAMPLE[] =
    "usage: tsamp sample [options] FILE\n"
    "\n"
    "Samples one token per step of FILE. After each step the token is accepted into the\n"
    "chain (its position advances, so penalties and other stateful processors see the\n"
    "history); step i draws at position (number of --history tokens) + i.\n"
    "\n"
    "  --format json   one JSON object per step (the default):\n"
    "                  {\"step\":0,\"token\":17,\"logprob\":-0.105,\"logprob_raw\":-1.87,\"rank\":1}\n"
    "                  logprob: log-probability in the distribution the chain drew from;\n"
    "                  logprob_raw: in softmax(logits) before any processor; rank: 1 + the\n"
    "                  number of tokens with a larger logit (ties: lower id first)\n"
    "  --format ids    the token ids only, one per line\n"
    "  --top-logprobs N  with json: the N (0..64) most probable raw tokens of each step as\n"
    "                  \"top_logprobs\":[{\"token\":17,\"logprob\":-1.87},...]\n"
    "  --steps N       at most N steps (default: every row of FILE)\n";

static const char HELP_PROBS[] =
    "usage: tsamp probs [options] FILE\n"
    "\n"
    "Prints the distribution the chain would sample from at one step: the kept tokens and\n"
    "their probabilities, most probable first (ties: lower id first). The chain is fresh:\n"
    "the --history tokens are accepted, and the position is their count.\n"
    "\n"
    "  --step I        the row of FILE (default 0)\n"
    "  --format json   {\"step\":0,\"n_kept\":2,\"tokens\":[{\"token\":17,\"prob\":0.8},...]}\n"
    "                  (the default)\n"
    "  --format text   one \"token probability\" line per kept token\n"
    "  --top N         print only the N most probable (default 0: all kept tokens)\n";

static const char HELP_EXPLAIN[] =
    "usage: tsamp explain [options] FILE\n"
    "\n"
    "Shows what each processor does to the candidates of one step: stage k is the\n"
    "distribution of a chain made of the first k processors (stage 0: softmax of the logits).\n"
    "Per stage: kept tokens, kept mass (their total stage-0 probability), entropy (nats),\n"
    "top probability, top tokens. The chain is fresh, as in probs.\n"
    "\n"
    "  --step I          the row of FILE (default 0)\n"
    "  --format text     a table (the default); --format json: one JSON object\n"
    "  --top N           top tokens listed per stage (1..32, default 5)\n"
    "  --svg OUT         also write an SVG chart: the probabilities of the top tokens after\n"
    "                    every stage, and softmax(logits / T) at several temperatures\n"
    "  --chart-tokens N  tokens in the charts (1..24, default 10)\n"
    "  --temps LIST      temperatures of the second chart (default 0.5,0.7,1,1.5,2; up to 8)\n";

void cli_help_command(FILE *f, const char *cmd) {
    const char *h = !strcmp(cmd, "sample") ? HELP_SAMPLE
                    : !strcmp(cmd, "probs") ? HELP_PROBS
                                            : HELP_EXPLAIN;
    fputs(h, f);
    fputc('\n', f);
    fputs(HELP_INPUT, f);
    fputc('\n', f);
    cli_sampling_help(f);
    fputs("  Without sampler flags the chain is llama.cpp's default one,\n"
          "  \"top_k=40 top_p=0.95 min_p=0.05 temp=0.8\". Processors whose values make them\n"
          "  no-ops are left out. A -1 window means every token of the run (--history and\n"
          "  the steps).\n"
          "  The chain: logit bias, allow, deny, min-length, no-repeat-ngram, penalties, DRY,\n"
          "  top-n-sigma, top-k, typical, top-p, min-p, epsilon, eta, XTC, temperature,\n"
          "  adaptive-p. --mirostat keeps the logit bias and the four masks after it, then\n"
          "  has temperature and mirostat only (as llama.cpp); with --adaptive-target >= 0 it\n"
          "  is a usage error. --min-length counts the chain's position: --history tokens,\n"
          "  then one per step.\n"
          "\nexit codes: 0 ok, 1 input or output error, 2 usage error, 3 sampling error\n",
          f);
}

