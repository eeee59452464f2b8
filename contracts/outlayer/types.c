/* types.c — JSON (serde's shapes, declaration key order) and Borsh forms of
 * the OutLayer types. */
#include "outlayer.h"

static bool str_is(struct ol_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && memcmp(s.s, lit, n) == 0;
}

static struct ol_str variant_name(const struct jr_value *v, const struct jr_value **body)
{
    const char *name = jr_variant(v, body);
    struct ol_str s = {name, v->type == JR_STRING ? v->len : v->keys[0].len};
    return s;
}

static __attribute__((noreturn)) void unknown_variant(struct ol_str name, const char *expected)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, "unknown variant `");
    ol_buf_str(&b, name);
    buf_str(&b, "`, expected ");
    buf_str(&b, expected);
    jr_fail(buf_cstr(&b));
}

/* A struct variant needs a map body. */
static const struct jr_value *struct_body(const struct jr_value *body)
{
    if (body == NULL)
        jr_fail("invalid type: unit variant, expected struct variant");
    jr_expect(body, JR_OBJECT);
    return body;
}

void ol_buf_str(struct buf *b, struct ol_str s) { buf_put(b, s.s, s.n); }

void ol_debug_str(struct buf *b, struct ol_str s)
{
    static const char hex[] = "0123456789abcdef";
    buf_byte(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = (uint8_t)s.s[i];
        switch (c) {
        case '"': buf_str(b, "\\\""); break;
        case '\\': buf_str(b, "\\\\"); break;
        case '\n': buf_str(b, "\\n"); break;
        case '\r': buf_str(b, "\\r"); break;
        case '\t': buf_str(b, "\\t"); break;
        case 0: buf_str(b, "\\0"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                buf_str(b, "\\u{");
                if (c >> 4)
                    buf_byte(b, (uint8_t)hex[c >> 4]);
                buf_byte(b, (uint8_t)hex[c & 15]);
                buf_byte(b, '}');
            } else {
                buf_byte(b, c);
            }
        }
    }
    buf_byte(b, '"');
}

struct ol_str ol_json_str(const struct jr_value *v)
{
    struct ol_str s;
    s.s = jr_as_str(v, &s.n);
    return s;
}

struct ol_str ol_opt_str(const struct jr_value *obj, const char *key, bool *present)
{
    const struct jr_value *v = jr_opt(obj, key);
    struct ol_str s = {"", 0};
    *present = v != NULL;
    if (v)
        s = ol_json_str(v);
    return s;
}

void ol_parse_code_source(const struct jr_value *v, struct ol_code_source *out)
{
    const struct jr_value *body;
    struct ol_str name = variant_name(v, &body);
    if (str_is(name, "GitHub")) {
        body = struct_body(body);
        out->kind = OL_GITHUB;
        out->first = ol_json_str(jr_req(body, "repo"));
        out->second = ol_json_str(jr_req(body, "commit"));
    } else if (str_is(name, "WasmUrl")) {
        body = struct_body(body);
        out->kind = OL_WASM_URL;
        out->first = ol_json_str(jr_req(body, "url"));
        out->second = ol_json_str(jr_req(body, "hash"));
    } else {
        unknown_variant(name, "`GitHub` or `WasmUrl`");
    }
    out->build_target = ol_opt_str(body, "build_target", &out->has_build_target);
}

void ol_parse_limits(const struct jr_value *v, struct ol_limits *out)
{
    jr_expect(v, JR_OBJECT);
    const struct jr_value *f;
    memset(out, 0, sizeof *out);
    if ((f = jr_opt(v, "max_instructions"))) {
        out->has_instructions = true;
        out->max_instructions = jr_as_u64(f);
    }
    if ((f = jr_opt(v, "max_memory_mb"))) {
        out->has_memory = true;
        out->max_memory_mb = jr_as_u32(f);
    }
    if ((f = jr_opt(v, "max_execution_seconds"))) {
        out->has_seconds = true;
        out->max_execution_seconds = jr_as_u64(f);
    }
}

