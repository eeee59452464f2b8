/* json_read.c — strict JSON parser building a jr_value tree, and the typed
 * accessors contracts use to read their arguments. */
#include "json.h"
#include "account.h"
#include "mem.h"
#include "sdk.h"

struct parser {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int depth;
    const char *error;
    size_t error_pos;
};

static bool fail_at(struct parser *ps, const char *msg)
{
    if (ps->error == NULL) {
        ps->error = msg;
        ps->error_pos = ps->pos;
    }
    return false;
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        uint8_t c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->pos++;
    }
}

static bool literal(struct parser *ps, const char *word)
{
    size_t n = strlen(word);
    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0)
        return fail_at(ps, "expected value");
    ps->pos += n;
    return true;
}

static bool is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

static bool parse_number(struct parser *ps, struct jr_value *out)
{
    size_t start = ps->pos;
    if (ps->pos < ps->len && ps->p[ps->pos] == '-')
        ps->pos++;
    if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
        return fail_at(ps, "invalid number");
    if (ps->p[ps->pos] == '0') {
        ps->pos++;
        if (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
            return fail_at(ps, "invalid number");
    } else {
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
            ps->pos++;
    }
    if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
        ps->pos++;
        if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
            return fail_at(ps, "invalid number");
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
            ps->pos++;
    }
    if (ps->pos < ps->len && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
        ps->pos++;
        if (ps->pos < ps->len && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-'))
            ps->pos++;
        if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos]))
            return fail_at(ps, "invalid number");
        while (ps->pos < ps->len && is_digit(ps->p[ps->pos]))
            ps->pos++;
    }
    out->type = JR_NUMBER;
    out->text = sdk_strndup((const char *)ps->p + start, ps->pos - start);
    out->len = ps->pos - start;
    return true;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(struct parser *ps, uint32_t *out)
{
    if (ps->len - ps->pos < 4)
        return fail_at(ps, "EOF while parsing a string");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(ps->p[ps->pos + (size_t)i]);
        if (h < 0)
            return fail_at(ps, "invalid escape");
        v = v << 4 | (uint32_t)h;
    }
    ps->pos += 4;
    *out = v;
    return true;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
    if (cp < 0x80) {
        buf_byte(b, (uint8_t)cp);
    } else if (cp < 0x800) {
        buf_byte(b, (uint8_t)(0xC0 | cp >> 6));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_byte(b, (uint8_t)(0xE0 | cp >> 12));
        buf_byte(b, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        buf_byte(b, (uint8_t)(0xF0 | cp >> 18));
        buf_byte(b, (uint8_t)(0x80 | (cp >> 12 & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | (cp >> 6 & 0x3F)));
        buf_byte(b, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t avail)
{
    uint8_t c = p[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

static bool parse_string_text(struct parser *ps, const char **text, size_t *len)
{
    ps->pos++; /* opening quote */
    struct buf b;
    buf_init(&b);
    for (;;) {
        if (ps->pos >= ps->len)
            return fail_at(ps, "EOF while parsing a string");
        uint8_t c = ps->p[ps->pos];
        if (c == '"') {
            ps->pos++;
            break;
        }
        if (c < 0x20)
            return fail_at(ps, "control character (\\u0000-\\u001F) found while parsing a string");
        if (c == '\\') {
            ps->pos++;
            if (ps->pos >= ps->len)
                return fail_at(ps, "EOF while parsing a string");
            uint8_t e = ps->p[ps->pos++];
            switch (e) {
            case '"': buf_byte(&b, '"'); break;
            case '\\': buf_byte(&b, '\\'); break;
            case '/': buf_byte(&b, '/'); break;
            case 'b': buf_byte(&b, '\b'); break;
            case 'f': buf_byte(&b, '\f'); break;
            case 'n': buf_byte(&b, '\n'); break;
            case 'r': buf_byte(&b, '\r'); break;
            case 't': buf_byte(&b, '\t'); break;
            case 'u': {
                uint32_t cp;
                if (!read_hex4(ps, &cp))
                    return false;
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return fail_at(ps, "lone trailing surrogate in hex escape");
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t lo;
                    if (ps->len - ps->pos < 2 || ps->p[ps->pos] != '\\' || ps->p[ps->pos + 1] != 'u')
                        return fail_at(ps, "lone leading surrogate in hex escape");
                    ps->pos += 2;
                    if (!read_hex4(ps, &lo))
                        return false;
                    if (lo < 0xDC00 || lo > 0xDFFF)
                        return fail_at(ps, "lone leading surrogate in hex escape");
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                put_utf8(&b, cp);
                break;
            }
            default: return fail_at(ps, "invalid escape");
            }
            continue;
        }
        size_t n = utf8_seq(ps->p + ps->pos, ps->len - ps->pos);
        if (n == 0)
            return fail_at(ps, "invalid unicode code point");
        buf_put(&b, ps->p + ps->pos, n);
        ps->pos += n;
    }
    *len = b.len;
    *text = buf_cstr(&b);
    return true;
}

static bool parse_value(struct parser *ps, struct jr_value *out);

static bool parse_container(struct parser *ps, struct jr_value *out, bool is_object)
{
    if (++ps->depth > JR_MAX_DEPTH)
        return fail_at(ps, "recursion limit exceeded");
    ps->pos++; /* [ or { */
    struct buf items, keys;
    buf_init(&items);
    buf_init(&keys);
    size_t count = 0;
    uint8_t close = is_object ? '}' : ']';
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == close) {
        ps->pos++;
    } else {
        for (;;) {
            skip_ws(ps);
            if (is_object) {
                struct jr_str key;
                if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
                    return fail_at(ps, "key must be a string");
                if (!parse_string_text(ps, &key.s, &key.len))
                    return false;
                buf_put(&keys, &key, sizeof key);
                skip_ws(ps);
                if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
                    return fail_at(ps, "expected `:`");
                ps->pos++;
                skip_ws(ps);
            }
            struct jr_value item;
            if (!parse_value(ps, &item))
                return false;
            buf_put(&items, &item, sizeof item);
            count++;
            skip_ws(ps);
            if (ps->pos >= ps->len)
                return fail_at(ps, is_object ? "EOF while parsing an object" : "EOF while parsing a list");
            uint8_t c = ps->p[ps->pos++];
            if (c == close)
                break;
            if (c != ',')
                return fail_at(ps, is_object ? "expected `,` or `}`" : "expected `,` or `]`");
        }
    }
    ps->depth--;
    out->type = is_object ? JR_OBJECT : JR_ARRAY;
    out->count = count;
    out->items = (struct jr_value *)(void *)items.data;
    out->keys = is_object ? (struct jr_str *)(void *)keys.data : NULL;
    return true;
}

static bool parse_value(struct parser *ps, struct jr_value *out)
{
    memset(out, 0, sizeof *out);
    skip_ws(ps);
    if (ps->pos >= ps->len)
        return fail_at(ps, "EOF while parsing a value");
    switch (ps->p[ps->pos]) {
    case 'n': out->type = JR_NULL; return literal(ps, "null");
    case 't':
        out->type = JR_BOOL;
        out->boolean = true;
        return literal(ps, "true");
    case 'f': out->type = JR_BOOL; return literal(ps, "false");
    case '"': out->type = JR_STRING; return parse_string_text(ps, &out->text, &out->len);
    case '[': return parse_container(ps, out, false);
    case '{': return parse_container(ps, out, true);
    default: return parse_number(ps, out);
    }
}

const struct jr_value *jr_parse(const uint8_t *text, size_t len, const char **error)
{
    struct parser ps = {text, len, 0, 0, NULL, 0};
    struct jr_value *root = sdk_alloc(sizeof *root);
    if (parse_value(&ps, root)) {
        skip_ws(&ps);
        if (ps.pos == ps.len)
            return root;
        fail_at(&ps, "trailing characters");
    }
    struct buf msg;
    buf_init(&msg);
    buf_str(&msg, ps.error);
    buf_str(&msg, " at byte ");
    buf_u64(&msg, ps.error_pos);
    *error = buf_cstr(&msg);
    return NULL;
}

static const char *error_context = "Failed to deserialize input from JSON.";

void jr_set_error_context(const char *prefix) { error_context = prefix; }

void jr_fail(const char *detail)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, error_context);
    buf_str(&b, " Error: `");
    buf_str(&b, detail);
    buf_byte(&b, '`');
    sdk_panic_buf(&b);
}

const struct jr_value *jr_parse_or_fail(const uint8_t *text, size_t len)
{
    const char *error = NULL;
    const struct jr_value *v = jr_parse(text, len, &error);
    if (v == NULL)
        jr_fail(error);
    return v;
}

static __attribute__((noreturn)) void fail_field(const char *what, const char *key)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, what);
    buf_str(&b, " `");
    buf_str(&b, key);
    buf_byte(&b, '`');
    jr_fail(buf_cstr(&b));
}

