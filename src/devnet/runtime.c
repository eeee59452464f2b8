/*
 * runtime.c — executes receipts: every action, function calls on the VM
 * layer, promises and their data receipts, yield/resume with its timeout,
 * storage staking, deposit and gas refunds.
 *
 * Receipts are stored as NEAR's ReceiptView JSON (what EXPERIMENTAL_receipt
 * and the block feed show), plus the gas their sender reserved for them.
 * A receipt runs inside a SQLite savepoint: on failure everything it did is
 * rolled back except the gas it burnt; its logs stay in the outcome.
 *
 * Deliberate simplifications (docs/devnet.md): gas refunds and deposit
 * refunds of failed receipts are credited at once instead of travelling as
 * refund receipts in the next block; gas is bought and burnt at the same
 * constant price; contracts get no share of burnt gas (as from PV87).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/vm_include.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

#define SYSTEM_ACCOUNT "system"

/* ---- small JSON helpers ---- */

static json_t *b58_json(const uint8_t *h, size_t n)
{
    char buf[DEVNET_B58_HASH * 2];
    return json_string(devnet_b58(h, n, buf, sizeof buf));
}

static int b58_hash(json_t *j, uint8_t out[32])
{
    const char *s = json_string_value(j);
    return s ? near_base58_decode_exact(s, out, 32) : -1;
}

static json_t *success_value(const uint8_t *data, size_t len)
{
    char *b = near_base64_encode(data, len);
    json_t *j = json_pack("{s:s}", "SuccessValue", b ? b : "");
    free(b);
    return j;
}

static json_t *outcome_json(json_t *logs, json_t *receipt_ids, uint64_t gas_burnt, const char *executor,
                            json_t *status)
{
    near_u128 tokens = (near_u128)gas_burnt * DEVNET_GAS_PRICE;
    return json_pack("{s:o,s:o,s:I,s:o,s:s,s:o,s:{s:i,s:[]}}", "logs", logs, "receipt_ids", receipt_ids, "gas_burnt",
                     (json_int_t)gas_burnt, "tokens_burnt", devnet_u128_json(tokens), "executor_id", executor,
                     "status", status, "metadata", "version", 3, "gas_profile");
}

/* ---- parsed actions (from ActionView JSON) ---- */

static void action_clear(near_action *a)
{
    free(a->bytes);
    free(a->method_name);
    free(a->beneficiary_id);
    near_access_key_free(&a->access_key);
    memset(a, 0, sizeof *a);
}

static void actions_free(near_action *a, size_t n)
{
    for (size_t i = 0; i < n; i++) action_clear(&a[i]);
    free(a);
}

static int u128_field(json_t *o, const char *k, near_u128 *out)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? near_u128_parse(s, out) : -1;
}

static int pk_field(json_t *o, const char *k, near_public_key *out)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? near_public_key_parse(s, out) : -1;
}

static int b64_field(json_t *o, const char *k, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? near_base64_decode(s, out, len) : -1;
}

static int action_from_view(json_t *v, near_action *a)
{
    memset(a, 0, sizeof *a);
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "CreateAccount") != 0) return -1;
        a->kind = NEAR_ACTION_CREATE_ACCOUNT;
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) != 1) return -1;
    void *it = json_object_iter(v);
    const char *name = json_object_iter_key(it);
    json_t *f = json_object_iter_value(it);
    if (!name || !f) return -1;
    if (!strcmp(name, "DeployContract")) {
        a->kind = NEAR_ACTION_DEPLOY_CONTRACT;
        return b64_field(f, "code", &a->bytes, &a->bytes_len);
    }
    if (!strcmp(name, "FunctionCall")) {
        a->kind = NEAR_ACTION_FUNCTION_CALL;
        const char *m = json_string_value(json_object_get(f, "method_name"));
        a->method_name = strdup(m ? m : "");
        a->gas = (uint64_t)json_integer_value(json_object_get(f, "gas"));
        if (!a->method_name || u128_field(f, "deposit", &a->amount)) return -1;
        return b64_field(f, "args", &a->bytes, &a->bytes_len);
    }
    if (!strcmp(name, "Transfer")) {
        a->kind = NEAR_ACTION_TRANSFER;
        return u128_field(f, "deposit", &a->amount);
    }
    if (!strcmp(name, "Stake")) {
        a->kind = NEAR_ACTION_STAKE;
        return u128_field(f, "stake", &a->amount) || pk_field(f, "public_key", &a->public_key) ? -1 : 0;
    }
    if (!strcmp(name, "AddKey")) {
        a->kind = NEAR_ACTION_ADD_KEY;
        json_t *ak = json_object_get(f, "access_key");
        if (pk_field(f, "public_key", &a->public_key) ||
            devnet_permission_parse(json_object_get(ak, "permission"), &a->access_key))
            return -1;
        a->access_key.nonce = (uint64_t)json_integer_value(json_object_get(ak, "nonce"));
        return 0;
    }
    if (!strcmp(name, "DeleteKey")) {
        a->kind = NEAR_ACTION_DELETE_KEY;
        return pk_field(f, "public_key", &a->public_key);
    }
    if (!strcmp(name, "DeleteAccount")) {
        a->kind = NEAR_ACTION_DELETE_ACCOUNT;
        const char *b = json_string_value(json_object_get(f, "beneficiary_id"));
        a->beneficiary_id = strdup(b ? b : "");
        return a->beneficiary_id ? 0 : -1;
    }
    return -1;
}

/* A VM action seen as a near_action (borrowed pointers; never freed). */
static void vm_action_view(const near_vm_action *v, near_action *a)
{
    memset(a, 0, sizeof *a);
    a->kind = (near_action_kind)v->kind;
    a->method_name = v->method_name;
    a->bytes = v->args;
    a->bytes_len = v->args_len;
    a->gas = v->gas;
    a->amount = v->deposit;
    if (v->public_key_len > 1) {
        a->public_key.type = (near_key_type)v->public_key[0];
        memcpy(a->public_key.data, v->public_key + 1, v->public_key_len - 1);
    }
    a->access_key.nonce = v->nonce;
    a->access_key.full_access = v->full_access;
    a->access_key.has_allowance = v->has_allowance;
    a->access_key.allowance = v->allowance;
    a->access_key.receiver_id = v->receiver_id;
    a->access_key.method_names = v->method_names;
    a->access_key.n_method_names = v->method_names_count;
    a->beneficiary_id = v->beneficiary_id;
}

