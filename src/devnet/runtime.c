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

/* What "system" receipts (refunds, a deleted account's balance) are signed
 * with: the all-zero ed25519 key, "ed25519:11111111111111111111111111111111". */
static const near_public_key SYSTEM_KEY = {.type = NEAR_KEY_ED25519};

/* ---- balances ---- */

devnet_status devnet_rt_credit(devnet_chain *c, const char *account, near_u128 amount)
{
    if (!amount || !strcmp(account, SYSTEM_ACCOUNT))
        return DEVNET_OK;
    devnet_account a;
    devnet_status rc = devnet_account_get(&c->st, account, &a);
    if (rc == DEVNET_NOT_FOUND)
        return DEVNET_OK; /* the funds are burnt, as on NEAR */
    if (rc != DEVNET_OK)
        return rc;
    a.amount += amount;
    return devnet_account_put(&c->st, account, &a);
}

/* ---- checks ---- */

static bool registrar(const char *id) { return !strcmp(id, "near") || !strcmp(id, "test.near"); }

static json_t *action_error(int index, json_t *kind)
{
    return json_pack("{s:{s:{s:o,s:o}}}", "Failure", "ActionError", "index",
                     index < 0 ? json_null() : json_integer(index), "kind", kind);
}

/* NEP-366: the checks a Delegate action makes when its receipt reaches the
 * sender's account, in nearcore's order and error shapes; on success the
 * sender's key takes the delegate nonce. Returns the failure or NULL. */
static json_t *check_delegate(devnet_chain *c, devnet_block_ctx *b, const char *receiver, const near_action *a,
                              int index, bool *db_failed)
{
    const near_signed_delegate *sd = a->delegate;
    const near_delegate_action *da = &sd->delegate_action;
    if (!near_signed_delegate_verify(sd))
        return action_error(index, json_string("DelegateActionInvalidSignature"));
    if (strcmp(da->sender_id, receiver) != 0)
        return action_error(index, json_pack("{s:{s:s,s:s}}", "DelegateActionSenderDoesNotMatchTxReceiver", "sender_id",
                                             da->sender_id, "receiver_id", receiver));
    if (da->max_block_height < b->height)
        return action_error(index, json_string("DelegateActionExpired"));
    char pkt[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&da->public_key, pkt);
    near_access_key ak;
    if (devnet_key_get(&c->st, receiver, &da->public_key, &ak) != DEVNET_OK)
        return action_error(index, json_pack("{s:{s:{s:s,s:s}}}", "DelegateActionAccessKeyError", "AccessKeyNotFound",
                                             "account_id", receiver, "public_key", pkt));
    json_t *failure = NULL;
    uint64_t upper = b->height * DEVNET_NONCE_MULTIPLIER;
    if (da->nonce <= ak.nonce) {
        failure = action_error(index, json_pack("{s:{s:o,s:o}}", "DelegateActionInvalidNonce", "delegate_nonce",
                                                devnet_u64_json(da->nonce), "ak_nonce", devnet_u64_json(ak.nonce)));
    } else if (da->nonce >= upper) {
        failure = action_error(index, json_pack("{s:{s:o,s:o}}", "DelegateActionNonceTooLarge", "delegate_nonce",
                                                devnet_u64_json(da->nonce), "upper_bound", devnet_u64_json(upper)));
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
            if (!found)
                kind = json_pack("{s:{s:s}}", "MethodNameMismatch", "method_name", fc->method_name);
        }
        if (kind)
            failure = action_error(index, json_pack("{s:o}", "DelegateActionAccessKeyError", kind));
    }
    if (!failure) {
        ak.nonce = da->nonce;
        if (devnet_key_put(&c->st, receiver, &da->public_key, &ak) != DEVNET_OK)
            *db_failed = true;
    }
    near_access_key_free(&ak);
    return failure;
}

/* ---- one action receipt ---- */