const struct jr_value *jr_get(const struct jr_value *obj, const char *key)
{
    jr_expect(obj, JR_OBJECT);
    size_t klen = strlen(key);
    const struct jr_value *found = NULL;
    for (size_t i = 0; i < obj->count; i++) {
        if (obj->keys[i].len == klen && memcmp(obj->keys[i].s, key, klen) == 0) {
            if (found)
                fail_field("duplicate field", key);
            found = &obj->items[i];
        }
    }
    return found;
}

const struct jr_value *jr_opt(const struct jr_value *obj, const char *key)
{
    const struct jr_value *v = jr_get(obj, key);
    return v && v->type != JR_NULL ? v : NULL;
}

const struct jr_value *jr_req(const struct jr_value *obj, const char *key)
{
    const struct jr_value *v = jr_get(obj, key);
    if (v == NULL)
        fail_field("missing field", key);
    return v;
}

static const char *type_name(enum jr_type t)
{
    switch (t) {
    case JR_NULL: return "null";
    case JR_BOOL: return "a boolean";
    case JR_NUMBER: return "a number";
    case JR_STRING: return "a string";
    case JR_ARRAY: return "a sequence";
    default: return "a map";
    }
}

void jr_expect(const struct jr_value *v, enum jr_type type)
{
    if (v->type == type)
        return;
    struct buf b;
    buf_init(&b);
    buf_str(&b, "invalid type: ");
    buf_str(&b, type_name(v->type));
    buf_str(&b, ", expected ");
    buf_str(&b, type_name(type));
    jr_fail(buf_cstr(&b));
}

