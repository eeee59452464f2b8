/*
 * views.c — NEAR's JSON views of the devnet's chain: blocks and chunks,
 * FinalExecutionOutcome of a transaction, receipts, and the neardata-style
 * block the feed serves. All run with the chain lock held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>

#include <sodium.h>

#include "devnet/devnet.h"
#include "near/encoding.h"

char *devnet_b58(const uint8_t *data, size_t n, char *out, size_t cap)
{
    if (near_base58_encode(data, n, out, cap) < 0 && cap)
        out[0] = 0;
    return out;
}

json_t *devnet_b58_json(const uint8_t *h, size_t n)
{
    char buf[DEVNET_B58_HASH * 2];
    return json_string(devnet_b58(h, n, buf, sizeof buf));
}

json_t *devnet_u128_json(near_u128 v)
{
    char buf[NEAR_U128_DEC_MAX];
    return json_string(near_u128_format(v, buf));
}

devnet_status devnet_b58_hash(const char *s, uint8_t out[32])
{
    if (!s || strlen(s) > DEVNET_B58_HASH_MAX)
        return DEVNET_ERR_INVALID;
    return near_base58_decode_exact(s, out, 32) == NEAR_OK ? DEVNET_OK : DEVNET_ERR_INVALID;
}

devnet_status devnet_public_key_parse(const char *s, near_public_key *out)
{
    if (!s || strlen(s) > DEVNET_KEY_TEXT_MAX)
        return DEVNET_ERR_INVALID;
    return near_public_key_parse(s, out) == NEAR_OK ? DEVNET_OK : DEVNET_ERR_INVALID;
}

/* The marker of a big u64 in a jansson string: \x01, "u64", a random
 * per-process secret and ':'. The secret keeps a contract's log or args
 * that happen to contain the same characters from being turned into a
 * number. */
static char u64_mark[40], u64_mark_json[48];
static pthread_once_t u64_mark_once = PTHREAD_ONCE_INIT;

static void u64_mark_init(void)
{
    uint8_t secret[8];
    if (sodium_init() < 0)
        abort(); /* idempotent; libsodium is unusable otherwise */
    randombytes_buf(secret, sizeof secret);
    char hex[17];
    for (int i = 0; i < 8; i++)
        snprintf(hex + 2 * i, 3, "%02x", secret[i]);
    snprintf(u64_mark, sizeof u64_mark, "\001u64%s:", hex);
    snprintf(u64_mark_json, sizeof u64_mark_json, "\"\\u0001u64%s:", hex); /* how json_dumps writes it */
}

json_t *devnet_u64_json(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)v);
    pthread_once(&u64_mark_once, u64_mark_init);
    char buf[64];
    snprintf(buf, sizeof buf, "%s%llu", u64_mark, (unsigned long long)v);
    return json_string(buf);
}

char *devnet_json_dumps(const json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    pthread_once(&u64_mark_once, u64_mark_init);
    if (!s || !strstr(s, u64_mark_json))
        return s;
    /* A whole string "\u0001u64:<digits>" becomes <digits>, in place (the
     * result is shorter). Anything else — say a contract's log that happens
     * to contain the marker — is copied as it is. */
    char *w = s, *r = s;
    size_t mark = strlen(u64_mark_json);
    while (*r) {
        if (strncmp(r, u64_mark_json, mark) == 0) {
            const char *d = r + mark, *e = d;
            while (*e >= '0' && *e <= '9')
                e++;
            if (e > d && *e == '"') {
                memmove(w, d, (size_t)(e - d));
                w += e - d;
                r = (char *)e + 1;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = 0;
    return s;
}

devnet_status devnet_block_height_by_hash(devnet_chain *c, const uint8_t hash[32], uint64_t *height)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT height FROM blocks WHERE hash=?");
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *height = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? DEVNET_OK : rc == SQLITE_DONE ? DEVNET_NOT_FOUND : DEVNET_ERR_DB;
}

typedef struct block_row {
    uint64_t height, timestamp, gas_burnt;
    uint8_t hash[32], prev_hash[32], random[32];
} block_row;

static int load_block(devnet_chain *c, uint64_t height, block_row *b)
{
    sqlite3_stmt *s =
        devnet_stmt(&c->st, "SELECT hash, prev_hash, timestamp, random, gas_burnt FROM blocks WHERE height=?");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)height);
    int r = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        b->height = height;
        memcpy(b->hash, sqlite3_column_blob(s, 0), 32);
        memcpy(b->prev_hash, sqlite3_column_blob(s, 1), 32);
        b->timestamp = (uint64_t)sqlite3_column_int64(s, 2);
        memcpy(b->random, sqlite3_column_blob(s, 3), 32);
        b->gas_burnt = (uint64_t)sqlite3_column_int64(s, 4);
        r = 1;
    }
    sqlite3_reset(s);
    return r;
}