/* Everything the execution of one action receipt works with. */
typedef struct apply {
    devnet_chain *c;
    devnet_block_ctx *b;
    receipt_in *r;
    const char *receiver, *predecessor, *signer;
    const near_public_key *signer_pk;
    near_action *actions;
    size_t n;
    const struct devnet_receipt_out *outs; /* output data receivers (borrowed from the receipt) */
    size_t nouts;
    const char **out_receivers;
    nearvm_promise_result *results; /* of the data this receipt waited for */
    size_t nresults;
    uint64_t gas_burnt, gas_used;
    near_u128 deposits;  /* refunded to the predecessor if the receipt fails */
    devnet_account acct; /* the receiver, written back on success */
    bool exists, created;
    json_t *logs;
    nearvm_outcome vmo; /* of the last function call */
    bool have_vmo;
    json_t *beneficiaries;        /* DeleteAccount: [{receiver, amount}] */
    const near_action *delegated; /* a Delegate whose inner receipt is created on success */
    bool db_failed;               /* a state write failed: the receipt is dropped as an internal failure */
} apply;

/* Every state write of a receipt goes through here: a failure is logged
 * once and makes the whole receipt fail internally (rolled back, dropped). */
static void wrote(apply *x, devnet_status rc, const char *what)
{
    if (rc == DEVNET_OK)
        return;
    if (!x->db_failed)
        devnet_log("error", "receipt on %s: %s failed (status %d)", x->receiver, what, (int)rc);
    x->db_failed = true;
}

static int apply_load(apply *x, devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
{
    memset(x, 0, sizeof *x);
    x->c = c;
    x->b = b;
    x->r = r;
    devnet_receipt *rc = &r->rc;
    x->receiver = rc->receiver_id;
    x->predecessor = rc->predecessor_id;
    x->signer = rc->signer_id;
    x->signer_pk = &rc->signer_public_key;
    if (!x->receiver || !x->predecessor || !x->signer)
        return -1;
    /* the actions move here (an AddKey's nonce is rewritten as it runs) */
    x->actions = rc->actions;
    x->n = rc->n_actions;
    rc->actions = NULL;
    rc->n_actions = 0;
    x->outs = rc->outs;
    x->nouts = rc->n_outs;
    x->out_receivers = calloc(x->nouts ? x->nouts : 1, sizeof(char *));
    if (!x->out_receivers)
        return -1;
    for (size_t i = 0; i < x->nouts; i++)
        x->out_receivers[i] = x->outs[i].receiver_id;
    x->nresults = rc->n_inputs;
    x->results = devnet_rt_load_promise_results(c, rc->input_data_ids, rc->n_inputs);
    if (x->nresults && !x->results)
        return -1;
    x->logs = json_array();
    x->beneficiaries = json_array();

    /* Gas: the execution fees the sender reserved are burnt now (receipts
     * from "system" — a deleted account's balance — cost nothing). */
    uint64_t exec_fee =
        strcmp(x->predecessor, SYSTEM_ACCOUNT) ? devnet_actions_exec_fee(x->actions, x->n, x->receiver) : 0;
    x->gas_burnt = x->gas_used = exec_fee;
    for (size_t i = 0; i < x->n; i++) {
        const near_action *a = &x->actions[i];
        if (a->kind == NEAR_ACTION_FUNCTION_CALL || a->kind == NEAR_ACTION_TRANSFER)
            x->deposits += a->amount;
        if (a->kind == NEAR_ACTION_DELEGATE && a->delegate) {
            /* The relayer prepaid the inner receipt: its fees are reserved
             * for it (used, not burnt here) and its deposits travel on. */
            uint64_t inner_exec, inner_prepaid;
            near_u128 inner_deposits;
            devnet_delegate_inner(&a->delegate->delegate_action, &inner_exec, &inner_prepaid, &inner_deposits);
            x->deposits += inner_deposits;
            x->gas_burnt -= inner_exec;
            x->gas_used += inner_prepaid;
        }
    }
    return 0;
}

static void apply_free(apply *x)
{
    json_decref(x->logs);
    json_decref(x->beneficiaries);
    if (x->have_vmo)
        nearvm_outcome_free(&x->vmo);
    devnet_rt_free_promise_results(x->results, x->nresults);
    free(x->out_receivers);
    near_actions_free(x->actions, x->n);
}

/* A receipt of only Transfers to a missing NEAR-implicit account (64 hex
 * characters: an ed25519 public key) creates it, with that key. */
static void create_implicit_account(apply *x)
{
    if (x->exists || !x->n || near_account_id_kind(x->receiver) != NEAR_ACCOUNT_NEAR_IMPLICIT)
        return;
    for (size_t i = 0; i < x->n; i++)
        if (x->actions[i].kind != NEAR_ACTION_TRANSFER)
            return;
    near_public_key pk;
    memset(&pk, 0, sizeof pk);
    pk.type = NEAR_KEY_ED25519;
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(x->receiver + 2 * i, "%2x", &v) != 1)
            return;
        pk.data[i] = (uint8_t)v;
    }
    near_access_key fa = {.nonce = (x->b->height - 1) * DEVNET_NONCE_MULTIPLIER, .full_access = 1};
    memset(&x->acct, 0, sizeof x->acct);
    x->acct.storage_usage = DEVNET_ACCOUNT_BYTES + devnet_key_storage_bytes(&pk, &fa);
    wrote(x, devnet_key_put(&x->c->st, x->receiver, &pk, &fa), "storing the implicit account's key");
    x->exists = x->created = true;
}

