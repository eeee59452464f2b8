/* rpc_reads.c — typed read calls: status, block, chunk, gas price and the
 * query views (accounts, access keys, view calls, state, code). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"
#include "near/rpc.h"
#include "near/rpc_helpers.h"

/* ------------------------------------------------------------ block refs */

/* Adds the block reference fields to a params object. */
static void add_block_ref(json_t *params, near_block_ref ref)
{
    switch (ref.kind) {
    case NEAR_BLOCK_FINAL: json_object_set_new(params, "finality", json_string("final")); break;
    case NEAR_BLOCK_OPTIMISTIC: json_object_set_new(params, "finality", json_string("optimistic")); break;
    case NEAR_BLOCK_HEIGHT: json_object_set_new(params, "block_id", json_integer((json_int_t)ref.height)); break;
    case NEAR_BLOCK_HASH: json_object_set_new(params, "block_id", json_string(ref.hash ? ref.hash : "")); break;
    }
}

/* ------------------------------------------------------------ typed calls */

near_status near_rpc_status(near_rpc *c, near_node_status *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *r;
    near_status st = near_rpc_call(c, "status", json_array(), 1, &r, err);
    if (st)
        return st;
    json_t *sync = json_object_get(r, "sync_info");
    const char *chain = near_rpc_jstr(r, "chain_id");
    uint64_t pv = 0;
    if (!chain || near_rpc_ju64(json_object_get(sync, "latest_block_height"), &out->latest_block_height) ||
        near_rpc_jhash(json_object_get(sync, "latest_block_hash"), out->latest_block_hash)) {
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "status answer lacks chain_id or sync_info");
    }
    near_rpc_ju64(json_object_get(r, "protocol_version"), &pv);
    out->protocol_version = (uint32_t)pv;
    snprintf(out->chain_id, sizeof out->chain_id, "%s", chain);
    out->raw = r;
    return NEAR_OK;
}

void near_node_status_free(near_node_status *s)
{
    json_decref(s->raw);
    memset(s, 0, sizeof *s);
}

near_status near_rpc_block(near_rpc *c, near_block_ref ref, near_block *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *params = json_object(), *r;
    add_block_ref(params, ref);
    near_status st = near_rpc_call(c, "block", params, 1, &r, err);
    if (st)
        return st;
    json_t *h = json_object_get(r, "header");
    if (near_rpc_ju64(json_object_get(h, "height"), &out->height) ||
        near_rpc_jhash(json_object_get(h, "hash"), out->hash)) {
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "block answer lacks header.height or header.hash");
    }
    near_rpc_jhash(json_object_get(h, "prev_hash"), out->prev_hash);
    if (near_rpc_ju64(json_object_get(h, "timestamp"), &out->timestamp_ns))
        near_rpc_ju64(json_object_get(h, "timestamp_nanosec"), &out->timestamp_ns);
    near_rpc_ju128(json_object_get(h, "gas_price"), &out->gas_price);
    out->raw = r;
    return NEAR_OK;
}

void near_block_free(near_block *b)
{
    json_decref(b->raw);
    memset(b, 0, sizeof *b);
}

near_status near_rpc_chunk(near_rpc *c, const char *chunk_hash, near_block_ref block, uint64_t shard_id, json_t **out,
                           near_rpc_error *err)
{
    json_t *params = json_object();
    if (chunk_hash) {
        json_object_set_new(params, "chunk_id", json_string(chunk_hash));
    } else {
        if (block.kind != NEAR_BLOCK_HEIGHT && block.kind != NEAR_BLOCK_HASH) {
            json_decref(params);
            *out = NULL;
            return near_rpc_set_err(err, NEAR_ERR_ARG, "chunk: give a chunk hash or a block height/hash");
        }
        add_block_ref(params, block);
        json_object_set_new(params, "shard_id", json_integer((json_int_t)shard_id));
    }
    return near_rpc_call(c, "chunk", params, 1, out, err);
}

