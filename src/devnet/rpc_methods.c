/*
 * rpc_methods.c — NEAR JSON-RPC methods (spec near-runtime.md §7): status,
 * block, chunk, gas_price, query, the transaction methods and a few
 * informational ones, with nearcore's error shapes (cause + legacy fields).
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
#include "near/account_id.h"
#include "near/encoding.h"

/* ---- errors ---- */

static json_t *handler_error(const char *cause, json_t *info, json_t *data)
{
    return json_pack("{s:s,s:{s:s,s:o},s:i,s:s,s:o}", "name", "HANDLER_ERROR", "cause", "name", cause, "info",
                     info ? info : json_object(), "code", -32000, "message", "Server error", "data",
                     data ? data : json_string(cause));
}

static json_t *request_error(int *http, const char *what)
{
    *http = 400;
    return json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "REQUEST_VALIDATION_ERROR", "cause", "name",
                     "PARSE_ERROR", "info", "error_message", what, "code", -32700, "message", "Parse error", "data",
                     what);
}

/* Sets a request-validation error; returns NULL for `return bad_request(...)`. */
static json_t *bad_request(json_t **error, int *http, const char *what)
{
    json_decref(*error);
    *error = request_error(http, what);
    return NULL;
}

static json_t *b58_json(const uint8_t *h, size_t n)
{
    char buf[DEVNET_B58_HASH * 2];
    return json_string(devnet_b58(h, n, buf, sizeof buf));
}

/* ---- block references ---- */

/* Resolves {finality}|{block_id}|{sync_checkpoint} or a legacy scalar to a
 * height. Returns 0, or -1 with *error set. */
static int block_ref(devnet_chain *c, json_t *params, uint64_t *height, json_t **error)
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
        *error = handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", params), json_string(msg));
        return -1;
    }
    uint8_t hash[32];
    const char *s = json_string_value(id);
    if (s && near_base58_decode_exact(s, hash, 32) == 0 && devnet_block_height_by_hash(c, hash, height) == 1) return 0;
    char msg[160];
    snprintf(msg, sizeof msg, "DB Not Found Error: BLOCK: %s \n Cause: Unknown", s ? s : "?");
    *error = handler_error("UNKNOWN_BLOCK", json_pack("{s:O}", "block_reference", params), json_string(msg));
    return -1;
}

static void add_block_info(devnet_chain *c, json_t *result, uint64_t height)
{
    json_t *b = devnet_block_view(c, height);
    json_object_set_new(result, "block_height", json_integer((json_int_t)height));
    json_object_set(result, "block_hash", json_object_get(json_object_get(b, "header"), "hash"));
    json_decref(b);
}

/* ---- status / block / chunk ---- */

static void iso_time(uint64_t ns, char *out, size_t len)
{
    time_t t = (time_t)(ns / 1000000000ull);
    struct tm tm;
    gmtime_r(&t, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%09lluZ", base, (unsigned long long)(ns % 1000000000ull));
}

static json_t *m_status(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)params;
    (void)error;
    (void)http;
    char latest[48], earliest[48];
    iso_time(c->head_timestamp, latest, sizeof latest);
    json_t *g = devnet_block_view(c, c->genesis_height);
    const char *gts = json_string_value(json_object_get(json_object_get(g, "header"), "timestamp_nanosec"));
    iso_time(gts ? strtoull(gts, NULL, 10) : 0, earliest, sizeof earliest);
    json_decref(g);
    uint8_t zero[32] = {0};
    json_t *r = json_pack(
        "{s:{s:s,s:s,s:s},s:s,s:i,s:i,s:s,s:[{s:s,s:b}],s:{s:o,s:I,s:o,s:s,s:b,s:o,s:I,s:s,s:o,s:I},s:s,s:n,s:n,s:n,"
        "s:I,s:o,s:n}",
        "version", "version", "outlayer-devnet", "build", "outlayer-devnet", "rustc_version", "none", "chain_id",
        DEVNET_CHAIN_ID, "protocol_version", DEVNET_PROTOCOL_VERSION, "latest_protocol_version",
        DEVNET_PROTOCOL_VERSION, "rpc_addr", "127.0.0.1", "validators", "account_id", "near", "is_slashed", 0,
        "sync_info", "latest_block_hash", b58_json(c->head_hash, 32), "latest_block_height",
        (json_int_t)c->head_height, "latest_state_root", b58_json(zero, 32), "latest_block_time", latest, "syncing", 0,
        "earliest_block_hash", b58_json(c->genesis_hash, 32), "earliest_block_height", (json_int_t)c->genesis_height,
        "earliest_block_time", earliest, "epoch_id", b58_json(zero, 32), "epoch_start_height",
        (json_int_t)c->genesis_height, "validator_account_id", "near", "validator_public_key", "node_public_key",
        "node_key", "uptime_sec", (json_int_t)((devnet_now_ns() - c->started_ns) / 1000000000ull), "genesis_hash",
        b58_json(c->genesis_hash, 32), "detailed_debug_status");
    return r;
}