static json_t *act_create_account(apply *x, int i)
{
    near_account_kind kind = near_account_id_kind(x->receiver);
    if (x->exists)
        return action_error(i, json_pack("{s:{s:s}}", "AccountAlreadyExists", "account_id", x->receiver));
    if (kind == NEAR_ACCOUNT_NEAR_IMPLICIT || kind == NEAR_ACCOUNT_ETH_IMPLICIT)
        return action_error(i, json_pack("{s:{s:s}}", "OnlyImplicitAccountCreationAllowed", "account_id", x->receiver));
    if (near_account_id_is_top_level(x->receiver) && !registrar(x->predecessor))
        return action_error(i, json_pack("{s:{s:s,s:s,s:s}}", "CreateAccountOnlyByRegistrar", "account_id", x->receiver,
                                         "registrar_account_id", "near", "predecessor_account_id", x->predecessor));
    if (!near_account_id_is_top_level(x->receiver) && !near_account_id_is_sub_account_of(x->receiver, x->predecessor))
        return action_error(i, json_pack("{s:{s:s,s:s}}", "CreateAccountNotAllowed", "account_id", x->receiver,
                                         "predecessor_id", x->predecessor));
    memset(&x->acct, 0, sizeof x->acct);
    x->acct.storage_usage = DEVNET_ACCOUNT_BYTES;
    x->exists = x->created = true;
    return NULL;
}

static json_t *act_deploy(apply *x, const near_action *a)
{
    uint8_t *old = NULL;
    size_t old_len = 0;
    devnet_status rc = devnet_code_get(&x->c->st, x->receiver, &old, &old_len);
    if (rc == DEVNET_OK)
        free(old);
    else if (rc != DEVNET_NOT_FOUND)
        wrote(x, rc, "reading the old code");
    x->acct.storage_usage = x->acct.storage_usage - old_len + a->bytes_len;
    devnet_sha256(a->bytes, a->bytes_len, NULL, 0, x->acct.code_hash);
    wrote(x, devnet_code_put(&x->c->st, x->receiver, a->bytes, a->bytes_len), "storing the code");
    /* compile it in the background (a deploy by transaction is usually
     * compiled already: devnet_precompile_tx) */
    if (!devnet_contract_cached(x->c, x->acct.code_hash))
        devnet_compiler_enqueue(x->c->compiler, x->acct.code_hash, a->bytes, a->bytes_len);
    return NULL;
}

static bool id_ok(const char *id) { return id && near_account_id_valid(id, NULL, 0); }

/* nearcore's validate_receipt on what a call created: the receiver of every
 * receipt, and the account ids inside its actions (delete-account
 * beneficiary, function-call key receiver). NULL when all are valid, else
 * the ReceiptValidationError. */
