/*
 * rpc_methods.c — the JSON-RPC method table and dispatcher, and the small
 * methods: status, block, chunk, gas_price, health, validators,
 * EXPERIMENTAL_protocol_config (the shapes of nearcore's chain/jsonrpc).
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
        "sync_info", "latest_block_hash", devnet_b58_json(c->head_hash, 32), "latest_block_height",
        (json_int_t)c->head_height, "latest_state_root", devnet_b58_json(zero, 32), "latest_block_time", latest,
        "syncing", 0, "earliest_block_hash", devnet_b58_json(c->genesis_hash, 32), "earliest_block_height",
        (json_int_t)c->genesis_height, "earliest_block_time", earliest, "epoch_id", devnet_b58_json(zero, 32),
        "epoch_start_height", (json_int_t)c->genesis_height, "validator_account_id", "near", "validator_public_key",
        "node_public_key", "node_key", "uptime_sec", (json_int_t)((devnet_now_ns() - c->started_ns) / 1000000000ull),
        "genesis_hash", devnet_b58_json(c->genesis_hash, 32), "detailed_debug_status");
    return r;
}

static json_t *m_block(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    devnet_rpc_ref ref;
    devnet_rpc_block_ref_parse(devnet_rpc_first_param(params), &ref);
    uint64_t h;
    json_t *r = NULL;
    pthread_mutex_lock(&c->lock);
    if (devnet_rpc_block_ref_resolve(c, &ref, &h, error) == 0)
        r = devnet_block_view(c, h);
    pthread_mutex_unlock(&c->lock);
    return r;
}

/* The height of the block whose chunk hash is `want` (lock held), or 0.
 * Chunk hashes are derived from block hashes: search recent blocks. */
static uint64_t chunk_height(devnet_chain *c, const uint8_t want[32])
{
    uint64_t h = 0;
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT height, hash FROM blocks ORDER BY height DESC");
    while (s && sqlite3_step(s) == SQLITE_ROW) {
        uint8_t ch[32];
        devnet_sha256("chunk", 5, sqlite3_column_blob(s, 1), 32, ch);
        if (!memcmp(ch, want, 32)) {
            h = (uint64_t)sqlite3_column_int64(s, 0);
            break;
        }
    }
    if (s)
        sqlite3_reset(s);
    return h;
}

static json_t *m_chunk(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    const char *chunk_id = NULL;
    json_t *block = NULL;
    if (json_is_array(params)) {
        if (json_array_size(params) == 1)
            chunk_id = json_string_value(json_array_get(params, 0));
        else
            block = json_array_get(params, 0);
    } else {
        json_t *cid = json_object_get(params, "chunk_id");
        if (cid && !json_is_string(cid))
            return devnet_rpc_bad_request(error, http, "chunk: chunk_id must be a base58 hash");
        chunk_id = json_string_value(cid);
        block = json_object_get(params, "block_id");
    }
    json_t *r = NULL;
    uint64_t h = 0;
    if (chunk_id) {
        uint8_t want[32];
        bool decoded = devnet_b58_hash(chunk_id, want) == 0;
        pthread_mutex_lock(&c->lock);
        if (decoded)
            h = chunk_height(c, want);
        if (h)
            r = devnet_chunk_view(c, h);
        pthread_mutex_unlock(&c->lock);
        if (!h)
            *error = devnet_rpc_handler_error("UNKNOWN_CHUNK", json_pack("{s:s}", "chunk_hash", chunk_id),
                                              json_sprintf("Chunk Missing (unavailable on the node): %s", chunk_id));
        return r;
    }
    devnet_rpc_ref ref;
    devnet_rpc_block_ref_parse(block, &ref);
    pthread_mutex_lock(&c->lock);
    if (devnet_rpc_block_ref_resolve(c, &ref, &h, error) == 0)
        r = devnet_chunk_view(c, h);
    pthread_mutex_unlock(&c->lock);
    return r;
}