static json_t *first_param(json_t *params)
{
    return json_is_array(params) ? json_array_get(params, 0) : params;
}

static json_t *m_block(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    uint64_t h;
    if (block_ref(c, first_param(params), &h, error)) return NULL;
    return devnet_block_view(c, h);
}

static json_t *m_chunk(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    uint64_t h = 0;
    const char *chunk_id = NULL;
    json_t *block = NULL;
    if (json_is_array(params)) {
        if (json_array_size(params) == 1)
            chunk_id = json_string_value(json_array_get(params, 0));
        else
            block = json_array_get(params, 0);
    } else {
        json_t *cid = json_object_get(params, "chunk_id");
        if (cid && !json_is_string(cid)) return bad_request(error, http, "chunk: chunk_id must be a base58 hash");
        chunk_id = json_string_value(cid);
        block = json_object_get(params, "block_id");
    }
    if (chunk_id) {
        /* Chunk hashes are derived from block hashes: search recent blocks. */
        uint8_t want[32];
        if (near_base58_decode_exact(chunk_id, want, 32) == 0) {
            sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT height, hash FROM blocks ORDER BY height DESC");
            while (s && sqlite3_step(s) == SQLITE_ROW) {
                uint8_t ch[32];
                devnet_sha256("chunk", 5, sqlite3_column_blob(s, 1), 32, ch);
                if (!memcmp(ch, want, 32)) {
                    h = (uint64_t)sqlite3_column_int64(s, 0);
                    break;
                }
            }
            if (s) sqlite3_reset(s);
        }
        if (!h) {
            *error = handler_error("UNKNOWN_CHUNK", json_pack("{s:s}", "chunk_hash", chunk_id),
                                   json_sprintf("Chunk Missing (unavailable on the node): %s", chunk_id));
            return NULL;
        }
        return devnet_chunk_view(c, h);
    }
    if (block_ref(c, block, &h, error)) return NULL;
    return devnet_chunk_view(c, h);
}

static json_t *m_gas_price(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    uint64_t h;
    if (block_ref(c, first_param(params), &h, error)) return NULL;
    return json_pack("{s:o}", "gas_price", devnet_u128_json(DEVNET_GAS_PRICE));
}

/* ---- query ---- */

static json_t *unknown_account(devnet_chain *c, const char *id)
{
    json_t *info = json_pack("{s:s}", "requested_account_id", id);
    add_block_info(c, info, c->head_height);
    return handler_error("UNKNOWN_ACCOUNT", info, json_sprintf("account %s does not exist while viewing", id));
}

static json_t *invalid_account(devnet_chain *c, const char *id)
{
    json_t *info = json_pack("{s:s}", "requested_account_id", id);
    add_block_info(c, info, c->head_height);
    return handler_error("INVALID_ACCOUNT", info, json_sprintf("Account ID %s is invalid", id));
}

