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
 * nothing. Storage usage is taken as given (Account) and not recomputed.
 * Every record is parsed and decoded first; the chain lock is held only
 * while they are written. */
typedef struct patch {
    enum { P_ACCOUNT, P_KEY, P_CODE, P_DATA } kind;
    const char *id; /* borrowed from the request */
    devnet_account acct;
    near_public_key pk;
    near_access_key ak;
    uint8_t *bytes, *value; /* code or data key; data value */
    size_t len, vlen;
    uint8_t code_hash[32];
} patch;

static void patch_free(patch *p)
{
    if (p->kind == P_KEY)
        near_access_key_free(&p->ak);
    free(p->bytes);
    free(p->value);
}

/* Parses one record (no lock): NULL, or what is wrong with it. */
static const char *parse_record(json_t *rec, patch *p)
{
    memset(p, 0, sizeof *p);
    json_t *v;
    if ((v = json_object_get(rec, "Account"))) {
        p->kind = P_ACCOUNT;
        p->id = json_string_value(json_object_get(v, "account_id"));
        json_t *a = json_object_get(v, "account");
        const char *amount = json_string_value(json_object_get(a, "amount"));
        const char *locked = json_string_value(json_object_get(a, "locked"));
        const char *code_hash = json_string_value(json_object_get(a, "code_hash"));
        if (!p->id || !near_account_id_valid(p->id, NULL, 0) || !amount || near_u128_parse(amount, &p->acct.amount) ||
            (locked && near_u128_parse(locked, &p->acct.locked)) ||
            (code_hash && devnet_b58_hash(code_hash, p->acct.code_hash)))
            return "Account: account_id, account.amount (and optional locked, code_hash) expected";
        p->acct.storage_usage = (uint64_t)json_integer_value(json_object_get(a, "storage_usage"));
        return NULL;
    }
    if ((v = json_object_get(rec, "AccessKey"))) {
        p->id = json_string_value(json_object_get(v, "account_id"));
        const char *pk_text = json_string_value(json_object_get(v, "public_key"));
        json_t *ak_json = json_object_get(v, "access_key");
        if (!p->id || !pk_text || devnet_public_key_parse(pk_text, &p->pk) ||
            devnet_permission_parse(json_object_get(ak_json, "permission"), &p->ak)) {
            return "AccessKey: account_id, public_key, access_key {nonce, permission} expected";
        }
        p->kind = P_KEY; /* only now is p->ak something to free */
        p->ak.nonce = (uint64_t)json_integer_value(json_object_get(ak_json, "nonce"));
        return NULL;
    }
    if ((v = json_object_get(rec, "Contract"))) {
        p->kind = P_CODE;
        p->id = json_string_value(json_object_get(v, "account_id"));
        const char *code64 = json_string_value(json_object_get(v, "code"));
        if (!p->id || !code64 || near_base64_decode(code64, &p->bytes, &p->len))
            return "Contract: account_id, code expected";
        devnet_sha256(p->bytes, p->len, NULL, 0, p->code_hash);
        return NULL;
    }
    if ((v = json_object_get(rec, "Data"))) {
        p->kind = P_DATA;
        p->id = json_string_value(json_object_get(v, "account_id"));
        const char *k64 = json_string_value(json_object_get(v, "data_key"));
        const char *v64 = json_string_value(json_object_get(v, "value"));
        if (!p->id || !k64 || !v64 || near_base64_decode(k64, &p->bytes, &p->len) ||
            near_base64_decode(v64, &p->value, &p->vlen))
            return "Data: account_id, data_key, value (base64) expected";
        return NULL;
    }
    return "unknown state record (Account, AccessKey, Contract or Data expected)";
}

/* Writes one parsed record (lock held, inside the SQLite transaction). */
static const char *apply_record(devnet_chain *c, const patch *p)
{
    switch (p->kind) {
    case P_ACCOUNT: return devnet_account_put(&c->st, p->id, &p->acct) ? "cannot store the account" : NULL;
    case P_KEY: return devnet_key_put(&c->st, p->id, &p->pk, &p->ak) ? "cannot store the access key" : NULL;
    case P_CODE: {
        devnet_account acct;
        int rc = devnet_code_put(&c->st, p->id, p->bytes, p->len);
        if (!rc && devnet_account_get(&c->st, p->id, &acct) == DEVNET_OK) {
            memcpy(acct.code_hash, p->code_hash, 32);
            rc = devnet_account_put(&c->st, p->id, &acct);
        }
        return rc ? "cannot store the contract" : NULL;
    }
    case P_DATA:
        return devnet_data_set(&c->st, p->id, p->bytes, p->len, p->value, p->vlen) ? "cannot store the data" : NULL;
    }
    return "unknown state record";
}