/* ---- storing receipts ---- */

static int store_receipt(devnet_chain *c, const uint8_t id[32], const uint8_t tx_hash[32], json_t *view,
                         uint64_t reserved, int state, uint64_t due, bool is_data)
{
    char *text = json_dumps(view, JSON_COMPACT);
    if (!text) return -1;
    sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR REPLACE INTO receipts(id, tx_hash, view, reserved_gas, state, "
                                          "due, exec_height, seq, outcome, is_data) VALUES(?,?,?,?,?,?,NULL,?,NULL,?)");
    if (!s) {
        free(text);
        return -1;
    }
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, tx_hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)reserved);
    sqlite3_bind_int(s, 5, state);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)due);
    sqlite3_bind_int64(s, 7, (sqlite3_int64)++c->seq);
    sqlite3_bind_int(s, 8, is_data ? 1 : 0);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    free(text);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int store_data_receipt(devnet_chain *c, devnet_block_ctx *b, const uint8_t parent[32], size_t index,
                              const uint8_t tx_hash[32], const char *predecessor, const char *receiver,
                              const uint8_t data_id[32], const uint8_t *data, size_t len, bool has_data,
                              bool is_resume)
{
    uint8_t id[32];
    uint8_t idx[9] = {'d'};
    memcpy(idx + 1, &index, sizeof index < 8 ? sizeof index : 8);
    devnet_sha256(parent, 32, idx, sizeof idx, id);
    json_t *d = json_null();
    if (has_data) {
        char *t = near_base64_encode(data, len);
        d = json_string(t ? t : "");
        free(t);
    }
    json_t *view = json_pack("{s:s,s:s,s:o,s:{s:{s:o,s:o,s:b}},s:i}", "predecessor_id", predecessor, "receiver_id",
                             receiver, "receipt_id", b58_json(id, 32), "receipt", "Data", "data_id",
                             b58_json(data_id, 32), "data", d, "is_promise_resume", is_resume, "priority", 0);
    int rc = view ? store_receipt(c, id, tx_hash, view, 0, 0, b->height + 1, true) : -1;
    json_decref(view);
    return rc;
}