static json_t *invalid_new_receipt(const nearvm_outcome *o)
{
    for (size_t r = 0; r < o->receipts_count; r++) {
        const nearvm_receipt *rc = &o->receipts[r];
        if (!id_ok(rc->receiver_id))
            return json_pack("{s:{s:s}}", "InvalidReceiverId", "account_id", rc->receiver_id ? rc->receiver_id : "");
        for (size_t k = 0; k < rc->actions_count; k++) {
            const nearvm_action *a = &rc->actions[k];
            const char *id = a->kind == NEARVM_ACTION_DELETE_ACCOUNT               ? a->beneficiary_id
                             : a->kind == NEARVM_ACTION_ADD_KEY && !a->full_access ? a->receiver_id
                                                                                   : NULL;
            if (id && !id_ok(id))
                return json_pack("{s:{s:{s:s}}}", "ActionsValidation", "InvalidAccountId", "account_id", id);
        }
    }
    return NULL;
}

static json_t *act_function_call(apply *x, const near_action *a, int i)
{
    x->acct.amount += a->amount; /* the deposit is credited before the call */
    wrote(x, devnet_account_put(&x->c->st, x->receiver, &x->acct), "crediting the deposit"); /* the contract sees it */
    nearvm_context ctx;
    memset(&ctx, 0, sizeof ctx);
    uint8_t pkb[65] = {0};
    size_t pkl = 1 + near_key_data_len(x->signer_pk->type);
    pkb[0] = (uint8_t)x->signer_pk->type;
    memcpy(pkb + 1, x->signer_pk->data, pkl - 1);
    uint8_t ah_in[33];
    memcpy(ah_in, x->r->id, 32);
    ah_in[32] = (uint8_t)i;
    ctx.current_account_id = x->receiver;
    ctx.signer_account_id = x->signer;
    ctx.signer_account_pk = pkb;
    ctx.signer_account_pk_len = pkl;
    ctx.predecessor_account_id = x->predecessor;
    ctx.chain_id = DEVNET_CHAIN_ID;
    ctx.input = a->bytes;
    ctx.input_len = a->bytes_len;
    ctx.block_height = x->b->height;
    ctx.block_timestamp = x->b->timestamp;
    ctx.epoch_height = 1;
    devnet_sha256(ah_in, sizeof ah_in, NULL, 0, ctx.action_hash); /* unique per action: seeds data ids */
    devnet_sha256(x->b->random, 32, ctx.action_hash, 32, ctx.random_seed);
    ctx.account_balance = x->acct.amount;
    ctx.account_locked_balance = x->acct.locked;
    ctx.attached_deposit = a->amount;
    ctx.storage_usage = x->acct.storage_usage;
    ctx.prepaid_gas = a->gas;
    ctx.promise_results = x->results;
    ctx.promise_results_count = x->nresults;
    ctx.output_data_receivers = x->out_receivers;
    ctx.output_data_receivers_count = x->nouts;
    devnet_rt_store vs = {x->c, x->receiver};
    nearvm_storage store = devnet_rt_storage(&vs);
    if (x->have_vmo)
        nearvm_outcome_free(&x->vmo);
    nearvm_outcome *o = &x->vmo;
    devnet_rt_run_vm(x->c, &x->acct, x->receiver, a->method_name, &ctx, &store, o);
    x->have_vmo = true;
    for (size_t l = 0; l < o->logs_count; l++)
        json_array_append_new(x->logs, json_string(o->logs[l]));
    x->gas_burnt += o->gas_burnt;
    json_t *invalid = o->error.kind == NEARVM_OK ? invalid_new_receipt(o) : NULL;
    if (invalid) {
        /* nearcore validates the receipts a call created before keeping
         * them: the action fails, its receipts are dropped and their
         * reserved gas is not spent */
        x->gas_used += o->gas_burnt;
        return action_error(i, json_pack("{s:o}", "NewReceiptValidationError", invalid));
    }
    if (o->error.kind == NEARVM_OK) {
        x->gas_used += o->gas_used;
        x->acct.amount = o->balance;
        x->acct.storage_usage = o->storage_usage;
        return NULL;
    }
    x->gas_used += o->gas_burnt;
    if (o->error.kind == NEARVM_ERR_STORAGE || o->error.kind == NEARVM_ERR_INTERNAL)
        devnet_log("error", "internal VM failure in %s.%s: %s", x->receiver, a->method_name,
                   o->error.message ? o->error.message : "?");
    json_t *fe = o->error.json ? json_loads(o->error.json, JSON_DECODE_ANY, NULL) : NULL;
    if (!fe)
        fe = json_pack("{s:s}", "ExecutionError", o->error.message ? o->error.message : "error");
    return action_error(i, json_pack("{s:o}", "FunctionCallError", fe));
}

