/*
 * receipt.c — a receipt in typed form: what the devnet stores (borsh, in
 * receipts.body) and executes; NEAR's ReceiptView JSON is rendered from it
 * only for RPC answers and the block feed.
 *
 * The borsh layout is the devnet's own (receipts never leave it in this
 * form): u8 format (1), u8 kind (0 action, 1 data), predecessor, receiver,
 * then for an action receipt: signer_id, signer public key, u128 gas price,
 * Vec<(data_id [32], receiver)> output data receivers, Vec<[32]> input data
 * ids, Vec<Action> (as in a transaction), u8 is_promise_yield; for a data
 * receipt: data_id [32], Option<Vec<u8>> data, u8 is_promise_resume.
 */
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/runtime_internal.h"
#include "near/borsh.h"
#include "near/encoding.h"
#include "near/tx_json.h"

#define RECEIPT_FORMAT 1

uint8_t *devnet_receipt_encode(const devnet_receipt *r, size_t *len)
{
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_borsh_write_u8(&w, RECEIPT_FORMAT);
    near_borsh_write_u8(&w, r->is_data ? 1 : 0);
    near_borsh_write_string(&w, r->predecessor_id);
    near_borsh_write_string(&w, r->receiver_id);
    if (r->is_data) {
        near_borsh_write_fixed(&w, r->data_id, 32);
        near_borsh_write_u8(&w, r->has_data ? 1 : 0);
        if (r->has_data)
            near_borsh_write_bytes(&w, r->data, r->data_len);
        near_borsh_write_u8(&w, r->is_promise_resume ? 1 : 0);
    } else {
        near_borsh_write_string(&w, r->signer_id);
        near_public_key_encode(&w, &r->signer_public_key);
        near_borsh_write_u128(&w, r->gas_price);
        near_borsh_write_u32(&w, (uint32_t)r->n_outs);
        for (size_t i = 0; i < r->n_outs; i++) {
            near_borsh_write_fixed(&w, r->outs[i].data_id, 32);
            near_borsh_write_string(&w, r->outs[i].receiver_id);
        }
        near_borsh_write_u32(&w, (uint32_t)r->n_inputs);
        for (size_t i = 0; i < r->n_inputs; i++)
            near_borsh_write_fixed(&w, r->input_data_ids[i], 32);
        near_actions_encode(&w, r->actions, r->n_actions);
        near_borsh_write_u8(&w, r->is_promise_yield ? 1 : 0);
    }
    if (w.failed) {
        near_borsh_writer_free(&w);
        return NULL;
    }
    return near_borsh_writer_take(&w, len);
}

void devnet_receipt_free(devnet_receipt *r)
{
    free(r->predecessor_id);
    free(r->receiver_id);
    free(r->signer_id);
    for (size_t i = 0; i < r->n_outs; i++)
        free(r->outs[i].receiver_id);
    free(r->outs);
    free(r->input_data_ids);
    near_actions_free(r->actions, r->n_actions);
    free(r->data);
    memset(r, 0, sizeof *r);
}

static bool read_flag(near_borsh_reader *rd, bool *out)
{
    int v;
    if (near_borsh_read_bool(rd, &v) != NEAR_OK)
        return false;
    *out = v != 0;
    return true;
}