static json_t *quirk_error(devnet_chain *c, uint64_t h, json_t *logs, const char *text)
{
    json_t *r = json_pack("{s:s,s:o}", "error", text, "logs", logs ? logs : json_array());
    add_block_info(c, r, h);
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
    if (devnet_account_get(&c->st, id, &a) != 1) {
        *error = unknown_account(c, id);
        return NULL;
    }
    json_t *r = json_pack("{s:o,s:o,s:o,s:I,s:i}", "amount", devnet_u128_json(a.amount), "locked",
                          devnet_u128_json(a.locked), "code_hash", b58_json(a.code_hash, 32), "storage_usage",
                          (json_int_t)a.storage_usage, "storage_paid_at", 0);
    add_block_info(c, r, h);
    return r;
}

static json_t *q_view_access_key(devnet_chain *c, const char *id, const char *pk_text, uint64_t h, json_t **error,
                                 int *http)
{
    near_public_key pk;
    if (!pk_text || near_public_key_parse(pk_text, &pk)) {
        *error = request_error(http, "view_access_key: public_key expected (ed25519:<base58>)");
        return NULL;
    }
    if (devnet_account_get(&c->st, id, NULL) != 1) {
        *error = unknown_account(c, id);
        return NULL;
    }
    near_access_key ak;
    if (devnet_key_get(&c->st, id, &pk, &ak) != 1) {
        char text[NEAR_KEY_TEXT_MAX], msg[256];
        snprintf(msg, sizeof msg, "access key %s does not exist while viewing", near_public_key_format(&pk, text));
        return quirk_error(c, h, NULL, msg);
    }
    json_t *r = json_pack("{s:I,s:o}", "nonce", (json_int_t)ak.nonce, "permission", devnet_permission_json(&ak));
    near_access_key_free(&ak);
    add_block_info(c, r, h);
    return r;
}

