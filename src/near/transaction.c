/* transaction.c — borsh encoding/decoding, hashing and signing of NEAR
 * transactions and delegate actions. */
#include "near/transaction.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Actions at nesting depth ≥ 1 are inside a delegate action, where nearcore
 * allows no Delegate (NonDelegateAction); this also bounds recursion. */
#define MAX_NESTING 1

static char *dup_str(const char *s) { return strdup(s ? s : ""); }

/* ---------------------------------------------------------------- freeing */

void near_access_key_free(near_access_key *ak)
{
    free(ak->receiver_id);
    for (size_t i = 0; i < ak->n_method_names; i++)
        free(ak->method_names[i]);
    free(ak->method_names);
    memset(ak, 0, sizeof *ak);
}

void near_delegate_action_free(near_delegate_action *da)
{
    free(da->sender_id);
    free(da->receiver_id);
    near_actions_free(da->actions, da->n_actions);
    memset(da, 0, sizeof *da);
}

void near_signed_delegate_free(near_signed_delegate *sd)
{
    near_delegate_action_free(&sd->delegate_action);
    memset(sd, 0, sizeof *sd);
}

static void action_free(near_action *a)
{
    free(a->bytes);
    free(a->method_name);
    free(a->beneficiary_id);
    near_access_key_free(&a->access_key);
    if (a->delegate) {
        near_signed_delegate_free(a->delegate);
        free(a->delegate);
    }
    memset(a, 0, sizeof *a);
}

void near_actions_free(near_action *actions, size_t n)
{
    for (size_t i = 0; i < n; i++)
        action_free(&actions[i]);
    free(actions);
}

void near_transaction_free(near_transaction *tx)
{
    free(tx->signer_id);
    free(tx->receiver_id);
    near_actions_free(tx->actions, tx->n_actions);
    memset(tx, 0, sizeof *tx);
}

void near_signed_transaction_free(near_signed_transaction *stx)
{
    near_transaction_free(&stx->transaction);
    memset(stx, 0, sizeof *stx);
}

/* --------------------------------------------------------------- building */

near_status near_transaction_init(near_transaction *tx, const char *signer_id, const near_public_key *pk,
                                  uint64_t nonce, const char *receiver_id, const uint8_t block_hash[NEAR_HASH_LEN])
{
    memset(tx, 0, sizeof *tx);
    tx->signer_id = dup_str(signer_id);
    tx->receiver_id = dup_str(receiver_id);
    if (!tx->signer_id || !tx->receiver_id) {
        near_transaction_free(tx);
        return NEAR_ERR_INVALID;
    }
    tx->public_key = *pk;
    tx->nonce = nonce;
    if (block_hash)
        memcpy(tx->block_hash, block_hash, NEAR_HASH_LEN);
    return NEAR_OK;
}

near_status near_delegate_action_init(near_delegate_action *da, const char *sender_id, const char *receiver_id,
                                      uint64_t nonce, uint64_t max_block_height, const near_public_key *pk)
{
    memset(da, 0, sizeof *da);
    da->sender_id = dup_str(sender_id);
    da->receiver_id = dup_str(receiver_id);
    if (!da->sender_id || !da->receiver_id) {
        near_delegate_action_free(da);
        return NEAR_ERR_INVALID;
    }
    da->nonce = nonce;
    da->max_block_height = max_block_height;
    da->public_key = *pk;
    return NEAR_OK;
}

near_action_list near_tx_actions(near_transaction *tx) { return (near_action_list){&tx->actions, &tx->n_actions}; }

near_action_list near_delegate_actions(near_delegate_action *da)
{
    return (near_action_list){&da->actions, &da->n_actions};
}

/* Appends a copy of *a (whose pointers the list now owns). On failure the
 * caller still owns a's pointers. */
static near_status push(near_action_list l, const near_action *a)
{
    near_action *grown = realloc(*l.actions, (*l.n_actions + 1) * sizeof *grown);
    if (!grown)
        return NEAR_ERR_NOMEM;
    grown[*l.n_actions] = *a;
    *l.actions = grown;
    (*l.n_actions)++;
    return NEAR_OK;
}

static near_status push_or_free(near_action_list l, near_action *a, int ok)
{
    if (ok && push(l, a) == 0)
        return NEAR_OK;
    action_free(a);
    return ok ? NEAR_ERR_NOMEM : NEAR_ERR_INVALID;
}

