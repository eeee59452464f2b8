/* rpc_helpers.h — helpers shared by rpc.c, rpc_reads.c and rpc_send.c.
 * Not part of the public API. */
#ifndef OUTLAYER_NEAR_RPC_HELPERS_H
#define OUTLAYER_NEAR_RPC_HELPERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "near/rpc.h"

/* Sets err->status and err->message (printf-style); returns st. err may be NULL. */
near_status near_rpc_set_err(near_rpc_error *err, near_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* String member of an object, or NULL. */
const char *near_rpc_jstr(json_t *o, const char *key);
/* u64 from a JSON integer ≥ 0 or a decimal string; u128 likewise. 0 or -1. */
int near_rpc_ju64(json_t *v, uint64_t *out);
int near_rpc_ju128(json_t *v, near_u128 *out);
/* 32-byte hash from a base58 string. 0 or -1. */
int near_rpc_jhash(json_t *v, uint8_t out[NEAR_HASH_LEN]);
/* Compact JSON text of v into buf (cut to fit). */
void near_rpc_dump(json_t *v, char *buf, size_t cap);
/* First member named key anywhere in nested objects (bounded depth). */
json_t *near_rpc_find_key(json_t *v, const char *key, int depth);
/* Status for a legacy error text ("account … does not exist while viewing", …). */
near_status near_rpc_classify_text(const char *text);
/* Appends the strings of a JSON array to a malloc'd list (into, n_into). */
char **near_rpc_parse_logs(json_t *logs, size_t *n_out, char **into, size_t n_into);

#endif