static json_t *m_gas_price(devnet_chain *c, json_t *params, json_t **error, int *http)
{
    (void)http;
    devnet_rpc_ref ref;
    devnet_rpc_block_ref_parse(devnet_rpc_first_param(params), &ref);
    uint64_t h;
    pthread_mutex_lock(&c->lock);
    int rc = devnet_rpc_block_ref_resolve(c, &ref, &h, error);
    pthread_mutex_unlock(&c->lock);
    if (rc)
        return NULL;
    return json_pack("{s:o}", "gas_price", devnet_u128_json(DEVNET_GAS_PRICE));
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
                     43200, "min_gas_price", "100000000", "max_gas_price", "100000000", "transaction_validity_period",
                     (json_int_t)DEVNET_TX_VALIDITY_BLOCKS, "runtime_config", "storage_amount_per_byte",
                     "10000000000000000000", "min_gas_purchase_price", "100000000", "yield_timeout_length_in_blocks",
                     (json_int_t)c->cfg.yield_timeout_blocks);
}

typedef json_t *(*method_fn)(devnet_chain *, json_t *, json_t **, int *);

/* `locked`: the dispatcher holds the chain lock around the call (methods
 * without parameters to parse). The others parse their parameters first
 * and take the lock themselves, for the chain's part only. */
static const struct {
    const char *name;
    method_fn fn;
    bool locked;
} METHODS[] = {
    {"status", m_status, true},
    {"block", m_block, false},
    {"chunk", m_chunk, false},
    {"gas_price", m_gas_price, false},
    {"query", devnet_rpc_query, false},
    {"send_tx", devnet_rpc_send_tx, false},
    {"broadcast_tx_async", devnet_rpc_broadcast_async, false},
    {"broadcast_tx_commit", devnet_rpc_broadcast_commit, false},
    {"tx", devnet_rpc_tx, false},
    {"EXPERIMENTAL_tx_status", devnet_rpc_tx_experimental, false},
    {"EXPERIMENTAL_receipt", devnet_rpc_receipt, false},
    {"health", m_health, false},
    {"validators", m_validators, true},
    {"EXPERIMENTAL_protocol_config", m_protocol_config, true},
    {"sandbox_fast_forward", devnet_rpc_fast_forward, false},
    {"sandbox_patch_state", devnet_rpc_patch_state, false},
    {"sandbox_set_time", devnet_rpc_set_time, false},
};

json_t *devnet_rpc_dispatch(devnet_chain *c, const char *method, json_t *params, json_t **error, int *http_status)
{
    *error = NULL;
    *http_status = 200;
    for (size_t i = 0; i < sizeof METHODS / sizeof METHODS[0]; i++) {
        if (strcmp(METHODS[i].name, method) != 0)
            continue;
        if (METHODS[i].locked)
            pthread_mutex_lock(&c->lock);
        json_t *r = METHODS[i].fn(c, params, error, http_status);
        if (METHODS[i].locked)
            pthread_mutex_unlock(&c->lock);
        if (!r && !*error) {
            *http_status = 500;
            *error = json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "INTERNAL_ERROR", "cause", "name",
                               "INTERNAL_ERROR", "info", "error_message", "internal error", "code", -32000, "message",
                               "Server error", "data", "internal error");
        }
        if (*error && *http_status == 200) {
            const char *name = json_string_value(json_object_get(*error, "name"));
            if (name && !strcmp(name, "REQUEST_VALIDATION_ERROR"))
                *http_status = 400;
        }
        return r;
    }
    *http_status = 400;
    *error = json_pack("{s:s,s:{s:s,s:{s:s}},s:i,s:s,s:s}", "name", "REQUEST_VALIDATION_ERROR", "cause", "name",
                       "METHOD_NOT_FOUND", "info", "method_name", method, "code", -32601, "message", "Method not found",
                       "data", method);
    return NULL;
}
