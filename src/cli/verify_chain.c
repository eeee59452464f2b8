/*
 * verify_chain.c — what `outlayer verify` reads, parsed (no I/O here, so it
 * is fuzzed on its own: tests/fuzz/fuzz_verify.c): a request and its
 * resolution from the transaction that made it (an EXPERIMENTAL_tx_status
 * answer: every receipt and its outcome), and the attestation record's quote.
 *
 * The request is turned into a job by the worker's own code
 * (wk_block_events, what the event monitor runs on each block): the
 * request's receipt and outcome are put into a block of the feed's shape, so
 * the NEAR_* context the program sees (sender, block height and timestamp,
 * receipt id, predecessor, signer key, gas burnt, transaction hash) is
 * derived exactly as the worker derived it.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/verify.h"
#include "worker/worker.h"

static json_t *event_in_logs(json_t *logs, const char *name)
{
    size_t i;
    json_t *l;
    json_array_foreach(logs, i, l)
    {
        const char *s = json_string_value(l);
        const char *p = s ? strstr(s, "EVENT_JSON:") : NULL;
        if (!p)
            continue;
        json_t *ev = json_loads(p + 11, 0, NULL);
        const char *std = json_string_value(json_object_get(ev, "standard"));
        const char *n = json_string_value(json_object_get(ev, "event"));
        if (std && n && strcmp(std, "near-outlayer") == 0 && strcmp(n, name) == 0) {
            json_t *d = json_incref(json_array_get(json_object_get(ev, "data"), 0));
            json_decref(ev);
            if (d)
                return d;
            continue;
        }
        json_decref(ev);
    }
    return NULL;
}

static json_t *receipt_by_id(json_t *receipts, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach(receipts, i, r)
    {
        const char *rid = json_string_value(json_object_get(r, "receipt_id"));
        if (rid && strcmp(rid, id) == 0)
            return r;
    }
    return NULL;
}

/* The request's receipt outcome (the one whose logs hold execution_requested). */
static json_t *request_outcome(json_t *res, const char *contract)
{
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(res, "receipts_outcome"), i, ro)
    {
        json_t *oc = json_object_get(ro, "outcome");
        const char *executor = json_string_value(json_object_get(oc, "executor_id"));
        if (!executor || strcmp(executor, contract) != 0)
            continue;
        json_t *d = event_in_logs(json_object_get(oc, "logs"), "execution_requested");
        if (d) {
            json_decref(d);
            return ro;
        }
    }
    return NULL;
}

const char *vf_chain_request_block(json_t *status, const char *contract)
{
    json_t *ro = request_outcome(status, contract);
    return ro ? json_string_value(json_object_get(ro, "block_hash")) : NULL;
}

