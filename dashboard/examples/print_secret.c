/*
 * print_secret — prints the value of the environment variable named in the
 * input (surrounding whitespace trimmed): the quickest way to see that a
 * secret stored from the dashboard reaches the program. Exits 1 when the
 * variable is not set.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 print_secret.c -o print_secret.wasm
 *   run:    echo API_KEY | outlayer run print_secret.wasm --input - --env API_KEY=sk-123
 *   output: sk-123
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char name[256];
    size_t n = fread(name, 1, sizeof name - 1, stdin);
    name[n] = 0;
    char *p = name;
    while (*p && isspace((unsigned char)*p)) p++;
    size_t len = strlen(p);
    while (len && isspace((unsigned char)p[len - 1])) p[--len] = 0;
    const char *v = *p ? getenv(p) : NULL;
    if (!v) {
        printf("%s is not set\n", *p ? p : "(no name given)");
        return 1;
    }
    printf("%s\n", v);
    return 0;
}