enum ol_format ol_parse_format(const struct jr_value *v)
{
    const struct jr_value *body;
    struct ol_str name = variant_name(v, &body);
    if (body != NULL && body->type != JR_NULL)
        jr_fail("invalid type: expected unit variant");
    if (str_is(name, "Bytes"))
        return OL_BYTES;
    if (str_is(name, "Text"))
        return OL_TEXT;
    if (str_is(name, "Json"))
        return OL_JSON;
    unknown_variant(name, "one of `Bytes`, `Text`, `Json`");
}

const char *ol_format_name(enum ol_format f) { return f == OL_BYTES ? "Bytes" : f == OL_JSON ? "Json" : "Text"; }

void ol_parse_output(const struct jr_value *v, struct ol_output *out)
{
    const struct jr_value *body;
    struct ol_str name = variant_name(v, &body);
    if (body == NULL)
        jr_fail("invalid type: unit variant, expected newtype variant");
    if (str_is(name, "Bytes")) {
        jr_expect(body, JR_ARRAY);
        uint8_t *bytes = sdk_alloc(body->count ? body->count : 1);
        for (size_t i = 0; i < body->count; i++) {
            uint64_t x = jr_as_u64(&body->items[i]);
            if (x > 255)
                jr_fail("invalid value: integer out of range, expected u8");
            bytes[i] = (uint8_t)x;
        }
        out->kind = OL_BYTES;
        out->data = bytes;
        out->len = body->count;
    } else if (str_is(name, "Text")) {
        struct ol_str s = ol_json_str(body);
        out->kind = OL_TEXT;
        out->data = (const uint8_t *)s.s;
        out->len = s.n;
    } else if (str_is(name, "Json")) {
        struct buf b;
        struct jw w;
        buf_init(&b);
        jw_init(&w, &b);
        jw_value(&w, body);
        out->kind = OL_JSON;
        out->data = b.data;
        out->len = b.len;
    } else {
        unknown_variant(name, "one of `Bytes`, `Text`, `Json`");
    }
}

void ol_parse_metrics(const struct jr_value *v, struct ol_metrics *out)
{
    jr_expect(v, JR_OBJECT);
    out->instructions = jr_as_u64(jr_req(v, "instructions"));
    out->time_ms = jr_as_u64(jr_req(v, "time_ms"));
    const struct jr_value *c = jr_opt(v, "compile_time_ms");
    out->has_compile_time = c != NULL;
    out->compile_time_ms = c ? jr_as_u64(c) : 0;
}

void ol_parse_response(const struct jr_value *v, struct ol_response *out)
{
    jr_expect(v, JR_OBJECT);
    memset(out, 0, sizeof *out);
    out->success = jr_as_bool(jr_req(v, "success"));
    const struct jr_value *o = jr_opt(v, "output");
    if (o) {
        out->has_output = true;
        ol_parse_output(o, &out->output);
    }
    out->error = ol_opt_str(v, "error", &out->has_error);
    ol_parse_metrics(jr_req(v, "resources_used"), &out->used);
    out->note = ol_opt_str(v, "compilation_note", &out->has_note);
}

static void write_opt_str(struct jw *w, bool present, struct ol_str s)
{
    if (present)
        jw_str(w, s.s, s.n);
    else
        jw_null(w);
}

void ol_write_code_source(struct jw *w, const struct ol_code_source *cs)
{
    jw_obj_begin(w);
    if (cs->kind == OL_GITHUB) {
        jw_key(w, "GitHub");
        jw_obj_begin(w);
        jw_key(w, "repo");
        jw_str(w, cs->first.s, cs->first.n);
        jw_key(w, "commit");
    } else {
        jw_key(w, "WasmUrl");
        jw_obj_begin(w);
        jw_key(w, "url");
        jw_str(w, cs->first.s, cs->first.n);
        jw_key(w, "hash");
    }
    jw_str(w, cs->second.s, cs->second.n);
    jw_key(w, "build_target");
    write_opt_str(w, cs->has_build_target, cs->build_target);
    jw_obj_end(w);
    jw_obj_end(w);
}