static int set_receipt_done(devnet_chain *c, const uint8_t id[32], uint64_t height, json_t *outcome)
{
    char *text = outcome ? json_dumps(outcome, JSON_COMPACT) : NULL;
    sqlite3_stmt *s = devnet_stmt(&c->st, "UPDATE receipts SET state=2, exec_height=?, outcome=? WHERE id=?");
    if (!s) {
        free(text);
        return -1;
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
    return rc == SQLITE_DONE ? 0 : -1;
}

/* ---- balances ---- */

static void credit(devnet_chain *c, const char *account, near_u128 amount)
{
    if (!amount || !strcmp(account, SYSTEM_ACCOUNT)) return;
    devnet_account a;
    if (devnet_account_get(&c->st, account, &a) != 1) return; /* the funds are burnt, as on NEAR */
    a.amount += amount;
    devnet_account_put(&c->st, account, &a);
}

/* Gas refund to the signer, and back into a function-call key's allowance. */
static void refund_gas(devnet_chain *c, const char *signer, const char *pk_text, uint64_t gas)
{
    if (!gas || !strcmp(signer, SYSTEM_ACCOUNT)) return;
    near_u128 amount = (near_u128)gas * DEVNET_GAS_PRICE;
    credit(c, signer, amount);
    near_public_key pk;
    near_access_key ak;
    if (!pk_text || near_public_key_parse(pk_text, &pk)) return;
    if (devnet_key_get(&c->st, signer, &pk, &ak) == 1) {
        if (!ak.full_access && ak.has_allowance) {
            ak.allowance += amount;
            devnet_key_put(&c->st, signer, &pk, &ak);
        }
        near_access_key_free(&ak);
    }
}

/* ---- the VM's storage interface ---- */

typedef struct vm_store {
    devnet_chain *c;
    const char *account;
} vm_store;

static int vm_get(void *user, const uint8_t *key, size_t klen, uint8_t **value, size_t *vlen)
{
    vm_store *s = user;
    return devnet_data_get(&s->c->st, s->account, key, klen, value, vlen);
}

static int vm_set(void *user, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    vm_store *s = user;
    return devnet_data_set(&s->c->st, s->account, key, klen, value, vlen);
}

static int vm_remove(void *user, const uint8_t *key, size_t klen)
{
    vm_store *s = user;
    return devnet_data_remove(&s->c->st, s->account, key, klen);
}

static int vm_yield_pending(void *user, const uint8_t data_id[32])
{
    vm_store *s = user;
    sqlite3_stmt *st = devnet_stmt(&s->c->st, "SELECT account FROM yields WHERE data_id=?");
    if (!st) return -1;
    sqlite3_bind_blob(st, 1, data_id, 32, SQLITE_TRANSIENT);
    int r = 0;
    if (sqlite3_step(st) == SQLITE_ROW) r = strcmp((const char *)sqlite3_column_text(st, 0), s->account) == 0;
    sqlite3_reset(st);
    return r;
}

void *devnet_contract_get(devnet_chain *c, const uint8_t hash[32], const char *account_id, int *prepare_err,
                          char *detail, size_t detail_len)
{
    devnet_contract_cache_entry *slot = &c->contracts[0];
    size_t n = sizeof c->contracts / sizeof c->contracts[0];
    for (size_t i = 0; i < n; i++) {
        devnet_contract_cache_entry *e = &c->contracts[i];
        if (e->contract && !memcmp(e->hash, hash, 32)) {
            e->used = ++c->contract_clock;
            return e->contract;
        }
        if (!e->contract || e->used < slot->used) slot = e;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    if (devnet_code_get(&c->st, account_id, &code, &len) != 1) return NULL;
    near_vm_prepare_error perr = NEAR_PREPARE_OK;
    near_vm_contract *k = near_vm_contract_load(code, len, &perr, detail, detail_len);
    free(code);
    *prepare_err = (int)perr;
    if (!k) return NULL;
    if (slot->contract) near_vm_contract_release(slot->contract);
    memcpy(slot->hash, hash, 32);
    slot->contract = k;
    slot->used = ++c->contract_clock;
    return k;
}

/* Runs a function call: the cached compiled contract, or (no code, or code
 * that does not prepare) the VM's own path that reports the error. */
static void run_vm(devnet_chain *c, const devnet_account *acct, const char *account_id, const char *method,
                   const near_vm_context *ctx, const near_vm_storage *store, near_vm_outcome *out)
{
    static const uint8_t zero[32];
    if (!memcmp(acct->code_hash, zero, 32)) {
        near_vm_run_code(NULL, 0, method, ctx, store, out);
        return;
    }
    int perr = 0;
    char detail[160];
    near_vm_contract *k = devnet_contract_get(c, acct->code_hash, account_id, &perr, detail, sizeof detail);
    if (k) {
        near_vm_run(k, method, ctx, store, out);
        return;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    devnet_code_get(&c->st, account_id, &code, &len);
    near_vm_run_code(code, len, method, ctx, store, out);
    free(code);
}

/* ---- executing one action receipt ---- */

typedef struct receipt_in {
    uint8_t id[32];
    uint8_t tx_hash[32];
    json_t *view;
    uint64_t reserved;
} receipt_in;

static bool registrar(const char *id) { return !strcmp(id, "near") || !strcmp(id, "test.near"); }

static json_t *action_error(int index, json_t *kind)
{
    return json_pack("{s:{s:{s:o,s:o}}}", "Failure", "ActionError", "index",
                     index < 0 ? json_null() : json_integer(index), "kind", kind);
}

/* Data ids of yields/promises are 32 bytes: copy a VM receipt into a
 * ReceiptView and store it. Returns its id through id_out. */
static int store_vm_receipt(devnet_chain *c, devnet_block_ctx *b, const receipt_in *r, const char *current,
                            const char *signer, const char *signer_pk, const near_vm_receipt *vr, size_t index,
                            const near_vm_data_receiver *extra, size_t extra_n, uint8_t id_out[32])
{
    uint8_t idx[9] = {'r'};
    memcpy(idx + 1, &index, 8);
    devnet_sha256(r->id, 32, idx, sizeof idx, id_out);
    json_t *actions = json_array();
    near_action *tmp = calloc(vr->actions_count ? vr->actions_count : 1, sizeof *tmp);
    if (!tmp) return -1;
    uint64_t prepaid = 0;
    for (size_t i = 0; i < vr->actions_count; i++) {
        vm_action_view(&vr->actions[i], &tmp[i]);
        json_array_append_new(actions, near_action_view(&tmp[i]));
        if (tmp[i].kind == NEAR_ACTION_FUNCTION_CALL) prepaid += tmp[i].gas;
    }
    uint64_t reserved = devnet_actions_exec_fee(tmp, vr->actions_count, vr->receiver_id) + prepaid;
    free(tmp);
    json_t *outs = json_array(), *ins = json_array();
    for (size_t i = 0; i < vr->output_data_receivers_count; i++)
        json_array_append_new(outs, json_pack("{s:o,s:s}", "data_id", b58_json(vr->output_data_receivers[i].data_id, 32),
                                              "receiver_id", vr->output_data_receivers[i].receiver_id));
    for (size_t i = 0; i < extra_n; i++)
        json_array_append_new(outs, json_pack("{s:o,s:s}", "data_id", b58_json(extra[i].data_id, 32), "receiver_id",
                                              extra[i].receiver_id));
    for (size_t i = 0; i < vr->input_data_ids_count; i++) json_array_append_new(ins, b58_json(vr->input_data_ids[i], 32));
    json_t *view = json_pack("{s:s,s:s,s:o,s:{s:{s:s,s:s,s:o,s:o,s:o,s:o,s:b}},s:i}", "predecessor_id", current,
                             "receiver_id", vr->receiver_id, "receipt_id", b58_json(id_out, 32), "receipt", "Action",
                             "signer_id", signer, "signer_public_key", signer_pk, "gas_price",
                             devnet_u128_json(DEVNET_GAS_PRICE), "output_data_receivers", outs, "input_data_ids", ins,
                             "actions", actions, "is_promise_yield", vr->is_yield, "priority", 0);
    if (!view) return -1;
    int state = vr->input_data_ids_count ? 1 : 0;
    int rc = store_receipt(c, id_out, r->tx_hash, view, reserved, state, b->height + 1, false);
    json_decref(view);
    if (rc) return -1;
    for (size_t i = 0; i < vr->input_data_ids_count; i++) {
        sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR REPLACE INTO waits(data_id, receipt_id) VALUES(?,?)");
        if (!s) return -1;
        sqlite3_bind_blob(s, 1, vr->input_data_ids[i], 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 2, id_out, 32, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return -1;
    }
    if (vr->is_yield && vr->input_data_ids_count == 1) {
        sqlite3_stmt *s =
            devnet_stmt(&c->st, "INSERT OR REPLACE INTO yields(data_id, account, receipt_id, expires_at) VALUES(?,?,?,?)");
        if (!s) return -1;
        sqlite3_bind_blob(s, 1, vr->input_data_ids[0], 32, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, current, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 3, id_out, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)(b->height + c->cfg.yield_timeout_blocks));
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) return -1;
    }
    return 0;
}

/* Loads the results of the data this receipt waited for. */
static near_vm_promise_result *load_promise_results(devnet_chain *c, json_t *ins, size_t *count)
{
    size_t n = json_array_size(ins);
    *count = n;
    if (!n) return NULL;
    near_vm_promise_result *res = calloc(n, sizeof *res);
    if (!res) return NULL;
    for (size_t i = 0; i < n; i++) {
        uint8_t did[32];
        res[i].status = NEAR_PROMISE_FAILED;
        if (b58_hash(json_array_get(ins, i), did)) continue;
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT has_data, data FROM received_data WHERE data_id=?");
        if (!s) continue;
        sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0)) {
            size_t len = (size_t)sqlite3_column_bytes(s, 1);
            uint8_t *d = malloc(len + 1);
            if (d) {
                if (len) memcpy(d, sqlite3_column_blob(s, 1), len);
                res[i].status = NEAR_PROMISE_SUCCESSFUL;
                res[i].data = d;
                res[i].len = len;
            }
        }
        sqlite3_reset(s);
    }
    return res;
}