static json_t *q_view_access_key_list(devnet_chain *c, const char *id, uint64_t h, json_t **error)
{
    if (devnet_account_get(&c->st, id, NULL) != 1) {
        *error = unknown_account(c, id);
        return NULL;
    }
    json_t *keys = json_array();
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT public_key, nonce, permission FROM access_keys WHERE account=?");
    if (s) {
        sqlite3_bind_text(s, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const uint8_t *kb = sqlite3_column_blob(s, 0);
            int kn = sqlite3_column_bytes(s, 0);
            near_public_key pk;
            memset(&pk, 0, sizeof pk);
            if (kn < 1 || (size_t)kn - 1 > sizeof pk.data) continue;
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
    add_block_info(c, r, h);
    return r;
}

static json_t *q_call_function(devnet_chain *c, const char *id, const char *method, const uint8_t *args,
                               size_t args_len, uint64_t h, json_t **error)
{
    uint8_t *result = NULL;
    size_t len = 0;
    json_t *logs = NULL;
    char *debug = NULL;
    int rc = devnet_runtime_view_call(c, id, method ? method : "", args, args_len, &result, &len, &logs, &debug);
    if (rc == 1) {
        json_decref(logs);
        *error = unknown_account(c, id);
        return NULL;
    }
    if (rc < 0) {
        json_decref(logs);
        *error = handler_error("INTERNAL_ERROR", json_pack("{s:s}", "error_message", "view call failed"), NULL);
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
    for (size_t i = 0; i < len; i++) json_array_append_new(bytes, json_integer(result[i]));
    free(result);
    json_t *r = json_pack("{s:o,s:o}", "result", bytes, "logs", logs);
    add_block_info(c, r, h);
    return r;
}

static json_t *q_view_state(devnet_chain *c, const char *id, const uint8_t *prefix, size_t plen, uint64_t h,
                            json_t **error)
{
    if (devnet_account_get(&c->st, id, NULL) != 1) {
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
            if (kn < plen || (plen && memcmp(k, prefix, plen))) continue;
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
        add_block_info(c, info, h);
        *error = handler_error("TOO_LARGE_CONTRACT_STATE", info,
                               json_sprintf("State of contract %s is too large to be viewed", id));
        return NULL;
    }
    json_t *r = json_pack("{s:o,s:[]}", "values", values, "proof");
    add_block_info(c, r, h);
    return r;
}

static json_t *q_view_code(devnet_chain *c, const char *id, uint64_t h, json_t **error)
{
    devnet_account a;
    if (devnet_account_get(&c->st, id, &a) != 1) {
        *error = unknown_account(c, id);
        return NULL;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    static const uint8_t zero[32];
    if (!memcmp(a.code_hash, zero, 32) || devnet_code_get(&c->st, id, &code, &len) != 1) {
        json_t *info = json_pack("{s:s}", "contract_account_id", id);
        add_block_info(c, info, h);
        *error = handler_error("NO_CONTRACT_CODE", info,
                               json_sprintf("Contract code for contract ID #%s has never been observed on the node", id));
        return NULL;
    }
    char *b64 = near_base64_encode(code, len);
    free(code);
    json_t *r = json_pack("{s:s,s:o}", "code_base64", b64 ? b64 : "", "hash", b58_json(a.code_hash, 32));
    free(b64);
    add_block_info(c, r, h);
    return r;
}

static json_t *m_query(devnet_chain *c, json_t *params, json_t **error, int *http)
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
        if (!path) return bad_request(error, http, "query: path expected");
        snprintf(path_buf, sizeof path_buf, "%s", path);
        char *kind = path_buf, *rest = strchr(path_buf, '/');
        if (!rest) return bad_request(error, http, "query: bad path");
        *rest++ = 0;
        char *third = strchr(rest, '/');
        if (third) *third++ = 0;
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
            if (data && *data) {
                args = malloc(strlen(data) + 1);
                int n = args ? near_base58_decode(data, args, strlen(data) + 1) : -1;
                if (n < 0) {
                    free(args);
                    return bad_request(error, http, "query: bad base58 data");
                }
                args_len = (size_t)n;
            }
        } else if (!strcmp(kind, "call")) {
            type = "call_function";
            method = third;
            if (data && *data) {
                args = malloc(strlen(data) + 1);
                int n = args ? near_base58_decode(data, args, strlen(data) + 1) : -1;
                if (n < 0) {
                    free(args);
                    return bad_request(error, http, "query: bad base58 data");
                }
                args_len = (size_t)n;
            }
        } else {
            return bad_request(error, http, "query: unknown path");
        }
    } else if (json_is_object(params)) {
        type = json_string_value(json_object_get(params, "request_type"));
        account = json_string_value(json_object_get(params, "account_id"));
        pk = json_string_value(json_object_get(params, "public_key"));
        method = json_string_value(json_object_get(params, "method_name"));
        const char *b64 = json_string_value(json_object_get(params, "args_base64"));
        if (!b64) b64 = json_string_value(json_object_get(params, "prefix_base64"));
        if (b64 && *b64 && near_base64_decode(b64, &args, &args_len)) return bad_request(error, http, "invalid base64");
    } else {
        return bad_request(error, http, "query: params expected");
    }
    json_t *r = NULL;
    uint64_t h = c->head_height;
    if (!type || !account) {
        free(args);
        return bad_request(error, http, "query: request_type and account_id are required");
    }
    if (ref && block_ref(c, ref, &h, error)) {
        free(args);
        return NULL;
    }
    if (!near_account_id_valid(account, NULL, 0)) {
        *error = invalid_account(c, account);
        free(args);
        return NULL;
    }
    if (!strcmp(type, "view_account"))
        r = q_view_account(c, account, h, error);
    else if (!strcmp(type, "view_access_key"))
        r = q_view_access_key(c, account, pk, h, error, http);
    else if (!strcmp(type, "view_access_key_list"))
        r = q_view_access_key_list(c, account, h, error);
    else if (!strcmp(type, "call_function"))
        r = q_call_function(c, account, method, args, args_len, h, error);
    else if (!strcmp(type, "view_state"))
        r = q_view_state(c, account, args, args_len, h, error);
    else if (!strcmp(type, "view_code"))
        r = q_view_code(c, account, h, error);
    else
        bad_request(error, http, "query: unknown request_type");
    free(args);
    return r;
}

/* ---- transactions ---- */

typedef enum { W_NONE, W_INCLUDED, W_EXECUTED } wait_level;

static wait_level parse_wait(const char *w)
{
    if (!w) return W_EXECUTED;
    if (!strcmp(w, "NONE")) return W_NONE;
    if (!strcmp(w, "INCLUDED") || !strcmp(w, "INCLUDED_FINAL")) return W_INCLUDED;
    return W_EXECUTED;
}

static json_t *timeout_error(int *http)
{
    *http = 408;
    return handler_error("TIMEOUT_ERROR", NULL, json_string("Timeout"));
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_nsec -= 1000000000L;
        ts->tv_sec++;
    }
}

