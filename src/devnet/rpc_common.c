/*
 * rpc_common.c — what every JSON-RPC method uses: nearcore's error shapes
 * (name, cause {name, info}, and the legacy code/message/data) and block
 * references ({finality} | {block_id} | {sync_checkpoint} | legacy scalar).
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

json_t *devnet_rpc_b58_json(const uint8_t *h, size_t n)
{
    char buf[DEVNET_B58_HASH * 2];
    return json_string(devnet_b58(h, n, buf, sizeof buf));
}

/* ---- block references ---- */

/* Resolves {finality}|{block_id}|{sync_checkpoint} or a legacy scalar to a
 * height. Returns 0, or -1 with *error set. */
int devnet_rpc_block_ref(devnet_chain *c, json_t *params, uint64_t *height, json_t **error)
{
    json_t *id = json_is_object(params) ? json_object_get(params, "block_id") : params;
    if (json_is_object(params) && !id) {
        const char *cp = json_string_value(json_object_get(params, "sync_checkpoint"));
        *height = cp && !strcmp(cp, "genesis") ? c->genesis_height : c->head_height;
        return 0;
    }
    if (!id || json_is_null(id)) {
        *height = c->head_height;
        return 0;
    }
    if (json_is_integer(id)) {
        uint64_t h = (uint64_t)json_integer_value(id);
        if (h >= c->genesis_height && h <= c->head_height) {
            *height = h;
            return 0;
        }
        char msg[128];
        snprintf(msg, sizeof msg, "DB Not Found Error: BLOCK HEIGHT: %llu \n Cause: Unknown", (unsigned long long)h);
        *error =
            devnet_rpc_handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", params), json_string(msg));
        return -1;
    }
    uint8_t hash[32];
    const char *s = json_string_value(id);
    if (s && devnet_b58_hash(s, hash) == 0 && devnet_block_height_by_hash(c, hash, height) == 1) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "DB Not Found Error: BLOCK: %s \n Cause: Unknown", s ? s : "?");
    *error = devnet_rpc_handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", params), json_string(msg));
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
