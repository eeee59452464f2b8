/* sdk.c — call context, results, logs, events, panics and base64. */
#include "sdk.h"

#define PTR(p) ((uint64_t)(uintptr_t)(p))

void sdk_panic_n(const char *msg, size_t len) { env_panic_utf8(len, PTR(msg)); }

void sdk_panic(const char *msg) { sdk_panic_n(msg, strlen(msg)); }

void sdk_panic_buf(struct buf *msg) { sdk_panic_n((const char *)msg->data, msg->len); }

uint8_t *sdk_read_register(uint64_t register_id, size_t *len)
{
    uint64_t n = env_register_len(register_id);
    if (n == UINT64_MAX) {
        *len = 0;
        return NULL;
    }
    uint8_t *data = sdk_alloc((size_t)n + 1);
    if (n)
        env_read_register(register_id, PTR(data));
    data[n] = 0; /* handy for text; not counted */
    *len = (size_t)n;
    return data;
}

const uint8_t *sdk_input(size_t *len)
{
    env_input(SDK_REGISTER);
    uint8_t *data = sdk_read_register(SDK_REGISTER, len);
    return data ? data : (const uint8_t *)"";
}

static const char *account_from(void (*getter)(uint64_t), const char **cache)
{
    if (*cache == NULL) {
        size_t len;
        getter(SDK_REGISTER);
        uint8_t *data = sdk_read_register(SDK_REGISTER, &len);
        *cache = data ? (const char *)data : "";
    }
    return *cache;
}

/* Cached per call; native tests reset them through sdk_reset_context(). */
static const char *cached_predecessor, *cached_current, *cached_signer;

const char *sdk_predecessor(void) { return account_from(env_predecessor_account_id, &cached_predecessor); }

const char *sdk_current_account(void) { return account_from(env_current_account_id, &cached_current); }

const char *sdk_signer(void) { return account_from(env_signer_account_id, &cached_signer); }

#ifndef __wasm__
void sdk_reset_context(void) { cached_predecessor = cached_current = cached_signer = NULL; }
#endif

static u128 read_u128(void (*getter)(uint64_t))
{
    uint8_t raw[16];
    getter(PTR(raw));
    u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = (v << 8) | raw[i];
    return v;
}

u128 sdk_attached_deposit(void) { return read_u128(env_attached_deposit); }

u128 sdk_account_balance(void) { return read_u128(env_account_balance); }

uint64_t sdk_block_timestamp(void) { return env_block_timestamp(); }

uint64_t sdk_block_height(void) { return env_block_index(); }

uint64_t sdk_prepaid_gas(void) { return env_prepaid_gas(); }

uint64_t sdk_used_gas(void) { return env_used_gas(); }

void sdk_return(const void *data, size_t len) { env_value_return(len, PTR(data)); }

void sdk_return_buf(const struct buf *b) { sdk_return(b->data, b->len); }

struct jw *sdk_reply_begin(struct sdk_reply *r)
{
    buf_init(&r->b);
    jw_init(&r->w, &r->b);
    return &r->w;
}

void sdk_reply_end(struct sdk_reply *r) { sdk_return_buf(&r->b); }

void sdk_log_n(const char *msg, size_t len) { env_log_utf8(len, PTR(msg)); }

void sdk_log(const char *msg) { sdk_log_n(msg, strlen(msg)); }

void sdk_log_buf(const struct buf *msg) { sdk_log_n((const char *)msg->data, msg->len); }

void sdk_emit_event(const char *standard, const char *version, const char *event, const uint8_t *data_object,
                    size_t data_len)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, "EVENT_JSON:");
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "standard");
    jw_cstr(&w, standard);
    jw_key(&w, "version");
    jw_cstr(&w, version);
    jw_key(&w, "event");
    jw_cstr(&w, event);
    jw_key(&w, "data");
    jw_arr_begin(&w);
    jw_raw(&w, data_object, data_len);
    jw_arr_end(&w);
    jw_obj_end(&w);
    sdk_log_buf(&b);
}

void sdk_require_no_deposit(const char *method)
{
    if (sdk_attached_deposit() != 0) {
        struct buf b;
        buf_init(&b);
        buf_str(&b, "Method ");
        buf_str(&b, method);
        buf_str(&b, " doesn't accept deposit");
        sdk_panic_buf(&b);
    }
}

void sdk_require_private(const char *method)
{
    if (sdk_streq(sdk_predecessor(), sdk_current_account()))
        return;
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Method ");
    buf_str(&b, method);
    buf_str(&b, " is private");
    sdk_panic_buf(&b);
}

const struct jr_value *sdk_args(void)
{
    size_t len;
    const uint8_t *in = sdk_input(&len);
    jr_set_error_context("Failed to deserialize input from JSON.");
    if (len == 0)
        jr_fail("EOF while parsing a value at line 1 column 0");
    const struct jr_value *v = jr_parse_or_fail(in, len);
    if (v->type != JR_OBJECT)
        jr_fail("invalid type: expected a map of arguments");
    return v;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sdk_base64_encode(struct buf *out, const uint8_t *data, size_t len)
{
    buf_reserve(out, (len + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];
        buf_byte(out, (uint8_t)B64[v >> 18 & 63]);
        buf_byte(out, (uint8_t)B64[v >> 12 & 63]);
        buf_byte(out, (uint8_t)B64[v >> 6 & 63]);
        buf_byte(out, (uint8_t)B64[v & 63]);
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)data[i] << 16;
        buf_byte(out, (uint8_t)B64[v >> 18 & 63]);
        buf_byte(out, (uint8_t)B64[v >> 12 & 63]);
        buf_str(out, "==");
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8;
        buf_byte(out, (uint8_t)B64[v >> 18 & 63]);
        buf_byte(out, (uint8_t)B64[v >> 12 & 63]);
        buf_byte(out, (uint8_t)B64[v >> 6 & 63]);
        buf_byte(out, '=');
    }
}

bool sdk_streq(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && memcmp(a, b, n) == 0;
}