json_t *devnet_rpc_patch_state(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *records = json_object_get(json_is_array(params) ? json_array_get(params, 0) : params, "records");
    if (!json_is_array(records))
        return devnet_rpc_bad_request(error, http, "sandbox_patch_state: records expected");
    size_t n = json_array_size(records), parsed = 0;
    patch *ps = calloc(n ? n : 1, sizeof *ps);
    if (!ps)
        return NULL;
    json_t *result = NULL;
    const char *what = NULL;
    size_t bad = 0;
    for (; parsed < n && !what; parsed++)
        if ((what = parse_record(json_array_get(records, parsed), &ps[parsed])))
            bad = parsed;
    if (!what) {
        pthread_mutex_lock(&c->lock);
        if (devnet_exec(&c->st, "BEGIN") == 0) {
            for (size_t i = 0; i < n && !what; i++)
                if ((what = apply_record(c, &ps[i])))
                    bad = i;
            if (what || devnet_exec(&c->st, "COMMIT")) {
                if (devnet_exec(&c->st, "ROLLBACK") != DEVNET_OK)
                    devnet_log("error", "sandbox_patch_state: the rollback failed");
            } else
                result = json_object();
        }
        pthread_mutex_unlock(&c->lock);
    }
    if (what) {
        char msg[200];
        snprintf(msg, sizeof msg, "sandbox_patch_state: record %zu: %s", bad, what);
        devnet_rpc_bad_request(error, http, msg);
    }
    for (size_t i = 0; i < parsed; i++)
        patch_free(&ps[i]);
    free(ps);
    return result;
}

/* sandbox_set_time {"timestamp_ns": N | "time": "RFC 3339"}: the next blocks
 * carry that time and the clock runs on from there (e.g. to check
 * certificates or collateral inside their validity window). Only forward:
 * a block time is never before its parent's. Not in nearcore (its sandbox
 * moves time only with sandbox_fast_forward); our own extension. */
json_t *devnet_rpc_set_time(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *p = json_is_array(params) ? json_array_get(params, 0) : params;
    json_t *ns = json_object_get(p, "timestamp_ns");
    const char *iso = json_string_value(json_object_get(p, "time"));
    uint64_t t = 0;
    if (json_is_integer(ns) && json_integer_value(ns) > 0) {
        t = (uint64_t)json_integer_value(ns);
    } else if (json_is_string(ns)) {
        char *end = NULL;
        errno = 0;
        t = strtoull(json_string_value(ns), &end, 10);
        if (errno || !end || *end || t == 0)
            t = 0;
    } else if (iso) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
        time_t s = end && strcmp(end, "Z") == 0 ? timegm(&tm) : (time_t)-1;
        if (s > 0 && (uint64_t)s <= DEVNET_MAX_CLOCK_NS / 1000000000u)
            t = (uint64_t)s * 1000000000u;
    }
    /* Up to 2200-01-01: block times are u64 ns, and offsets from the wall
     * clock must stay within i64. */
    if (t > DEVNET_MAX_CLOCK_NS)
        t = 0;
    if (t == 0)
        return devnet_rpc_bad_request(error, http,
                                      "sandbox_set_time: timestamp_ns (ns since the epoch) or time (RFC 3339 UTC) "
                                      "before 2200 expected");
    pthread_mutex_lock(&c->lock);
    if (t <= c->head_timestamp) {
        uint64_t head = c->head_timestamp;
        pthread_mutex_unlock(&c->lock);
        char msg[160];
        snprintf(msg, sizeof msg,
                 "sandbox_set_time: %llu is not after the head block's time %llu (time only moves forward)",
                 (unsigned long long)t, (unsigned long long)head);
        return devnet_rpc_bad_request(error, http, msg);
    }
    c->clock_offset_ns = (int64_t)t - (int64_t)devnet_now_ns();
    pthread_mutex_unlock(&c->lock);
    return json_pack("{s:I}", "timestamp_ns", (json_int_t)t);
}
