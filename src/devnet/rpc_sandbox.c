/*
 * rpc_sandbox.c — nearcore sandbox's test helpers: sandbox_fast_forward and
 * sandbox_patch_state.
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

/* sandbox_fast_forward {"delta_height": N}: produces N blocks at once (as
 * nearcore's sandbox does), e.g. to reach a yield timeout without waiting. */
json_t *devnet_rpc_fast_forward(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *d = json_is_array(params) ? json_array_get(params, 0) : json_object_get(params, "delta_height");
    if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 100000) {
        return devnet_rpc_bad_request(error, http, "sandbox_fast_forward: delta_height (0..100000) expected");
    }
    for (json_int_t i = 0; i < json_integer_value(d) && !c->stop; i++)
        if (devnet_chain_produce_block(c)) {
            *error = devnet_rpc_handler_error("INTERNAL_ERROR",
                                              json_pack("{s:s}", "error_message", "block production failed"), NULL);
            return NULL;
        }
    return json_object();
}

/* sandbox_patch_state {"records":[StateRecord]} (nearcore's sandbox): writes
 * accounts, access keys, contract code and contract data directly, all or
 * nothing. Storage usage is taken as given (Account) and not recomputed. */
static const char *patch_record(devnet_chain *c, json_t *rec)
{
    json_t *v;
    if ((v = json_object_get(rec, "Account"))) {
        const char *id = json_string_value(json_object_get(v, "account_id"));
        json_t *a = json_object_get(v, "account");
        devnet_account acct;
        memset(&acct, 0, sizeof acct);
        const char *amount = json_string_value(json_object_get(a, "amount"));
        const char *locked = json_string_value(json_object_get(a, "locked"));
        const char *code_hash = json_string_value(json_object_get(a, "code_hash"));
        if (!id || !near_account_id_valid(id, NULL, 0) || !amount || near_u128_parse(amount, &acct.amount) ||
            (locked && near_u128_parse(locked, &acct.locked)) ||
            (code_hash && devnet_b58_hash(code_hash, acct.code_hash)))
            return "Account: account_id, account.amount (and optional locked, code_hash) expected";
        acct.storage_usage = (uint64_t)json_integer_value(json_object_get(a, "storage_usage"));
        return devnet_account_put(&c->st, id, &acct) ? "cannot store the account" : NULL;
    }
    if ((v = json_object_get(rec, "AccessKey"))) {
        const char *id = json_string_value(json_object_get(v, "account_id"));
        const char *pk_text = json_string_value(json_object_get(v, "public_key"));
        json_t *ak_json = json_object_get(v, "access_key");
        near_public_key pk;
        near_access_key ak;
        if (!id || !pk_text || devnet_public_key_parse(pk_text, &pk) ||
            devnet_permission_parse(json_object_get(ak_json, "permission"), &ak)) {
            return "AccessKey: account_id, public_key, access_key {nonce, permission} expected";
        }
        ak.nonce = (uint64_t)json_integer_value(json_object_get(ak_json, "nonce"));
        int rc = devnet_key_put(&c->st, id, &pk, &ak);
        near_access_key_free(&ak);
        return rc ? "cannot store the access key" : NULL;
    }
    if ((v = json_object_get(rec, "Contract"))) {
        const char *id = json_string_value(json_object_get(v, "account_id"));
        const char *code64 = json_string_value(json_object_get(v, "code"));
        uint8_t *code = NULL;
        size_t len = 0;
        if (!id || !code64 || near_base64_decode(code64, &code, &len)) return "Contract: account_id, code expected";
        devnet_account acct;
        int rc = devnet_code_put(&c->st, id, code, len);
        if (!rc && devnet_account_get(&c->st, id, &acct) == 1) {
            devnet_sha256(code, len, NULL, 0, acct.code_hash);
            rc = devnet_account_put(&c->st, id, &acct);
        }
        free(code);
        return rc ? "cannot store the contract" : NULL;
    }
    if ((v = json_object_get(rec, "Data"))) {
        const char *id = json_string_value(json_object_get(v, "account_id"));
        const char *k64 = json_string_value(json_object_get(v, "data_key"));
        const char *v64 = json_string_value(json_object_get(v, "value"));
        uint8_t *key = NULL, *val = NULL;
        size_t klen = 0, vlen = 0;
        const char *err = NULL;
        if (!id || !k64 || !v64 || near_base64_decode(k64, &key, &klen) || near_base64_decode(v64, &val, &vlen))
            err = "Data: account_id, data_key, value (base64) expected";
        else if (devnet_data_set(&c->st, id, key, klen, val, vlen))
            err = "cannot store the data";
        free(key);
        free(val);
        return err;
    }
    return "unknown state record (Account, AccessKey, Contract or Data expected)";
}

json_t *devnet_rpc_patch_state(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *records = json_object_get(json_is_array(params) ? json_array_get(params, 0) : params, "records");
    if (!json_is_array(records)) return devnet_rpc_bad_request(error, http, "sandbox_patch_state: records expected");
    if (devnet_exec(&c->st, "BEGIN")) return NULL;
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec)
    {
        const char *what = patch_record(c, rec);
        if (what) {
            devnet_exec(&c->st, "ROLLBACK");
            char msg[200];
            snprintf(msg, sizeof msg, "sandbox_patch_state: record %zu: %s", i, what);
            return devnet_rpc_bad_request(error, http, msg);
        }
    }
    if (devnet_exec(&c->st, "COMMIT")) {
        devnet_exec(&c->st, "ROLLBACK");
        return NULL;
    }
    return json_object();
}
