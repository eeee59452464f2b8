/*
 * rpc_internal.h — what the JSON-RPC files share (rpc_common.c, rpc_query.c,
 * rpc_tx.c, rpc_sandbox.c, rpc_methods.c). Every method has the signature
 * of devnet_rpc_method: it returns the result, or NULL with *error set (and
 * *http the HTTP status when it is not 200).
 *
 * No request parsing runs under the chain lock: a method that takes
 * parameters is registered unlocked, parses and checks them (base58,
 * base64, Borsh, signatures, sizes) first, then takes c->lock for the
 * state lookup or change only.
 */
#ifndef OUTLAYER_DEVNET_RPC_INTERNAL_H
#define OUTLAYER_DEVNET_RPC_INTERNAL_H

#include <jansson.h>
#include <stdint.h>

#include "devnet/devnet.h"

typedef json_t *(*devnet_rpc_method)(devnet_chain *c, json_t *params, json_t **error, int *http);

/* ---- rpc_common.c ---- */
/* HANDLER_ERROR with a cause; steals info and data (data NULL: the cause). */
json_t *devnet_rpc_handler_error(const char *cause, json_t *info, json_t *data);
/* REQUEST_VALIDATION_ERROR / PARSE_ERROR, HTTP 400. */
json_t *devnet_rpc_request_error(int *http, const char *what);
/* Sets *error to a request error; returns NULL (for `return ...`). */
json_t *devnet_rpc_bad_request(json_t **error, int *http, const char *what);
/* A block reference, parsed without the chain lock (params borrowed). */
typedef struct devnet_rpc_ref {
    enum { DEVNET_REF_HEAD, DEVNET_REF_GENESIS, DEVNET_REF_HEIGHT, DEVNET_REF_HASH, DEVNET_REF_BAD } kind;
    uint64_t height;
    uint8_t hash[32];
    const char *text; /* a string block id, for the error */
    json_t *params;
} devnet_rpc_ref;
void devnet_rpc_block_ref_parse(json_t *params, devnet_rpc_ref *ref);
/* The height a parsed reference names (lock held): 0, or -1 with *error
 * (UNKNOWN_BLOCK). */
int devnet_rpc_block_ref_resolve(devnet_chain *c, const devnet_rpc_ref *ref, uint64_t *height, json_t **error);
/* Adds block_height and block_hash, as every query result has. */
void devnet_rpc_add_block_info(devnet_chain *c, json_t *result, uint64_t height);
/* The first element of legacy array params, or the params themselves. */
json_t *devnet_rpc_first_param(json_t *params);

/* ---- methods in their own files (they take the chain lock themselves) ---- */
json_t *devnet_rpc_query(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_send_tx(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_broadcast_async(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_broadcast_commit(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_tx(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_tx_experimental(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_receipt(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_fast_forward(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_patch_state(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_set_time(devnet_chain *c, json_t *params, json_t **error, int *http);

#endif