static void free_promise_results(near_vm_promise_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++) free((void *)res[i].data);
    free(res);
}

static int execute_action_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
{
    json_t *act = json_object_get(json_object_get(r->view, "receipt"), "Action");
    const char *receiver = json_string_value(json_object_get(r->view, "receiver_id"));
    const char *predecessor = json_string_value(json_object_get(r->view, "predecessor_id"));
    const char *signer = json_string_value(json_object_get(act, "signer_id"));
    const char *signer_pk = json_string_value(json_object_get(act, "signer_public_key"));
    if (!receiver || !predecessor || !signer || !signer_pk) return -1;
    json_t *aviews = json_object_get(act, "actions");
    size_t n = json_array_size(aviews);
    near_action *actions = calloc(n ? n : 1, sizeof *actions);
    if (!actions) return -1;
    for (size_t i = 0; i < n; i++)
        if (action_from_view(json_array_get(aviews, i), &actions[i])) {
            actions_free(actions, n);
            return -1;
        }
    json_t *outs = json_object_get(act, "output_data_receivers");
    size_t nouts = json_array_size(outs);
    const char **out_receivers = calloc(nouts ? nouts : 1, sizeof(char *));
    for (size_t i = 0; out_receivers && i < nouts; i++)
        out_receivers[i] = json_string_value(json_object_get(json_array_get(outs, i), "receiver_id"));
    size_t npr = 0;
    near_vm_promise_result *pres = load_promise_results(c, json_object_get(act, "input_data_ids"), &npr);

    uint64_t exec_fee = devnet_actions_exec_fee(actions, n, receiver);
    uint64_t gas_burnt = exec_fee, gas_used = exec_fee;
    near_u128 deposits = 0;
    for (size_t i = 0; i < n; i++)
        if (actions[i].kind == NEAR_ACTION_FUNCTION_CALL || actions[i].kind == NEAR_ACTION_TRANSFER)
            deposits += actions[i].amount;

    json_t *logs = json_array();
    json_t *failure = NULL; /* the whole {"Failure":...} status */
    near_vm_outcome vmo;
    memset(&vmo, 0, sizeof vmo);
    bool have_vmo = false;
    json_t *extra_receipts = json_array(); /* DeleteAccount's transfer: {receiver, amount} */

    devnet_savepoint(&c->st);
    devnet_account acct;
    memset(&acct, 0, sizeof acct);
    int rc = devnet_account_get(&c->st, receiver, &acct);
    bool exists = rc == 1, created = false;

    /* A receipt of only Transfers to a missing NEAR-implicit account (64 hex
     * characters: an ed25519 public key) creates it, with that key. */
    if (!exists && n > 0 && near_account_id_kind(receiver) == NEAR_ACCOUNT_NEAR_IMPLICIT) {
        bool transfers = true;
        for (size_t i = 0; i < n; i++) transfers &= actions[i].kind == NEAR_ACTION_TRANSFER;
        near_public_key ipk;
        memset(&ipk, 0, sizeof ipk);
        ipk.type = NEAR_KEY_ED25519;
        bool hex_ok = true;
        for (size_t i = 0; i < 32 && hex_ok; i++) {
            unsigned v;
            hex_ok = sscanf(receiver + 2 * i, "%2x", &v) == 1;
            ipk.data[i] = (uint8_t)v;
        }
        if (transfers && hex_ok) {
            near_access_key fa = {.nonce = (b->height - 1) * DEVNET_NONCE_MULTIPLIER, .full_access = 1};
            memset(&acct, 0, sizeof acct);
            acct.storage_usage = DEVNET_ACCOUNT_BYTES + devnet_key_storage_bytes(&ipk, &fa);
            devnet_key_put(&c->st, receiver, &ipk, &fa);
            exists = created = true;
        }
    }
    for (size_t i = 0; i < n && !failure; i++) {
        near_action *a = &actions[i];
        if (a->kind != NEAR_ACTION_CREATE_ACCOUNT && !exists) {
            failure = action_error((int)i, json_pack("{s:{s:s}}", "AccountDoesNotExist", "account_id", receiver));
            break;
        }
        bool needs_owner = a->kind == NEAR_ACTION_DEPLOY_CONTRACT || a->kind == NEAR_ACTION_STAKE ||
                           a->kind == NEAR_ACTION_ADD_KEY || a->kind == NEAR_ACTION_DELETE_KEY ||
                           a->kind == NEAR_ACTION_DELETE_ACCOUNT;
        if (needs_owner && strcmp(predecessor, receiver) != 0 && !created) {
            failure = action_error((int)i, json_pack("{s:{s:s,s:s}}", "ActorNoPermission", "account_id", receiver,
                                                     "actor_id", predecessor));
            break;
        }
        switch (a->kind) {
        case NEAR_ACTION_CREATE_ACCOUNT: {
            near_account_kind kind = near_account_id_kind(receiver);
            if (exists) {
                failure = action_error((int)i, json_pack("{s:{s:s}}", "AccountAlreadyExists", "account_id", receiver));
            } else if (kind == NEAR_ACCOUNT_NEAR_IMPLICIT || kind == NEAR_ACCOUNT_ETH_IMPLICIT) {
                failure = action_error(
                    (int)i, json_pack("{s:{s:s}}", "OnlyImplicitAccountCreationAllowed", "account_id", receiver));
            } else if (near_account_id_is_top_level(receiver) && !registrar(predecessor)) {
                failure = action_error((int)i, json_pack("{s:{s:s,s:s,s:s}}", "CreateAccountOnlyByRegistrar",
                                                         "account_id", receiver, "registrar_account_id", "near",
                                                         "predecessor_account_id", predecessor));
            } else if (!near_account_id_is_top_level(receiver) &&
                       !near_account_id_is_sub_account_of(receiver, predecessor)) {
                failure = action_error((int)i, json_pack("{s:{s:s,s:s}}", "CreateAccountNotAllowed", "account_id",
                                                         receiver, "predecessor_id", predecessor));
            } else {
                memset(&acct, 0, sizeof acct);
                acct.storage_usage = DEVNET_ACCOUNT_BYTES;
                exists = created = true;
            }
            break;
        }
        case NEAR_ACTION_DEPLOY_CONTRACT: {
            uint8_t *old = NULL;
            size_t old_len = 0;
            if (devnet_code_get(&c->st, receiver, &old, &old_len) == 1) free(old);
            acct.storage_usage = acct.storage_usage - old_len + a->bytes_len;
            devnet_sha256(a->bytes, a->bytes_len, NULL, 0, acct.code_hash);
            devnet_code_put(&c->st, receiver, a->bytes, a->bytes_len);
            break;
        }
        case NEAR_ACTION_FUNCTION_CALL: {
            acct.amount += a->amount;
            devnet_account_put(&c->st, receiver, &acct); /* so nested reads see it */
            near_vm_context ctx;
            memset(&ctx, 0, sizeof ctx);
            uint8_t pkb[65] = {0};
            near_public_key spk;
            size_t pkl = 0;
            if (!near_public_key_parse(signer_pk, &spk)) {
                pkb[0] = (uint8_t)spk.type;
                pkl = 1 + near_key_data_len(spk.type);
                memcpy(pkb + 1, spk.data, pkl - 1);
            }
            uint8_t ah_in[33];
            memcpy(ah_in, r->id, 32);
            ah_in[32] = (uint8_t)i;
            ctx.current_account_id = receiver;
            ctx.signer_account_id = signer;
            ctx.signer_account_pk = pkb;
            ctx.signer_account_pk_len = pkl;
            ctx.predecessor_account_id = predecessor;
            ctx.chain_id = DEVNET_CHAIN_ID;
            ctx.input = a->bytes;
            ctx.input_len = a->bytes_len;
            ctx.block_height = b->height;
            ctx.block_timestamp = b->timestamp;
            ctx.epoch_height = 1;
            devnet_sha256(ah_in, sizeof ah_in, NULL, 0, ctx.action_hash);
            devnet_sha256(b->random, 32, ctx.action_hash, 32, ctx.random_seed);
            ctx.account_balance = acct.amount;
            ctx.account_locked_balance = acct.locked;
            ctx.attached_deposit = a->amount;
            ctx.storage_usage = acct.storage_usage;
            ctx.prepaid_gas = a->gas;
            ctx.promise_results = pres;
            ctx.promise_results_count = npr;
            ctx.output_data_receivers = out_receivers;
            ctx.output_data_receivers_count = out_receivers ? nouts : 0;
            vm_store vs = {c, receiver};
            near_vm_storage store = {&vs, vm_get, vm_set, vm_remove, vm_yield_pending};
            if (have_vmo) near_vm_outcome_free(&vmo);
            run_vm(c, &acct, receiver, a->method_name, &ctx, &store, &vmo);
            have_vmo = true;
            for (size_t l = 0; l < vmo.logs_count; l++) json_array_append_new(logs, json_string(vmo.logs[l]));
            gas_burnt += vmo.gas_burnt;
            if (vmo.error.kind != NEAR_VM_OK) {
                gas_used += vmo.gas_burnt;
                if (vmo.error.kind == NEAR_VM_ERR_STORAGE || vmo.error.kind == NEAR_VM_ERR_INTERNAL)
                    devnet_log("error", "internal VM failure in %s.%s: %s", receiver, a->method_name,
                               vmo.error.message ? vmo.error.message : "?");
                json_t *fe = vmo.error.json ? json_loads(vmo.error.json, JSON_DECODE_ANY, NULL) : NULL;
                if (!fe) fe = json_pack("{s:s}", "ExecutionError", vmo.error.message ? vmo.error.message : "error");
                failure = action_error((int)i, json_pack("{s:o}", "FunctionCallError", fe));
            } else {
                gas_used += vmo.gas_used;
                acct.amount = vmo.balance;
                acct.storage_usage = vmo.storage_usage;
            }
            break;
        }
        case NEAR_ACTION_TRANSFER:
            acct.amount += a->amount;
            break;
        case NEAR_ACTION_STAKE:
            if (a->amount > acct.amount + acct.locked) {
                failure = action_error((int)i, json_pack("{s:{s:s,s:o,s:o,s:o}}", "TriesToStake", "account_id",
                                                         receiver, "stake", devnet_u128_json(a->amount), "locked",
                                                         devnet_u128_json(acct.locked), "balance",
                                                         devnet_u128_json(acct.amount)));
            } else {
                acct.amount = acct.amount + acct.locked - a->amount;
                acct.locked = a->amount;
            }
            break;
        case NEAR_ACTION_ADD_KEY: {
            char pkt[NEAR_KEY_TEXT_MAX];
            near_public_key_format(&a->public_key, pkt);
            if (devnet_key_get(&c->st, receiver, &a->public_key, NULL) == 1) {
                failure = action_error((int)i, json_pack("{s:{s:s,s:s}}", "AddKeyAlreadyExists", "account_id",
                                                         receiver, "public_key", pkt));
                break;
            }
            a->access_key.nonce = (b->height - 1) * DEVNET_NONCE_MULTIPLIER;
            devnet_key_put(&c->st, receiver, &a->public_key, &a->access_key);
            acct.storage_usage += devnet_key_storage_bytes(&a->public_key, &a->access_key);
            break;
        }
        case NEAR_ACTION_DELETE_KEY: {
            near_access_key old;
            char pkt[NEAR_KEY_TEXT_MAX];
            near_public_key_format(&a->public_key, pkt);
            if (devnet_key_get(&c->st, receiver, &a->public_key, &old) != 1) {
                failure = action_error((int)i, json_pack("{s:{s:s,s:s}}", "DeleteKeyDoesNotExist", "account_id",
                                                         receiver, "public_key", pkt));
                break;
            }
            acct.storage_usage -= devnet_key_storage_bytes(&a->public_key, &old);
            near_access_key_free(&old);
            devnet_key_delete(&c->st, receiver, &a->public_key);
            break;
        }
        case NEAR_ACTION_DELETE_ACCOUNT:
            if (acct.locked) {
                failure = action_error((int)i, json_pack("{s:{s:s}}", "DeleteAccountStaking", "account_id", receiver));
                break;
            }
            if (acct.amount)
                json_array_append_new(extra_receipts, json_pack("{s:s,s:o}", "receiver", a->beneficiary_id, "amount",
                                                                devnet_u128_json(acct.amount)));
            devnet_account_delete(&c->st, receiver);
            exists = false;
            break;
        default:
            failure = action_error((int)i, json_string("UnsupportedAction"));
            break;
        }
    }
    /* Storage staking: checked once all actions have run (spec §4). */
    if (!failure && exists && acct.storage_usage > DEVNET_ZERO_BALANCE_BYTES) {
        near_u128 need = (near_u128)acct.storage_usage * DEVNET_STORAGE_PRICE;
        if (acct.amount + acct.locked < need)
            failure = action_error(-1, json_pack("{s:{s:s,s:o}}", "LackBalanceForState", "account_id", receiver,
                                                 "amount", devnet_u128_json(need - acct.amount - acct.locked)));
    }
    if (!failure && exists) devnet_account_put(&c->st, receiver, &acct);

    json_t *receipt_ids = json_array();
    json_t *status = NULL;
    if (failure) {
        devnet_rollback(&c->st);
        json_array_clear(extra_receipts);
        status = failure;
        if (strcmp(predecessor, SYSTEM_ACCOUNT) != 0) credit(c, predecessor, deposits);
        refund_gas(c, signer, signer_pk, r->reserved > gas_burnt ? r->reserved - gas_burnt : 0);
        for (size_t i = 0; i < nouts; i++) {
            json_t *o = json_array_get(outs, i);
            uint8_t did[32];
            if (b58_hash(json_object_get(o, "data_id"), did)) continue;
            store_data_receipt(c, b, r->id, i, r->tx_hash, receiver,
                               json_string_value(json_object_get(o, "receiver_id")), did, NULL, 0, false, false);
        }
    } else {
        devnet_release(&c->st);
        /* Receipts the contract created; a returned receipt takes over our
         * data receivers so the eventual value flows on. */
        near_vm_data_receiver *moved = NULL;
        size_t nmoved = 0;
        bool returned = have_vmo && vmo.return_kind == NEAR_RETURN_RECEIPT;
        if (returned && nouts) {
            moved = calloc(nouts, sizeof *moved);
            for (size_t i = 0; moved && i < nouts; i++) {
                json_t *o = json_array_get(outs, i);
                b58_hash(json_object_get(o, "data_id"), moved[i].data_id);
                moved[i].receiver_id = (char *)json_string_value(json_object_get(o, "receiver_id"));
            }
            nmoved = moved ? nouts : 0;
        }
        uint8_t returned_id[32] = {0};
        for (size_t i = 0; have_vmo && i < vmo.receipts_count; i++) {
            uint8_t rid[32];
            bool is_ret = returned && i == vmo.return_receipt;
            if (store_vm_receipt(c, b, r, receiver, signer, signer_pk, &vmo.receipts[i], i, is_ret ? moved : NULL,
                                 is_ret ? nmoved : 0, rid) == 0) {
                json_array_append_new(receipt_ids, b58_json(rid, 32));
                if (is_ret) memcpy(returned_id, rid, 32);
            }
        }
        free(moved);
        for (size_t i = 0; i < json_array_size(extra_receipts); i++) {
            json_t *e = json_array_get(extra_receipts, i);
            near_vm_action va;
            memset(&va, 0, sizeof va);
            va.kind = NEAR_VM_ACTION_TRANSFER;
            u128_field(e, "amount", &va.deposit);
            near_vm_receipt vr;
            memset(&vr, 0, sizeof vr);
            vr.receiver_id = (char *)json_string_value(json_object_get(e, "receiver"));
            vr.actions = &va;
            vr.actions_count = 1;
            uint8_t rid[32];
            if (store_vm_receipt(c, b, r, receiver, signer, signer_pk, &vr, 1000 + i, NULL, 0, rid) == 0)
                json_array_append_new(receipt_ids, b58_json(rid, 32));
        }
        /* Accepted resumes become Data receipts; the yield is no longer pending. */
        for (size_t i = 0; have_vmo && i < vmo.resumes_count; i++) {
            near_vm_resume *res = &vmo.resumes[i];
            sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT account FROM yields WHERE data_id=?");
            bool ok = false;
            if (s) {
                sqlite3_bind_blob(s, 1, res->data_id, 32, SQLITE_TRANSIENT);
                ok = sqlite3_step(s) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(s, 0), receiver);
                sqlite3_reset(s);
            }
            if (!ok) continue;
            s = devnet_stmt(&c->st, "DELETE FROM yields WHERE data_id=?");
            if (s) {
                sqlite3_bind_blob(s, 1, res->data_id, 32, SQLITE_TRANSIENT);
                sqlite3_step(s);
                sqlite3_reset(s);
            }
            store_data_receipt(c, b, r->id, 100 + i, r->tx_hash, receiver, receiver, res->data_id, res->payload,
                               res->payload_len, true, true);
        }
        const uint8_t *value = have_vmo && vmo.return_kind == NEAR_RETURN_VALUE ? vmo.return_data : NULL;
        size_t value_len = value ? vmo.return_len : 0;
        if (returned) {
            status = json_pack("{s:o}", "SuccessReceiptId", b58_json(returned_id, 32));
        } else {
            status = success_value(value, value_len);
            for (size_t i = 0; i < nouts; i++) {
                json_t *o = json_array_get(outs, i);
                uint8_t did[32];
                if (b58_hash(json_object_get(o, "data_id"), did)) continue;
                store_data_receipt(c, b, r->id, i, r->tx_hash, receiver,
                                   json_string_value(json_object_get(o, "receiver_id")), did, value, value_len, true,
                                   false);
            }
        }
        refund_gas(c, signer, signer_pk, r->reserved > gas_used ? r->reserved - gas_used : 0);
    }
    b->gas_burnt += gas_burnt;
    json_t *outcome = outcome_json(logs, receipt_ids, gas_burnt, receiver, status);
    int result = set_receipt_done(c, r->id, b->height, outcome);
    json_decref(outcome);
    json_decref(extra_receipts);
    if (have_vmo) near_vm_outcome_free(&vmo);
    free_promise_results(pres, npr);
    free(out_receivers);
    actions_free(actions, n);
    return result;
}