static json_t *act_stake(apply *x, const near_action *a, int i)
{
    /* No validators: the amount just moves into `locked`. */
    if (a->amount > x->acct.amount + x->acct.locked)
        return action_error(i, json_pack("{s:{s:s,s:o,s:o,s:o}}", "TriesToStake", "account_id", x->receiver, "stake",
                                         devnet_u128_json(a->amount), "locked", devnet_u128_json(x->acct.locked),
                                         "balance", devnet_u128_json(x->acct.amount)));
    x->acct.amount = x->acct.amount + x->acct.locked - a->amount;
    x->acct.locked = a->amount;
    return NULL;
}

static json_t *act_add_key(apply *x, near_action *a, int i)
{
    char pkt[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&a->public_key, pkt);
    if (devnet_key_get(&x->c->st, x->receiver, &a->public_key, NULL) == DEVNET_OK)
        return action_error(
            i, json_pack("{s:{s:s,s:s}}", "AddKeyAlreadyExists", "account_id", x->receiver, "public_key", pkt));
    a->access_key.nonce = (x->b->height - 1) * DEVNET_NONCE_MULTIPLIER; /* whatever the action said */
    wrote(x, devnet_key_put(&x->c->st, x->receiver, &a->public_key, &a->access_key), "adding the key");
    x->acct.storage_usage += devnet_key_storage_bytes(&a->public_key, &a->access_key);
    return NULL;
}

static json_t *act_delete_key(apply *x, const near_action *a, int i)
{
    near_access_key old;
    char pkt[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&a->public_key, pkt);
    if (devnet_key_get(&x->c->st, x->receiver, &a->public_key, &old) != DEVNET_OK)
        return action_error(
            i, json_pack("{s:{s:s,s:s}}", "DeleteKeyDoesNotExist", "account_id", x->receiver, "public_key", pkt));
    x->acct.storage_usage -= devnet_key_storage_bytes(&a->public_key, &old);
    near_access_key_free(&old);
    wrote(x, devnet_key_delete(&x->c->st, x->receiver, &a->public_key), "deleting the key");
    return NULL;
}

static json_t *act_delete_account(apply *x, const near_action *a, int i)
{
    if (x->acct.locked)
        return action_error(i, json_pack("{s:{s:s}}", "DeleteAccountStaking", "account_id", x->receiver));
    if (x->acct.amount)
        json_array_append_new(x->beneficiaries, json_pack("{s:s,s:o}", "receiver", a->beneficiary_id, "amount",
                                                          devnet_u128_json(x->acct.amount)));
    wrote(x, devnet_account_delete(&x->c->st, x->receiver), "deleting the account");
    x->exists = false;
    return NULL;
}

static json_t *apply_action(apply *x, near_action *a, int i)
{
    if (a->kind != NEAR_ACTION_CREATE_ACCOUNT && !x->exists)
        return action_error(i, json_pack("{s:{s:s}}", "AccountDoesNotExist", "account_id", x->receiver));
    bool needs_owner = a->kind == NEAR_ACTION_DEPLOY_CONTRACT || a->kind == NEAR_ACTION_STAKE ||
                       a->kind == NEAR_ACTION_ADD_KEY || a->kind == NEAR_ACTION_DELETE_KEY ||
                       a->kind == NEAR_ACTION_DELETE_ACCOUNT;
    if (needs_owner && strcmp(x->predecessor, x->receiver) != 0 && !x->created)
        return action_error(
            i, json_pack("{s:{s:s,s:s}}", "ActorNoPermission", "account_id", x->receiver, "actor_id", x->predecessor));
    json_t *failure = NULL;
    switch (a->kind) {
    case NEAR_ACTION_CREATE_ACCOUNT: return act_create_account(x, i);
    case NEAR_ACTION_DEPLOY_CONTRACT: return act_deploy(x, a);
    case NEAR_ACTION_FUNCTION_CALL: return act_function_call(x, a, i);
    case NEAR_ACTION_TRANSFER: x->acct.amount += a->amount; return NULL;
    case NEAR_ACTION_STAKE: return act_stake(x, a, i);
    case NEAR_ACTION_ADD_KEY: return act_add_key(x, a, i);
    case NEAR_ACTION_DELETE_KEY: return act_delete_key(x, a, i);
    case NEAR_ACTION_DELETE_ACCOUNT: return act_delete_account(x, a, i);
    case NEAR_ACTION_DELEGATE:
        failure = check_delegate(x->c, x->b, x->receiver, a, i, &x->db_failed);
        if (!failure)
            x->delegated = a;
        return failure;
    default: return action_error(i, json_string("UnsupportedAction"));
    }
}

