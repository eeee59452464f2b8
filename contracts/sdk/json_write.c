/* json_write.c — compact JSON writer with serde_json's string escaping. */
#include "json.h"
#include "mem.h"
#include "sdk.h"

void jw_init(struct jw *w, struct buf *b)
{
    w->b = b;
    w->depth = 0;
    w->after_key = false;
    w->has_items[0] = false;
}

/* Called before every value: writes the separating comma if needed. */
static void before_value(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->has_items[w->depth])
        buf_byte(w->b, ',');
    w->has_items[w->depth] = true;
}

static void open_container(struct jw *w, uint8_t c)
{
    before_value(w);
    buf_byte(w->b, c);
    if (w->depth >= JR_MAX_DEPTH + 1)
        sdk_panic("JSON writer: nesting too deep");
    w->has_items[++w->depth] = false;
}

static void close_container(struct jw *w, uint8_t c)
{
    buf_byte(w->b, c);
    w->depth--;
}

void jw_obj_begin(struct jw *w) { open_container(w, '{'); }
void jw_obj_end(struct jw *w) { close_container(w, '}'); }
void jw_arr_begin(struct jw *w) { open_container(w, '['); }
void jw_arr_end(struct jw *w) { close_container(w, ']'); }

void jw_escape(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        uint8_t c = (uint8_t)s[i];
        switch (c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                uint8_t esc[6] = {'\\', 'u', '0', '0', (uint8_t)hex[c >> 4], (uint8_t)hex[c & 15]};
                buf_put(b, esc, 6);
            } else {
                buf_byte(b, c);
            }
        }
    }
}

void jw_key(struct jw *w, const char *key)
{
    before_value(w);
    buf_byte(w->b, '"');
    jw_escape(w->b, key, strlen(key));
    buf_put(w->b, "\":", 2);
    w->after_key = true;
}

void jw_str(struct jw *w, const char *s, size_t len)
{
    before_value(w);
    buf_byte(w->b, '"');
    jw_escape(w->b, s, len);
    buf_byte(w->b, '"');
}

void jw_cstr(struct jw *w, const char *s) { jw_str(w, s, strlen(s)); }

void jw_u64(struct jw *w, uint64_t v)
{
    before_value(w);
    buf_u64(w->b, v);
}

void jw_u128_str(struct jw *w, u128 v)
{
    before_value(w);
    buf_byte(w->b, '"');
    buf_u128(w->b, v);
    buf_byte(w->b, '"');
}

void jw_u128_num(struct jw *w, u128 v)
{
    before_value(w);
    buf_u128(w->b, v);
}

void jw_bool(struct jw *w, bool v)
{
    before_value(w);
    buf_bool(w->b, v);
}

void jw_null(struct jw *w)
{
    before_value(w);
    buf_str(w->b, "null");
}

void jw_raw(struct jw *w, const void *json, size_t len)
{
    before_value(w);
    buf_put(w->b, json, len);
}

void jw_byte_array(struct jw *w, const uint8_t *data, size_t len)
{
    jw_arr_begin(w);
    for (size_t i = 0; i < len; i++)
        jw_u64(w, data[i]);
    jw_arr_end(w);
}

void jw_value(struct jw *w, const struct jr_value *v)
{
    switch (v->type) {
    case JR_NULL: jw_null(w); break;
    case JR_BOOL: jw_bool(w, v->boolean); break;
    case JR_NUMBER: jw_raw(w, v->text, v->len); break;
    case JR_STRING: jw_str(w, v->text, v->len); break;
    case JR_ARRAY:
        jw_arr_begin(w);
        for (size_t i = 0; i < v->count; i++)
            jw_value(w, &v->items[i]);
        jw_arr_end(w);
        break;
    case JR_OBJECT:
        jw_obj_begin(w);
        for (size_t i = 0; i < v->count; i++) {
            before_value(w);
            buf_byte(w->b, '"');
            jw_escape(w->b, v->keys[i].s, v->keys[i].len);
            buf_put(w->b, "\":", 2);
            w->after_key = true;
            jw_value(w, &v->items[i]);
        }
        jw_obj_end(w);
        break;
    }
}