void ol_write_limits(struct jw *w, const struct ol_limits *l)
{
    jw_obj_begin(w);
    jw_key(w, "max_instructions");
    if (l->has_instructions)
        jw_u64(w, l->max_instructions);
    else
        jw_null(w);
    jw_key(w, "max_memory_mb");
    if (l->has_memory)
        jw_u64(w, l->max_memory_mb);
    else
        jw_null(w);
    jw_key(w, "max_execution_seconds");
    if (l->has_seconds)
        jw_u64(w, l->max_execution_seconds);
    else
        jw_null(w);
    jw_obj_end(w);
}

void ol_write_metrics(struct jw *w, const struct ol_metrics *m)
{
    jw_obj_begin(w);
    jw_key(w, "instructions");
    jw_u64(w, m->instructions);
    jw_key(w, "time_ms");
    jw_u64(w, m->time_ms);
    jw_key(w, "compile_time_ms");
    if (m->has_compile_time)
        jw_u64(w, m->compile_time_ms);
    else
        jw_null(w);
    jw_obj_end(w);
}

/* Text that is not UTF-8 reads back as "[invalid UTF-8]" (reference). */
static bool utf8_ok(const uint8_t *p, size_t n)
{
    const char *error;
    struct buf b;
    buf_init(&b);
    buf_byte(&b, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\' || p[i] < 0x20)
            buf_byte(&b, 'x'); /* only the UTF-8 validity matters here */
        else
            buf_byte(&b, p[i]);
    }
    buf_byte(&b, '"');
    return jr_parse(b.data, b.len, &error) != NULL;
}

void ol_write_output(struct jw *w, const struct ol_output *o)
{
    jw_obj_begin(w);
    jw_key(w, ol_format_name(o->kind));
    if (o->kind == OL_BYTES) {
        jw_byte_array(w, o->data, o->len);
    } else if (o->kind == OL_TEXT) {
        if (utf8_ok(o->data, o->len))
            jw_str(w, (const char *)o->data, o->len);
        else
            jw_cstr(w, "[invalid UTF-8]");
    } else {
        const char *error;
        const struct jr_value *v = jr_parse(o->data, o->len, &error);
        if (v)
            jw_value(w, v);
        else
            jw_null(w);
    }
    jw_obj_end(w);
}

void ol_write_response(struct jw *w, const struct ol_response *r)
{
    jw_obj_begin(w);
    jw_key(w, "success");
    jw_bool(w, r->success);
    jw_key(w, "output");
    if (r->has_output)
        ol_write_output(w, &r->output);
    else
        jw_null(w);
    jw_key(w, "error");
    write_opt_str(w, r->has_error, r->error);
    jw_key(w, "resources_used");
    ol_write_metrics(w, &r->used);
    jw_key(w, "compilation_note");
    write_opt_str(w, r->has_note, r->note);
    jw_obj_end(w);
}

void ol_write_request(struct jw *w, const struct ol_request *r)
{
    jw_obj_begin(w);
    jw_key(w, "request_id");
    jw_u64(w, r->request_id);
    jw_key(w, "data_id");
    jw_byte_array(w, r->data_id, 32);
    jw_key(w, "sender_id");
    jw_cstr(w, r->sender_id);
    jw_key(w, "code_source");
    ol_write_code_source(w, &r->code_source);
    jw_key(w, "resource_limits");
    ol_write_limits(w, &r->limits);
    jw_key(w, "payment");
    jw_u128_num(w, r->payment);
    jw_key(w, "timestamp");
    jw_u64(w, r->timestamp);
    jw_key(w, "secrets_ref");
    if (r->has_secrets_ref) {
        jw_obj_begin(w);
        jw_key(w, "profile");
        jw_str(w, r->secrets_profile.s, r->secrets_profile.n);
        jw_key(w, "account_id");
        jw_cstr(w, r->secrets_account);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "response_format");
    jw_cstr(w, ol_format_name(r->response_format));
    jw_key(w, "input_data");
    write_opt_str(w, r->has_input_data, r->input_data);
    jw_key(w, "payer_account_id");
    jw_cstr(w, r->payer_account_id);
    jw_key(w, "pending_output");
    if (r->has_pending_output) {
        /* StoredOutput serializes its Vec<u8> as an array of numbers. */
        jw_obj_begin(w);
        jw_key(w, ol_format_name(r->pending_output.kind));
        jw_byte_array(w, r->pending_output.data, r->pending_output.len);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "output_submitted");
    jw_bool(w, r->output_submitted);
    jw_obj_end(w);
}