static uint8_t *dup_bytes(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    if (p && len)
        memcpy(p, data, len);
    return p;
}

near_status near_add_create_account(near_action_list l)
{
    near_action a = {.kind = NEAR_ACTION_CREATE_ACCOUNT};
    return push_or_free(l, &a, 1);
}

near_status near_add_deploy_contract(near_action_list l, const uint8_t *code, size_t len)
{
    near_action a = {.kind = NEAR_ACTION_DEPLOY_CONTRACT, .bytes_len = len};
    a.bytes = dup_bytes(code, len);
    return push_or_free(l, &a, a.bytes != NULL);
}

near_status near_add_function_call(near_action_list l, const char *method, const uint8_t *args, size_t args_len,
                                   uint64_t gas, near_u128 deposit)
{
    near_action a = {.kind = NEAR_ACTION_FUNCTION_CALL, .bytes_len = args_len, .gas = gas, .amount = deposit};
    a.bytes = dup_bytes(args, args_len);
    a.method_name = dup_str(method);
    return push_or_free(l, &a, a.bytes && a.method_name);
}

near_status near_add_transfer(near_action_list l, near_u128 deposit)
{
    near_action a = {.kind = NEAR_ACTION_TRANSFER, .amount = deposit};
    return push_or_free(l, &a, 1);
}

near_status near_add_stake(near_action_list l, near_u128 stake, const near_public_key *pk)
{
    near_action a = {.kind = NEAR_ACTION_STAKE, .amount = stake, .public_key = *pk};
    return push_or_free(l, &a, 1);
}

near_status near_add_full_access_key(near_action_list l, const near_public_key *pk, uint64_t nonce)
{
    near_action a = {.kind = NEAR_ACTION_ADD_KEY, .public_key = *pk};
    a.access_key.nonce = nonce;
    a.access_key.full_access = 1;
    return push_or_free(l, &a, 1);
}

near_status near_add_function_call_key(near_action_list l, const near_public_key *pk, uint64_t nonce,
                                       const near_u128 *allowance, const char *receiver_id,
                                       const char *const *method_names, size_t n_method_names)
{
    near_action a = {.kind = NEAR_ACTION_ADD_KEY, .public_key = *pk};
    near_access_key *ak = &a.access_key;
    ak->nonce = nonce;
    if (allowance) {
        ak->has_allowance = 1;
        ak->allowance = *allowance;
    }
    ak->receiver_id = dup_str(receiver_id);
    int ok = ak->receiver_id != NULL;
    if (ok && n_method_names) {
        ak->method_names = calloc(n_method_names, sizeof *ak->method_names);
        ok = ak->method_names != NULL;
        for (size_t i = 0; ok && i < n_method_names; i++) {
            ak->method_names[i] = dup_str(method_names[i]);
            ak->n_method_names = i + 1;
            ok = ak->method_names[i] != NULL;
        }
    }
    return push_or_free(l, &a, ok);
}

near_status near_add_delete_key(near_action_list l, const near_public_key *pk)
{
    near_action a = {.kind = NEAR_ACTION_DELETE_KEY, .public_key = *pk};
    return push_or_free(l, &a, 1);
}

near_status near_add_delete_account(near_action_list l, const char *beneficiary_id)
{
    near_action a = {.kind = NEAR_ACTION_DELETE_ACCOUNT};
    a.beneficiary_id = dup_str(beneficiary_id);
    return push_or_free(l, &a, a.beneficiary_id != NULL);
}

near_status near_add_delegate(near_action_list l, near_signed_delegate *sd)
{
    near_action a = {.kind = NEAR_ACTION_DELEGATE};
    a.delegate = malloc(sizeof *a.delegate);
    if (!a.delegate)
        return NEAR_ERR_INVALID;
    *a.delegate = *sd;
    if (push(l, &a) != 0) {
        free(a.delegate);
        return NEAR_ERR_INVALID;
    }
    memset(sd, 0, sizeof *sd);
    return NEAR_OK;
}

/* --------------------------------------------------------------- encoding */

void near_public_key_encode(near_borsh_writer *w, const near_public_key *pk)
{
    near_borsh_write_u8(w, (uint8_t)pk->type);
    near_borsh_write_fixed(w, pk->data, near_key_data_len(pk->type));
}

