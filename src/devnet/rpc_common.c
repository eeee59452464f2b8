/*
 * rpc_common.c — what every JSON-RPC method uses: nearcore's error shapes
 * (name, cause {name, info}, and the legacy code/message/data) and block
 * references ({finality} | {block_id} | {sync_checkpoint} | legacy scalar),
 * parsed before the chain lock and resolved under it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devnet/devnet.h"
#include "devnet/rpc_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"

/* ---- errors ---- */

json_t *devnet_rpc_handler_error(const char *cause, json_t *info, json_t *data)
{
    return json_pack("{s:s,s:{s:s,s:o},s:i,s:s,s:o}", "name", "HANDLER_ERROR", "cause", "name", cause, "info",
                     info ? info : json_object(), "code", -32000, "message", "Server error", "data",
                     data ? data : json_string(cause));
}

json_t *devnet_rpc_request_error(int *http, const char *what)
{
    *http = 400;
    return json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "REQUEST_VALIDATION_ERROR", "cause", "name",
                     "PARSE_ERROR", "info", "error_message", what, "code", -32700, "message", "Parse error", "data",
                     what);
}

/* Sets a request-validation error; returns NULL for `return devnet_rpc_bad_request(...)`. */
json_t *devnet_rpc_bad_request(json_t **error, int *http, const char *what)
{
    json_decref(*error);
    *error = devnet_rpc_request_error(http, what);
    return NULL;
}

/* ---- block references ---- */

void devnet_rpc_block_ref_parse(json_t *params, devnet_rpc_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    ref->params = params;
    json_t *id = json_is_object(params) ? json_object_get(params, "block_id") : params;
    if (json_is_object(params) && !id) {
        const char *cp = json_string_value(json_object_get(params, "sync_checkpoint"));
        ref->kind = cp && !strcmp(cp, "genesis") ? DEVNET_REF_GENESIS : DEVNET_REF_HEAD;
    } else if (!id || json_is_null(id)) {
        ref->kind = DEVNET_REF_HEAD;
    } else if (json_is_integer(id)) {
        ref->kind = DEVNET_REF_HEIGHT;
        ref->height = (uint64_t)json_integer_value(id);
    } else {
        ref->text = json_string_value(id);
        ref->kind = ref->text && devnet_b58_hash(ref->text, ref->hash) == 0 ? DEVNET_REF_HASH : DEVNET_REF_BAD;
    }
}

int devnet_rpc_block_ref_resolve(devnet_chain *c, const devnet_rpc_ref *ref, uint64_t *height, json_t **error)
{
    switch (ref->kind) {
    case DEVNET_REF_HEAD: *height = c->head_height; return 0;
    case DEVNET_REF_GENESIS: *height = c->genesis_height; return 0;
    case DEVNET_REF_HEIGHT: {
        uint64_t h = ref->height;
        if (h >= c->genesis_height && h <= c->head_height) {
            *height = h;
            return 0;
        }
        char msg[128];
        snprintf(msg, sizeof msg, "DB Not Found Error: BLOCK HEIGHT: %llu \n Cause: Unknown", (unsigned long long)h);
        *error = devnet_rpc_handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", ref->params),
                                          json_string(msg));
        return -1;
    }
    case DEVNET_REF_HASH:
        if (devnet_block_height_by_hash(c, ref->hash, height) == DEVNET_OK)
            return 0;
        break;
    case DEVNET_REF_BAD: break;
    }
    char msg[160];
    snprintf(msg, sizeof msg, "DB Not Found Error: BLOCK: %s \n Cause: Unknown", ref->text ? ref->text : "?");
    *error =
        devnet_rpc_handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", ref->params), json_string(msg));
    return -1;
}

void devnet_rpc_add_block_info(devnet_chain *c, json_t *result, uint64_t height)
{
    json_t *b = devnet_block_view(c, height);
    json_object_set_new(result, "block_height", json_integer((json_int_t)height));
    json_object_set(result, "block_hash", json_object_get(json_object_get(b, "header"), "hash"));
    json_decref(b);
}

json_t *devnet_rpc_first_param(json_t *params) { return json_is_array(params) ? json_array_get(params, 0) : params; }
