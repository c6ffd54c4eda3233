/*
 * Replay driver: runs one fuzz target's LLVMFuzzerTestOneInput on files, without libFuzzer,
 * so `make test` replays the committed corpus under any compiler (DESIGN.md §8).
 *
 *   replay-<target>                 replays fuzz/corpus/<target>/ (run from the repo root)
 *   replay-<target> PATH...         replays the files and directories given
 *
 * Prints "PASS fuzz-replay-<target>: N inputs", or a "FAIL fuzz-replay-<target>: ..." line
 * that tests/run.sh counts: a failed invariant prints its own FAIL line and traps, a crash
 * prints one from the signal handler (unless ASan, which reports crashes itself, is on), and
 * the process then dies non-zero.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* sigaction, opendir (the Makefile also defines it) */
#endif
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "invariants.h"

#ifndef FUZZ_TARGET_NAME
#error "build with -DFUZZ_TARGET_NAME=\"<target>\""
#endif

#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif

/* The FAIL line for the input being replayed: set before each input, written by the handler
 * (write(2) is async-signal-safe; printf is not). */
static char crash_line[4200];
static size_t crash_len;
static int read_errors; /* files that could not be read: each printed a FAIL line */

#ifndef REPLAY_ASAN
static void on_crash(int sig) {
    ssize_t w = write(STDOUT_FILENO, crash_line, crash_len);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}
#endif

/* SIGILL is left alone: it is the trap of a failed invariant, which printed its line. Under
 * ASan its own reports say more. */
static void install_crash_handlers(void) {
#ifndef REPLAY_ASAN
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_crash;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
#endif
}

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("FAIL fuzz-replay-%s: cannot open %s\n", FUZZ_TARGET_NAME, path);
        read_errors++;
        return 0;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger) free(buf);
        buf = bigger;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        printf("FAIL fuzz-replay-%s: cannot read %s\n", FUZZ_TARGET_NAME, path);
        free(buf);
        read_errors++;
        return 0;
    }
    /* An exact-size copy, so that reading past the input is caught by ASan / valgrind. */
    uint8_t *data = malloc(n ? n : 1);
    if (!data) {
        printf("FAIL fuzz-replay-%s: out of memory for %s\n", FUZZ_TARGET_NAME, path);
        free(buf);
        read_errors++;
        return 0;
    }
    memcpy(data, buf, n);
    free(buf);
    static char prefix[4200];
    snprintf(prefix, sizeof prefix, "FAIL fuzz-replay-%s: %s: ", FUZZ_TARGET_NAME, path);
    fuzz_set_fail_prefix(prefix);
    int len = snprintf(crash_line, sizeof crash_line, "FAIL fuzz-replay-%s: %s: crashed\n",
                       FUZZ_TARGET_NAME, path);
    crash_len = len > 0 ? strlen(crash_line) : 0;
    LLVMFuzzerTestOneInput(data, n);
    free(data);
    return 1;
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory (not recursive, hidden files skipped), in name order. */
static long replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        printf("FAIL fuzz-replay-%s: cannot open directory %s\n", FUZZ_TARGET_NAME, dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **more = realloc(names, cap * sizeof *names);
            if (!more) break;
            names = more;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) break;
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, by_name);
    long done = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) done += replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return done;
}

int main(int argc, char **argv) {
    install_crash_handlers();
    const char *default_dir = "fuzz/corpus/" FUZZ_TARGET_NAME;
    long total = 0;
    int bad = 0;
    if (argc < 2) {
        long n = replay_dir(default_dir);
        bad |= n < 0;
        total += n > 0 ? n : 0;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            long n = replay_dir(argv[i]);
            bad |= n < 0;
            total += n > 0 ? n : 0;
        } else {
            total += replay_file(argv[i]);
        }
    }
    if (bad || read_errors) return 1;
    if (total == 0) {
        printf("FAIL fuzz-replay-%s: no inputs replayed\n", FUZZ_TARGET_NAME);
        return 1;
    }
    printf("PASS fuzz-replay-%s: %ld inputs\n", FUZZ_TARGET_NAME, total);
    return 0;
}