/* Waits until the transaction reaches `level` and returns its view. */
static json_t *wait_tx(devnet_chain *c, const uint8_t hash[32], wait_level level, bool experimental, json_t **error,
                       int *http)
{
    struct timespec deadline;
    deadline_in(&deadline, c->cfg.wait_timeout_ms);
    for (;;) {
        int p = devnet_tx_progress(c, hash);
        if (p == 0) {
            char id[DEVNET_B58_HASH];
            devnet_b58(hash, 32, id, sizeof id);
            json_t *why = devnet_tx_rejection(c, hash);
            if (why) { /* validated on arrival, then dropped at inclusion (its nonce got used) */
                *error = handler_error("INVALID_TRANSACTION", NULL,
                                       json_pack("{s:{s:O}}", "TxExecutionError", "InvalidTxError", why));
                return NULL;
            }
            *error = handler_error("UNKNOWN_TRANSACTION", json_pack("{s:s}", "requested_transaction_hash", id),
                                   json_sprintf("Transaction %s doesn't exist", id));
            return NULL;
        }
        if (p == 3) return devnet_tx_outcome_view(c, hash, experimental, "FINAL");
        if (level == W_NONE && p == 1) return json_pack("{s:s}", "final_execution_status", "NONE");
        if (level <= W_INCLUDED && p == 2) {
            json_t *v = devnet_tx_outcome_view(c, hash, experimental, "INCLUDED_FINAL");
            return v ? v : json_pack("{s:s}", "final_execution_status", "INCLUDED_FINAL");
        }
        if (level == W_NONE) return json_pack("{s:s}", "final_execution_status", "NONE");
        if (c->stop || devnet_chain_wait(c, &deadline)) { /* shutting down: do not hold it up */
            if (devnet_tx_progress(c, hash) == 3) continue;
            *error = timeout_error(http);
            return NULL;
        }
    }
}

static json_t *submit(devnet_chain *c, const char *b64, uint8_t hash[32], json_t **error, int *http)
{
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (!b64 || near_base64_decode(b64, &bytes, &len)) {
        return bad_request(error, http, "signed transaction: invalid base64");
    }
    json_t *txerr = NULL;
    char msg[200] = "";
    int rc = devnet_chain_submit(c, bytes, len, hash, &txerr, msg, sizeof msg);
    free(bytes);
    if (rc == 0) return json_true();
    if (txerr) {
        *error = handler_error("INVALID_TRANSACTION", NULL,
                               json_pack("{s:{s:o}}", "TxExecutionError", "InvalidTxError", txerr));
        return NULL;
    }
    char what[260];
    snprintf(what, sizeof what, "Failed to decode transaction: %s", msg);
    return bad_request(error, http, what);
}

static json_t *m_send_tx(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    const char *b64 = json_string_value(json_is_array(params) ? json_array_get(params, 0)
                                                              : json_object_get(params, "signed_tx_base64"));
    wait_level level = parse_wait(json_string_value(json_object_get(params, "wait_until")));
    uint8_t hash[32];
    json_t *ok = submit(c, b64, hash, error, http);
    if (!ok) return NULL;
    json_decref(ok);
    return wait_tx(c, hash, level, false, error, http);
}