/* ---- receipts of a block ---- */

static int load_receipt(devnet_chain *c, const uint8_t id[32], receipt_in *r, bool *is_data)
{
    sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT tx_hash, view, reserved_gas, is_data FROM receipts WHERE id=?");
    if (!s) return -1;
    sqlite3_bind_blob(s, 1, id, 32, SQLITE_TRANSIENT);
    int rc = -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        memcpy(r->id, id, 32);
        memcpy(r->tx_hash, sqlite3_column_blob(s, 0), 32);
        r->view = json_loads((const char *)sqlite3_column_text(s, 1), 0, NULL);
        r->reserved = (uint64_t)sqlite3_column_int64(s, 2);
        *is_data = sqlite3_column_int(s, 3) != 0;
        rc = r->view ? 0 : -1;
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
    if (load_receipt(c, receipt_id, &r, &is_data)) return -1;
    json_t *ins = json_object_get(json_object_get(json_object_get(r.view, "receipt"), "Action"), "input_data_ids");
    bool ready = true;
    for (size_t i = 0; i < json_array_size(ins) && ready; i++) {
        uint8_t did[32];
        if (b58_hash(json_array_get(ins, i), did)) {
            ready = false;
            break;
        }
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT 1 FROM received_data WHERE data_id=?");
        sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
        ready = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_reset(s);
    }
    json_decref(r.view);
    return ready ? execute_receipt(c, b, receipt_id) : 0;
}

