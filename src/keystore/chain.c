/* chain.c — the keystore's one direct NEAR RPC need besides sec_chain:
 * is a worker's key registered (an access key of the register contract's
 * account that may call the OutLayer contract)? */
#include <stdio.h>
#include <string.h>

#include "keystore/chain.h"
#include "near/rpc.h"

int ks_worker_key_rpc(void *ctx, const char *account, const char *public_key, const char *receiver, char *err,
                      size_t errlen)
{
    sec_near_chain *cfg = ctx;
    near_public_key pk;
    if (near_public_key_parse(public_key, &pk) != 0)
        return snprintf(err, errlen, "bad public key"), -1;
    near_rpc *c = near_rpc_new(cfg->rpc_url);
    if (!c)
        return snprintf(err, errlen, "cannot create an RPC client"), -1;
    near_rpc_set_retry(c, cfg->attempts > 0 ? cfg->attempts : 2, 200);
    near_rpc_set_timeout(c, cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000);
    near_access_key_view v;
    near_rpc_error re = {0};
    near_status st = near_rpc_view_access_key(c, account, &pk, NEAR_FINAL, &v, &re);
    int rc;
    if (st == NEAR_OK) {
        /* A full-access key is the account owner's, not a worker's; a
         * worker key is a function-call key for the OutLayer contract. */
        rc = !v.key.full_access && v.key.receiver_id && receiver && strcmp(v.key.receiver_id, receiver) == 0;
        near_access_key_view_free(&v);
    } else if (st == NEAR_ERR_UNKNOWN_ACCESS_KEY || st == NEAR_ERR_UNKNOWN_ACCOUNT) {
        rc = 0;
    } else {
        snprintf(err, errlen, "RPC %s: %s", near_status_name(st), re.message);
        rc = -1;
    }
    near_rpc_error_clear(&re);
    near_rpc_free(c);
    return rc;
}
