/*
 * receipts.c — the receipts of a block: storing them (as NEAR's ReceiptView
 * JSON plus the gas their sender reserved), converting transactions into
 * their first receipt, running every receipt due, data receipts and the
 * postponed receipts waiting for them, and yield timeouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/runtime_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

/* ---- small JSON helpers ---- */

json_t *devnet_rt_success_value(const uint8_t *data, size_t len)
{
    char *b = near_base64_encode(data, len);
    json_t *j = json_pack("{s:s}", "SuccessValue", b ? b : "");
    free(b);
    return j;
}

json_t *devnet_rt_outcome_json(json_t *logs, json_t *receipt_ids, uint64_t gas_burnt, const char *executor,
                               json_t *status)
{
    near_u128 tokens = (near_u128)gas_burnt * DEVNET_GAS_PRICE;
    return json_pack("{s:o,s:o,s:I,s:o,s:s,s:o,s:{s:i,s:[]}}", "logs", logs, "receipt_ids", receipt_ids, "gas_burnt",
                     (json_int_t)gas_burnt, "tokens_burnt", devnet_u128_json(tokens), "executor_id", executor, "status",
                     status, "metadata", "version", 3, "gas_profile");
}

/* ---- storing receipts ---- */

devnet_status devnet_rt_store_receipt(devnet_chain *c, const uint8_t id[32], const uint8_t tx_hash[32],
                                      const devnet_receipt *r, uint64_t reserved, int state, uint64_t due)
{
    size_t len = 0;
    uint8_t *body = devnet_receipt_encode(r, &len);
    if (!body)
        return DEVNET_ERR_NOMEM;
    sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR REPLACE INTO receipts(id, tx_hash, body, reserved_gas, state, "
                                          "due, exec_height, seq, outcome, is_data) VALUES(?,?,?,?,?,?,NULL,?,NULL,?)");
    if (!s) {
        free(body);
        return DEVNET_ERR_DB;
    }
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, tx_hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob64(s, 3, body, (sqlite3_uint64)len, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)reserved);
    sqlite3_bind_int(s, 5, state);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)due);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)++c->seq);
    sqlite3_bind_int(s, 8, r->is_data ? 1 : 0);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(body);
    return rc == SQLITE_DONE ? DEVNET_OK : DEVNET_ERR_DB;
}

devnet_status devnet_rt_store_data_receipt(devnet_chain *c, devnet_block_ctx *b, const uint8_t parent[32], size_t index,
                                           const uint8_t tx_hash[32], const char *predecessor, const char *receiver,
                                           const uint8_t data_id[32], const uint8_t *data, size_t len, bool has_data,
                                           bool is_resume)
{
    uint8_t id[32];
    uint8_t idx[9] = {'d'};
    memcpy(idx + 1, &index, sizeof index < 8 ? sizeof index : 8);
    devnet_sha256(parent, 32, idx, sizeof idx, id);
    devnet_receipt r = {.predecessor_id = (char *)predecessor,
                        .receiver_id = (char *)receiver,
                        .is_data = true,
                        .has_data = has_data,
                        .data = (uint8_t *)data,
                        .data_len = has_data ? len : 0,
                        .is_promise_resume = is_resume};
    memcpy(r.data_id, data_id, 32);
    return devnet_rt_store_receipt(c, id, tx_hash, &r, 0, 0, b->height + 1);
}

