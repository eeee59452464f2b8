/* json.h — strict JSON for contracts: a reader that builds a small tree
 * (jr_) and a compact writer (jw_).
 *
 * The reader accepts exactly RFC 8259 JSON (UTF-8 validated, \u escapes
 * with surrogate pairs, nesting up to 128 levels) and nothing else.
 * Malformed text and type mismatches panic with the current error context
 * (by default "Failed to deserialize input from JSON.") followed by a detail,
 * mirroring what near-sdk-rs reports for bad arguments.
 * The writer emits compact JSON (no spaces) with keys in the order written,
 * and escapes strings the way serde_json does. */
#ifndef SDK_JSON_H
#define SDK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "u128.h"

enum jr_type { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_str {
    const char *s;
    size_t len;
};

struct jr_value {
    enum jr_type type;
    bool boolean;
    /* JR_STRING: decoded UTF-8 (NUL-terminated); JR_NUMBER: the raw text. */
    const char *text;
    size_t len;
    /* JR_ARRAY: count items; JR_OBJECT: count keys[i] -> items[i]. */
    size_t count;
    struct jr_value *items;
    struct jr_str *keys;
};

#define JR_MAX_DEPTH 128

/* Parses text; on error returns NULL and sets *error to a description. */
const struct jr_value *jr_parse(const uint8_t *text, size_t len, const char **error);
/* Parses text or panics with the error context. */
const struct jr_value *jr_parse_or_fail(const uint8_t *text, size_t len);

/* The panic prefix for malformed/mistyped input (a static string). */
void jr_set_error_context(const char *prefix);
/* Panics "<context> Error: <detail>". */
__attribute__((noreturn)) void jr_fail(const char *detail);

/* Object members. jr_get: NULL if absent; duplicate keys panic.
 * jr_opt: NULL if absent or null. jr_req: panics "missing field `key`". */
const struct jr_value *jr_get(const struct jr_value *obj, const char *key);
const struct jr_value *jr_opt(const struct jr_value *obj, const char *key);
const struct jr_value *jr_req(const struct jr_value *obj, const char *key);

/* Typed reads; a mismatch panics. */
void jr_expect(const struct jr_value *v, enum jr_type type);
bool jr_as_bool(const struct jr_value *v);
uint64_t jr_as_u64(const struct jr_value *v);
uint32_t jr_as_u32(const struct jr_value *v);
const char *jr_as_str(const struct jr_value *v, size_t *len);
/* A JSON string of decimal digits (near-sdk's U128 / NearToken). */
u128 jr_as_u128_str(const struct jr_value *v);
/* A JSON string holding a valid NEAR account id. */
const char *jr_as_account(const struct jr_value *v);
/* An externally tagged enum: a bare string (unit variant) or a one-key
 * object. Returns the variant name and sets *body (NULL for unit form). */
const char *jr_variant(const struct jr_value *v, const struct jr_value **body);

/* ---- writer ---- */
struct jw {
    struct buf *b;
    int depth;
    bool after_key;
    bool has_items[JR_MAX_DEPTH + 2];
};

void jw_init(struct jw *w, struct buf *b);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s, size_t len);
void jw_cstr(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_u128_str(struct jw *w, u128 v); /* "123" (near-sdk U128) */
void jw_u128_num(struct jw *w, u128 v); /* 123 (serde_json raw u128) */
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Inserts already-serialized JSON as one value. */
void jw_raw(struct jw *w, const void *json, size_t len);
/* [b0,b1,...] — Vec<u8> / [u8; N] as serde_json writes them. */
void jw_byte_array(struct jw *w, const uint8_t *data, size_t len);
/* Re-serializes a parsed value compactly. */
void jw_value(struct jw *w, const struct jr_value *v);

/* Appends s as the body of a JSON string (escaped, without quotes). */
void jw_escape(struct buf *b, const char *s, size_t len);

#endif
