/*
 * hello — the smallest useful OutLayer program.
 *
 * Reads its input from stdin and greets whoever it names: the input may be
 * a JSON object with a "name" field ({"name": "Alice"}) or plain text
 * ("Alice"); empty input greets the world. The greeting word comes from the
 * environment variable GREETING (default "Hello") — on OutLayer, secrets
 * and the NEAR_* context arrive the same way.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 hello.c -o hello.wasm
 *   run:    echo '{"name":"Alice"}' | outlayer run hello.wasm --input - --env GREETING=Hi
 *   output: Hi, Alice!
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads all of stdin into a NUL-terminated buffer. */
static char *read_all(size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

/* The value of "name" in a JSON object, copied into out; plain strings only. */
static int json_name(const char *text, char *out, size_t size)
{
    const char *p = strstr(text, "\"name\"");
    if (!p)
        return 0;
    p += 6;
    while (isspace((unsigned char)*p))
        p++;
    if (*p++ != ':')
        return 0;
    while (isspace((unsigned char)*p))
        p++;
    if (*p++ != '"')
        return 0;
    size_t n = 0;
    while (*p && *p != '"' && n + 1 < size)
        out[n++] = *p++;
    out[n] = 0;
    return *p == '"';
}

int main(void)
{
    size_t len;
    char *input = read_all(&len);
    if (!input) {
        fputs("hello: out of memory\n", stderr);
        return 1;
    }
    /* Trim surrounding white space. */
    char *start = input, *end = input + len;
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        *--end = 0;

    char name[256];
    if (*start == '{') {
        if (!json_name(start, name, sizeof name)) {
            fputs("hello: the JSON input has no string field \"name\"\n", stderr);
            free(input);
            return 2;
        }
    } else if (*start) {
        snprintf(name, sizeof name, "%s", start);
    } else {
        snprintf(name, sizeof name, "world");
    }
    const char *greeting = getenv("GREETING");
    printf("%s, %s!\n", greeting && *greeting ? greeting : "Hello", name);
    free(input);
    return 0;
}