devnet_status devnet_rt_set_receipt_done(devnet_chain *c, const uint8_t id[32], uint64_t height, json_t *outcome)
{
    char *text = outcome ? json_dumps(outcome, JSON_COMPACT) : NULL;
    sqlite3_stmt *s = devnet_stmt(&c->st, "UPDATE receipts SET state=2, exec_height=?, outcome=? WHERE id=?");
    if (!s) {
        free(text);
        return DEVNET_ERR_DB;
    }
    sqlite3_bind_int64(s, 1, (sqlite3_int64)height);
    if (text)
        sqlite3_bind_text(s, 2, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_blob(s, 3, id, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(text);
    return rc == SQLITE_DONE ? DEVNET_OK : DEVNET_ERR_DB;
}

/* Runs one cached statement whose only parameter is a 32-byte id. */
static devnet_status exec_by_id(devnet_chain *c, const char *sql, const uint8_t id[32])
{
    sqlite3_stmt *s = devnet_stmt(&c->st, sql);
    if (!s)
        return DEVNET_ERR_DB;
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        devnet_log("error", "sqlite: %s (%s)", sqlite3_errmsg(c->st.db), sql);
        return DEVNET_ERR_DB;
    }
    return DEVNET_OK;
}

devnet_status devnet_rt_forget_yield(devnet_chain *c, const uint8_t data_id[32])
{
    return exec_by_id(c, "DELETE FROM yields WHERE data_id=?", data_id);
}

/* ---- receipts created by a receipt ---- */

/* A receipt a contract created (see runtime_internal.h). */
devnet_status devnet_rt_store_vm_receipt(devnet_chain *c, devnet_block_ctx *b, const receipt_in *r, const char *current,
                                         const char *signer, const near_public_key *signer_pk, const nearvm_receipt *vr,
                                         size_t index, const nearvm_data_receiver *extra, size_t extra_n,
                                         uint8_t id_out[32])
{
    uint8_t idx[9] = {'r'};
    memcpy(idx + 1, &index, 8);
    devnet_sha256(r->id, 32, idx, sizeof idx, id_out);
    near_action *tmp = calloc(vr->actions_count ? vr->actions_count : 1, sizeof *tmp);
    size_t n_outs = vr->output_data_receivers_count + extra_n;
    struct devnet_receipt_out *outs = calloc(n_outs ? n_outs : 1, sizeof *outs);
    if (!tmp || !outs) {
        free(tmp);
        free(outs);
        return DEVNET_ERR_NOMEM;
    }
    uint64_t prepaid = 0;
    for (size_t i = 0; i < vr->actions_count; i++) {
        devnet_rt_vm_action_view(&vr->actions[i], &tmp[i]);
        if (tmp[i].kind == NEAR_ACTION_FUNCTION_CALL)
            prepaid += tmp[i].gas;
    }
    for (size_t i = 0; i < n_outs; i++) {
        const nearvm_data_receiver *d = i < vr->output_data_receivers_count
                                            ? &vr->output_data_receivers[i]
                                            : &extra[i - vr->output_data_receivers_count];
        memcpy(outs[i].data_id, d->data_id, 32);
        outs[i].receiver_id = d->receiver_id;
    }
    bool from_system = !strcmp(current, SYSTEM_ACCOUNT);
    uint64_t reserved = from_system ? 0 : devnet_actions_exec_fee(tmp, vr->actions_count, vr->receiver_id) + prepaid;
    /* Everything borrowed: the receipt is only encoded. */
    devnet_receipt rt = {.predecessor_id = (char *)current,
                         .receiver_id = vr->receiver_id,
                         .signer_id = (char *)signer,
                         .signer_public_key = *signer_pk,
                         .gas_price = from_system ? 0 : DEVNET_GAS_PRICE,
                         .outs = outs,
                         .n_outs = n_outs,
                         .input_data_ids = vr->input_data_ids,
                         .n_inputs = vr->input_data_ids_count,
                         .actions = tmp,
                         .n_actions = vr->actions_count,
                         .is_promise_yield = vr->is_yield};
    int state = vr->input_data_ids_count ? 1 : 0;
    devnet_status st = devnet_rt_store_receipt(c, id_out, r->tx_hash, &rt, reserved, state, b->height + 1);
    free(tmp);
    free(outs);
    if (st != DEVNET_OK)
        return st;
    int rc;
    for (size_t i = 0; i < vr->input_data_ids_count; i++) {
        sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR REPLACE INTO waits(data_id, receipt_id) VALUES(?,?)");
        if (!s)
            return DEVNET_ERR_DB;
        sqlite3_bind_blob(s, 1, vr->input_data_ids[i], 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 2, id_out, 32, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return DEVNET_ERR_DB;
    }
    if (vr->is_yield && vr->input_data_ids_count == 1) {
        sqlite3_stmt *s = devnet_stmt(
            &c->st, "INSERT OR REPLACE INTO yields(data_id, account, receipt_id, expires_at) VALUES(?,?,?,?)");
        if (!s)
            return DEVNET_ERR_DB;
        sqlite3_bind_blob(s, 1, vr->input_data_ids[0], 32, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, current, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 3, id_out, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)(b->height + c->cfg.yield_timeout_blocks));
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE)
            return DEVNET_ERR_DB;
    }
    return DEVNET_OK;
}

