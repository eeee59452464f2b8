/*
 * json_transform — reads a JSON object from stdin and answers with facts
 * about it, as JSON on stdout.
 *
 *   input:  {"b": [1, 2.5], "a": {"x": -3}, "s": "text"}
 *   output: {"input":{"b":[1,2.5],"a":{"x":-3},"s":"text"},"keys":["a","b","s"],
 *            "numbers":3,"sum":0.5,"depth":2}
 *
 * "input" is the object without white space, "keys" its top-level keys
 * sorted, "numbers" how many numbers it holds at any depth, "sum" their sum
 * and "depth" the deepest nesting of objects and arrays. Invalid input gives
 * {"error": "..."} on stdout, the same message on stderr, and exit code 2.
 *
 * The small JSON reader below is enough for an example (strings are copied
 * with their escapes as written); real programs may use any C JSON library
 * that builds for wasm32-wasi.
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 json_transform.c -o json_transform.wasm
 *   run:    echo '{"a": 1, "b": 2}' | outlayer run json_transform.wasm --input -
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct text {
    char *data;
    size_t len, cap;
} text;

typedef struct parser {
    const char *p, *start, *end;
    text out;
    int depth, max_depth;
    long numbers;
    double sum;
    const char *error;
    char **keys; /* top-level keys, as written (with quotes) */
    size_t nkeys, keys_cap;
} parser;

static int append(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (!grown)
            return 0;
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
    return 1;
}

static int fail(parser *ps, const char *why)
{
    if (!ps->error)
        ps->error = why;
    return 0;
}

static void skip_space(parser *ps)
{
    while (ps->p < ps->end && isspace((unsigned char)*ps->p))
        ps->p++;
}

static int parse_value(parser *ps, int top);

/* A string token, copied as written (escapes are checked, not decoded). */
static int parse_string(parser *ps, const char **start, size_t *len)
{
    *start = ps->p;
    ps->p++; /* the opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        if ((unsigned char)*ps->p < 0x20)
            return fail(ps, "control character in string");
        if (*ps->p == '\\') {
            ps->p++;
            if (ps->p >= ps->end || !strchr("\"\\/bfnrtu", *ps->p))
                return fail(ps, "bad escape in string");
        }
        ps->p++;
    }
    if (ps->p >= ps->end)
        return fail(ps, "unterminated string");
    ps->p++;
    *len = (size_t)(ps->p - *start);
    return append(&ps->out, *start, *len) || fail(ps, "out of memory");
}

static int parse_number(parser *ps)
{
    const char *s = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || !isdigit((unsigned char)*ps->p))
        return fail(ps, "bad number");
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && isdigit((unsigned char)*ps->p))
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        if (ps->p >= ps->end || !isdigit((unsigned char)*ps->p))
            return fail(ps, "bad number");
        while (ps->p < ps->end && isdigit((unsigned char)*ps->p))
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || !isdigit((unsigned char)*ps->p))
            return fail(ps, "bad number");
        while (ps->p < ps->end && isdigit((unsigned char)*ps->p))
            ps->p++;
    }
    char buf[64];
    size_t n = (size_t)(ps->p - s);
    if (n >= sizeof buf)
        return fail(ps, "number too long");
    memcpy(buf, s, n);
    buf[n] = 0;
    ps->numbers++;
    ps->sum += strtod(buf, NULL);
    return append(&ps->out, s, n) || fail(ps, "out of memory");
}

static int parse_literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected character");
    ps->p += n;
    return append(&ps->out, word, n) || fail(ps, "out of memory");
}

/* Objects and arrays share the loop: items separated by commas. */
static int parse_container(parser *ps, char open, int top)
{
    char close = open == '{' ? '}' : ']';
    if (++ps->depth > MAX_DEPTH)
        return fail(ps, "nested too deeply");
    if (ps->depth > ps->max_depth)
        ps->max_depth = ps->depth;
    ps->p++;
    if (!append(&ps->out, &open, 1))
        return fail(ps, "out of memory");
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return append(&ps->out, &close, 1) || fail(ps, "out of memory");
    }
    for (;;) {
        skip_space(ps);
        if (open == '{') {
            const char *key;
            size_t klen;
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a string key");
            if (!parse_string(ps, &key, &klen))
                return 0;
            if (top) {
                if (ps->nkeys == ps->keys_cap) {
                    size_t cap = ps->keys_cap ? ps->keys_cap * 2 : 16;
                    char **grown = realloc(ps->keys, cap * sizeof *grown);
                    if (!grown)
                        return fail(ps, "out of memory");
                    ps->keys = grown;
                    ps->keys_cap = cap;
                }
                ps->keys[ps->nkeys] = strndup(key, klen);
                if (!ps->keys[ps->nkeys++])
                    return fail(ps, "out of memory");
            }
            skip_space(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
            if (!append(&ps->out, ":", 1))
                return fail(ps, "out of memory");
        }
        if (!parse_value(ps, 0))
            return 0;
        skip_space(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            if (!append(&ps->out, ",", 1))
                return fail(ps, "out of memory");
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->depth--;
            return append(&ps->out, &close, 1) || fail(ps, "out of memory");
        }
        return fail(ps, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_value(parser *ps, int top)
{
    skip_space(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end of input");
    char c = *ps->p;
    if (top && c != '{')
        return fail(ps, "the input must be a JSON object");
    if (c == '{' || c == '[')
        return parse_container(ps, c, top);
    if (c == '"') {
        const char *s;
        size_t n;
        return parse_string(ps, &s, &n);
    }
    if (c == '-' || isdigit((unsigned char)c))
        return parse_number(ps);
    if (c == 't')
        return parse_literal(ps, "true");
    if (c == 'f')
        return parse_literal(ps, "false");
    if (c == 'n')
        return parse_literal(ps, "null");
    return fail(ps, "unexpected character");
}

static int compare_keys(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *read_all(size_t *len)
{
    size_t cap = 4096, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown)
                free(buf);
            buf = grown;
            cap *= 2;
        }
    }
    *len = n;
    return buf;
}

int main(void)
{
    size_t len;
    char *input = read_all(&len);
    if (!input) {
        fputs("json_transform: out of memory\n", stderr);
        return 1;
    }
    static parser ps;
    ps.p = ps.start = input;
    ps.end = input + len;
    int ok = parse_value(&ps, 1);
    skip_space(&ps);
    if (ok && ps.p != ps.end)
        ok = fail(&ps, "text after the object");
    if (!ok) {
        printf("{\"error\":\"%s at byte %zu\"}\n", ps.error, (size_t)(ps.p - ps.start));
        fprintf(stderr, "json_transform: %s at byte %zu\n", ps.error, (size_t)(ps.p - ps.start));
        return 2;
    }
    if (ps.nkeys)
        qsort(ps.keys, ps.nkeys, sizeof ps.keys[0], compare_keys);
    printf("{\"input\":%s,\"keys\":[", ps.out.data);
    for (size_t i = 0; i < ps.nkeys; i++)
        printf("%s%s", i ? "," : "", ps.keys[i]);
    printf("],\"numbers\":%ld,\"sum\":", ps.numbers);
    /* Whole sums print as integers; others with enough digits to round-trip. */
    if (ps.sum == floor(ps.sum) && fabs(ps.sum) < 1e15)
        printf("%lld", (long long)ps.sum);
    else
        printf("%.17g", ps.sum);
    printf(",\"depth\":%d}\n", ps.max_depth);
    for (size_t i = 0; i < ps.nkeys; i++)
        free(ps.keys[i]);
    free(ps.keys);
    free(ps.out.data);
    free(input);
    return 0;
}
