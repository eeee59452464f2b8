/*
 * verify_chain.c — the chain side of `outlayer verify`: a request and its
 * resolution read from the transaction that made it (EXPERIMENTAL_tx_status:
 * every receipt and its outcome).
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
    json_array_foreach(logs, i, l) {
        const char *s = json_string_value(l);
        const char *p = s ? strstr(s, "EVENT_JSON:") : NULL;
        if (!p) continue;
        json_t *ev = json_loads(p + 11, 0, NULL);
        const char *std = json_string_value(json_object_get(ev, "standard"));
        const char *n = json_string_value(json_object_get(ev, "event"));
        if (std && n && strcmp(std, "near-outlayer") == 0 && strcmp(n, name) == 0) {
            json_t *d = json_incref(json_array_get(json_object_get(ev, "data"), 0));
            json_decref(ev);
            if (d) return d;
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
    json_array_foreach(receipts, i, r) {
        const char *rid = json_string_value(json_object_get(r, "receipt_id"));
        if (rid && strcmp(rid, id) == 0) return r;
    }
    return NULL;
}

static int block_height(near_rpc *rpc, const char *hash, uint64_t *height, char *err, size_t errlen)
{
    json_t *res = NULL;
    near_rpc_error e = {0};
    near_status st = near_rpc_call(rpc, "block", json_pack("{s:s}", "block_id", hash), 1, &res, &e);
    if (st != NEAR_OK) {
        snprintf(err, errlen, "block %s: %s", hash, e.message[0] ? e.message : near_status_name(st));
        near_rpc_error_clear(&e);
        return -1;
    }
    json_t *h = json_object_get(json_object_get(res, "header"), "height");
    int rc = json_is_integer(h) ? 0 : -1;
    if (rc == 0) *height = (uint64_t)json_integer_value(h);
    else snprintf(err, errlen, "block %s has no header.height", hash);
    json_decref(res);
    return rc;
}

int vf_chain_read(near_rpc *rpc, const char *tx_hash, const char *sender, const char *contract, vf_chain *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *res = NULL;
    near_rpc_error e = {0};
    near_status st = near_rpc_call(rpc, "EXPERIMENTAL_tx_status",
                                   json_pack("{s:s, s:s, s:s}", "tx_hash", tx_hash, "sender_account_id", sender,
                                             "wait_until", "FINAL"),
                                   1, &res, &e);
    if (st != NEAR_OK) {
        snprintf(err, errlen, "transaction %s of %s: %s", tx_hash, sender, e.message[0] ? e.message : near_status_name(st));
        near_rpc_error_clear(&e);
        return -1;
    }
    int rc = -1;
    json_t *outcomes = json_object_get(res, "receipts_outcome");
    json_t *receipts = json_object_get(res, "receipts");
    size_t i;
    json_t *ro;
    json_t *req_outcome = NULL;
    json_array_foreach(outcomes, i, ro) {
        json_t *oc = json_object_get(ro, "outcome");
        const char *executor = json_string_value(json_object_get(oc, "executor_id"));
        json_t *logs = json_object_get(oc, "logs");
        if (!executor || strcmp(executor, contract) != 0) continue;
        json_t *d;
        if (!req_outcome && (d = event_in_logs(logs, "execution_requested"))) {
            req_outcome = ro;
            json_decref(d);
        }
        if ((d = event_in_logs(logs, "execution_completed"))) {
            out->resolved = true;
            out->success = json_is_true(json_object_get(d, "success"));
            const char *em = json_string_value(json_object_get(d, "error_message"));
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
    const char *bhash = json_string_value(json_object_get(req_outcome, "block_hash"));
    json_t *receipt = rid ? receipt_by_id(receipts, rid) : NULL;
    if (!rid || !bhash || !receipt) {
        snprintf(err, errlen, "the node's answer lacks the request's receipt (EXPERIMENTAL_tx_status receipts)");
        goto done;
    }
    if (block_height(rpc, bhash, &out->block_height, err, errlen)) goto done;
    /* A one-receipt block of the feed's shape, through the monitor's code. */
    json_t *item = json_pack("{s:O, s:{s:O}, s:s}", "receipt", receipt, "execution_outcome", "outcome",
                             json_object_get(req_outcome, "outcome"), "tx_hash", tx_hash);
    json_t *block = json_pack("{s:[{s:[o]}]}", "shards", "receipt_execution_outcomes", item);
    json_t *creates = NULL;
    char why[300];
    if (wk_block_events(block, out->block_height, contract, &creates, why, sizeof why) || json_array_size(creates) != 1) {
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
    if (rc) vf_chain_free(out);
    json_decref(res);
    return rc;
}

void vf_chain_free(vf_chain *c)
{
    json_decref(c->create);
    free(c->error);
    json_decref(c->value);
    memset(c, 0, sizeof *c);
}
