/*
 * rpc_internal.h — what the JSON-RPC files share (rpc_common.c, rpc_query.c,
 * rpc_tx.c, rpc_sandbox.c, rpc_methods.c). Every method has the signature
 * of devnet_rpc_method: it returns the result, or NULL with *error set (and
 * *http the HTTP status when it is not 200).
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
json_t *devnet_rpc_b58_json(const uint8_t *h, size_t n);
/* A block reference to a height: 0, or -1 with *error (UNKNOWN_BLOCK). */
int devnet_rpc_block_ref(devnet_chain *c, json_t *params, uint64_t *height, json_t **error);
/* Adds block_height and block_hash, as every query result has. */
void devnet_rpc_add_block_info(devnet_chain *c, json_t *result, uint64_t height);
/* The first element of legacy array params, or the params themselves. */
json_t *devnet_rpc_first_param(json_t *params);

/* ---- methods in their own files ---- */
json_t *devnet_rpc_query(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_send_tx(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_broadcast_async(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_broadcast_commit(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_tx(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_tx_experimental(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_receipt(devnet_chain *c, json_t *params, json_t **error, int *http);
/* Not under the chain lock (it produces blocks itself). */
json_t *devnet_rpc_fast_forward(devnet_chain *c, json_t *params, json_t **error, int *http);
json_t *devnet_rpc_patch_state(devnet_chain *c, json_t *params, json_t **error, int *http);

#endif
