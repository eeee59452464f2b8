/* rpc_send.c — sending transactions, reading their outcomes, and the
 * high-level near_call_function. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"
#include "near/rpc.h"
#include "near/rpc_helpers.h"

/* ------------------------------------------------------------- outcomes */

void near_outcome_free(near_outcome *o)
{
    free(o->value);
    json_decref(o->failure);
    for (size_t i = 0; i < o->n_logs; i++)
        free(o->logs[i]);
    free(o->logs);
    json_decref(o->raw);
    memset(o, 0, sizeof *o);
}

/* A readable line for a TxExecutionError: the ExecutionError text when a
 * function call failed (e.g. "Smart contract panicked: …"), otherwise the
 * compact JSON of the error. */
static void failure_text(json_t *failure, char *buf, size_t cap)
{
    json_t *exec = near_rpc_find_key(failure, "ExecutionError", 0);
    if (json_is_string(exec)) {
        snprintf(buf, cap, "%s", json_string_value(exec));
        return;
    }
    json_t *fce = near_rpc_find_key(failure, "FunctionCallError", 0);
    near_rpc_dump(fce ? fce : failure, buf, cap);
}

static void add_gas(json_t *outcome_with_id, uint64_t *sum)
{
    uint64_t g;
    if (near_rpc_ju64(json_object_get(json_object_get(outcome_with_id, "outcome"), "gas_burnt"), &g) == 0)
        *sum += g;
}

near_status near_outcome_parse(json_t *r, near_outcome *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(r))
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "transaction outcome is not an object");
    const char *fes = near_rpc_jstr(r, "final_execution_status");
    snprintf(out->final_execution_status, sizeof out->final_execution_status, "%s", fes ? fes : "");
    json_t *status = json_object_get(r, "status");
    out->kind = NEAR_OUTCOME_NOT_STARTED;
    if (json_is_string(status)) {
        if (strcmp(json_string_value(status), "Started") == 0)
            out->kind = NEAR_OUTCOME_STARTED;
    } else if (json_is_object(status)) {
        json_t *sv = json_object_get(status, "SuccessValue");
        json_t *failure = json_object_get(status, "Failure");
        if (json_is_string(sv)) {
            if (near_base64_decode(json_string_value(sv), &out->value, &out->value_len)) {
                near_outcome_free(out);
                return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "SuccessValue is not base64");
            }
            out->kind = NEAR_OUTCOME_SUCCESS;
        } else if (failure) {
            out->kind = NEAR_OUTCOME_FAILURE;
            out->failure = json_incref(failure);
            failure_text(failure, out->failure_message, sizeof out->failure_message);
        }
    }
    json_t *txo = json_object_get(r, "transaction_outcome");
    const char *hash = near_rpc_jstr(txo, "id");
    if (!hash)
        hash = near_rpc_jstr(json_object_get(r, "transaction"), "hash");
    snprintf(out->tx_hash, sizeof out->tx_hash, "%s", hash ? hash : "");
    out->logs = near_rpc_parse_logs(json_object_get(json_object_get(txo, "outcome"), "logs"), &out->n_logs, NULL, 0);
    add_gas(txo, &out->gas_burnt);
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(r, "receipts_outcome"), i, ro)
    {
        out->logs = near_rpc_parse_logs(json_object_get(json_object_get(ro, "outcome"), "logs"), &out->n_logs,
                                        out->logs, out->n_logs);
        add_gas(ro, &out->gas_burnt);
    }
    out->raw = json_incref(r);
    return NEAR_OK;
}

/* ---------------------------------------------------------- transactions */

static const char *const WAIT_NAMES[] = {"NONE",           "INCLUDED", "EXECUTED_OPTIMISTIC",
                                         "INCLUDED_FINAL", "EXECUTED", "FINAL"};

const char *near_wait_until_name(near_wait_until w)
{
    return (unsigned)w < sizeof WAIT_NAMES / sizeof WAIT_NAMES[0] ? WAIT_NAMES[w] : "EXECUTED_OPTIMISTIC";
}

/* Base58 hash of the transaction inside signed bytes ("" if undecodable). */
static void hash_of_signed(const uint8_t *signed_tx, size_t len, char out[64])
{
    near_signed_transaction stx;
    uint8_t hash[NEAR_HASH_LEN];
    out[0] = '\0';
    if (near_signed_transaction_from_bytes(signed_tx, len, &stx, NULL, 0) == 0) {
        if (near_transaction_hash(&stx.transaction, hash) == 0)
            near_base58_encode(hash, NEAR_HASH_LEN, out, 64);
        near_signed_transaction_free(&stx);
    }
}

static near_status outcome_from(json_t *r, const uint8_t *signed_tx, size_t len, near_outcome *out, near_rpc_error *err)
{
    near_status st = near_outcome_parse(r, out, err);
    json_decref(r);
    if (st == NEAR_OK && !out->tx_hash[0] && signed_tx)
        hash_of_signed(signed_tx, len, out->tx_hash);
    return st;
}

/* ["<base64 of the signed transaction>"], the params of both broadcast_tx_*
 * methods; NULL when memory runs out. */
static json_t *broadcast_params(const uint8_t *signed_tx, size_t len)
{
    char *b64 = near_base64_encode(signed_tx, len);
    json_t *params = b64 ? json_pack("[s]", b64) : NULL;
    free(b64);
    return params;
}