static json_t *chunk_header(const block_row *b)
{
    uint8_t chunk_hash[32], zero[32] = {0};
    devnet_sha256("chunk", 5, b->hash, 32, chunk_hash);
    near_u128 burnt = (near_u128)b->gas_burnt * DEVNET_GAS_PRICE;
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:i,s:I,s:I,s:i,s:I,s:I,s:s,s:s,s:o,s:o,s:o,s:[],s:s}", "chunk_hash",
                     devnet_b58_json(chunk_hash, 32), "prev_block_hash", devnet_b58_json(b->prev_hash, 32),
                     "outcome_root", devnet_b58_json(zero, 32), "prev_state_root", devnet_b58_json(zero, 32),
                     "encoded_merkle_root", devnet_b58_json(zero, 32), "encoded_length", 0, "height_created",
                     (json_int_t)b->height, "height_included", (json_int_t)b->height, "shard_id", 0, "gas_used",
                     (json_int_t)b->gas_burnt, "gas_limit", (json_int_t)1000000000000000ll, "rent_paid", "0",
                     "validator_reward", "0", "balance_burnt", devnet_u128_json(burnt), "outgoing_receipts_root",
                     devnet_b58_json(zero, 32), "tx_root", devnet_b58_json(zero, 32), "validator_proposals",
                     "signature", "ed25519:1111111111111111111111111111111111111111111111111111111111111111");
}

static json_t *header_json(devnet_chain *c, const block_row *b)
{
    uint8_t zero[32] = {0}, epoch[32];
    devnet_sha256("epoch", 5, c->genesis_hash, 32, epoch);
    char ts[32];
    snprintf(ts, sizeof ts, "%llu", (unsigned long long)b->timestamp);
    json_t *h = json_pack(
        "{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:I,s:s,s:o,s:[],s:[b]}", "height",
        (json_int_t)b->height, "prev_height", (json_int_t)(b->height > c->genesis_height ? b->height - 1 : 0),
        "epoch_id", devnet_b58_json(zero, 32), "next_epoch_id", devnet_b58_json(epoch, 32), "hash",
        devnet_b58_json(b->hash, 32), "prev_hash", devnet_b58_json(b->prev_hash, 32), "prev_state_root",
        devnet_b58_json(zero, 32), "block_body_hash", devnet_b58_json(zero, 32), "chunk_receipts_root",
        devnet_b58_json(zero, 32), "chunk_headers_root", devnet_b58_json(zero, 32), "chunk_tx_root",
        devnet_b58_json(zero, 32), "outcome_root", devnet_b58_json(zero, 32), "chunks_included", 1, "challenges_root",
        devnet_b58_json(zero, 32), "timestamp", (json_int_t)b->timestamp, "timestamp_nanosec", ts, "random_value",
        devnet_b58_json(b->random, 32), "validator_proposals", "chunk_mask", 1);
    json_object_set_new(h, "gas_price", devnet_u128_json(DEVNET_GAS_PRICE));
    json_object_set_new(h, "block_ordinal", json_integer((json_int_t)(b->height - c->genesis_height + 1)));
    json_object_set_new(h, "rent_paid", json_string("0"));
    json_object_set_new(h, "validator_reward", json_string("0"));
    json_object_set_new(h, "total_supply", json_string("1001000000000000000000000000000000"));
    json_object_set_new(h, "challenges_result", json_array());
    json_object_set_new(h, "last_final_block", devnet_b58_json(b->hash, 32));
    json_object_set_new(h, "last_ds_final_block", devnet_b58_json(b->hash, 32));
    json_object_set_new(h, "next_bp_hash", devnet_b58_json(zero, 32));
    json_object_set_new(h, "block_merkle_root", devnet_b58_json(zero, 32));
    json_object_set_new(h, "epoch_sync_data_hash", json_null());
    json_object_set_new(h, "approvals", json_array());
    json_object_set_new(h, "signature",
                        json_string("ed25519:1111111111111111111111111111111111111111111111111111111111111111"));
    json_object_set_new(h, "latest_protocol_version", json_integer(DEVNET_PROTOCOL_VERSION));
    return h;
}

