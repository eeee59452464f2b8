/*
 * echo — says who asked what, and when (the reference's echo-ark, in C):
 * shows the NEAR context a worker gives every program as environment
 * variables.
 *
 * Input:  plain text (surrounding whitespace trimmed)
 * Output: <NEAR_SENDER_ID> said "<text>" at block <NEAR_BLOCK_HEIGHT>
 *         (a variable that is not set shows as "unknown")
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 echo.c -o echo.wasm
 *   run:    outlayer run echo.wasm --input - --env NEAR_SENDER_ID=alice.near --env NEAR_BLOCK_HEIGHT=7 <<< 'Hello, world'
 *   output: alice.near said "Hello, world" at block 7
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or_unknown(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : "unknown";
}

int main(void)
{
    static char in[16384];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    char *start = in;
    while (*start && isspace((unsigned char)*start))
        start++;
    size_t len = strlen(start);
    while (len && isspace((unsigned char)start[len - 1]))
        start[--len] = 0;
    printf("%s said \"%s\" at block %s", env_or_unknown("NEAR_SENDER_ID"), start, env_or_unknown("NEAR_BLOCK_HEIGHT"));
    return 0;
}
