/* chain_near.c — see chain_near.h. */
#include "secrets/chain_near.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/rpc.h"

static near_rpc *client(sec_near_chain *cfg, char *err, size_t errlen)
{
    near_rpc *c = near_rpc_new(cfg->rpc_url);
    if (!c) {
        snprintf(err, errlen, "cannot create an RPC client for the configured URL");
        return NULL;
    }
    near_rpc_set_retry(c, cfg->attempts > 0 ? cfg->attempts : 2, 200);
    near_rpc_set_timeout(c, cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000);
    return c;
}

int sec_near_view(sec_near_chain *cfg, const char *contract, const char *method, const char *args_json, char **result,
                  char *err, size_t errlen)
{
    *result = NULL;
    near_rpc *c = client(cfg, err, errlen);
    if (!c)
        return -1;
    near_call_result out = {0};
    near_rpc_error re = {0};
    near_status st = near_view_function(c, contract, method, args_json, &out, &re);
    int rc = -1;
    if (st == NEAR_OK) {
        *result = malloc(out.result_len + 1);
        if (*result) {
            memcpy(*result, out.result, out.result_len);
            (*result)[out.result_len] = 0;
            rc = 0;
        } else {
            snprintf(err, errlen, "out of memory");
        }
        near_call_result_free(&out);
    } else {
        snprintf(err, errlen, "RPC %s: %s", near_status_name(st), re.message);
    }
    near_rpc_error_clear(&re);
    near_rpc_free(c);
    return rc;
}

static int view(void *ctx, const char *contract, const char *method, const char *args_json, char **result, char *err,
                size_t errlen)
{
    return sec_near_view(ctx, contract, method, args_json, result, err, errlen);
}

static int balance(void *ctx, const char *account, near_u128 *amount, char *err, size_t errlen)
{
    near_rpc *c = client(ctx, err, errlen);
    if (!c)
        return -1;
    near_account_view v;
    near_rpc_error re = {0};
    near_status st = near_rpc_view_account(c, account, NEAR_FINAL, &v, &re);
    int rc;
    if (st == NEAR_OK) {
        *amount = v.amount;
        rc = 0;
    } else if (st == NEAR_ERR_UNKNOWN_ACCOUNT) {
        *amount = 0;
        rc = 1;
    } else {
        snprintf(err, errlen, "RPC %s: %s", near_status_name(st), re.message);
        rc = -1;
    }
    near_rpc_error_clear(&re);
    near_rpc_free(c);
    return rc;
}

void sec_chain_near(sec_chain *out, sec_near_chain *cfg)
{
    out->ctx = cfg;
    out->view = view;
    out->balance = balance;
}