/* The receipt a delegate action creates: from the sender to the delegate's
 * receiver, signed (and paid) by the relayer. */
devnet_status devnet_rt_store_delegated_receipt(devnet_chain *c, devnet_block_ctx *b, const receipt_in *r,
                                                const char *signer, const near_public_key *signer_pk,
                                                const near_delegate_action *da, uint8_t id_out[32])
{
    uint8_t idx[9] = {'g'};
    devnet_sha256(r->id, 32, idx, sizeof idx, id_out);
    uint64_t exec, prepaid;
    near_u128 deposits;
    devnet_delegate_inner(da, &exec, &prepaid, &deposits);
    devnet_receipt rt = {.predecessor_id = da->sender_id,
                         .receiver_id = da->receiver_id,
                         .signer_id = (char *)signer,
                         .signer_public_key = *signer_pk,
                         .gas_price = DEVNET_GAS_PRICE,
                         .actions = da->actions,
                         .n_actions = da->n_actions};
    return devnet_rt_store_receipt(c, id_out, r->tx_hash, &rt, exec + prepaid, 0, b->height + 1);
}

/* ---- receipts of a block ---- */

static int load_receipt(devnet_chain *c, const uint8_t id[32], receipt_in *r, bool *is_data)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT tx_hash, body, reserved_gas, is_data FROM receipts WHERE id=?");
    if (!s)
        return -1;
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        memcpy(r->id, id, 32);
        memcpy(r->tx_hash, sqlite3_column_blob(s, 0), 32);
        r->reserved = (uint64_t)sqlite3_column_int64(s, 2);
        *is_data = sqlite3_column_int(s, 3) != 0;
        rc = devnet_receipt_decode(sqlite3_column_blob(s, 1), (size_t)sqlite3_column_bytes(s, 1), &r->rc) == DEVNET_OK
                 ? 0
                 : -1;
    }
    sqlite3_reset(s);
    return rc;
}

static int execute_receipt(devnet_chain *c, devnet_block_ctx *b, const uint8_t id[32]);

/* A postponed receipt runs as soon as all of its input data is present. */
static int maybe_run_postponed(devnet_chain *c, devnet_block_ctx *b, const uint8_t receipt_id[32])
{
    receipt_in r;
    bool is_data = false;
    if (load_receipt(c, receipt_id, &r, &is_data))
        return -1;
    bool ready = true;
    for (size_t i = 0; i < r.rc.n_inputs && ready; i++) {
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT 1 FROM received_data WHERE data_id=?");
        if (!s) {
            devnet_receipt_free(&r.rc);
            return -1;
        }
        sqlite3_bind_blob(s, 1, r.rc.input_data_ids[i], 32, SQLITE_TRANSIENT);
        ready = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_reset(s);
    }
    devnet_receipt_free(&r.rc);
    return ready ? execute_receipt(c, b, receipt_id) : 0;
}

