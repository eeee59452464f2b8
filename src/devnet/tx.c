/*
 * tx.c — transaction validation, in nearcore's order (spec §11.3), with
 * nearcore's InvalidTxError shapes so near-api-js recognises them.
 *
 * Split in two: devnet_tx_check decodes the transaction and runs every
 * check that needs no state (size, signature, account ids, actions, cost)
 * before the chain lock is taken; devnet_tx_validate runs the state checks
 * under it, when the transaction arrives over RPC (so the client gets the
 * error at once) and again when the block includes it (state may have
 * moved: another transaction may have used the nonce).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "near/account_id.h"
#include "near/tx_json.h"

static json_t *err_obj(const char *name, json_t *fields) { return json_pack("{s:o}", name, fields); }

static json_t *key_error(json_t *inner) { return err_obj("InvalidAccessKeyError", inner); }

static json_t *actions_error(json_t *inner) { return err_obj("ActionsValidation", inner); }

static json_t *validate_action_list(const near_action *actions, size_t n, uint64_t *total_gas)
{
    if (n > DEVNET_MAX_ACTIONS)
        return actions_error(json_pack("{s:{s:I,s:I}}", "TotalNumberOfActionsExceeded", "total_number_of_actions",
                                       (json_int_t)n, "limit", (json_int_t)DEVNET_MAX_ACTIONS));
    size_t delegates = 0;
    for (size_t i = 0; i < n; i++) {
        const near_action *a = &actions[i];
        switch (a->kind) {
        case NEAR_ACTION_FUNCTION_CALL:
            if (a->gas == 0)
                return actions_error(json_string("FunctionCallZeroAttachedGas"));
            if (!a->method_name || !a->method_name[0])
                return actions_error(json_string("EmptyMethodName"));
            if (strlen(a->method_name) > 256)
                return actions_error(json_pack("{s:{s:I,s:I}}", "FunctionCallMethodNameLengthExceeded", "length",
                                               (json_int_t)strlen(a->method_name), "limit", (json_int_t)256));
            if (a->bytes_len > (4u << 20))
                return actions_error(json_pack("{s:{s:I,s:I}}", "FunctionCallArgumentsLengthExceeded", "length",
                                               (json_int_t)a->bytes_len, "limit", (json_int_t)(4u << 20)));
            if (*total_gas + a->gas < *total_gas)
                return actions_error(json_string("IntegerOverflow"));
            *total_gas += a->gas;
            break;
        case NEAR_ACTION_DEPLOY_CONTRACT:
            if (a->bytes_len > DEVNET_MAX_CONTRACT_SIZE)
                return actions_error(json_pack("{s:{s:I,s:I}}", "ContractSizeExceeded", "size",
                                               (json_int_t)a->bytes_len, "limit",
                                               (json_int_t)DEVNET_MAX_CONTRACT_SIZE));
            break;
        case NEAR_ACTION_DELETE_ACCOUNT:
            if (i + 1 != n)
                return actions_error(json_string("DeleteActionMustBeFinal"));
            if (!near_account_id_valid(a->beneficiary_id, NULL, 0))
                return actions_error(json_pack("{s:{s:s}}", "InvalidAccountId", "account_id", a->beneficiary_id));
            break;
        case NEAR_ACTION_ADD_KEY:
            if (!a->access_key.full_access) {
                size_t bytes = 0;
                for (size_t k = 0; k < a->access_key.n_method_names; k++) {
                    size_t l = strlen(a->access_key.method_names[k]);
                    if (l > 256)
                        return actions_error(json_pack("{s:{s:I,s:I}}", "AddKeyMethodNameLengthExceeded", "length",
                                                       (json_int_t)l, "limit", (json_int_t)256));
                    bytes += l + 1;
                }
                if (bytes > 2000)
                    return actions_error(json_pack("{s:{s:I,s:I}}", "AddKeyMethodNamesNumberOfBytesExceeded",
                                                   "total_number_of_bytes", (json_int_t)bytes, "limit",
                                                   (json_int_t)2000));
            }
            break;
        case NEAR_ACTION_DELEGATE: {
            if (++delegates > 1 || !a->delegate)
                return actions_error(json_string("DelegateActionMustBeOnlyOne"));
            const near_delegate_action *da = &a->delegate->delegate_action;
            if (!near_account_id_valid(da->receiver_id, NULL, 0))
                return actions_error(json_pack("{s:{s:s}}", "InvalidAccountId", "account_id", da->receiver_id));
            json_t *inner = validate_action_list(da->actions, da->n_actions, total_gas);
            if (inner)
                return inner;
            break;
        }
        default: break;
        }
    }
    return NULL;
}

static json_t *validate_actions(const near_transaction *tx)
{
    uint64_t total_gas = 0;
    json_t *e = validate_action_list(tx->actions, tx->n_actions, &total_gas);
    if (e)
        return e;
    if (total_gas > DEVNET_MAX_PREPAID_GAS)
        return actions_error(json_pack("{s:{s:I,s:I}}", "TotalPrepaidGasExceeded", "total_prepaid_gas",
                                       (json_int_t)total_gas, "limit", (json_int_t)DEVNET_MAX_PREPAID_GAS));
    return NULL;
}

static json_t *check_function_call_key(const near_transaction *tx, const near_access_key *ak, const char *pk_text,
                                       const devnet_tx_cost *cost)
{
    if (tx->n_actions != 1 || tx->actions[0].kind != NEAR_ACTION_FUNCTION_CALL)
        return key_error(json_string("RequiresFullAccess"));
    const near_action *a = &tx->actions[0];
    if (a->amount != 0)
        return key_error(json_string("DepositWithFunctionCall"));
    if (strcmp(tx->receiver_id, ak->receiver_id ? ak->receiver_id : "") != 0)
        return key_error(json_pack("{s:{s:s,s:s}}", "ReceiverMismatch", "tx_receiver", tx->receiver_id, "ak_receiver",
                                   ak->receiver_id ? ak->receiver_id : ""));
    if (ak->n_method_names) {
        bool found = false;
        for (size_t i = 0; i < ak->n_method_names && !found; i++)
            found = strcmp(ak->method_names[i], a->method_name) == 0;
        if (!found)
            return key_error(json_pack("{s:{s:s}}", "MethodNameMismatch", "method_name", a->method_name));
    }
    if (ak->has_allowance && ak->allowance < cost->total)
        return key_error(json_pack("{s:{s:s,s:s,s:o,s:o}}", "NotEnoughAllowance", "account_id", tx->signer_id,
                                   "public_key", pk_text, "allowance", devnet_u128_json(ak->allowance), "cost",
                                   devnet_u128_json(cost->total)));
    return NULL;
}

void devnet_checked_tx_free(devnet_checked_tx *t)
{
    if (!t)
        return;
    near_signed_transaction_free(&t->stx);
    json_decref(t->early_error);
    json_decref(t->actions_error);
    free(t->tx_view_text);
    free(t->bytes);
    free(t);
}

devnet_status devnet_tx_check(uint8_t *bytes, size_t len, devnet_checked_tx **out, char *msg, size_t msglen)
{
    *out = NULL;
    devnet_checked_tx *t = calloc(1, sizeof *t);
    if (!t) {
        free(bytes);
        snprintf(msg, msglen, "out of memory");
        return DEVNET_ERR_INVALID;
    }
    if (near_signed_transaction_from_bytes(bytes, len, &t->stx, msg, msglen)) {
        free(bytes);
        free(t);
        return DEVNET_ERR_INVALID;
    }
    t->bytes = bytes;
    t->len = len;
    const near_transaction *tx = &t->stx.transaction;
    if (near_transaction_hash(tx, t->hash)) {
        devnet_checked_tx_free(t);
        snprintf(msg, msglen, "out of memory");
        return DEVNET_ERR_INVALID;
    }
    json_t **early = &t->early_error;
    if (len > DEVNET_MAX_TX_SIZE) {
        *early = json_pack("{s:{s:I,s:I}}", "TransactionSizeExceeded", "size", (json_int_t)len, "limit",
                           (json_int_t)DEVNET_MAX_TX_SIZE);
    } else if (!near_signed_transaction_verify(&t->stx)) {
        *early = json_string("InvalidSignature");
    } else if (!near_account_id_valid(tx->signer_id, NULL, 0)) {
        *early = json_pack("{s:{s:s}}", "InvalidSignerId", "signer_id", tx->signer_id);
    } else if (!near_account_id_valid(tx->receiver_id, NULL, 0)) {
        *early = json_pack("{s:{s:s}}", "InvalidReceiverId", "receiver_id", tx->receiver_id);
    }
    /* The action checks and the cost depend on the transaction alone; their
     * result is reported later, in nearcore's order (after the nonce). */
    t->actions_error = validate_actions(tx);
    if (!t->actions_error) {
        bool sir = strcmp(tx->signer_id, tx->receiver_id) == 0;
        t->cost_overflow = devnet_actions_cost(tx->actions, tx->n_actions, sir, tx->receiver_id, &t->cost) != 0;
    }
    if (!t->early_error && !t->actions_error) {
        /* the transaction's JSON view (arguments or code in base64), made
         * here so a large transaction costs the lock nothing; its receipt
         * is stored in borsh, rendered as JSON only when asked for */
        json_t *view = near_signed_transaction_view(&t->stx);
        t->tx_view_text = view ? json_dumps(view, JSON_COMPACT) : NULL;
        json_decref(view);
    }
    *out = t;
    return DEVNET_OK;
}