/* Storage staking, checked once all actions have run (spec §4). */
static json_t *check_storage(apply *x)
{
    if (!x->exists || x->acct.storage_usage <= DEVNET_ZERO_BALANCE_BYTES)
        return NULL;
    near_u128 need = (near_u128)x->acct.storage_usage * DEVNET_STORAGE_PRICE;
    if (x->acct.amount + x->acct.locked >= need)
        return NULL;
    return action_error(-1, json_pack("{s:{s:s,s:o}}", "LackBalanceForState", "account_id", x->receiver, "amount",
                                      devnet_u128_json(need - x->acct.amount - x->acct.locked)));
}

/* Data for this receipt's receivers: the value on success, nothing (a
 * failed promise result) on failure. */
static void send_output(apply *x, const uint8_t *value, size_t len, bool ok)
{
    for (size_t i = 0; i < x->nouts; i++) {
        wrote(x,
              devnet_rt_store_data_receipt(x->c, x->b, x->r->id, i, x->r->tx_hash, x->receiver, x->outs[i].receiver_id,
                                           x->outs[i].data_id, value, len, ok, false),
              "storing an output data receipt");
    }
}

/* A refund as nearcore sends it: an action receipt from "system" with one
 * Transfer, applied in the next block and listed among the receipts this
 * receipt produced. A gas refund carries the signer and its key (so the
 * key's allowance grows back when it lands); a deposit refund is signed by
 * "system". */
static void refund_receipt(apply *x, json_t *receipt_ids, const char *to, near_u128 amount, bool gas, size_t index)
{
    if (!amount || !strcmp(to, SYSTEM_ACCOUNT))
        return;
    nearvm_action va;
    memset(&va, 0, sizeof va);
    va.kind = NEARVM_ACTION_TRANSFER;
    va.deposit = amount;
    nearvm_receipt vr;
    memset(&vr, 0, sizeof vr);
    vr.receiver_id = (char *)to;
    vr.actions = &va;
    vr.actions_count = 1;
    uint8_t rid[32];
    if (devnet_rt_store_vm_receipt(x->c, x->b, x->r, SYSTEM_ACCOUNT, gas ? x->signer : SYSTEM_ACCOUNT,
                                   gas ? x->signer_pk : &SYSTEM_KEY, &vr, index, NULL, 0, rid) == 0)
        json_array_append_new(receipt_ids, devnet_b58_json(rid, 32));
    else /* cannot store it: credit at once rather than lose it */
        wrote(x, devnet_rt_credit(x->c, to, amount), "crediting a refund");
}

static void refund_gas(apply *x, json_t *receipt_ids, uint64_t gas)
{
    if (!strcmp(x->signer, SYSTEM_ACCOUNT))
        return;
    refund_receipt(x, receipt_ids, x->signer, (near_u128)gas * DEVNET_GAS_PRICE, true, 2001);
}

/* Failure: everything the actions did is rolled back, deposits go back to
 * the predecessor, unused gas to the signer, receivers get a failed result. */