json_t *devnet_block_view(devnet_chain *c, uint64_t height)
{
    block_row b;
    if (load_block(c, height, &b) != 1)
        return NULL;
    return json_pack("{s:s,s:o,s:[o]}", "author", "near", "header", header_json(c, &b), "chunks", chunk_header(&b));
}

/* Receipt views of every action receipt executed at a height (outcome order). */
static json_t *receipts_at(devnet_chain *c, uint64_t height, bool with_outcomes)
{
    json_t *list = json_array();
    sqlite3_stmt *s = devnet_stmt(
        &c->st, "SELECT id, body, outcome, tx_hash, is_data FROM receipts WHERE exec_height=? ORDER BY seq");
    if (!s)
        return list;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)height);
    while (sqlite3_step(s) == SQLITE_ROW) {
        json_t *view = devnet_receipt_body_json(sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
                                                sqlite3_column_blob(s, 0));
        if (!view)
            continue;
        if (!with_outcomes) {
            json_array_append_new(list, view);
            continue;
        }
        if (sqlite3_column_int(s, 4) || sqlite3_column_type(s, 2) == SQLITE_NULL) { /* data: no outcome */
            json_decref(view);
            continue;
        }
        json_t *outcome = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);
        json_array_append_new(list,
                              json_pack("{s:o,s:o,s:o}", "receipt", view, "outcome", outcome ? outcome : json_null(),
                                        "tx_hash", devnet_b58_json(sqlite3_column_blob(s, 3), 32)));
    }
    sqlite3_reset(s);
    return list;
}

json_t *devnet_chunk_view(devnet_chain *c, uint64_t height)
{
    block_row b;
    if (load_block(c, height, &b) != 1)
        return NULL;
    json_t *txs = json_array();
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT view FROM txs WHERE block_height=? ORDER BY seq");
    if (s) {
        sqlite3_bind_int64(s, 1, (sqlite3_int64)height);
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_t *v = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
            if (v)
                json_array_append_new(txs, v);
        }
        sqlite3_reset(s);
    }
    return json_pack("{s:s,s:o,s:o,s:o}", "author", "near", "header", chunk_header(&b), "transactions", txs, "receipts",
                     receipts_at(c, height, false));
}

static json_t *block_hash_at(devnet_chain *c, uint64_t height)
{
    block_row b;
    if (load_block(c, height, &b) != 1)
        return json_null();
    return devnet_b58_json(b.hash, 32);
}

