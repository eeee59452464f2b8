/*
 * rpc_query.c — the `query` method: view_account, view_access_key(_list),
 * call_function, view_state, view_code, and the legacy path forms, with
 * the legacy "successful error" quirks near-api-js matches on.
 *
 * Parameters are parsed before the chain lock is taken; only the lookups
 * (and a view call's execution) run under it.
 *
 * State queries answer from the current state whatever block they name:
 * the devnet keeps its block history but not old state.
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

/* ---- query ---- */

static json_t *unknown_account(devnet_chain *c, const char *id)
{
    json_t *info = json_pack("{s:s}", "requested_account_id", id);
    devnet_rpc_add_block_info(c, info, c->head_height);
    return devnet_rpc_handler_error("UNKNOWN_ACCOUNT", info,
                                    json_sprintf("account %s does not exist while viewing", id));
}

static json_t *invalid_account(devnet_chain *c, const char *id)
{
    json_t *info = json_pack("{s:s}", "requested_account_id", id);
    devnet_rpc_add_block_info(c, info, c->head_height);
    return devnet_rpc_handler_error("INVALID_ACCOUNT", info, json_sprintf("Account ID %s is invalid", id));
}

static json_t *quirk_error(devnet_chain *c, uint64_t h, json_t *logs, const char *text)
{
    json_t *r = json_pack("{s:s,s:o}", "error", text, "logs", logs ? logs : json_array());
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

static json_t *key_json(const near_public_key *pk, const near_access_key *ak)
{
    char text[NEAR_KEY_TEXT_MAX];
    return json_pack("{s:s,s:{s:I,s:o}}", "public_key", near_public_key_format(pk, text), "access_key", "nonce",
                     (json_int_t)ak->nonce, "permission", devnet_permission_json(ak));
}

static json_t *q_view_account(devnet_chain *c, const char *id, uint64_t h, json_t **error)
{
    devnet_account a;
    if (devnet_account_get(&c->st, id, &a) != DEVNET_OK) {
        *error = unknown_account(c, id);
        return NULL;
    }
    json_t *r = json_pack("{s:o,s:o,s:o,s:I,s:i}", "amount", devnet_u128_json(a.amount), "locked",
                          devnet_u128_json(a.locked), "code_hash", devnet_b58_json(a.code_hash, 32), "storage_usage",
                          (json_int_t)a.storage_usage, "storage_paid_at", 0);
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

/* pk NULL: the request's public_key was missing or did not parse. */
static json_t *q_view_access_key(devnet_chain *c, const char *id, const near_public_key *pk_parsed, uint64_t h,
                                 json_t **error, int *http)
{
    if (!pk_parsed) {
        *error = devnet_rpc_request_error(http, "view_access_key: public_key expected (ed25519:<base58>)");
        return NULL;
    }
    near_public_key pk = *pk_parsed;
    near_access_key ak; /* (as nearcore: a missing account is just a missing key) */
    if (devnet_key_get(&c->st, id, &pk, &ak) != DEVNET_OK) {
        char text[NEAR_KEY_TEXT_MAX], msg[256];
        snprintf(msg, sizeof msg, "access key %s does not exist while viewing", near_public_key_format(&pk, text));
        return quirk_error(c, h, NULL, msg);
    }
    json_t *r = json_pack("{s:I,s:o}", "nonce", (json_int_t)ak.nonce, "permission", devnet_permission_json(&ak));
    near_access_key_free(&ak);
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

static json_t *q_view_access_key_list(devnet_chain *c, const char *id, uint64_t h, json_t **error)
{
    (void)error; /* as nearcore: a missing account has no keys */
    json_t *keys = json_array();
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT public_key, nonce, permission FROM access_keys WHERE account=?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const uint8_t *kb = sqlite3_column_blob(s, 0);
            int kn = sqlite3_column_bytes(s, 0);
            near_public_key pk;
            memset(&pk, 0, sizeof pk);
            if (kn < 1 || (size_t)kn - 1 > sizeof pk.data)
                continue;
            pk.type = (near_key_type)kb[0];
            memcpy(pk.data, kb + 1, (size_t)kn - 1);
            json_t *perm = json_loads((const char *)sqlite3_column_text(s, 2), JSON_DECODE_ANY, NULL);
            near_access_key ak;
            if (perm && devnet_permission_parse(perm, &ak) == 0) {
                ak.nonce = (uint64_t)sqlite3_column_int64(s, 1);
                json_array_append_new(keys, key_json(&pk, &ak));
            }
            near_access_key_free(&ak);
            json_decref(perm);
        }
        sqlite3_reset(s);
    }
    json_t *r = json_pack("{s:o}", "keys", keys);
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

static json_t *q_call_function(devnet_chain *c, const char *id, const char *method, const uint8_t *args,
                               size_t args_len, uint64_t h, json_t **error)
{
    uint8_t *result = NULL;
    size_t len = 0;
    json_t *logs = NULL;
    char *debug = NULL;
    devnet_status rc =
        devnet_runtime_view_call(c, id, method ? method : "", args, args_len, &result, &len, &logs, &debug);
    if (rc == DEVNET_NOT_FOUND) {
        json_decref(logs);
        *error = unknown_account(c, id);
        return NULL;
    }
    if (rc != DEVNET_OK) {
        json_decref(logs);
        *error =
            devnet_rpc_handler_error("INTERNAL_ERROR", json_pack("{s:s}", "error_message", "view call failed"), NULL);
        return NULL;
    }
    if (debug) {
        char *msg = malloc(strlen(debug) + 64);
        sprintf(msg, "wasm execution failed with error: %s", debug);
        json_t *r = quirk_error(c, h, logs, msg);
        free(msg);
        free(debug);
        free(result);
        return r;
    }
    json_t *bytes = json_array();
    for (size_t i = 0; i < len; i++)
        json_array_append_new(bytes, json_integer(result[i]));
    free(result);
    json_t *r = json_pack("{s:o,s:o}", "result", bytes, "logs", logs);
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

static json_t *q_view_state(devnet_chain *c, const char *id, const uint8_t *prefix, size_t plen, uint64_t h,
                            json_t **error)
{
    if (devnet_account_get(&c->st, id, NULL) != DEVNET_OK) {
        *error = unknown_account(c, id);
        return NULL;
    }
    json_t *values = json_array();
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT key, value FROM data WHERE account=? ORDER BY key");
    size_t total = 0;
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const uint8_t *k = sqlite3_column_blob(s, 0);
            size_t kn = (size_t)sqlite3_column_bytes(s, 0);
            if (kn < plen || (plen && memcmp(k, prefix, plen)))
                continue;
            size_t vn = (size_t)sqlite3_column_bytes(s, 1);
            total += kn + vn;
            char *kb = near_base64_encode(k, kn), *vb = near_base64_encode(sqlite3_column_blob(s, 1), vn);
            json_array_append_new(values, json_pack("{s:s,s:s}", "key", kb ? kb : "", "value", vb ? vb : ""));
            free(kb);
            free(vb);
        }
        sqlite3_reset(s);
    }
    if (total > 50u * 1024u * 1024u) {
        json_decref(values);
        json_t *info = json_pack("{s:s}", "contract_account_id", id);
        devnet_rpc_add_block_info(c, info, h);
        *error = devnet_rpc_handler_error("TOO_LARGE_CONTRACT_STATE", info,
                                          json_sprintf("State of contract %s is too large to be viewed", id));
        return NULL;
    }
    json_t *r = json_pack("{s:o,s:[]}", "values", values, "proof");
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

static json_t *q_view_code(devnet_chain *c, const char *id, uint64_t h, json_t **error)
{
    devnet_account a;
    if (devnet_account_get(&c->st, id, &a) != DEVNET_OK) {
        *error = unknown_account(c, id);
        return NULL;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    static const uint8_t zero[32];
    if (!memcmp(a.code_hash, zero, 32) || devnet_code_get(&c->st, id, &code, &len) != DEVNET_OK) {
        json_t *info = json_pack("{s:s}", "contract_account_id", id);
        devnet_rpc_add_block_info(c, info, h);
        *error = devnet_rpc_handler_error(
            "NO_CONTRACT_CODE", info,
            json_sprintf("Contract code for contract ID #%s has never been observed on the node", id));
        return NULL;
    }
    char *b64 = near_base64_encode(code, len);
    free(code);
    json_t *r = json_pack("{s:s,s:o}", "code_base64", b64 ? b64 : "", "hash", devnet_b58_json(a.code_hash, 32));
    free(b64);
    devnet_rpc_add_block_info(c, r, h);
    return r;
}

#define DEVNET_B58_PATH_DATA_MAX 4096

/* The base58 data of a legacy query path (view_state prefix, call args):
 * *out malloc'd, NULL with *len 0 when data is absent or empty. 0, or -1 when
 * it is not base58 (or memory runs out). */
static int decode_path_data(const char *data, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (!data || !*data)
        return 0;
    /* base58 decoding is quadratic: longer data would tie up a thread for
     * seconds (use args_base64 for large arguments) */
    if (strlen(data) > DEVNET_B58_PATH_DATA_MAX)
        return -1;
    size_t cap = strlen(data) + 1; /* base58 never decodes to more bytes than characters */
    *out = malloc(cap);
    int n = *out ? near_base58_decode(data, *out, cap) : -1;
    if (n < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *len = (size_t)n;
    return 0;
}

json_t *devnet_rpc_query(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    const char *type = NULL, *account = NULL, *pk = NULL, *method = NULL;
    uint8_t *args = NULL;
    size_t args_len = 0;
    json_t *ref = params;
    char path_buf[512];
    if (json_is_array(params)) {
        /* legacy ["account/<id>", data] */
        const char *path = json_string_value(json_array_get(params, 0));
        const char *data = json_string_value(json_array_get(params, 1));
        if (!path)
            return devnet_rpc_bad_request(error, http, "query: path expected");
        if (strlen(path) >= sizeof path_buf)
            return devnet_rpc_bad_request(error, http, "query: path too long");
        snprintf(path_buf, sizeof path_buf, "%s", path);
        char *kind = path_buf, *rest = strchr(path_buf, '/');
        if (!rest)
            return devnet_rpc_bad_request(error, http, "query: bad path");
        *rest++ = 0;
        char *third = strchr(rest, '/');
        if (third)
            *third++ = 0;
        account = rest;
        ref = NULL;
        if (!strcmp(kind, "account")) {
            type = "view_account";
        } else if (!strcmp(kind, "access_key")) {
            type = third ? "view_access_key" : "view_access_key_list";
            pk = third;
        } else if (!strcmp(kind, "code")) {
            type = "view_code";
        } else if (!strcmp(kind, "contract")) {
            type = "view_state";
            if (decode_path_data(data, &args, &args_len))
                return devnet_rpc_bad_request(error, http, "query: bad base58 data");
        } else if (!strcmp(kind, "call")) {
            type = "call_function";
            method = third;
            if (decode_path_data(data, &args, &args_len))
                return devnet_rpc_bad_request(error, http, "query: bad base58 data");
        } else {
            return devnet_rpc_bad_request(error, http, "query: unknown path");
        }
    } else if (json_is_object(params)) {
        type = json_string_value(json_object_get(params, "request_type"));
        account = json_string_value(json_object_get(params, "account_id"));
        pk = json_string_value(json_object_get(params, "public_key"));
        method = json_string_value(json_object_get(params, "method_name"));
        const char *b64 = json_string_value(json_object_get(params, "args_base64"));
        if (!b64)
            b64 = json_string_value(json_object_get(params, "prefix_base64"));
        if (b64 && *b64 && near_base64_decode(b64, &args, &args_len))
            return devnet_rpc_bad_request(error, http, "invalid base64");
    } else {
        return devnet_rpc_bad_request(error, http, "query: params expected");
    }
    if (!type || !account) {
        free(args);
        return devnet_rpc_bad_request(error, http, "query: request_type and account_id are required");
    }
    /* Everything that parses runs here, before the chain lock; the errors
     * are reported below in the order nearcore checks them. */
    devnet_rpc_ref block;
    if (ref)
        devnet_rpc_block_ref_parse(ref, &block);
    bool account_ok = near_account_id_valid(account, NULL, 0);
    near_public_key pk_parsed;
    bool pk_ok = pk && devnet_public_key_parse(pk, &pk_parsed) == 0;

    json_t *r = NULL;
    pthread_mutex_lock(&c->lock);
    uint64_t h = c->head_height;
    if (ref && devnet_rpc_block_ref_resolve(c, &block, &h, error))
        ;
    else if (!account_ok)
        *error = invalid_account(c, account);
    else if (!strcmp(type, "view_account"))
        r = q_view_account(c, account, h, error);
    else if (!strcmp(type, "view_access_key"))
        r = q_view_access_key(c, account, pk_ok ? &pk_parsed : NULL, h, error, http);
    else if (!strcmp(type, "view_access_key_list"))
        r = q_view_access_key_list(c, account, h, error);
    else if (!strcmp(type, "call_function"))
        r = q_call_function(c, account, method, args, args_len, h, error);
    else if (!strcmp(type, "view_state"))
        r = q_view_state(c, account, args, args_len, h, error);
    else if (!strcmp(type, "view_code"))
        r = q_view_code(c, account, h, error);
    else
        devnet_rpc_bad_request(error, http, "query: unknown request_type");
    pthread_mutex_unlock(&c->lock);
    free(args);
    return r;
}