static json_t *m_broadcast_async(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    uint8_t hash[32];
    json_t *ok = submit(c, json_string_value(first_param(params)), hash, error, http);
    if (!ok) return NULL;
    json_decref(ok);
    return b58_json(hash, 32);
}

static json_t *m_broadcast_commit(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    uint8_t hash[32];
    json_t *ok = submit(c, json_string_value(first_param(params)), hash, error, http);
    if (!ok) return NULL;
    json_decref(ok);
    return wait_tx(c, hash, W_EXECUTED, false, error, http);
}

static json_t *tx_status(devnet_chain *c, json_t *params, bool experimental, json_t **error, int *http)
{
    uint8_t hash[32];
    const char *hash_text = NULL, *b64 = NULL;
    wait_level level = W_EXECUTED;
    if (json_is_array(params)) {
        const char *first = json_string_value(json_array_get(params, 0));
        if (json_array_size(params) == 1)
            b64 = first;
        else
            hash_text = first;
    } else {
        hash_text = json_string_value(json_object_get(params, "tx_hash"));
        b64 = json_string_value(json_object_get(params, "signed_tx_base64"));
        level = parse_wait(json_string_value(json_object_get(params, "wait_until")));
    }
    if (hash_text) {
        if (near_base58_decode_exact(hash_text, hash, 32)) return bad_request(error, http, "tx_hash: invalid base58 hash");
    } else if (b64) {
        uint8_t *bytes = NULL;
        size_t len = 0;
        near_signed_transaction stx;
        char msg[160];
        if (near_base64_decode(b64, &bytes, &len)) return bad_request(error, http, "signed_tx_base64: invalid base64");
        int rc = near_signed_transaction_from_bytes(bytes, len, &stx, msg, sizeof msg);
        free(bytes);
        if (rc) return bad_request(error, http, msg);
        near_transaction_hash(&stx.transaction, hash);
        near_signed_transaction_free(&stx);
    } else {
        return bad_request(error, http, "tx: tx_hash or signed_tx_base64 expected");
    }
    return wait_tx(c, hash, level, experimental, error, http);
}

static json_t *m_tx(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    return tx_status(c, params, false, error, http);
}

static json_t *m_tx_experimental(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    return tx_status(c, params, true, error, http);
}

static json_t *m_receipt(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    const char *id = json_string_value(json_is_array(params) ? json_array_get(params, 0)
                                                             : json_object_get(params, "receipt_id"));
    uint8_t rid[32];
    if (!id || near_base58_decode_exact(id, rid, 32)) return bad_request(error, http, "receipt_id: invalid base58 hash");
    json_t *v = devnet_receipt_view(c, rid);
    if (!v)
        *error = handler_error("UNKNOWN_RECEIPT", json_pack("{s:s}", "receipt_id", id),
                               json_sprintf("Receipt with id %s has never been observed on this node", id));
    return v;
}

static json_t *m_health(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)c, (void)params, (void)error, (void)http;
    return json_null();
}

static json_t *m_validators(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)params, (void)error, (void)http;
    return json_pack("{s:[{s:s,s:s,s:b,s:s,s:[i]}],s:[],s:[],s:[],s:[],s:[],s:I,s:i}", "current_validators",
                     "account_id", "near", "public_key", "ed25519:11111111111111111111111111111111", "is_slashed", 0,
                     "stake", "0", "shards", 0, "next_validators", "current_fishermen", "next_fishermen",
                     "current_proposals", "prev_epoch_kickout", "epoch_start_height", (json_int_t)c->genesis_height,
                     "epoch_height", 1);
}

static json_t *m_protocol_config(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)params, (void)error, (void)http;
    return json_pack("{s:i,s:s,s:I,s:i,s:s,s:s,s:I,s:{s:s,s:s},s:I}", "protocol_version", DEVNET_PROTOCOL_VERSION,
                     "chain_id", DEVNET_CHAIN_ID, "genesis_height", (json_int_t)c->genesis_height, "epoch_length",
                     43200, "min_gas_price", "100000000", "max_gas_price", "100000000",
                     "transaction_validity_period", (json_int_t)DEVNET_TX_VALIDITY_BLOCKS, "runtime_config",
                     "storage_amount_per_byte", "10000000000000000000", "min_gas_purchase_price", "100000000",
                     "yield_timeout_length_in_blocks", (json_int_t)c->cfg.yield_timeout_blocks);
}

