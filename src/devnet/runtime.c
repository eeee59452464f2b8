/*
 * runtime.c — executes one action receipt: every action (create, deploy,
 * function call on the VM layer, transfer, stake, keys, delete, delegate),
 * storage staking, the receipts a call created (with their data
 * dependencies), accepted yield resumes, deposit and gas refunds.
 *
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
#include "devnet/runtime_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

/* ---- balances ---- */

void devnet_rt_credit(devnet_chain *c, const char *account, near_u128 amount)
{
    if (!amount || !strcmp(account, SYSTEM_ACCOUNT)) return;
    devnet_account a;
    if (devnet_account_get(&c->st, account, &a) != 1) return; /* the funds are burnt, as on NEAR */
    a.amount += amount;
    devnet_account_put(&c->st, account, &a);
}

/* Gas refund to the signer, and back into a function-call key's allowance. */
void devnet_rt_refund_gas(devnet_chain *c, const char *signer, const char *pk_text, uint64_t gas)
{
    if (!gas || !strcmp(signer, SYSTEM_ACCOUNT)) return;
    near_u128 amount = (near_u128)gas * DEVNET_GAS_PRICE;
    devnet_rt_credit(c, signer, amount);
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

/* ---- executing one action receipt ---- */

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
        devnet_rt_vm_action_view(&vr->actions[i], &tmp[i]);
        json_array_append_new(actions, near_action_view(&tmp[i]));
        if (tmp[i].kind == NEAR_ACTION_FUNCTION_CALL) prepaid += tmp[i].gas;
    }
    bool from_system = !strcmp(current, SYSTEM_ACCOUNT);
    uint64_t reserved = from_system ? 0 : devnet_actions_exec_fee(tmp, vr->actions_count, vr->receiver_id) + prepaid;
    free(tmp);
    json_t *outs = json_array(), *ins = json_array();
    for (size_t i = 0; i < vr->output_data_receivers_count; i++)
        json_array_append_new(outs, json_pack("{s:o,s:s}", "data_id", devnet_rt_b58_json(vr->output_data_receivers[i].data_id, 32),
                                              "receiver_id", vr->output_data_receivers[i].receiver_id));
    for (size_t i = 0; i < extra_n; i++)
        json_array_append_new(outs, json_pack("{s:o,s:s}", "data_id", devnet_rt_b58_json(extra[i].data_id, 32), "receiver_id",
                                              extra[i].receiver_id));
    for (size_t i = 0; i < vr->input_data_ids_count; i++) json_array_append_new(ins, devnet_rt_b58_json(vr->input_data_ids[i], 32));
    json_t *view = json_pack("{s:s,s:s,s:o,s:{s:{s:s,s:s,s:o,s:o,s:o,s:o,s:b}},s:i}", "predecessor_id", current,
                             "receiver_id", vr->receiver_id, "receipt_id", devnet_rt_b58_json(id_out, 32), "receipt", "Action",
                             "signer_id", signer, "signer_public_key", signer_pk, "gas_price",
                             devnet_u128_json(DEVNET_GAS_PRICE), "output_data_receivers", outs, "input_data_ids", ins,
                             "actions", actions, "is_promise_yield", vr->is_yield, "priority", 0);
    if (!view) return -1;
    if (from_system)
        json_object_set_new(json_object_get(json_object_get(view, "receipt"), "Action"), "gas_price",
                            json_string("0"));
    int state = vr->input_data_ids_count ? 1 : 0;
    int rc = devnet_rt_store_receipt(c, id_out, r->tx_hash, view, reserved, state, b->height + 1, false);
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

/* NEP-366: the checks a Delegate action makes when its receipt reaches the
 * sender's account, in nearcore's order and error shapes; on success the
 * sender's key takes the delegate nonce. Returns the failure or NULL. */