void near_signature_encode(near_borsh_writer *w, const near_signature *sig)
{
    near_borsh_write_u8(w, (uint8_t)sig->type);
    near_borsh_write_fixed(w, sig->data, near_signature_data_len(sig->type));
}

static void access_key_encode(near_borsh_writer *w, const near_access_key *ak)
{
    near_borsh_write_u64(w, ak->nonce);
    if (ak->full_access) {
        near_borsh_write_u8(w, 1);
        return;
    }
    near_borsh_write_u8(w, 0);
    near_borsh_write_u8(w, ak->has_allowance ? 1 : 0);
    if (ak->has_allowance)
        near_borsh_write_u128(w, ak->allowance);
    near_borsh_write_string(w, ak->receiver_id);
    if (ak->n_method_names > UINT32_MAX) {
        w->failed = 1;
        return;
    }
    near_borsh_write_u32(w, (uint32_t)ak->n_method_names);
    for (size_t i = 0; i < ak->n_method_names; i++)
        near_borsh_write_string(w, ak->method_names[i]);
}

static void actions_encode(near_borsh_writer *w, const near_action *actions, size_t n);

static void action_encode(near_borsh_writer *w, const near_action *a)
{
    near_borsh_write_u8(w, (uint8_t)a->kind);
    switch (a->kind) {
    case NEAR_ACTION_CREATE_ACCOUNT: break;
    case NEAR_ACTION_DEPLOY_CONTRACT: near_borsh_write_bytes(w, a->bytes, a->bytes_len); break;
    case NEAR_ACTION_FUNCTION_CALL:
        near_borsh_write_string(w, a->method_name);
        near_borsh_write_bytes(w, a->bytes, a->bytes_len);
        near_borsh_write_u64(w, a->gas);
        near_borsh_write_u128(w, a->amount);
        break;
    case NEAR_ACTION_TRANSFER: near_borsh_write_u128(w, a->amount); break;
    case NEAR_ACTION_STAKE:
        near_borsh_write_u128(w, a->amount);
        near_public_key_encode(w, &a->public_key);
        break;
    case NEAR_ACTION_ADD_KEY:
        near_public_key_encode(w, &a->public_key);
        access_key_encode(w, &a->access_key);
        break;
    case NEAR_ACTION_DELETE_KEY: near_public_key_encode(w, &a->public_key); break;
    case NEAR_ACTION_DELETE_ACCOUNT: near_borsh_write_string(w, a->beneficiary_id); break;
    case NEAR_ACTION_DELEGATE:
        if (!a->delegate) {
            w->failed = 1;
            break;
        }
        near_signed_delegate_encode(w, a->delegate);
        break;
    default: w->failed = 1;
    }
}