near_status near_rpc_gas_price(near_rpc *c, const near_block_ref *ref, near_u128 *out, near_rpc_error *err)
{
    json_t *params = json_array(), *r;
    if (!ref || ref->kind == NEAR_BLOCK_FINAL || ref->kind == NEAR_BLOCK_OPTIMISTIC)
        json_array_append_new(params, json_null());
    else if (ref->kind == NEAR_BLOCK_HEIGHT)
        json_array_append_new(params, json_integer((json_int_t)ref->height));
    else
        json_array_append_new(params, json_string(ref->hash ? ref->hash : ""));
    near_status st = near_rpc_call(c, "gas_price", params, 1, &r, err);
    if (st)
        return st;
    if (near_rpc_ju128(json_object_get(r, "gas_price"), out))
        st = near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "gas_price answer lacks gas_price");
    json_decref(r);
    return st;
}

/* A query whose result may carry the legacy {"error": "..."} quirk. */
static near_status query(near_rpc *c, const char *request_type, near_block_ref ref, json_t *fields, json_t **out,
                         near_rpc_error *err)
{
    json_object_set_new(fields, "request_type", json_string(request_type));
    add_block_ref(fields, ref);
    near_status st = near_rpc_call(c, "query", fields, 1, out, err);
    if (st)
        return st;
    const char *legacy = near_rpc_jstr(*out, "error");
    if (legacy) {
        st = near_rpc_classify_text(legacy);
        if (st == NEAR_ERR_HANDLER)
            st = strcmp(request_type, "call_function") == 0 ? NEAR_ERR_CONTRACT_EXECUTION : NEAR_ERR_HANDLER;
        near_rpc_set_err(err, st, "%s", legacy);
        if (err) {
            snprintf(err->cause, sizeof err->cause, "%s",
                     st == NEAR_ERR_CONTRACT_EXECUTION   ? "CONTRACT_EXECUTION_ERROR"
                     : st == NEAR_ERR_UNKNOWN_ACCESS_KEY ? "UNKNOWN_ACCESS_KEY"
                     : st == NEAR_ERR_UNKNOWN_ACCOUNT    ? "UNKNOWN_ACCOUNT"
                                                         : "");
            err->data = json_incref(*out);
        }
        json_decref(*out);
        *out = NULL;
    }
    return st;
}

static void block_of(json_t *r, uint64_t *height, uint8_t *hash)
{
    if (height)
        near_rpc_ju64(json_object_get(r, "block_height"), height);
    if (hash)
        near_rpc_jhash(json_object_get(r, "block_hash"), hash);
}

near_status near_rpc_view_account(near_rpc *c, const char *account_id, near_block_ref ref, near_account_view *out,
                                  near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *r;
    near_status st =
        query(c, "view_account", ref, json_pack("{s:s}", "account_id", account_id ? account_id : ""), &r, err);
    if (st)
        return st;
    if (near_rpc_ju128(json_object_get(r, "amount"), &out->amount) ||
        near_rpc_ju128(json_object_get(r, "locked"), &out->locked) ||
        near_rpc_ju64(json_object_get(r, "storage_usage"), &out->storage_usage)) {
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_account answer lacks amount, locked or storage_usage");
    }
    near_rpc_jhash(json_object_get(r, "code_hash"), out->code_hash);
    block_of(r, &out->block_height, out->block_hash);
    json_decref(r);
    return NEAR_OK;
}