static json_t *check_delegate(devnet_chain *c, devnet_block_ctx *b, const char *receiver, const near_action *a,
                              int index)
{
    const near_signed_delegate *sd = a->delegate;
    const near_delegate_action *da = &sd->delegate_action;
    if (!near_signed_delegate_verify(sd)) return action_error(index, json_string("DelegateActionInvalidSignature"));
    if (strcmp(da->sender_id, receiver) != 0)
        return action_error(index, json_pack("{s:{s:s,s:s}}", "DelegateActionSenderDoesNotMatchTxReceiver",
                                             "sender_id", da->sender_id, "receiver_id", receiver));
    if (da->max_block_height < b->height)
        return action_error(index, json_string("DelegateActionExpired"));
    char pkt[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&da->public_key, pkt);
    near_access_key ak;
    if (devnet_key_get(&c->st, receiver, &da->public_key, &ak) != 1)
        return action_error(index, json_pack("{s:{s:{s:s,s:s}}}", "DelegateActionAccessKeyError", "AccessKeyNotFound",
                                             "account_id", receiver, "public_key", pkt));
    json_t *failure = NULL;
    uint64_t upper = b->height * DEVNET_NONCE_MULTIPLIER;
    if (da->nonce <= ak.nonce) {
        failure = action_error(index, json_pack("{s:{s:I,s:I}}", "DelegateActionInvalidNonce", "delegate_nonce",
                                                (json_int_t)da->nonce, "ak_nonce", (json_int_t)ak.nonce));
    } else if (da->nonce >= upper) {
        failure = action_error(index, json_pack("{s:{s:I,s:I}}", "DelegateActionNonceTooLarge", "delegate_nonce",
                                                (json_int_t)da->nonce, "upper_bound", (json_int_t)upper));
    } else if (!ak.full_access) {
        /* A function-call key may delegate one function call it allows. */
        const near_action *fc = da->n_actions == 1 ? &da->actions[0] : NULL;
        json_t *kind = NULL;
        if (!fc || fc->kind != NEAR_ACTION_FUNCTION_CALL)
            kind = json_string("RequiresFullAccess");
        else if (fc->amount)
            kind = json_string("DepositWithFunctionCall");
        else if (strcmp(da->receiver_id, ak.receiver_id ? ak.receiver_id : "") != 0)
            kind = json_pack("{s:{s:s,s:s}}", "ReceiverMismatch", "tx_receiver", da->receiver_id, "ak_receiver",
                             ak.receiver_id ? ak.receiver_id : "");
        else if (ak.n_method_names) {
            bool found = false;
            for (size_t k = 0; k < ak.n_method_names && !found; k++)
                found = !strcmp(ak.method_names[k], fc->method_name);
            if (!found) kind = json_pack("{s:{s:s}}", "MethodNameMismatch", "method_name", fc->method_name);
        }
        if (kind) failure = action_error(index, json_pack("{s:o}", "DelegateActionAccessKeyError", kind));
    }
    if (!failure) {
        ak.nonce = da->nonce;
        devnet_key_put(&c->st, receiver, &da->public_key, &ak);
    }
    near_access_key_free(&ak);
    return failure;
}

/* The receipt a delegate action creates: from the sender to the delegate's
 * receiver, signed (and paid) by the relayer. */
static int store_delegated_receipt(devnet_chain *c, devnet_block_ctx *b, const receipt_in *r, const char *signer,
                                   const char *signer_pk, const near_delegate_action *da, uint8_t id_out[32])
{
    uint8_t idx[9] = {'g'};
    devnet_sha256(r->id, 32, idx, sizeof idx, id_out);
    uint64_t exec, prepaid;
    near_u128 deposits;
    devnet_delegate_inner(da, &exec, &prepaid, &deposits);
    json_t *actions = json_array();
    for (size_t i = 0; i < da->n_actions; i++) json_array_append_new(actions, near_action_view(&da->actions[i]));
    json_t *view = json_pack("{s:s,s:s,s:o,s:{s:{s:s,s:s,s:o,s:[],s:[],s:o,s:b}},s:i}", "predecessor_id",
                             da->sender_id, "receiver_id", da->receiver_id, "receipt_id", devnet_rt_b58_json(id_out, 32),
                             "receipt", "Action", "signer_id", signer, "signer_public_key", signer_pk, "gas_price",
                             devnet_u128_json(DEVNET_GAS_PRICE), "output_data_receivers", "input_data_ids", "actions",
                             actions, "is_promise_yield", 0, "priority", 0);
    if (!view) return -1;
    int rc = devnet_rt_store_receipt(c, id_out, r->tx_hash, view, exec + prepaid, 0, b->height + 1, false);
    json_decref(view);
    return rc;
}