/* ---- Borsh ---- */
static void bw_ostr(struct buf *b, struct ol_str s) { bw_bytes(b, s.s, s.n); }

static struct ol_str br_ostr(struct br *r)
{
    struct ol_str s;
    s.s = br_str(r, &s.n);
    return s;
}

void ol_borsh_code_source(struct buf *b, const struct ol_code_source *cs)
{
    bw_u8(b, (uint8_t)cs->kind);
    bw_ostr(b, cs->first);
    bw_ostr(b, cs->second);
    bw_bool(b, cs->has_build_target);
    if (cs->has_build_target)
        bw_ostr(b, cs->build_target);
}

void ol_unborsh_code_source(struct br *r, struct ol_code_source *out)
{
    uint8_t kind = br_u8(r);
    if (kind > 1)
        br_fail(r);
    out->kind = (enum ol_code_kind)kind;
    out->first = br_ostr(r);
    out->second = br_ostr(r);
    out->has_build_target = br_option(r);
    if (out->has_build_target)
        out->build_target = br_ostr(r);
}

void ol_borsh_request(struct buf *b, const struct ol_request *r)
{
    bw_u64(b, r->request_id);
    buf_put(b, r->data_id, 32);
    bw_str(b, r->sender_id);
    ol_borsh_code_source(b, &r->code_source);
    bw_bool(b, r->limits.has_instructions);
    if (r->limits.has_instructions)
        bw_u64(b, r->limits.max_instructions);
    bw_bool(b, r->limits.has_memory);
    if (r->limits.has_memory)
        bw_u32(b, r->limits.max_memory_mb);
    bw_bool(b, r->limits.has_seconds);
    if (r->limits.has_seconds)
        bw_u64(b, r->limits.max_execution_seconds);
    bw_u128(b, r->payment);
    bw_u64(b, r->timestamp);
    bw_bool(b, r->has_secrets_ref);
    if (r->has_secrets_ref) {
        bw_ostr(b, r->secrets_profile);
        bw_str(b, r->secrets_account);
    }
    bw_u8(b, (uint8_t)r->response_format);
    bw_bool(b, r->has_input_data);
    if (r->has_input_data)
        bw_ostr(b, r->input_data);
    bw_str(b, r->payer_account_id);
    bw_bool(b, r->has_pending_output);
    if (r->has_pending_output) {
        bw_u8(b, (uint8_t)r->pending_output.kind);
        bw_bytes(b, r->pending_output.data, r->pending_output.len);
    }
    bw_bool(b, r->output_submitted);
}

void ol_unborsh_request(struct br *r, struct ol_request *out)
{
    memset(out, 0, sizeof *out);
    out->request_id = br_u64(r);
    memcpy(out->data_id, br_raw(r, 32), 32);
    out->sender_id = br_str(r, NULL);
    ol_unborsh_code_source(r, &out->code_source);
    if ((out->limits.has_instructions = br_option(r)))
        out->limits.max_instructions = br_u64(r);
    if ((out->limits.has_memory = br_option(r)))
        out->limits.max_memory_mb = br_u32(r);
    if ((out->limits.has_seconds = br_option(r)))
        out->limits.max_execution_seconds = br_u64(r);
    out->payment = br_u128(r);
    out->timestamp = br_u64(r);
    if ((out->has_secrets_ref = br_option(r))) {
        out->secrets_profile = br_ostr(r);
        out->secrets_account = br_str(r, NULL);
    }
    uint8_t fmt = br_u8(r);
    if (fmt > 2)
        br_fail(r);
    out->response_format = (enum ol_format)fmt;
    if ((out->has_input_data = br_option(r)))
        out->input_data = br_ostr(r);
    out->payer_account_id = br_str(r, NULL);
    if ((out->has_pending_output = br_option(r))) {
        uint8_t kind = br_u8(r);
        if (kind > 2)
            br_fail(r);
        out->pending_output.kind = (enum ol_format)kind;
        out->pending_output.data = br_bytes(r, &out->pending_output.len);
    }
    out->output_submitted = br_bool(r);
}
