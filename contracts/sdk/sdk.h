/* sdk.h — a small freestanding SDK for NEAR contracts written in C.
 *
 * Include this one header. It offers: the call context (input, caller,
 * deposit, time), results, logs, events and panics; plus, through the
 * headers it includes, memory, buffers, u128, JSON, Borsh, account ids,
 * storage collections and promises.
 *
 * Contract methods are exported functions without arguments:
 *     SDK_EXPORT(my_method) void c_my_method(void) { ... }
 * On wasm32 SDK_EXPORT exports the function under the given NEAR method
 * name; in native test builds it expands to nothing. */
#ifndef SDK_SDK_H
#define SDK_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "env.h"
#include "mem.h"
#include "u128.h"
#include "buf.h"
#include "json.h"
#include "borsh.h"
#include "account.h"
#include "storage.h"
#include "promise.h"

#ifdef __wasm__
#define SDK_EXPORT(name) __attribute__((export_name(#name)))
#else
#define SDK_EXPORT(name)
#endif

/* Register the SDK uses for host calls that return data. */
#define SDK_REGISTER 0

/* --- panics (never return) --- */
__attribute__((noreturn)) void sdk_panic(const char *msg);
__attribute__((noreturn)) void sdk_panic_n(const char *msg, size_t len);
__attribute__((noreturn)) void sdk_panic_buf(struct buf *msg);

/* --- context --- */
/* The call's argument bytes (never NULL; *len may be 0). */
const uint8_t *sdk_input(size_t *len);
/* Account ids as NUL-terminated strings (allocated once per call). */
const char *sdk_predecessor(void);
const char *sdk_current_account(void);
const char *sdk_signer(void);
u128 sdk_attached_deposit(void);
u128 sdk_account_balance(void);
uint64_t sdk_block_timestamp(void);
uint64_t sdk_block_height(void);
uint64_t sdk_prepaid_gas(void);
uint64_t sdk_used_gas(void);
/* Copies a register out (NULL with *len 0 if the register is unset). */
uint8_t *sdk_read_register(uint64_t register_id, size_t *len);

/* --- results and logs --- */
void sdk_return(const void *data, size_t len);
void sdk_return_buf(const struct buf *b);
/* A JSON result under construction: a writer over its own buffer.
 *   struct sdk_reply r;  struct jw *w = sdk_reply_begin(&r);  ...write...;  sdk_reply_end(&r);
 * sdk_reply_end returns what was written as the method's result. */
struct sdk_reply {
    struct buf b;
    struct jw w;
};
struct jw *sdk_reply_begin(struct sdk_reply *r);
void sdk_reply_end(struct sdk_reply *r);
void sdk_log(const char *msg);
void sdk_log_n(const char *msg, size_t len);
void sdk_log_buf(const struct buf *msg);
/* Logs `EVENT_JSON:{"standard":S,"version":V,"event":E,"data":[DATA]}`
 * where data_object is one compact JSON object (NEP-297). */
void sdk_emit_event(const char *standard, const char *version, const char *event, const uint8_t *data_object,
                    size_t data_len);

/* --- what near-sdk-rs generates around every method --- */
/* Panics "Method <name> doesn't accept deposit" if a deposit is attached. */
void sdk_require_no_deposit(const char *method);
/* Panics "Method <name> is private" unless the contract calls itself. */
void sdk_require_private(const char *method);
/* Reads the input as a JSON object of named arguments. Empty input, bad
 * JSON or a non-object panics "Failed to deserialize input from JSON.". */
const struct jr_value *sdk_args(void);

/* Byte-wise equality of two NUL-terminated strings. */
bool sdk_streq(const char *a, const char *b);

#ifndef __wasm__
/* Native builds: forget the cached account ids (the mock calls this). */
void sdk_reset_context(void);
#endif

/* Standard base64 with padding. */
void sdk_base64_encode(struct buf *out, const uint8_t *data, size_t len);

#endif