/* sandbox_fast_forward {"delta_height": N}: produces N blocks at once (as
 * nearcore's sandbox does), e.g. to reach a yield timeout without waiting. */
static json_t *m_fast_forward(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *d = json_is_array(params) ? json_array_get(params, 0) : json_object_get(params, "delta_height");
    if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > 100000) {
        return bad_request(error, http, "sandbox_fast_forward: delta_height (0..100000) expected");
    }
    for (json_int_t i = 0; i < json_integer_value(d); i++)
        if (devnet_chain_produce_block(c)) {
            *error = handler_error("INTERNAL_ERROR", json_pack("{s:s}", "error_message", "block production failed"),
                                   NULL);
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
            (code_hash && near_base58_decode_exact(code_hash, acct.code_hash, 32)))
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
        if (!id || !pk_text || near_public_key_parse(pk_text, &pk) ||
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

static json_t *m_patch_state(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    json_t *records = json_object_get(json_is_array(params) ? json_array_get(params, 0) : params, "records");
    if (!json_is_array(records)) return bad_request(error, http, "sandbox_patch_state: records expected");
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
            return bad_request(error, http, msg);
        }
    }
    if (devnet_exec(&c->st, "COMMIT")) {
        devnet_exec(&c->st, "ROLLBACK");
        return NULL;
    }
    return json_object();
}

typedef json_t *(*method_fn)(devnet_chain *, json_t *, json_t **, int *);

static const struct {
    const char *name;
    method_fn fn;
    bool locked;
} METHODS[] = {
    {"status", m_status, true},
    {"block", m_block, true},
    {"chunk", m_chunk, true},
    {"gas_price", m_gas_price, true},
    {"query", m_query, true},
    {"send_tx", m_send_tx, true},
    {"broadcast_tx_async", m_broadcast_async, true},
    {"broadcast_tx_commit", m_broadcast_commit, true},
    {"tx", m_tx, true},
    {"EXPERIMENTAL_tx_status", m_tx_experimental, true},
    {"EXPERIMENTAL_receipt", m_receipt, true},
    {"health", m_health, false},
    {"validators", m_validators, true},
    {"EXPERIMENTAL_protocol_config", m_protocol_config, true},
    {"sandbox_fast_forward", m_fast_forward, false},
    {"sandbox_patch_state", m_patch_state, true},
};

json_t *devnet_rpc_dispatch(devnet_chain *c, const char *method, json_t *params, json_t **error, int *http_status)
{
    *error = NULL;
    *http_status = 200;
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) {
        if (strcmp(METHODS[i].name, method) != 0) continue;
        if (METHODS[i].locked) pthread_mutex_lock(&c->lock);
        json_t *r = METHODS[i].fn(c, params, error, http_status);
        if (METHODS[i].locked) pthread_mutex_unlock(&c->lock);
        if (!r && !*error) {
            *http_status = 500;
            *error = json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "INTERNAL_ERROR", "cause", "name",
                               "INTERNAL_ERROR", "info", "error_message", "internal error", "code", -32000, "message",
                               "Server error", "data", "internal error");
        }
        if (*error && *http_status == 200) {
            const char *name = json_string_value(json_object_get(*error, "name"));
            if (name && !strcmp(name, "REQUEST_VALIDATION_ERROR")) *http_status = 400;
        }
        return r;
    }
    *http_status = 400;
    *error = json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "REQUEST_VALIDATION_ERROR", "cause", "name",
                       "METHOD_NOT_FOUND", "info", "method_name", method, "code", -32601, "message",
                       "Method not found", "data", method);
    return NULL;
}