static json_t *finish_failed(apply *x, json_t *failure, json_t *receipt_ids)
{
    if (!x->c->cfg.quiet) {
        char rid[DEVNET_B58_HASH];
        char *why = json_dumps(json_object_get(failure, "Failure"), JSON_COMPACT);
        devnet_log("info", "block %llu: receipt %s on %s failed: %.300s", (unsigned long long)x->b->height,
                   devnet_b58(x->r->id, 32, rid, sizeof rid), x->receiver, why ? why : "?");
        free(why);
    }
    wrote(x, devnet_rollback(&x->c->st), "rolling back the failed receipt");
    refund_receipt(x, receipt_ids, x->predecessor, x->deposits, false, 2000);
    refund_gas(x, receipt_ids, x->r->reserved > x->gas_burnt ? x->r->reserved - x->gas_burnt : 0);
    send_output(x, NULL, 0, false);
    return failure;
}

/* Accepted resumes become Data receipts; the yield is no longer pending
 * (its timeout is off, and a second resume returns 0). */
static void deliver_resumes(apply *x)
{
    for (size_t i = 0; x->have_vmo && i < x->vmo.resumes_count; i++) {
        nearvm_resume *res = &x->vmo.resumes[i];
        sqlite3_stmt *s = devnet_stmt(&x->c->st, "SELECT account FROM yields WHERE data_id=?");
        bool pending = false;
        if (s) {
            sqlite3_bind_blob(s, 1, res->data_id, 32, SQLITE_TRANSIENT);
            pending = sqlite3_step(s) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(s, 0), x->receiver);
            sqlite3_reset(s);
        }
        if (!pending)
            continue;
        wrote(x, devnet_rt_forget_yield(x->c, res->data_id), "forgetting a resumed yield");
        wrote(x,
              devnet_rt_store_data_receipt(x->c, x->b, x->r->id, 100 + i, x->r->tx_hash, x->receiver, x->receiver,
                                           res->data_id, res->payload, res->payload_len, true, true),
              "storing a resume's data receipt");
    }
}

/* Success: the receipts the actions created, then the output (or, with
 * promise_return, the returned receipt takes over our receivers). */
static json_t *finish_succeeded(apply *x, json_t *receipt_ids)
{
    wrote(x, devnet_release(&x->c->st), "releasing the receipt's savepoint");
    nearvm_outcome *o = &x->vmo;
    bool returned = x->have_vmo && o->return_kind == NEAR_RETURN_RECEIPT;
    nearvm_data_receiver *moved = NULL;
    size_t nmoved = 0;
    if (returned && x->nouts && (moved = calloc(x->nouts, sizeof *moved))) {
        for (size_t i = 0; i < x->nouts; i++) {
            memcpy(moved[i].data_id, x->outs[i].data_id, 32);
            moved[i].receiver_id = x->outs[i].receiver_id;
        }
        nmoved = x->nouts;
    }
    uint8_t returned_id[32] = {0}, rid[32];
    for (size_t i = 0; x->have_vmo && i < o->receipts_count; i++) {
        bool is_ret = returned && i == o->return_receipt;
        if (devnet_rt_store_vm_receipt(x->c, x->b, x->r, x->receiver, x->signer, x->signer_pk, &o->receipts[i], i,
                                       is_ret ? moved : NULL, is_ret ? nmoved : 0, rid) == 0) {
            json_array_append_new(receipt_ids, devnet_b58_json(rid, 32));
            if (is_ret)
                memcpy(returned_id, rid, 32);
        } else {
            wrote(x, DEVNET_ERR_DB, "storing a receipt the call created");
        }
    }
    free(moved);
    for (size_t i = 0; i < json_array_size(x->beneficiaries); i++) {
        /* As nearcore: a balance refund from "system", which costs no gas. */
        json_t *e = json_array_get(x->beneficiaries, i);
        nearvm_action va;
        memset(&va, 0, sizeof va);
        va.kind = NEARVM_ACTION_TRANSFER;
        if (near_u128_parse(json_string_value(json_object_get(e, "amount")), &va.deposit) != NEAR_OK)
            wrote(x, DEVNET_ERR_INVALID, "reading a balance to move");
        nearvm_receipt vr;
        memset(&vr, 0, sizeof vr);
        vr.receiver_id = (char *)json_string_value(json_object_get(e, "receiver"));
        vr.actions = &va;
        vr.actions_count = 1;
        if (devnet_rt_store_vm_receipt(x->c, x->b, x->r, SYSTEM_ACCOUNT, SYSTEM_ACCOUNT, &SYSTEM_KEY, &vr, 1000 + i,
                                       NULL, 0, rid) == 0)
            json_array_append_new(receipt_ids, devnet_b58_json(rid, 32));
        else
            wrote(x, DEVNET_ERR_DB, "storing a deleted account's balance transfer");
    }
    if (x->delegated) {
        if (devnet_rt_store_delegated_receipt(x->c, x->b, x->r, x->signer, x->signer_pk,
                                              &x->delegated->delegate->delegate_action, rid) == 0)
            json_array_append_new(receipt_ids, devnet_b58_json(rid, 32));
        else
            wrote(x, DEVNET_ERR_DB, "storing the delegated receipt");
    }
    deliver_resumes(x);
    json_t *status;
    if (returned) {
        status = json_pack("{s:o}", "SuccessReceiptId", devnet_b58_json(returned_id, 32));
    } else {
        const uint8_t *value = x->have_vmo && o->return_kind == NEAR_RETURN_VALUE ? o->return_data : NULL;
        size_t len = value ? o->return_len : 0;
        status = devnet_rt_success_value(value, len);
        send_output(x, value, len, true);
    }
    refund_gas(x, receipt_ids, x->r->reserved > x->gas_used ? x->r->reserved - x->gas_used : 0);
    return status;
}