devnet_status devnet_tx_validate(devnet_chain *c, const devnet_checked_tx *t, devnet_tx_cost *cost, json_t **error)
{
    const near_transaction *tx = &t->stx.transaction;
    *error = NULL;
    if (t->early_error) {
        *error = json_deep_copy(t->early_error);
        return DEVNET_ERR_INVALID;
    }
    uint64_t bh;
    if (devnet_block_height_by_hash(c, tx->block_hash, &bh) != DEVNET_OK) {
        *error = json_string("InvalidChain");
        return DEVNET_ERR_INVALID;
    }
    if (c->head_height > bh + DEVNET_TX_VALIDITY_BLOCKS) {
        *error = json_string("Expired");
        return DEVNET_ERR_INVALID;
    }
    devnet_account signer;
    devnet_status rc = devnet_account_get(&c->st, tx->signer_id, &signer);
    if (rc == DEVNET_NOT_FOUND) {
        *error = json_pack("{s:{s:s}}", "SignerDoesNotExist", "signer_id", tx->signer_id);
        return DEVNET_ERR_INVALID;
    }
    if (rc != DEVNET_OK)
        return DEVNET_ERR_INVALID;
    char pk_text[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&tx->public_key, pk_text);
    near_access_key ak;
    rc = devnet_key_get(&c->st, tx->signer_id, &tx->public_key, &ak);
    if (rc == DEVNET_NOT_FOUND) {
        *error = key_error(
            json_pack("{s:{s:s,s:s}}", "AccessKeyNotFound", "account_id", tx->signer_id, "public_key", pk_text));
        return DEVNET_ERR_INVALID;
    }
    if (rc != DEVNET_OK)
        return DEVNET_ERR_INVALID;
    int result = -1;
    if (tx->nonce <= ak.nonce) {
        *error = json_pack("{s:{s:o,s:o}}", "InvalidNonce", "tx_nonce", devnet_u64_json(tx->nonce), "ak_nonce",
                           devnet_u64_json(ak.nonce));
        goto out;
    }
    uint64_t upper = (c->head_height + 1) * DEVNET_NONCE_MULTIPLIER;
    if (tx->nonce >= upper) {
        *error = json_pack("{s:{s:o,s:o}}", "NonceTooLarge", "tx_nonce", devnet_u64_json(tx->nonce), "upper_bound",
                           devnet_u64_json(upper));
        goto out;
    }
    if (t->actions_error) {
        *error = json_deep_copy(t->actions_error);
        goto out;
    }
    if (t->cost_overflow) {
        *error = json_string("CostOverflow");
        goto out;
    }
    *cost = t->cost;
    if (!ak.full_access && (*error = check_function_call_key(tx, &ak, pk_text, cost)))
        goto out;
    if (signer.amount < cost->total) {
        *error = json_pack("{s:{s:s,s:o,s:o}}", "NotEnoughBalance", "signer_id", tx->signer_id, "balance",
                           devnet_u128_json(signer.amount), "cost", devnet_u128_json(cost->total));
        goto out;
    }
    near_u128 left = signer.amount - cost->total;
    if (signer.storage_usage > DEVNET_ZERO_BALANCE_BYTES) {
        near_u128 need = (near_u128)signer.storage_usage * DEVNET_STORAGE_PRICE;
        if (left + signer.locked < need) {
            *error = json_pack("{s:{s:s,s:o}}", "LackBalanceForState", "signer_id", tx->signer_id, "amount",
                               devnet_u128_json(need - left - signer.locked));
            goto out;
        }
    }
    result = 0;
out:
    near_access_key_free(&ak);
    return result;
}
