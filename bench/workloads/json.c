/* json — branchy byte-by-byte parsing: builds a ~1 MiB JSON document
 * (an array of records with integers, decimals, strings with escapes,
 * booleans, nulls and nested arrays), then parses it repeatedly with a
 * recursive-descent parser that validates the syntax, decodes numbers and
 * strings and hashes every value. SIZE = parses (default 24). */
#include "bench_common.h"
#include <string.h>

typedef struct {
    char *data;
    size_t len, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->cap);
        if (!t->data)
            exit(1);
    }
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
}

static void put_str(text *t, const char *s) { put(t, s, strlen(s)); }

static void put_uint(text *t, uint64_t v)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < n; i++)
        out[i] = d[n - 1 - i];
    put(t, out, (size_t)n);
}

static const char *const WORDS[] = {"alpha",     "beta",  "gamma \\\"quoted\\\"", "delta\\n", "epsilon", "z\\u00e9ta",
                                    "eta\\ttab", "theta", "iota/kappa",           "lambda"};

static void build(text *t, bench_rng *rng)
{
    put_str(t, "[\n");
    for (int rec = 0; t->len < (1u << 20); rec++) {
        uint64_t r = bench_rand(rng);
        if (rec)
            put_str(t, ",\n");
        put_str(t, "  {\"id\": ");
        put_uint(t, (uint64_t)rec);
        put_str(t, ", \"name\": \"");
        put_str(t, WORDS[r % 10]);
        put_str(t, "\", \"score\": -");
        put_uint(t, (r >> 8) % 100000);
        put_str(t, ".");
        put_uint(t, (r >> 24) % 1000);
        put_str(t, ", \"active\": ");
        put_str(t, (r >> 40) & 1 ? "true" : "false");
        put_str(t, ", \"parent\": null, \"tags\": [");
        for (uint64_t k = 0; k < (r >> 41) % 6; k++) {
            if (k)
                put_str(t, ", ");
            put_str(t, "\"");
            put_str(t, WORDS[(r >> (44 + k)) % 10]);
            put_str(t, "\"");
        }
        put_str(t, "], \"point\": {\"x\": ");
        put_uint(t, (r >> 50) % 1000);
        put_str(t, ", \"y\": [1, 2, [3, 4e2, 5.5E-1]]}}");
    }
    put_str(t, "\n]\n");
}

typedef struct {
    const char *p, *end;
    uint64_t hash;
    int error;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void parse_value(parser *ps, int depth);

static void parse_string(parser *ps)
{
    uint32_t h = 2166136261u;
    ps->p++; /* opening quote */
    while (ps->p < ps->end && *ps->p != '"') {
        uint32_t c = (uint8_t)*ps->p++;
        if (c == '\\') {
            if (ps->p >= ps->end) {
                ps->error = 1;
                return;
            }
            char e = *ps->p++;
            switch (e) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '"':
            case '\\':
            case '/': c = (uint8_t)e; break;
            case 'u':
                c = 0;
                for (int i = 0; i < 4; i++) {
                    int v = ps->p < ps->end ? hexval(*ps->p++) : -1;
                    if (v < 0) {
                        ps->error = 1;
                        return;
                    }
                    c = c << 4 | (uint32_t)v;
                }
                break;
            default: ps->error = 1; return;
            }
        } else if (c < 0x20) {
            ps->error = 1;
            return;
        }
        h = (h ^ c) * 16777619u;
    }
    if (ps->p >= ps->end) {
        ps->error = 1;
        return;
    }
    ps->p++; /* closing quote */
    ps->hash = bench_mix(ps->hash, h);
}

/* Numbers are decoded exactly as integer mantissa + decimal exponent, so
 * the checksum does not depend on any strtod. */
static void parse_number(parser *ps)
{
    int neg = 0, exp = 0, digits = 0;
    uint64_t mant = 0;
    if (*ps->p == '-') {
        neg = 1;
        ps->p++;
    }
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        mant = mant * 10 + (uint64_t)(*ps->p++ - '0');
        digits++;
    }
    if (ps->p < ps->end && *ps->p == '.') {
        ps->p++;
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
            mant = mant * 10 + (uint64_t)(*ps->p++ - '0');
            exp--;
            digits++;
        }
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        int eneg = 0, e = 0;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            eneg = *ps->p++ == '-';
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            e = e * 10 + (*ps->p++ - '0');
        exp += eneg ? -e : e;
    }
    if (!digits)
        ps->error = 1;
    ps->hash = bench_mix(ps->hash, (neg ? ~mant : mant) ^ ((uint64_t)(uint32_t)exp << 40));
}

static void expect_word(parser *ps, const char *w, uint64_t tag)
{
    size_t n = strlen(w);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0) {
        ps->error = 1;
        return;
    }
    ps->p += n;
    ps->hash = bench_mix(ps->hash, tag);
}

static void parse_container(parser *ps, int depth, char close, int is_object)
{
    uint64_t count = 0;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return;
    }
    while (!ps->error) {
        skip_ws(ps);
        if (is_object) {
            if (ps->p >= ps->end || *ps->p != '"') {
                ps->error = 1;
                return;
            }
            parse_string(ps);
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                ps->error = 1;
                return;
            }
            ps->p++;
        }
        parse_value(ps, depth + 1);
        count++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
        } else if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            ps->hash = bench_mix(ps->hash, count);
            return;
        } else {
            ps->error = 1;
        }
    }
}

static void parse_value(parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end || depth > 64) {
        ps->error = 1;
        return;
    }
    switch (*ps->p) {
    case '{': parse_container(ps, depth, '}', 1); break;
    case '[': parse_container(ps, depth, ']', 0); break;
    case '"': parse_string(ps); break;
    case 't': expect_word(ps, "true", 1); break;
    case 'f': expect_word(ps, "false", 2); break;
    case 'n': expect_word(ps, "null", 3); break;
    default: parse_number(ps);
    }
}

int main(int argc, char **argv)
{
    long parses = bench_size(argc, argv, 24);
    text doc = {0};
    bench_rng rng = {2024};
    build(&doc, &rng);
    uint64_t h = doc.len;
    for (long i = 0; i < parses; i++) {
        parser ps = {doc.data, doc.data + doc.len, (uint64_t)i, 0};
        parse_value(&ps, 0);
        skip_ws(&ps);
        if (ps.error || ps.p != ps.end) {
            fprintf(stderr, "json: parse error at byte %ld\n", (long)(ps.p - doc.data));
            return 1;
        }
        h = bench_mix(h, ps.hash);
    }
    bench_report("json", parses, h);
    free(doc.data);
    return 0;
}