static int execute_data_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
{
    const uint8_t *did = r->rc.data_id;
    bool has = r->rc.has_data;
    size_t len = has ? r->rc.data_len : 0;
    sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR IGNORE INTO received_data(data_id, has_data, data) VALUES(?,?,?)");
    if (!s)
        return -1;
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, has ? 1 : 0);
    sqlite3_bind_blob64(s, 3, has && len ? (const void *)r->rc.data : "", (sqlite3_uint64)len, SQLITE_TRANSIENT);
    int stored = sqlite3_step(s);
    sqlite3_reset(s);
    if (stored != SQLITE_DONE || devnet_rt_set_receipt_done(c, r->id, b->height, NULL) != DEVNET_OK)
        return -1;
    /* Whoever waits for this data may now be complete. */
    s = devnet_stmt(&c->st, "SELECT receipt_id FROM waits WHERE data_id=?");
    if (!s)
        return -1;
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    uint8_t waiter[32];
    bool found = sqlite3_step(s) == SQLITE_ROW;
    if (found)
        memcpy(waiter, sqlite3_column_blob(s, 0), 32);
    sqlite3_reset(s);
    if (!found)
        return 0;
    if (exec_by_id(c, "DELETE FROM waits WHERE data_id=?", did) != DEVNET_OK)
        return -1;
    /* A yield whose data arrived is no longer pending (its timeout is off). */
    if (devnet_rt_forget_yield(c, did) != DEVNET_OK)
        return -1;
    /* Is the waiting receipt still postponed? */
    s = devnet_stmt(&c->st, "SELECT state FROM receipts WHERE id=?");
    if (!s)
        return -1;
    sqlite3_bind_blob(s, 1, waiter, 32, SQLITE_TRANSIENT);
    bool postponed = sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) == 1;
    sqlite3_reset(s);
    return postponed ? maybe_run_postponed(c, b, waiter) : 0;
}

static int execute_receipt(devnet_chain *c, devnet_block_ctx *b, const uint8_t id[32])
{
    receipt_in r;
    bool is_data = false;
    if (load_receipt(c, id, &r, &is_data)) {
        devnet_log("error", "cannot load a receipt");
        return -1;
    }
    int rc = is_data ? execute_data_receipt(c, b, &r) : devnet_rt_execute_action_receipt(c, b, &r);
    devnet_receipt_free(&r.rc);
    if (rc) {
        /* Never leave a receipt that cannot run in the queue forever. */
        devnet_log("error", "receipt failed internally; dropped");
        if (devnet_rt_set_receipt_done(c, id, b->height, NULL) != DEVNET_OK)
            devnet_log("error", "the failed receipt could not be marked done either");
    }
    return rc;
}

static int resolve_yield_timeouts(devnet_chain *c, devnet_block_ctx *b)
{
    for (;;) {
        sqlite3_stmt *s = devnet_stmt(
            &c->st, "SELECT data_id, account, receipt_id FROM yields WHERE expires_at<=? ORDER BY expires_at LIMIT 1");
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)b->height);
        if (sqlite3_step(s) != SQLITE_ROW) {
            sqlite3_reset(s);
            return 0;
        }
        uint8_t did[32], rid[32];
        char account[80];
        memcpy(did, sqlite3_column_blob(s, 0), 32);
        snprintf(account, sizeof account, "%s", (const char *)sqlite3_column_text(s, 1));
        memcpy(rid, sqlite3_column_blob(s, 2), 32);
        sqlite3_reset(s);
        if (devnet_rt_forget_yield(c, did) != DEVNET_OK)
            return -1;
        /* The timeout's Data receipt belongs to the yield's transaction. */
        uint8_t tx_hash[32] = {0};
        s = devnet_stmt(&c->st, "SELECT tx_hash FROM receipts WHERE id=?");
        if (!s)
            return -1;
        sqlite3_bind_blob(s, 1, rid, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW)
            memcpy(tx_hash, sqlite3_column_blob(s, 0), 32);
        sqlite3_reset(s);
        if (devnet_rt_store_data_receipt(c, b, rid, 999, tx_hash, account, account, did, NULL, 0, false, true))
            return -1;
    }
}