static int execute_data_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
{
    json_t *d = json_object_get(json_object_get(r->view, "receipt"), "Data");
    uint8_t did[32];
    if (b58_hash(json_object_get(d, "data_id"), did)) return -1;
    json_t *data = json_object_get(d, "data");
    uint8_t *bytes = NULL;
    size_t len = 0;
    bool has = json_is_string(data) && near_base64_decode(json_string_value(data), &bytes, &len) == 0;
    sqlite3_stmt *s = devnet_stmt(&c->st, "INSERT OR IGNORE INTO received_data(data_id, has_data, data) VALUES(?,?,?)");
    if (!s) {
        free(bytes);
        return -1;
    }
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, has ? 1 : 0);
    sqlite3_bind_blob(s, 3, has && len ? (const void *)bytes : "", (int)len, SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_reset(s);
    free(bytes);
    if (set_receipt_done(c, r->id, b->height, NULL)) return -1;
    /* Whoever waits for this data may now be complete. */
    s = devnet_stmt(&c->st, "SELECT receipt_id FROM waits WHERE data_id=?");
    if (!s) return -1;
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    uint8_t waiter[32];
    bool found = sqlite3_step(s) == SQLITE_ROW;
    if (found) memcpy(waiter, sqlite3_column_blob(s, 0), 32);
    sqlite3_reset(s);
    if (!found) return 0;
    s = devnet_stmt(&c->st, "DELETE FROM waits WHERE data_id=?");
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_reset(s);
    /* A yield whose data arrived is no longer pending (its timeout is off). */
    s = devnet_stmt(&c->st, "DELETE FROM yields WHERE data_id=?");
    sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
    sqlite3_step(s);
    sqlite3_reset(s);
    /* Is the waiting receipt still postponed? */
    s = devnet_stmt(&c->st, "SELECT state FROM receipts WHERE id=?");
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
    int rc = is_data ? execute_data_receipt(c, b, &r) : execute_action_receipt(c, b, &r);
    json_decref(r.view);
    if (rc) {
        /* Never leave a receipt that cannot run in the queue forever. */
        devnet_log("error", "receipt failed internally; dropped");
        sqlite3_stmt *s = devnet_stmt(&c->st, "UPDATE receipts SET state=2, exec_height=? WHERE id=?");
        if (s) {
            sqlite3_bind_int64(s, 1, (sqlite3_int64)b->height);
            sqlite3_bind_blob(s, 2, id, 32, SQLITE_TRANSIENT);
            sqlite3_step(s);
            sqlite3_reset(s);
        }
    }
    return rc;
}