bool jr_as_bool(const struct jr_value *v)
{
    jr_expect(v, JR_BOOL);
    return v->boolean;
}

uint64_t jr_as_u64(const struct jr_value *v)
{
    jr_expect(v, JR_NUMBER);
    if (v->text[0] == '-')
        jr_fail("invalid value: integer must not be negative, expected u64");
    uint64_t r = 0;
    for (size_t i = 0; i < v->len; i++) {
        char c = v->text[i];
        if (c < '0' || c > '9')
            jr_fail("invalid type: floating point, expected u64");
        uint64_t d = (uint64_t)(c - '0');
        if (r > (UINT64_MAX - d) / 10)
            jr_fail("number out of range for u64");
        r = r * 10 + d;
    }
    return r;
}

uint32_t jr_as_u32(const struct jr_value *v)
{
    uint64_t r = jr_as_u64(v);
    if (r > UINT32_MAX)
        jr_fail("invalid value: integer out of range, expected u32");
    return (uint32_t)r;
}

const char *jr_as_str(const struct jr_value *v, size_t *len)
{
    jr_expect(v, JR_STRING);
    if (len)
        *len = v->len;
    return v->text;
}

u128 jr_as_u128_str(const struct jr_value *v)
{
    size_t len;
    const char *s = jr_as_str(v, &len);
    u128 r;
    if (!u128_parse(s, len, &r))
        jr_fail("invalid digit found in string");
    return r;
}

const char *jr_as_account(const struct jr_value *v)
{
    size_t len;
    const char *s = jr_as_str(v, &len);
    if (!account_id_valid(s, len))
        jr_fail("the account ID is invalid");
    return s;
}

const char *jr_variant(const struct jr_value *v, const struct jr_value **body)
{
    if (v->type == JR_STRING) {
        *body = NULL;
        return v->text;
    }
    if (v->type != JR_OBJECT || v->count != 1)
        jr_fail("invalid type: expected an enum (a string or a map with a single key)");
    *body = &v->items[0];
    return v->keys[0].s;
}