/* Re-sending identical signed bytes is safe (same tx hash), so sends use
 * the same retry policy as reads. */
near_status near_rpc_send_tx(near_rpc *c, const uint8_t *signed_tx, size_t len, near_wait_until wait, near_outcome *out,
                             near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    char *b64 = near_base64_encode(signed_tx, len);
    if (!b64)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory");
    json_t *params = json_pack("{s:s, s:s}", "signed_tx_base64", b64, "wait_until", near_wait_until_name(wait));
    free(b64);
    json_t *r;
    near_status st = near_rpc_call(c, "send_tx", params, 1, &r, err);
    return st ? st : outcome_from(r, signed_tx, len, out, err);
}

near_status near_rpc_broadcast_tx_commit(near_rpc *c, const uint8_t *signed_tx, size_t len, near_outcome *out,
                                         near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *params = broadcast_params(signed_tx, len);
    if (!params)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory");
    json_t *r;
    near_status st = near_rpc_call(c, "broadcast_tx_commit", params, 1, &r, err);
    return st ? st : outcome_from(r, signed_tx, len, out, err);
}

near_status near_rpc_broadcast_tx_async(near_rpc *c, const uint8_t *signed_tx, size_t len, char hash_out[64],
                                        near_rpc_error *err)
{
    hash_out[0] = '\0';
    json_t *params = broadcast_params(signed_tx, len);
    if (!params)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory");
    json_t *r;
    near_status st = near_rpc_call(c, "broadcast_tx_async", params, 1, &r, err);
    if (st)
        return st;
    const char *h = json_string_value(r);
    uint8_t raw[NEAR_HASH_LEN];
    if (!h || near_base58_decode_exact(h, raw, sizeof raw))
        st = near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "broadcast_tx_async answer is not a base58 hash");
    else
        snprintf(hash_out, 64, "%s", h);
    json_decref(r);
    return st;
}

near_status near_rpc_tx_status(near_rpc *c, const char *tx_hash, const char *sender_id, near_wait_until wait,
                               int experimental, near_outcome *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *params = json_pack("{s:s, s:s, s:s}", "tx_hash", tx_hash ? tx_hash : "", "sender_account_id",
                               sender_id ? sender_id : "", "wait_until", near_wait_until_name(wait));
    json_t *r;
    near_status st = near_rpc_call(c, experimental ? "EXPERIMENTAL_tx_status" : "tx", params, 1, &r, err);
    return st ? st : outcome_from(r, NULL, 0, out, err);
}

/* ------------------------------------------------------------ high level */

near_status near_call_function(near_rpc *c, const near_signer *signer, const char *receiver_id, const char *method,
                               const char *args, size_t args_len, uint64_t gas, near_u128 deposit, near_outcome *out,
                               near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    near_rpc_error_clear(err);
    if (!signer || !signer->account_id || !signer->keypair || !receiver_id || !method)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "near_call_function: missing signer, receiver or method");
    const near_public_key *pk = &signer->keypair->public_key;

    /* The nonce is read fresh for every transaction (never cached): another
     * process may share the key. */
    near_access_key_view ak;
    near_status st = near_rpc_view_access_key(c, signer->account_id, pk, NEAR_FINAL, &ak, err);
    if (st)
        return st;
    uint64_t nonce = ak.key.nonce + 1;
    near_access_key_view_free(&ak);

    near_block block;
    st = near_rpc_block(c, NEAR_FINAL, &block, err);
    if (st)
        return st;
    near_transaction tx;
    near_status rc = near_transaction_init(&tx, signer->account_id, pk, nonce, receiver_id, block.hash);
    near_block_free(&block);
    if (rc || near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)args, args ? args_len : 0, gas,
                                     deposit)) {
        near_transaction_free(&tx);
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory building the transaction");
    }
    near_signed_transaction stx;
    uint8_t hash[NEAR_HASH_LEN];
    if (near_transaction_sign(&tx, signer->keypair, &stx, hash)) {
        near_transaction_free(&tx);
        return near_rpc_set_err(err, NEAR_ERR_ARG, "cannot sign: the key pair does not match the signer's public key");
    }
    size_t len;
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, &len);
    near_signed_transaction_free(&stx);
    if (!bytes)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory encoding the transaction");

    st = near_rpc_send_tx(c, bytes, len, NEAR_WAIT_FINAL, out, err);
    free(bytes);
    if (st == NEAR_ERR_TIMEOUT) {
        /* The transaction may still land: ask for it by hash (the same
         * transaction, never a new one). */
        char hash_text[64];
        near_base58_encode(hash, NEAR_HASH_LEN, hash_text, sizeof hash_text);
        st = near_rpc_tx_status(c, hash_text, signer->account_id, NEAR_WAIT_FINAL, 0, out, err);
    }
    if (st)
        return st;
    if (out->kind == NEAR_OUTCOME_FAILURE) {
        near_rpc_set_err(err, NEAR_ERR_TX_FAILED, "%s", out->failure_message);
        if (err) {
            json_decref(err->data);
            err->data = json_incref(out->failure);
        }
        return NEAR_ERR_TX_FAILED;
    }
    if (out->kind != NEAR_OUTCOME_SUCCESS)
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "transaction %s has no final status (%s)", out->tx_hash,
                                out->final_execution_status);
    return NEAR_OK;
}
