/*
 * env_exit — prints the OutLayer environment a program sees and exits with
 * a chosen code.
 *
 * Prints the NEAR_* variables a worker sets (see docs/cli.md), each as
 * NAME=value or "NAME is not set", then the number of variables in the
 * environment. The exit code is the decimal number given as input (stdin),
 * or, with empty input, the value of EXIT_CODE, or 0. Anything else as
 * input is an error: a message on stderr and exit code 2.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 env_exit.c -o env_exit.wasm
 *   run:    echo 3 | outlayer run env_exit.wasm --input - --env NEAR_SENDER_ID=alice.near
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static const char *const shown[] = {
    "NEAR_SENDER_ID",        "NEAR_CONTRACT_ID",   "NEAR_BLOCK_HEIGHT", "NEAR_REQUEST_ID",
    "NEAR_MAX_INSTRUCTIONS", "NEAR_MAX_MEMORY_MB", "EXIT_CODE",
};

/* Parses "  42\n" into *code (0..255); 1 if the text is blank, 0 if bad. */
static int parse_code(const char *text, int *code)
{
    while (isspace((unsigned char)*text))
        text++;
    if (!*text)
        return 1;
    char *end;
    long v = strtol(text, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (*end || end == text || v < 0 || v > 255)
        return 0;
    *code = (int)v;
    return 2;
}

int main(void)
{
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        const char *v = getenv(shown[i]);
        if (v)
            printf("%s=%s\n", shown[i], v);
        else
            printf("%s is not set\n", shown[i]);
    }
    size_t count = 0;
    for (char **e = environ; e && *e; e++)
        count++;
    printf("environment: %zu variables\n", count);

    char input[64] = "";
    size_t n = fread(input, 1, sizeof input - 1, stdin);
    input[n] = 0;
    int code = 0;
    const char *source = input;
    int how = parse_code(input, &code);
    if (how == 1 && (source = getenv("EXIT_CODE")) != NULL)
        how = parse_code(source, &code);
    if (how == 0) {
        fprintf(stderr, "env_exit: expected an exit code from 0 to 255, got \"%s\"\n", source);
        return 2;
    }
    fflush(stdout);
    exit(code);
}