/* A gas refund landing on the signer's account gives the signing key its
 * allowance back (nearcore does this for any receipt from "system"). */
static void refund_allowance(apply *x)
{
    near_u128 amount = 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->actions[i].kind == NEAR_ACTION_TRANSFER)
            amount += x->actions[i].amount;
    const near_public_key *pk = x->signer_pk;
    near_access_key ak;
    if (!amount)
        return;
    if (devnet_key_get(&x->c->st, x->receiver, pk, &ak) == DEVNET_OK) {
        if (!ak.full_access && ak.has_allowance) {
            ak.allowance += amount;
            wrote(x, devnet_key_put(&x->c->st, x->receiver, pk, &ak), "giving the key its allowance back");
        }
        near_access_key_free(&ak);
    }
}

int devnet_rt_execute_action_receipt(devnet_chain *c, devnet_block_ctx *b, receipt_in *r)
{
    apply x;
    if (apply_load(&x, c, b, r)) {
        apply_free(&x);
        return -1;
    }
    if (devnet_savepoint(&c->st) != DEVNET_OK) {
        apply_free(&x);
        return -1;
    }
    devnet_status found = devnet_account_get(&c->st, x.receiver, &x.acct);
    if (found != DEVNET_NOT_FOUND)
        wrote(&x, found, "reading the receiver's account");
    x.exists = found == DEVNET_OK;
    create_implicit_account(&x);
    json_t *failure = NULL;
    for (size_t i = 0; i < x.n && !failure && !x.db_failed; i++)
        failure = apply_action(&x, &x.actions[i], (int)i);
    if (!failure)
        failure = check_storage(&x);
    if (!failure && x.exists)
        wrote(&x, devnet_account_put(&c->st, x.receiver, &x.acct), "storing the account");
    if (x.db_failed) {
        /* Nothing of this receipt may stay half-written: undo it all and
         * let the caller drop the receipt as an internal failure. */
        json_decref(failure);
        if (devnet_rollback(&c->st) != DEVNET_OK)
            devnet_log("error", "receipt on %s: the rollback failed", x.receiver);
        apply_free(&x);
        return -1;
    }

    json_t *receipt_ids = json_array();
    json_t *status = failure ? finish_failed(&x, failure, receipt_ids) : finish_succeeded(&x, receipt_ids);
    if (!strcmp(x.predecessor, SYSTEM_ACCOUNT))
        refund_allowance(&x);
    b->gas_burnt += x.gas_burnt;
    json_t *outcome = devnet_rt_outcome_json(json_incref(x.logs), receipt_ids, x.gas_burnt, x.receiver, status);
    int rc = devnet_rt_set_receipt_done(c, r->id, b->height, outcome);
    json_decref(outcome);
    /* A write after the savepoint was released (receipts, refunds) may have
     * failed: wrote() logged it; the receipt did execute, its outcome stands. */
    apply_free(&x);
    return rc;
}