static void actions_encode(near_borsh_writer *w, const near_action *actions, size_t n)
{
    if (n > UINT32_MAX) {
        w->failed = 1;
        return;
    }
    near_borsh_write_u32(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        action_encode(w, &actions[i]);
}

void near_actions_encode(near_borsh_writer *w, const near_action *actions, size_t n) { actions_encode(w, actions, n); }

void near_transaction_encode(near_borsh_writer *w, const near_transaction *tx)
{
    near_borsh_write_string(w, tx->signer_id);
    near_public_key_encode(w, &tx->public_key);
    near_borsh_write_u64(w, tx->nonce);
    near_borsh_write_string(w, tx->receiver_id);
    near_borsh_write_fixed(w, tx->block_hash, NEAR_HASH_LEN);
    actions_encode(w, tx->actions, tx->n_actions);
}

void near_signed_transaction_encode(near_borsh_writer *w, const near_signed_transaction *stx)
{
    near_transaction_encode(w, &stx->transaction);
    near_signature_encode(w, &stx->signature);
}

void near_delegate_action_encode(near_borsh_writer *w, const near_delegate_action *da)
{
    near_borsh_write_string(w, da->sender_id);
    near_borsh_write_string(w, da->receiver_id);
    actions_encode(w, da->actions, da->n_actions);
    near_borsh_write_u64(w, da->nonce);
    near_borsh_write_u64(w, da->max_block_height);
    near_public_key_encode(w, &da->public_key);
}

void near_signed_delegate_encode(near_borsh_writer *w, const near_signed_delegate *sd)
{
    near_delegate_action_encode(w, &sd->delegate_action);
    near_signature_encode(w, &sd->signature);
}

uint8_t *near_signed_transaction_to_bytes(const near_signed_transaction *stx, size_t *len)
{
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_signed_transaction_encode(&w, stx);
    if (w.failed) {
        near_borsh_writer_free(&w);
        return NULL;
    }
    return near_borsh_writer_take(&w, len);
}

/* ------------------------------------------------------- hashing, signing */

static near_status hash_writer(near_borsh_writer *w, uint8_t out[NEAR_HASH_LEN])
{
    near_status rc = NEAR_ERR_NOMEM;
    if (!w->failed) {
        crypto_hash_sha256(out, w->buf ? w->buf : (const uint8_t *)"", w->len);
        rc = NEAR_OK;
    }
    near_borsh_writer_free(w);
    return rc;
}

near_status near_transaction_hash(const near_transaction *tx, uint8_t out[NEAR_HASH_LEN])
{
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_transaction_encode(&w, tx);
    return hash_writer(&w, out);
}

near_status near_delegate_action_hash(const near_delegate_action *da, uint8_t out[NEAR_HASH_LEN])
{
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_borsh_write_u32(&w, NEAR_DELEGATE_ACTION_PREFIX);
    near_delegate_action_encode(&w, da);
    return hash_writer(&w, out);
}

near_status near_transaction_sign(near_transaction *tx, const near_keypair *kp, near_signed_transaction *out,
                                  uint8_t hash_out[NEAR_HASH_LEN])
{
    uint8_t hash[NEAR_HASH_LEN];
    if (!near_public_key_equal(&tx->public_key, &kp->public_key))
        return NEAR_ERR_INVALID;
    if (near_transaction_hash(tx, hash) != 0)
        return NEAR_ERR_INVALID;
    near_signature sig;
    if (near_sign(kp, hash, sizeof hash, &sig) != 0)
        return NEAR_ERR_INVALID;
    out->transaction = *tx;
    out->signature = sig;
    memset(tx, 0, sizeof *tx);
    if (hash_out)
        memcpy(hash_out, hash, NEAR_HASH_LEN);
    return NEAR_OK;
}

near_status near_delegate_action_sign(near_delegate_action *da, const near_keypair *kp, near_signed_delegate *out)
{
    uint8_t hash[NEAR_HASH_LEN];
    if (!near_public_key_equal(&da->public_key, &kp->public_key))
        return NEAR_ERR_INVALID;
    if (near_delegate_action_hash(da, hash) != 0)
        return NEAR_ERR_INVALID;
    near_signature sig;
    if (near_sign(kp, hash, sizeof hash, &sig) != 0)
        return NEAR_ERR_INVALID;
    out->delegate_action = *da;
    out->signature = sig;
    memset(da, 0, sizeof *da);
    return NEAR_OK;
}

bool near_signed_transaction_verify(const near_signed_transaction *stx)
{
    uint8_t hash[NEAR_HASH_LEN];
    if (near_transaction_hash(&stx->transaction, hash) != 0)
        return false;
    return near_verify(&stx->transaction.public_key, hash, sizeof hash, &stx->signature);
}

bool near_signed_delegate_verify(const near_signed_delegate *sd)
{
    uint8_t hash[NEAR_HASH_LEN];
    if (near_delegate_action_hash(&sd->delegate_action, hash) != 0)
        return false;
    return near_verify(&sd->delegate_action.public_key, hash, sizeof hash, &sd->signature);
}

/* --------------------------------------------------------------- decoding */

near_status near_public_key_decode(near_borsh_reader *r, near_public_key *out)
{
    uint8_t type;
    if (near_borsh_read_u8(r, &type))
        return NEAR_ERR_INVALID;
    size_t n = near_key_data_len((near_key_type)type);
    if (type > NEAR_KEY_SECP256K1 || n == 0) {
        r->pos--;
        return near_borsh_fail(r, "unsupported public key type %u", type);
    }
    memset(out, 0, sizeof *out);
    out->type = (near_key_type)type;
    return near_borsh_read_fixed(r, out->data, n);
}

near_status near_signature_decode(near_borsh_reader *r, near_signature *out)
{
    uint8_t type;
    if (near_borsh_read_u8(r, &type))
        return NEAR_ERR_INVALID;
    if (type > NEAR_KEY_SECP256K1) {
        r->pos--;
        return near_borsh_fail(r, "unsupported signature type %u", type);
    }
    memset(out, 0, sizeof *out);
    out->type = (near_key_type)type;
    return near_borsh_read_fixed(r, out->data, near_signature_data_len(out->type));
}

static near_status access_key_decode(near_borsh_reader *r, near_access_key *ak)
{
    memset(ak, 0, sizeof *ak);
    uint8_t perm;
    if (near_borsh_read_u64(r, &ak->nonce) || near_borsh_read_u8(r, &perm))
        return NEAR_ERR_INVALID;
    if (perm == 1) {
        ak->full_access = 1;
        return NEAR_OK;
    }
    if (perm != 0) {
        r->pos--;
        return near_borsh_fail(r, "unsupported access key permission %u", perm);
    }
    uint32_t n;
    if (near_borsh_read_option(r, &ak->has_allowance) ||
        (ak->has_allowance && near_borsh_read_u128(r, &ak->allowance)) || near_borsh_read_string(r, &ak->receiver_id) ||
        near_borsh_read_vec_len(r, 4, &n))
        goto fail;
    if (n) {
        ak->method_names = calloc(n, sizeof *ak->method_names);
        if (!ak->method_names) {
            near_borsh_fail(r, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (near_borsh_read_string(r, &ak->method_names[i]))
                goto fail;
            ak->n_method_names = i + 1;
        }
    }
    return NEAR_OK;
fail:
    near_access_key_free(ak);
    return NEAR_ERR_INVALID;
}

static near_status delegate_action_decode(near_borsh_reader *r, near_delegate_action *da, int depth);
static near_status actions_decode(near_borsh_reader *r, near_action **out, size_t *n_out, int depth);

static near_status signed_delegate_decode(near_borsh_reader *r, near_signed_delegate *sd, int depth)
{
    memset(sd, 0, sizeof *sd);
    if (delegate_action_decode(r, &sd->delegate_action, depth))
        return NEAR_ERR_INVALID;
    if (near_signature_decode(r, &sd->signature)) {
        near_delegate_action_free(&sd->delegate_action);
        return NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

near_status near_signed_delegate_decode(near_borsh_reader *r, near_signed_delegate *out)
{
    return signed_delegate_decode(r, out, 1);
}

near_status near_actions_decode(near_borsh_reader *r, near_action **out, size_t *n)
{
    return actions_decode(r, out, n, 0);
}

static near_status action_decode(near_borsh_reader *r, near_action *a, int depth)
{
    memset(a, 0, sizeof *a);
    uint8_t kind;
    if (near_borsh_read_u8(r, &kind))
        return NEAR_ERR_INVALID;
    a->kind = (near_action_kind)kind;
    near_status rc = 0;
    switch (kind) {
    case NEAR_ACTION_CREATE_ACCOUNT: break;
    case NEAR_ACTION_DEPLOY_CONTRACT: rc = near_borsh_read_bytes(r, &a->bytes, &a->bytes_len); break;
    case NEAR_ACTION_FUNCTION_CALL:
        rc = near_borsh_read_string(r, &a->method_name) || near_borsh_read_bytes(r, &a->bytes, &a->bytes_len) ||
             near_borsh_read_u64(r, &a->gas) || near_borsh_read_u128(r, &a->amount);
        break;
    case NEAR_ACTION_TRANSFER: rc = near_borsh_read_u128(r, &a->amount); break;
    case NEAR_ACTION_STAKE:
        rc = near_borsh_read_u128(r, &a->amount) || near_public_key_decode(r, &a->public_key);
        break;
    case NEAR_ACTION_ADD_KEY:
        rc = near_public_key_decode(r, &a->public_key) || access_key_decode(r, &a->access_key);
        break;
    case NEAR_ACTION_DELETE_KEY: rc = near_public_key_decode(r, &a->public_key); break;
    case NEAR_ACTION_DELETE_ACCOUNT: rc = near_borsh_read_string(r, &a->beneficiary_id); break;
    case NEAR_ACTION_DELEGATE:
        if (depth >= MAX_NESTING) {
            r->pos--;
            return near_borsh_fail(r, "a delegate action cannot contain another Delegate");
        }
        a->delegate = malloc(sizeof *a->delegate);
        if (!a->delegate)
            return near_borsh_fail(r, "out of memory");
        if (signed_delegate_decode(r, a->delegate, depth + 1)) {
            free(a->delegate);
            a->delegate = NULL;
            rc = NEAR_ERR_INVALID;
        }
        break;
    default: r->pos--; return near_borsh_fail(r, "unsupported action variant %u", kind);
    }
    if (rc) {
        action_free(a);
        return NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

static near_status actions_decode(near_borsh_reader *r, near_action **out, size_t *n_out, int depth)
{
    uint32_t n;
    *out = NULL;
    *n_out = 0;
    if (near_borsh_read_vec_len(r, 1, &n))
        return NEAR_ERR_INVALID;
    if (n == 0)
        return NEAR_OK;
    near_action *actions = calloc(n, sizeof *actions);
    if (!actions)
        return near_borsh_fail(r, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (action_decode(r, &actions[i], depth)) {
            near_actions_free(actions, i);
            return NEAR_ERR_INVALID;
        }
    }
    *out = actions;
    *n_out = n;
    return NEAR_OK;
}

static near_status delegate_action_decode(near_borsh_reader *r, near_delegate_action *da, int depth)
{
    memset(da, 0, sizeof *da);
    if (near_borsh_read_string(r, &da->sender_id) || near_borsh_read_string(r, &da->receiver_id) ||
        actions_decode(r, &da->actions, &da->n_actions, depth) || near_borsh_read_u64(r, &da->nonce) ||
        near_borsh_read_u64(r, &da->max_block_height) || near_public_key_decode(r, &da->public_key)) {
        near_delegate_action_free(da);
        return NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

near_status near_transaction_decode(near_borsh_reader *r, near_transaction *out)
{
    memset(out, 0, sizeof *out);
    /* nearcore reads a transaction as V1 when its first byte is 1; in V0
     * that byte is the low byte of the signer id length, which is never 1
     * for a valid id (2..64 bytes). */
    if (near_borsh_remaining(r) >= 1 && r->data[r->pos] == 1)
        return near_borsh_fail(r, "TransactionV1 is not supported");
    if (near_borsh_read_string(r, &out->signer_id) || near_public_key_decode(r, &out->public_key) ||
        near_borsh_read_u64(r, &out->nonce) || near_borsh_read_string(r, &out->receiver_id) ||
        near_borsh_read_fixed(r, out->block_hash, NEAR_HASH_LEN) ||
        actions_decode(r, &out->actions, &out->n_actions, 0)) {
        near_transaction_free(out);
        return NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

near_status near_signed_transaction_decode(near_borsh_reader *r, near_signed_transaction *out)
{
    memset(out, 0, sizeof *out);
    if (near_transaction_decode(r, &out->transaction))
        return NEAR_ERR_INVALID;
    if (near_signature_decode(r, &out->signature)) {
        near_transaction_free(&out->transaction);
        return NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

static near_status finish(near_borsh_reader *r, char *err, size_t errlen, near_status rc)
{
    if (rc == 0 && near_borsh_remaining(r) != 0) {
        near_borsh_fail(r, "%zu trailing bytes", near_borsh_remaining(r));
        rc = NEAR_ERR_INVALID;
    }
    if (rc && err && errlen)
        snprintf(err, errlen, "%s", r->err);
    return rc;
}

near_status near_signed_transaction_from_bytes(const uint8_t *data, size_t len, near_signed_transaction *out, char *err,
                                               size_t errlen)
{
    near_borsh_reader r;
    near_borsh_reader_init(&r, data, len);
    near_status rc = finish(&r, err, errlen, near_signed_transaction_decode(&r, out));
    if (rc && out->transaction.signer_id)
        near_signed_transaction_free(out);
    return rc;
}

near_status near_transaction_from_bytes(const uint8_t *data, size_t len, near_transaction *out, char *err,
                                        size_t errlen)
{
    near_borsh_reader r;
    near_borsh_reader_init(&r, data, len);
    near_status rc = finish(&r, err, errlen, near_transaction_decode(&r, out));
    if (rc && out->signer_id)
        near_transaction_free(out);
    return rc;
}

const char *near_action_kind_name(near_action_kind kind)
{
    static const char *const names[] = {"CreateAccount", "DeployContract", "FunctionCall",  "Transfer", "Stake",
                                        "AddKey",        "DeleteKey",      "DeleteAccount", "Delegate"};
    return (unsigned)kind < sizeof names / sizeof names[0] ? names[kind] : "Unknown";
}