json_t *devnet_tx_outcome_view(devnet_chain *c, const uint8_t hash[32], bool with_receipts, const char *final_status)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT view, outcome, block_height FROM txs WHERE hash=?");
    if (!s)
        return NULL;
    sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        return NULL;
    }
    json_t *tx = json_loads((const char *)sqlite3_column_text(s, 0), 0, NULL);
    json_t *tx_outcome = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
    uint64_t tx_height = (uint64_t)sqlite3_column_int64(s, 2);
    sqlite3_reset(s);
    if (!tx || !tx_outcome) {
        json_decref(tx);
        json_decref(tx_outcome);
        return NULL;
    }
    json_t *outcomes = json_object(); /* receipt id -> outcome, to follow the status chain */
    json_t *receipts_outcome = json_array(), *receipts = json_array();
    s = devnet_stmt(&c->st,
                    "SELECT id, body, outcome, exec_height, is_data FROM receipts WHERE tx_hash=? ORDER BY seq");
    if (s) {
        sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
        while (sqlite3_step(s) == SQLITE_ROW) {
            char id[DEVNET_B58_HASH];
            devnet_b58(sqlite3_column_blob(s, 0), 32, id, sizeof id);
            if (with_receipts) {
                json_t *v = devnet_receipt_body_json(sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1),
                                                     sqlite3_column_blob(s, 0));
                if (v)
                    json_array_append_new(receipts, v);
            }
            if (sqlite3_column_int(s, 4) || sqlite3_column_type(s, 2) == SQLITE_NULL)
                continue;
            json_t *o = json_loads((const char *)sqlite3_column_text(s, 2), 0, NULL);
            if (!o)
                continue;
            json_object_set(outcomes, id, o);
            json_array_append_new(receipts_outcome, json_pack("{s:[],s:o,s:s,s:o}", "proof", "block_hash",
                                                              block_hash_at(c, (uint64_t)sqlite3_column_int64(s, 3)),
                                                              "id", id, "outcome", o));
        }
        sqlite3_reset(s);
    }
    /* Final status: follow SuccessReceiptId links from the transaction. */
    json_t *status = json_string("Started");
    json_t *cur = json_object_get(tx_outcome, "status");
    for (int hops = 0; hops < 1000; hops++) {
        json_t *next = json_object_get(cur, "SuccessReceiptId");
        if (!next) {
            if (json_object_get(cur, "SuccessValue") || json_object_get(cur, "Failure")) {
                json_decref(status);
                status = json_deep_copy(cur);
            }
            break;
        }
        json_t *o = json_object_get(outcomes, json_string_value(next));
        if (!o)
            break;
        cur = json_object_get(o, "status");
    }
    char txid[DEVNET_B58_HASH];
    devnet_b58(hash, 32, txid, sizeof txid);
    json_t *r =
        json_pack("{s:s,s:o,s:o,s:{s:[],s:o,s:s,s:o},s:o}", "final_execution_status", final_status, "status", status,
                  "transaction", tx, "transaction_outcome", "proof", "block_hash", block_hash_at(c, tx_height), "id",
                  txid, "outcome", tx_outcome, "receipts_outcome", receipts_outcome);
    if (with_receipts)
        json_object_set_new(r, "receipts", receipts);
    else
        json_decref(receipts);
    json_decref(outcomes);
    return r;
}

json_t *devnet_receipt_view(devnet_chain *c, const uint8_t id[32])
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT body FROM receipts WHERE id=?");
    if (!s)
        return NULL;
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    json_t *v = NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        v = devnet_receipt_body_json(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), id);
    sqlite3_reset(s);
    return v;
}

json_t *devnet_feed_block(devnet_chain *c, uint64_t height)
{
    block_row b;
    if (load_block(c, height, &b) != 1)
        return NULL;
    json_t *items = receipts_at(c, height, true);
    /* neardata nests the outcome as execution_outcome {id, outcome, block_hash, proof}. */
    json_t *reos = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        json_t *receipt = json_object_get(it, "receipt");
        json_array_append_new(reos, json_pack("{s:O,s:{s:O,s:O,s:o,s:[]},s:O}", "receipt", receipt, "execution_outcome",
                                              "id", json_object_get(receipt, "receipt_id"), "outcome",
                                              json_object_get(it, "outcome"), "block_hash", devnet_b58_json(b.hash, 32),
                                              "proof", "tx_hash", json_object_get(it, "tx_hash")));
    }
    json_decref(items);
    json_t *chunk = devnet_chunk_view(c, height);
    json_t *txs = json_object_get(chunk, "transactions");
    json_t *chunk_txs = json_array();
    json_array_foreach(txs, i, it) json_array_append_new(chunk_txs, json_pack("{s:O}", "transaction", it));
    json_t *shard_chunk = json_pack("{s:s,s:O,s:o,s:O}", "author", "near", "header", json_object_get(chunk, "header"),
                                    "transactions", chunk_txs, "receipts", json_object_get(chunk, "receipts"));
    json_decref(chunk);
    return json_pack("{s:{s:s,s:o},s:[{s:i,s:o,s:o,s:[]}]}", "block", "author", "near", "header", header_json(c, &b),
                     "shards", "shard_id", 0, "chunk", shard_chunk, "receipt_execution_outcomes", reos,
                     "state_changes");
}