devnet_status devnet_receipt_decode(const uint8_t *body, size_t len, devnet_receipt *r)
{
    memset(r, 0, sizeof *r);
    near_borsh_reader rd;
    near_borsh_reader_init(&rd, body, len);
    uint8_t format, kind;
    bool ok = near_borsh_read_u8(&rd, &format) == NEAR_OK && format == RECEIPT_FORMAT &&
              near_borsh_read_u8(&rd, &kind) == NEAR_OK && kind <= 1 &&
              near_borsh_read_string(&rd, &r->predecessor_id) == NEAR_OK &&
              near_borsh_read_string(&rd, &r->receiver_id) == NEAR_OK;
    if (ok && kind == 1) {
        r->is_data = true;
        ok = near_borsh_read_fixed(&rd, r->data_id, 32) == NEAR_OK && read_flag(&rd, &r->has_data) &&
             (!r->has_data || near_borsh_read_bytes(&rd, &r->data, &r->data_len) == NEAR_OK) &&
             read_flag(&rd, &r->is_promise_resume);
    } else if (ok) {
        uint32_t n_outs = 0, n_ins = 0;
        ok = near_borsh_read_string(&rd, &r->signer_id) == NEAR_OK &&
             near_public_key_decode(&rd, &r->signer_public_key) == NEAR_OK &&
             near_borsh_read_u128(&rd, &r->gas_price) == NEAR_OK &&
             near_borsh_read_vec_len(&rd, 33, &n_outs) == NEAR_OK;
        if (ok && n_outs && !(r->outs = calloc(n_outs, sizeof *r->outs)))
            ok = false;
        for (uint32_t i = 0; ok && i < n_outs; i++) {
            ok = near_borsh_read_fixed(&rd, r->outs[i].data_id, 32) == NEAR_OK &&
                 near_borsh_read_string(&rd, &r->outs[i].receiver_id) == NEAR_OK;
            if (ok)
                r->n_outs = i + 1;
        }
        ok = ok && near_borsh_read_vec_len(&rd, 32, &n_ins) == NEAR_OK;
        if (ok && n_ins && !(r->input_data_ids = calloc(n_ins, sizeof *r->input_data_ids)))
            ok = false;
        for (uint32_t i = 0; ok && i < n_ins; i++)
            ok = near_borsh_read_fixed(&rd, r->input_data_ids[i], 32) == NEAR_OK;
        if (ok)
            r->n_inputs = n_ins;
        ok = ok && near_actions_decode(&rd, &r->actions, &r->n_actions) == NEAR_OK &&
             read_flag(&rd, &r->is_promise_yield);
    }
    if (!ok || near_borsh_remaining(&rd) != 0) {
        devnet_receipt_free(r);
        return DEVNET_ERR_INVALID;
    }
    return DEVNET_OK;
}

json_t *devnet_receipt_json(const devnet_receipt *r, const uint8_t id[32])
{
    if (r->is_data) {
        json_t *d = json_null();
        if (r->has_data) {
            char *t = near_base64_encode(r->data, r->data_len);
            d = json_string(t ? t : "");
            free(t);
        }
        return json_pack("{s:s,s:s,s:o,s:{s:{s:o,s:o,s:b}},s:i}", "predecessor_id", r->predecessor_id, "receiver_id",
                         r->receiver_id, "receipt_id", devnet_b58_json(id, 32), "receipt", "Data", "data_id",
                         devnet_b58_json(r->data_id, 32), "data", d, "is_promise_resume", r->is_promise_resume,
                         "priority", 0);
    }
    json_t *outs = json_array(), *ins = json_array(), *actions = json_array();
    for (size_t i = 0; i < r->n_outs; i++)
        json_array_append_new(outs, json_pack("{s:o,s:s}", "data_id", devnet_b58_json(r->outs[i].data_id, 32),
                                              "receiver_id", r->outs[i].receiver_id));
    for (size_t i = 0; i < r->n_inputs; i++)
        json_array_append_new(ins, devnet_b58_json(r->input_data_ids[i], 32));
    for (size_t i = 0; i < r->n_actions; i++)
        json_array_append_new(actions, near_action_view(&r->actions[i]));
    char pk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&r->signer_public_key, pk);
    return json_pack("{s:s,s:s,s:o,s:{s:{s:s,s:s,s:o,s:o,s:o,s:o,s:b}},s:i}", "predecessor_id", r->predecessor_id,
                     "receiver_id", r->receiver_id, "receipt_id", devnet_b58_json(id, 32), "receipt", "Action",
                     "signer_id", r->signer_id, "signer_public_key", pk, "gas_price", devnet_u128_json(r->gas_price),
                     "output_data_receivers", outs, "input_data_ids", ins, "actions", actions, "is_promise_yield",
                     r->is_promise_yield, "priority", 0);
}

json_t *devnet_receipt_body_json(const void *body, size_t len, const uint8_t id[32])
{
    devnet_receipt r;
    if (devnet_receipt_decode(body, len, &r) != DEVNET_OK)
        return NULL;
    json_t *j = devnet_receipt_json(&r, id);
    devnet_receipt_free(&r);
    return j;
}
