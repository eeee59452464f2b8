/*
 * secrets_reader — shows which secrets a job received, never their values.
 *
 * On OutLayer a request that names a secrets profile (`secrets_ref`) gets the
 * secrets the keystore opened for it as environment variables, next to the
 * NEAR_* context the worker sets. This program prints the names of the
 * variables that are not NEAR_* (the secrets), sorted, and who asked:
 *
 *   output: {"sender":"bob.test.near","secrets":["API_KEY","DB_URL"],"count":2}
 *
 * Input (optional): {"require":["API_KEY", ...]} — exit 1 with
 * "missing secret: API_KEY" on stderr when one is not there (the request then
 * fails and everything but the base fee is refunded). Empty input or "{}"
 * requires nothing.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 secrets_reader.c -o secrets_reader.wasm
 *   run:    outlayer run secrets_reader.wasm --env API_KEY=x --input - <<< '{"require":["API_KEY"]}'
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/ol_json.h"

extern char **environ;

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int run(const char *input, char **names, size_t *count);

int main(void)
{
    char *input = ol_read_stdin(NULL);
    size_t n = 0, count = 0;
    for (char **e = environ; *e; e++)
        n++;
    char **names = calloc(n + 1, sizeof *names);
    if (!input || !names) {
        fputs("secrets_reader: out of memory\n", stderr);
        return 1;
    }
    int rc = run(input, names, &count);
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    free(input);
    return rc;
}

/* names has room for every environment variable; *count gets how many it holds. */
static int run(const char *input, char **names, size_t *count_out)
{
    if (*oj_ws(input) && !oj_valid(input)) {
        fputs("secrets_reader: the input is not JSON (expected {\"require\":[names]} or nothing)\n", stderr);
        return 2;
    }
    /* The names of the secrets: every variable but the worker's NEAR_* ones. */
    size_t count = 0;
    for (char **e = environ; *e; e++) {
        if (strncmp(*e, "NEAR_", 5) == 0)
            continue;
        const char *eq = strchr(*e, '=');
        names[count] = eq ? strndup(*e, (size_t)(eq - *e)) : strdup(*e);
        if (!names[count])
            return 1;
        *count_out = ++count;
    }
    qsort(names, count, sizeof *names, by_name);

    /* Everything required must be there. */
    const char *req = *oj_ws(input) ? oj_get(input, "require") : NULL;
    for (const char *el = oj_first(req ? req : "[]"); el; el = oj_next(el)) {
        char want[256];
        if (oj_string(el, want, sizeof want) < 0) {
            fputs("secrets_reader: \"require\" must be a list of names\n", stderr);
            return 2;
        }
        if (!getenv(want)) {
            fprintf(stderr, "missing secret: %s\n", want);
            return 1;
        }
    }

    const char *sender = getenv("NEAR_SENDER_ID");
    printf("{\"sender\":");
    if (sender)
        oj_print_string(stdout, sender);
    else
        printf("null");
    printf(",\"secrets\":[");
    for (size_t i = 0; i < count; i++) {
        if (i)
            putchar(',');
        oj_print_string(stdout, names[i]);
    }
    printf("],\"count\":%zu}\n", count);
    return 0;
}