devnet_status devnet_runtime_run_receipts(devnet_chain *c, devnet_block_ctx *b)
{
    for (;;) {
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT id FROM receipts WHERE state=0 AND due<=? ORDER BY seq LIMIT 1");
        if (!s)
            return DEVNET_ERR_DB;
        sqlite3_bind_int64(s, 1, (sqlite3_int64)b->height);
        if (sqlite3_step(s) != SQLITE_ROW) {
            sqlite3_reset(s);
            break;
        }
        uint8_t id[32];
        memcpy(id, sqlite3_column_blob(s, 0), 32);
        sqlite3_reset(s);
        execute_receipt(c, b, id);
    }
    return resolve_yield_timeouts(c, b);
}

/* ---- transactions ---- */

devnet_status devnet_runtime_apply_tx(devnet_chain *c, devnet_block_ctx *b, const devnet_checked_tx *t,
                                      const devnet_tx_cost *cost)
{
    const near_signed_transaction *stx = &t->stx;
    const uint8_t *hash = t->hash;
    const near_transaction *tx = &stx->transaction;
    devnet_account signer;
    near_access_key ak;
    if (devnet_account_get(&c->st, tx->signer_id, &signer) != DEVNET_OK)
        return DEVNET_ERR_DB;
    if (devnet_key_get(&c->st, tx->signer_id, &tx->public_key, &ak) != DEVNET_OK)
        return DEVNET_ERR_DB;
    signer.amount -= cost->total;
    ak.nonce = tx->nonce;
    if (!ak.full_access && ak.has_allowance)
        ak.allowance -= cost->total;
    int rc = devnet_account_put(&c->st, tx->signer_id, &signer) ||
             devnet_key_put(&c->st, tx->signer_id, &tx->public_key, &ak);
    near_access_key_free(&ak);
    if (rc)
        return DEVNET_ERR_DB;

    uint8_t rid[32];
    devnet_sha256(hash, 32, "receipt", 7, rid);
    devnet_receipt first = {.predecessor_id = tx->signer_id,
                            .receiver_id = tx->receiver_id,
                            .signer_id = tx->signer_id,
                            .signer_public_key = tx->public_key,
                            .gas_price = DEVNET_GAS_PRICE,
                            .actions = tx->actions,
                            .n_actions = tx->n_actions};
    bool local = strcmp(tx->signer_id, tx->receiver_id) == 0;
    if (devnet_rt_store_receipt(c, rid, hash, &first, cost->exec_gas + cost->prepaid_gas, 0,
                                local ? b->height : b->height + 1) != DEVNET_OK)
        return DEVNET_ERR_DB;

    json_t *outcome =
        devnet_rt_outcome_json(json_array(), json_pack("[o]", devnet_b58_json(rid, 32)), cost->send_gas, tx->signer_id,
                               json_pack("{s:o}", "SuccessReceiptId", devnet_b58_json(rid, 32)));
    char *otext = json_dumps(outcome, JSON_COMPACT), *vtext = NULL;
    json_decref(outcome);
    if (t->tx_view_text) {
        vtext = strdup(t->tx_view_text);
    } else {
        json_t *txview = near_signed_transaction_view(stx);
        vtext = json_dumps(txview, JSON_COMPACT);
        json_decref(txview);
    }
    sqlite3_stmt *s =
        devnet_stmt(&c->st, "INSERT OR REPLACE INTO txs(hash, signer, block_height, seq, view, outcome, first_receipt) "
                            "VALUES(?,?,?,?,?,?,?)");
    rc = -1;
    if (s && otext && vtext) {
        sqlite3_bind_blob(s, 1, hash, 32, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, tx->signer_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, (sqlite3_int64)b->height);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)++c->seq);
        sqlite3_bind_text(s, 5, vtext, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 6, otext, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 7, rid, 32, SQLITE_TRANSIENT);
        rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
        sqlite3_reset(s);
    }
    free(otext);
    free(vtext);
    b->gas_burnt += cost->send_gas;
    return rc ? DEVNET_ERR_DB : DEVNET_OK;
}