/* {nonce, permission: "FullAccess" | {"FunctionCall": {allowance, receiver_id, method_names}}} */
static int parse_access_key(json_t *v, near_access_key *k)
{
    memset(k, 0, sizeof *k);
    if (near_rpc_ju64(json_object_get(v, "nonce"), &k->nonce))
        return -1;
    json_t *perm = json_object_get(v, "permission");
    if (json_is_string(perm)) {
        k->full_access = strcmp(json_string_value(perm), "FullAccess") == 0;
        return k->full_access ? 0 : -1;
    }
    json_t *fc = json_object_get(perm, "FunctionCall");
    if (!json_is_object(fc))
        return -1;
    json_t *allowance = json_object_get(fc, "allowance");
    if (allowance && !json_is_null(allowance)) {
        if (near_rpc_ju128(allowance, &k->allowance))
            return -1;
        k->has_allowance = 1;
    }
    const char *receiver = near_rpc_jstr(fc, "receiver_id");
    k->receiver_id = strdup(receiver ? receiver : "");
    json_t *names = json_object_get(fc, "method_names");
    size_t n = json_array_size(names);
    if (!k->receiver_id)
        return -1;
    if (n) {
        k->method_names = calloc(n, sizeof *k->method_names);
        if (!k->method_names)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(names, i));
            if (!s || !(k->method_names[i] = strdup(s)))
                goto fail;
            k->n_method_names = i + 1;
        }
    }
    return 0;
fail:
    near_access_key_free(k);
    return -1;
}

near_status near_rpc_view_access_key(near_rpc *c, const char *account_id, const near_public_key *pk, near_block_ref ref,
                                     near_access_key_view *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    char pk_text[NEAR_KEY_TEXT_MAX];
    near_public_key_format(pk, pk_text);
    json_t *r;
    near_status st =
        query(c, "view_access_key", ref,
              json_pack("{s:s, s:s}", "account_id", account_id ? account_id : "", "public_key", pk_text), &r, err);
    if (st)
        return st;
    if (parse_access_key(r, &out->key)) {
        near_access_key_free(&out->key);
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_access_key answer has no valid nonce/permission");
    }
    block_of(r, &out->block_height, out->block_hash);
    json_decref(r);
    return NEAR_OK;
}

void near_access_key_view_free(near_access_key_view *v) { near_access_key_free(&v->key); }

void near_access_key_list_free(near_access_key_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        near_access_key_free(&l->keys[i]);
    free(l->keys);
    free(l->public_keys);
    memset(l, 0, sizeof *l);
}

near_status near_rpc_view_access_key_list(near_rpc *c, const char *account_id, near_block_ref ref,
                                          near_access_key_list *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *r;
    near_status st =
        query(c, "view_access_key_list", ref, json_pack("{s:s}", "account_id", account_id ? account_id : ""), &r, err);
    if (st)
        return st;
    json_t *keys = json_object_get(r, "keys");
    size_t n = json_array_size(keys);
    if (!json_is_array(keys)) {
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_access_key_list answer lacks keys");
    }
    if (n) {
        out->keys = calloc(n, sizeof *out->keys);
        out->public_keys = calloc(n, sizeof *out->public_keys);
        if (!out->keys || !out->public_keys)
            goto bad;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(keys, i);
        if (near_public_key_parse(near_rpc_jstr(item, "public_key"), &out->public_keys[i]) ||
            parse_access_key(json_object_get(item, "access_key"), &out->keys[i])) {
            near_access_key_free(&out->keys[i]);
            goto bad;
        }
        out->n = i + 1;
    }
    json_decref(r);
    return NEAR_OK;
bad:
    near_access_key_list_free(out);
    json_decref(r);
    return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_access_key_list answer has an invalid key");
}

void near_call_result_free(near_call_result *r)
{
    free(r->result);
    for (size_t i = 0; i < r->n_logs; i++)
        free(r->logs[i]);
    free(r->logs);
    memset(r, 0, sizeof *r);
}