static int resolve_yield_timeouts(devnet_chain *c, devnet_block_ctx *b)
{
    for (;;) {
        sqlite3_stmt *s = devnet_stmt(
            &c->st, "SELECT data_id, account, receipt_id FROM yields WHERE expires_at<=? ORDER BY expires_at LIMIT 1");
        if (!s) return -1;
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
        s = devnet_stmt(&c->st, "DELETE FROM yields WHERE data_id=?");
        sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
        sqlite3_step(s);
        sqlite3_reset(s);
        /* The timeout's Data receipt belongs to the yield's transaction. */
        uint8_t tx_hash[32] = {0};
        s = devnet_stmt(&c->st, "SELECT tx_hash FROM receipts WHERE id=?");
        sqlite3_bind_blob(s, 1, rid, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW) memcpy(tx_hash, sqlite3_column_blob(s, 0), 32);
        sqlite3_reset(s);
        if (store_data_receipt(c, b, rid, 999, tx_hash, account, account, did, NULL, 0, false, true)) return -1;
    }
}

int devnet_runtime_run_receipts(devnet_chain *c, devnet_block_ctx *b)
{
    for (;;) {
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT id FROM receipts WHERE state=0 AND due<=? ORDER BY seq LIMIT 1");
        if (!s) return -1;
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

int devnet_runtime_apply_tx(devnet_chain *c, devnet_block_ctx *b, const near_signed_transaction *stx,
                            const uint8_t *bytes, size_t len, const uint8_t hash[32], const devnet_tx_cost *cost)
{
    (void)bytes;
    (void)len;
    const near_transaction *tx = &stx->transaction;
    devnet_account signer;
    near_access_key ak;
    if (devnet_account_get(&c->st, tx->signer_id, &signer) != 1) return -1;
    if (devnet_key_get(&c->st, tx->signer_id, &tx->public_key, &ak) != 1) return -1;
    signer.amount -= cost->total;
    ak.nonce = tx->nonce;
    if (!ak.full_access && ak.has_allowance) ak.allowance -= cost->total;
    int rc = devnet_account_put(&c->st, tx->signer_id, &signer) ||
             devnet_key_put(&c->st, tx->signer_id, &tx->public_key, &ak);
    near_access_key_free(&ak);
    if (rc) return -1;

    uint8_t rid[32];
    devnet_sha256(hash, 32, "receipt", 7, rid);
    char pk_text[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&tx->public_key, pk_text);
    json_t *actions = json_array();
    for (size_t i = 0; i < tx->n_actions; i++) json_array_append_new(actions, near_action_view(&tx->actions[i]));
    json_t *view = json_pack("{s:s,s:s,s:o,s:{s:{s:s,s:s,s:o,s:[],s:[],s:o,s:b}},s:i}", "predecessor_id",
                             tx->signer_id, "receiver_id", tx->receiver_id, "receipt_id", b58_json(rid, 32), "receipt",
                             "Action", "signer_id", tx->signer_id, "signer_public_key", pk_text, "gas_price",
                             devnet_u128_json(DEVNET_GAS_PRICE), "output_data_receivers", "input_data_ids", "actions",
                             actions, "is_promise_yield", 0, "priority", 0);
    bool local = strcmp(tx->signer_id, tx->receiver_id) == 0;
    if (!view || store_receipt(c, rid, hash, view, cost->exec_gas + cost->prepaid_gas, 0,
                               local ? b->height : b->height + 1, false)) {
        json_decref(view);
        return -1;
    }
    json_decref(view);

    json_t *outcome = outcome_json(json_array(), json_pack("[o]", b58_json(rid, 32)), cost->send_gas, tx->signer_id,
                                   json_pack("{s:o}", "SuccessReceiptId", b58_json(rid, 32)));
    json_t *txview = near_signed_transaction_view(stx);
    char *otext = json_dumps(outcome, JSON_COMPACT), *vtext = json_dumps(txview, JSON_COMPACT);
    json_decref(outcome);
    json_decref(txview);
    sqlite3_stmt *s = devnet_stmt(
        &c->st, "INSERT OR REPLACE INTO txs(hash, signer, block_height, seq, view, outcome, first_receipt) "
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
    return rc ? -1 : (local ? 1 : 0);
}

/* ---- view calls ---- */

int devnet_runtime_view_call(devnet_chain *c, const char *account_id, const char *method, const uint8_t *args,
                             size_t args_len, uint8_t **result, size_t *result_len, json_t **logs,
                             char **error_debug)
{
    devnet_account acct;
    *result = NULL;
    *result_len = 0;
    *logs = json_array();
    *error_debug = NULL;
    int rc = devnet_account_get(&c->st, account_id, &acct);
    if (rc <= 0) return rc < 0 ? -1 : 1; /* 1: unknown account */
    near_vm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.current_account_id = account_id;
    ctx.signer_account_id = account_id;
    ctx.predecessor_account_id = account_id;
    ctx.chain_id = DEVNET_CHAIN_ID;
    ctx.input = args;
    ctx.input_len = args_len;
    ctx.block_height = c->head_height;
    ctx.block_timestamp = c->head_timestamp;
    ctx.epoch_height = 1;
    devnet_sha256("view", 4, c->head_hash, 32, ctx.action_hash);
    memcpy(ctx.random_seed, ctx.action_hash, 32);
    ctx.account_balance = acct.amount;
    ctx.account_locked_balance = acct.locked;
    ctx.storage_usage = acct.storage_usage;
    ctx.prepaid_gas = 300000000000000ull;
    ctx.is_view = true;
    vm_store vs = {c, account_id};
    near_vm_storage store = {&vs, vm_get, vm_set, vm_remove, vm_yield_pending};
    near_vm_outcome out;
    memset(&out, 0, sizeof out);
    devnet_savepoint(&c->st); /* a view never changes state, whatever the contract tries */
    run_vm(c, &acct, account_id, method, &ctx, &store, &out);
    devnet_rollback(&c->st);
    for (size_t i = 0; i < out.logs_count; i++) json_array_append_new(*logs, json_string(out.logs[i]));
    if (out.error.kind != NEAR_VM_OK) {
        *error_debug = strdup(out.error.debug ? out.error.debug : (out.error.message ? out.error.message : "error"));
    } else if (out.return_kind == NEAR_RETURN_VALUE && out.return_len) {
        *result = malloc(out.return_len);
        if (*result) {
            memcpy(*result, out.return_data, out.return_len);
            *result_len = out.return_len;
        }
    }
    near_vm_outcome_free(&out);
    return 0;
}
