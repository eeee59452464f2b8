/*
 * views.c — read-only NEAR views for programs (view_function,
 * view_account) through the embedder's JSON-RPC endpoint, at finality
 * "final". One near_rpc client per job (made at the first view); each
 * call's time is bounded by the job's deadline. RPC failures map to the
 * error codes of docs/program-api.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/kv_internal.h"
#include "near/account_id.h"
#include "near/rpc.h"

#define VIEW_TIMEOUT_MS 10000L

bool hostapi_valid_account(const char *id, size_t len) { return near_account_id_valid_n(id, len, NULL, 0); }

void hostapi_views_close(hostapi_kv_state *k)
{
    if (k->rpc)
        near_rpc_free(k->rpc);
    k->rpc = NULL;
}

/* The client, with a timeout that ends by the job's deadline; 0 = the deadline has passed. */
static near_rpc *client(hostapi_ctx *h)
{
    hostapi_kv_state *k = h->kv;
    if (!k->rpc) {
        k->rpc = near_rpc_new(k->rpc_url);
        if (!k->rpc)
            return NULL;
        near_rpc_set_retry(k->rpc, 2, 100);
    }
    long timeout = VIEW_TIMEOUT_MS;
    if (h->deadline_us) {
        uint64_t now = hostapi_now_us();
        if (now >= h->deadline_us)
            return NULL;
        uint64_t left = (h->deadline_us - now) / 1000;
        if (left < (uint64_t)timeout)
            timeout = left ? (long)left : 1;
    }
    near_rpc_set_timeout(k->rpc, timeout);
    return k->rpc;
}

static int map_status(near_status st)
{
    switch (st) {
    case NEAR_OK: return HOSTAPI_OK;
    case NEAR_ERR_UNKNOWN_ACCOUNT: return HOSTAPI_ENOT_FOUND;
    case NEAR_ERR_NO_CONTRACT_CODE:
    case NEAR_ERR_CONTRACT_EXECUTION: return HOSTAPI_EVIEW;
    case NEAR_ERR_TIMEOUT: return HOSTAPI_ETIMEOUT;
    default: return HOSTAPI_EUNAVAILABLE;
    }
}

static int no_client(hostapi_ctx *h)
{
    return h->deadline_us && hostapi_now_us() >= h->deadline_us ? HOSTAPI_ETIMEOUT : HOSTAPI_EUNAVAILABLE;
}

int hostapi_view_function(hostapi_ctx *h, const char *contract, const char *method, const uint8_t *args,
                          size_t args_len, uint8_t **out, size_t *out_len)
{
    near_rpc *c = client(h);
    if (!c)
        return no_client(h);
    near_call_result r = {0};
    near_rpc_error err = {0};
    near_status st = near_rpc_call_function(c, contract, method, args, args_len, NEAR_FINAL, &r, &err);
    int code = map_status(st);
    if (code == HOSTAPI_OK) {
        *out = r.result;
        *out_len = r.result_len;
        r.result = NULL;
    } else {
        snprintf(h->last_error, sizeof h->last_error, "view %.64s.%.40s: %.120s", contract, method, err.message);
    }
    near_call_result_free(&r);
    near_rpc_error_clear(&err);
    return code;
}

int hostapi_view_account(hostapi_ctx *h, const char *account, uint8_t **out, size_t *out_len)
{
    near_rpc *c = client(h);
    if (!c)
        return no_client(h);
    json_t *params =
        json_pack("{s:s, s:s, s:s}", "request_type", "view_account", "finality", "final", "account_id", account);
    json_t *result = NULL;
    near_rpc_error err = {0};
    near_status st = params ? near_rpc_call(c, "query", params, 1, &result, &err) : NEAR_ERR_NOMEM;
    int code = map_status(st);
    if (code == HOSTAPI_OK) {
        /* the node's answer as compact JSON, keys sorted so equal views are equal bytes */
        char *s = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS);
        if (s) {
            *out = (uint8_t *)s;
            *out_len = strlen(s);
        } else
            code = HOSTAPI_EUNAVAILABLE;
    } else {
        snprintf(h->last_error, sizeof h->last_error, "view_account %.64s: %.160s", account, err.message);
    }
    json_decref(result);
    near_rpc_error_clear(&err);
    return code;
}