int devnet_rt_execute_action_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
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
        if (devnet_rt_action_from_view(json_array_get(aviews, i), &actions[i])) {
            devnet_rt_actions_free(actions, n);
            return -1;
        }
    json_t *outs = json_object_get(act, "output_data_receivers");
    size_t nouts = json_array_size(outs);
    const char **out_receivers = calloc(nouts ? nouts : 1, sizeof(char *));
    for (size_t i = 0; out_receivers && i < nouts; i++)
        out_receivers[i] = json_string_value(json_object_get(json_array_get(outs, i), "receiver_id"));
    size_t npr = 0;
    near_vm_promise_result *pres = devnet_rt_load_promise_results(c, json_object_get(act, "input_data_ids"), &npr);

    /* Receipts from "system" (a deleted account's balance) cost no gas. */
    uint64_t exec_fee = strcmp(predecessor, SYSTEM_ACCOUNT) ? devnet_actions_exec_fee(actions, n, receiver) : 0;
    uint64_t gas_burnt = exec_fee, gas_used = exec_fee;
    near_u128 deposits = 0;
    for (size_t i = 0; i < n; i++) {
        if (actions[i].kind == NEAR_ACTION_FUNCTION_CALL || actions[i].kind == NEAR_ACTION_TRANSFER)
            deposits += actions[i].amount;
        if (actions[i].kind == NEAR_ACTION_DELEGATE && actions[i].delegate) {
            /* The relayer prepaid the inner receipt: its fees are reserved
             * for it (used, not burnt here) and its deposits travel on. */
            uint64_t inner_exec, inner_prepaid;
            near_u128 inner_deposits;
            devnet_delegate_inner(&actions[i].delegate->delegate_action, &inner_exec, &inner_prepaid,
                                  &inner_deposits);
            deposits += inner_deposits;
            gas_burnt -= inner_exec;
            gas_used += inner_prepaid;
        }
    }
    const near_action *delegated = NULL; /* its inner receipt is created if this receipt succeeds */

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
            devnet_rt_store vs = {c, receiver};
            near_vm_storage store = devnet_rt_storage(&vs);
            if (have_vmo) near_vm_outcome_free(&vmo);
            devnet_rt_run_vm(c, &acct, receiver, a->method_name, &ctx, &store, &vmo);
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
        case NEAR_ACTION_DELEGATE:
            failure = check_delegate(c, b, receiver, a, (int)i);
            if (!failure) delegated = a;
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
        if (!c->cfg.quiet) {
            char rid[DEVNET_B58_HASH];
            char *why = json_dumps(json_object_get(failure, "Failure"), JSON_COMPACT);
            devnet_log("info", "block %llu: receipt %s on %s failed: %.300s", (unsigned long long)b->height,
                       devnet_b58(r->id, 32, rid, sizeof rid), receiver, why ? why : "?");
            free(why);
        }
        devnet_rollback(&c->st);
        json_array_clear(extra_receipts);
        status = failure;
        if (strcmp(predecessor, SYSTEM_ACCOUNT) != 0) devnet_rt_credit(c, predecessor, deposits);
        devnet_rt_refund_gas(c, signer, signer_pk, r->reserved > gas_burnt ? r->reserved - gas_burnt : 0);
        for (size_t i = 0; i < nouts; i++) {
            json_t *o = json_array_get(outs, i);
            uint8_t did[32];
            if (devnet_rt_b58_hash(json_object_get(o, "data_id"), did)) continue;
            devnet_rt_store_data_receipt(c, b, r->id, i, r->tx_hash, receiver,
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
                devnet_rt_b58_hash(json_object_get(o, "data_id"), moved[i].data_id);
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
                json_array_append_new(receipt_ids, devnet_rt_b58_json(rid, 32));
                if (is_ret) memcpy(returned_id, rid, 32);
            }
        }
        free(moved);
        for (size_t i = 0; i < json_array_size(extra_receipts); i++) {
            json_t *e = json_array_get(extra_receipts, i);
            near_vm_action va;
            memset(&va, 0, sizeof va);
            va.kind = NEAR_VM_ACTION_TRANSFER;
            devnet_rt_u128_field(e, "amount", &va.deposit);
            near_vm_receipt vr;
            memset(&vr, 0, sizeof vr);
            vr.receiver_id = (char *)json_string_value(json_object_get(e, "receiver"));
            vr.actions = &va;
            vr.actions_count = 1;
            uint8_t rid[32];
            /* As nearcore: a balance refund from "system", which costs no gas. */
            if (store_vm_receipt(c, b, r, SYSTEM_ACCOUNT, SYSTEM_ACCOUNT, "ed25519:11111111111111111111111111111111",
                                 &vr, 1000 + i, NULL, 0, rid) == 0)
                json_array_append_new(receipt_ids, devnet_rt_b58_json(rid, 32));
        }
        if (delegated) {
            uint8_t rid[32];
            if (store_delegated_receipt(c, b, r, signer, signer_pk, &delegated->delegate->delegate_action, rid) == 0)
                json_array_append_new(receipt_ids, devnet_rt_b58_json(rid, 32));
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
            devnet_rt_store_data_receipt(c, b, r->id, 100 + i, r->tx_hash, receiver, receiver, res->data_id, res->payload,
                               res->payload_len, true, true);
        }
        const uint8_t *value = have_vmo && vmo.return_kind == NEAR_RETURN_VALUE ? vmo.return_data : NULL;
        size_t value_len = value ? vmo.return_len : 0;
        if (returned) {
            status = json_pack("{s:o}", "SuccessReceiptId", devnet_rt_b58_json(returned_id, 32));
        } else {
            status = devnet_rt_success_value(value, value_len);
            for (size_t i = 0; i < nouts; i++) {
                json_t *o = json_array_get(outs, i);
                uint8_t did[32];
                if (devnet_rt_b58_hash(json_object_get(o, "data_id"), did)) continue;
                devnet_rt_store_data_receipt(c, b, r->id, i, r->tx_hash, receiver,
                                   json_string_value(json_object_get(o, "receiver_id")), did, value, value_len, true,
                                   false);
            }
        }
        devnet_rt_refund_gas(c, signer, signer_pk, r->reserved > gas_used ? r->reserved - gas_used : 0);
    }
    b->gas_burnt += gas_burnt;
    json_t *outcome = devnet_rt_outcome_json(logs, receipt_ids, gas_burnt, receiver, status);
    int result = devnet_rt_set_receipt_done(c, r->id, b->height, outcome);
    json_decref(outcome);
    json_decref(extra_receipts);
    if (have_vmo) near_vm_outcome_free(&vmo);
    devnet_rt_free_promise_results(pres, npr);
    free(out_receivers);
    devnet_rt_actions_free(actions, n);
    return result;
}