near_status near_rpc_call_function(near_rpc *c, const char *account_id, const char *method, const uint8_t *args,
                                   size_t args_len, near_block_ref ref, near_call_result *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    char *args_b64 = near_base64_encode(args, args_len);
    if (!args_b64)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory");
    json_t *fields = json_pack("{s:s, s:s, s:s}", "account_id", account_id ? account_id : "", "method_name",
                               method ? method : "", "args_base64", args_b64);
    free(args_b64);
    json_t *r;
    near_status st = query(c, "call_function", ref, fields, &r, err);
    if (st)
        return st;
    json_t *bytes = json_object_get(r, "result");
    size_t n = json_array_size(bytes);
    out->result = malloc(n + 1);
    if (!json_is_array(bytes) || !out->result) {
        json_decref(r);
        near_call_result_free(out);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "call_function answer lacks a result byte array");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *b = json_array_get(bytes, i);
        json_int_t v = json_integer_value(b);
        if (!json_is_integer(b) || v < 0 || v > 255) {
            json_decref(r);
            near_call_result_free(out);
            return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "call_function result holds a non-byte value");
        }
        out->result[i] = (uint8_t)v;
    }
    out->result[n] = 0;
    out->result_len = n;
    out->logs = near_rpc_parse_logs(json_object_get(r, "logs"), &out->n_logs, NULL, 0);
    block_of(r, &out->block_height, NULL);
    json_decref(r);
    return NEAR_OK;
}

void near_state_view_free(near_state_view *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].key);
        free(s->items[i].value);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

near_status near_rpc_view_state(near_rpc *c, const char *account_id, const uint8_t *prefix, size_t prefix_len,
                                near_block_ref ref, near_state_view *out, near_rpc_error *err)
{
    memset(out, 0, sizeof *out);
    char *prefix_b64 = near_base64_encode(prefix, prefix_len);
    if (!prefix_b64)
        return near_rpc_set_err(err, NEAR_ERR_ARG, "out of memory");
    json_t *fields = json_pack("{s:s, s:s}", "account_id", account_id ? account_id : "", "prefix_base64", prefix_b64);
    free(prefix_b64);
    json_t *r;
    near_status st = query(c, "view_state", ref, fields, &r, err);
    if (st)
        return st;
    json_t *values = json_object_get(r, "values");
    size_t n = json_array_size(values);
    if (!json_is_array(values) || (n && !(out->items = calloc(n, sizeof *out->items)))) {
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_state answer lacks values");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(values, i);
        const char *k = near_rpc_jstr(item, "key"), *v = near_rpc_jstr(item, "value");
        near_state_item *it = &out->items[i];
        out->n = i + 1;
        if (!k || !v || near_base64_decode(k, &it->key, &it->key_len) ||
            near_base64_decode(v, &it->value, &it->value_len)) {
            near_state_view_free(out);
            json_decref(r);
            return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_state item %zu is not base64 key/value", i);
        }
    }
    json_decref(r);
    return NEAR_OK;
}

near_status near_rpc_view_code(near_rpc *c, const char *account_id, near_block_ref ref, uint8_t **code,
                               size_t *code_len, uint8_t code_hash[NEAR_HASH_LEN], near_rpc_error *err)
{
    *code = NULL;
    *code_len = 0;
    json_t *r;
    near_status st =
        query(c, "view_code", ref, json_pack("{s:s}", "account_id", account_id ? account_id : ""), &r, err);
    if (st)
        return st;
    const char *b64 = near_rpc_jstr(r, "code_base64");
    if (!b64 || near_base64_decode(b64, code, code_len) ||
        (code_hash && near_rpc_jhash(json_object_get(r, "hash"), code_hash))) {
        free(*code);
        *code = NULL;
        json_decref(r);
        return near_rpc_set_err(err, NEAR_ERR_PROTOCOL, "view_code answer lacks code_base64 or hash");
    }
    json_decref(r);
    return NEAR_OK;
}

near_status near_view_function(near_rpc *c, const char *account_id, const char *method, const char *json_args,
                               near_call_result *out, near_rpc_error *err)
{
    const char *args = json_args ? json_args : "";
    return near_rpc_call_function(c, account_id, method, (const uint8_t *)args, strlen(args), NEAR_FINAL, out, err);
}