int vf_chain_parse(json_t *res, const char *tx_hash, const char *contract, uint64_t height, vf_chain *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->block_height = height;
    int rc = -1;
    json_t *outcomes = json_object_get(res, "receipts_outcome");
    json_t *receipts = json_object_get(res, "receipts");
    size_t i;
    json_t *ro;
    json_t *req_outcome = request_outcome(res, contract);
    json_array_foreach(outcomes, i, ro)
    {
        json_t *oc = json_object_get(ro, "outcome");
        const char *executor = json_string_value(json_object_get(oc, "executor_id"));
        json_t *logs = json_object_get(oc, "logs");
        if (!executor || strcmp(executor, contract) != 0)
            continue;
        json_t *d;
        if ((d = event_in_logs(logs, "execution_completed"))) {
            out->resolved = true;
            out->success = json_is_true(json_object_get(d, "success"));
            const char *em = json_string_value(json_object_get(d, "error_message"));
            free(out->error); /* a second completion event (a hostile node) replaces the first */
            out->error = em ? strdup(em) : NULL;
            json_t *ins = json_object_get(json_object_get(d, "resources_used"), "instructions");
            out->instructions = json_is_integer(ins) ? (uint64_t)json_integer_value(ins) : 0;
            json_decref(d);
        }
    }
    if (!req_outcome) {
        snprintf(err, errlen, "transaction %s holds no execution_requested event of %s", tx_hash, contract);
        goto done;
    }
    const char *rid = json_string_value(json_object_get(req_outcome, "id"));
    json_t *receipt = rid ? receipt_by_id(receipts, rid) : NULL;
    if (!rid || !receipt) {
        snprintf(err, errlen, "the node's answer lacks the request's receipt (EXPERIMENTAL_tx_status receipts)");
        goto done;
    }
    /* A one-receipt block of the feed's shape, through the monitor's code. */
    json_t *item = json_pack("{s:O, s:{s:O}, s:s}", "receipt", receipt, "execution_outcome", "outcome",
                             json_object_get(req_outcome, "outcome"), "tx_hash", tx_hash);
    json_t *block = json_pack("{s:[{s:[o]}]}", "shards", "receipt_execution_outcomes", item);
    json_t *creates = NULL;
    char why[300];
    if (wk_block_events(block, out->block_height, contract, &creates, why, sizeof why) ||
        json_array_size(creates) != 1) {
        snprintf(err, errlen, "the execution_requested event cannot be read as a job: %s",
                 creates ? "unexpected shape" : why);
        json_decref(creates);
        json_decref(block);
        goto done;
    }
    out->create = json_incref(json_array_get(creates, 0));
    json_decref(creates);
    json_decref(block);
    out->request_id = (uint64_t)json_integer_value(json_object_get(out->create, "request_id"));
    /* The final value of the whole transaction: the callback's return, the output. */
    const char *sv = json_string_value(json_object_get(json_object_get(res, "status"), "SuccessValue"));
    if (sv && *sv) {
        size_t cap = strlen(sv), n = 0;
        uint8_t *raw = malloc(cap + 1);
        if (raw && sodium_base642bin(raw, cap, sv, cap, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0)
            out->value = json_loadb((const char *)raw, n, JSON_DECODE_ANY, NULL);
        free(raw);
    }
    rc = 0;
done:
    if (rc)
        vf_chain_free(out);
    return rc;
}

void vf_chain_free(vf_chain *c)
{
    json_decref(c->create);
    free(c->error);
    json_decref(c->value);
    memset(c, 0, sizeof *c);
}

int vf_quote_parts(json_t *att, uint8_t nonce[WK_NONCE_LEN], uint64_t *executed, char task_hex[65])
{
    const char *q = json_string_value(json_object_get(att, "tdx_quote"));
    if (!q)
        return -1;
    size_t qlen = strlen(q), n = 0;
    uint8_t *raw = malloc(qlen + 1);
    int rc = -1;
    if (raw && sodium_base642bin(raw, qlen + 1, q, qlen, NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
        n >= 632) {
        memcpy(nonce, raw + 600, WK_NONCE_LEN);
        *executed = 0;
        for (int i = 7; i >= 0; i--)
            *executed = (*executed << 8) | raw[600 + WK_NONCE_LEN + i];
        sodium_bin2hex(task_hex, 65, raw + 568, 32);
        rc = 0;
    }
    free(raw);
    return rc;
}

static void put_field(crypto_hash_sha256_state *st, json_t *att, const char *key)
{
    const char *s = json_string_value(json_object_get(att, key));
    if (s)
        crypto_hash_sha256_update(st, (const uint8_t *)s, strlen(s));
}

void vf_record_task_hash(json_t *att, char out[65])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)"execute", 7);
    uint8_t le[8];
    uint64_t id = (uint64_t)json_integer_value(json_object_get(att, "task_id"));
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(id >> (8 * i));
    crypto_hash_sha256_update(&st, le, 8);
    put_field(&st, att, "repo_url");
    put_field(&st, att, "commit_hash");
    put_field(&st, att, "build_target");
    put_field(&st, att, "wasm_hash");
    put_field(&st, att, "input_hash");
    put_field(&st, att, "output_hash");
    json_t *bh = json_object_get(att, "block_height");
    if (json_is_integer(bh)) {
        uint64_t v = (uint64_t)json_integer_value(bh);
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(v >> (8 * i));
        crypto_hash_sha256_update(&st, le, 8);
    }
    put_field(&st, att, "http_transcript_sha256"); /* only when it made HTTP, storage or view calls */
    uint8_t h[32];
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, 32);
}
