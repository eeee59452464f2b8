/*
 * resolve.c — a wk_result back on chain: resolve_execution, or
 * submit_execution_output_and_resolve when the response would not fit in a
 * yield payload (spec worker §10.3), signed with the operator key.
 *
 * Nonces are tracked here rather than re-read for every transaction (the
 * reference's back-to-back transactions collide on a lagging "final" view):
 * the first transaction reads the access key, later ones count up, and an
 * InvalidNonce re-syncs from the nonce the node reports. Transient failures
 * re-send the *same* signed bytes (same hash: the chain runs it at most
 * once); only an InvalidNonce makes a new transaction. A request that is
 * already resolved or timed out is reported as WK_ALREADY_DONE: nothing
 * more can be done for it, and that is not an error.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "near/encoding.h"
#include "near/utf8.h"
#include "worker/worker.h"

#define WK_PAYLOAD_LIMIT 1024 /* NEAR's yield payload limit */
#define WK_ERROR_TRUNCATE 512
#define WK_RESOLVE_GAS UINT64_C(300000000000000)
#define WK_RESOLVE_ATTEMPTS 6

int wk_chain_init(wk_chain *c, const char *rpc_url, const char *contract_id, const char *account_id,
                  const near_keypair *kp)
{
    memset(c, 0, sizeof *c);
    if (strlen(rpc_url) >= sizeof c->rpc_url || strlen(contract_id) >= sizeof c->contract_id ||
        strlen(account_id) >= sizeof c->account_id)
        return -1;
    strcpy(c->rpc_url, rpc_url);
    strcpy(c->contract_id, contract_id);
    strcpy(c->account_id, account_id);
    c->keypair = *kp;
    pthread_mutex_init(&c->mu, NULL);
    return 0;
}

void wk_chain_destroy(wk_chain *c)
{
    near_keypair_wipe(&c->keypair);
    pthread_mutex_destroy(&c->mu);
}

static json_t *metrics_json(const wk_result *r)
{
    return json_pack("{s:I, s:I, s:o}", "instructions", (json_int_t)r->instructions, "time_ms", (json_int_t)r->time_ms,
                     "compile_time_ms",
                     r->has_compile_time ? json_integer((json_int_t)r->compile_time_ms) : json_null());
}

static json_t *opt_str(const char *s) { return s ? json_string(s) : json_null(); }

json_t *wk_response_json(const wk_result *r)
{
    return json_pack("{s:b, s:O?, s:o, s:o, s:o}", "success", r->success, "output", r->success ? r->output : NULL,
                     "error", opt_str(r->success ? NULL : r->error), "resources_used", metrics_json(r),
                     "compilation_note", opt_str(r->note));
}

static char *resolve_text(uint64_t request_id, json_t *response)
{
    json_t *args = json_pack("{s:I, s:o}", "request_id", (json_int_t)request_id, "response", response);
    char *s = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    return s;
}

char *wk_resolve_args(uint64_t request_id, const wk_result *r, const char **method)
{
    json_t *response = wk_response_json(r);
    char *payload = json_dumps(response, JSON_COMPACT);
    size_t n = payload ? strlen(payload) : 0;
    free(payload);
    if (n < WK_PAYLOAD_LIMIT) {
        *method = "resolve_execution";
        return resolve_text(request_id, response);
    }
    json_decref(response);
    if (r->success && r->output) {
        /* The output goes to contract storage; the resumed payload is small. */
        *method = "submit_execution_output_and_resolve";
        json_t *args =
            json_pack("{s:I, s:O, s:b, s:n, s:o, s:o}", "request_id", (json_int_t)request_id, "output", r->output,
                      "success", 1, "error", "resources_used", metrics_json(r), "compilation_note", opt_str(r->note));
        char *s = json_dumps(args, JSON_COMPACT);
        json_decref(args);
        return s;
    }
    /* A failure whose text is too long: cut the error at a character boundary. */
    wk_result cut = *r;
    char *err = NULL;
    char *note = NULL;
    const char *e = r->error ? r->error : "";
    size_t elen = strlen(e);
    if (elen > WK_ERROR_TRUNCATE) {
        char head[WK_ERROR_TRUNCATE + 1];
        memcpy(head, e, WK_ERROR_TRUNCATE);
        head[WK_ERROR_TRUNCATE] = 0;
        near_utf8_truncate(head, WK_ERROR_TRUNCATE);
        if (asprintf(&err, "%s... (truncated, original size: %zu bytes)", head, elen) < 0)
            err = NULL;
        cut.error = err;
    }
    if (r->note && strlen(r->note) > 200) {
        note = strdup(r->note);
        if (note)
            near_utf8_truncate(note, 200);
        cut.note = note;
    }
    cut.success = false;
    *method = "resolve_execution";
    char *s = resolve_text(request_id, wk_response_json(&cut));
    free(err);
    free(note);
    return s;
}

/* Failures that mean "this request is finished, whoever finished it". */
static bool already_done(const char *msg)
{
    return strstr(msg, "Unable to resume execution promise") || strstr(msg, "Execution request not found") ||
           strstr(msg, "Output already submitted");
}

static bool transient(near_status st)
{
    return st == NEAR_ERR_TRANSPORT || st == NEAR_ERR_HTTP || st == NEAR_ERR_TIMEOUT || st == NEAR_ERR_INTERNAL ||
           st == NEAR_ERR_UNKNOWN_BLOCK || st == NEAR_ERR_PROTOCOL;
}

static near_status take_nonce(wk_chain *c, near_rpc *rpc, uint64_t *nonce, near_rpc_error *e)
{
    pthread_mutex_lock(&c->mu);
    if (c->next_nonce == 0) {
        near_access_key_view ak;
        near_status st = near_rpc_view_access_key(rpc, c->account_id, &c->keypair.public_key, NEAR_FINAL, &ak, e);
        if (st) {
            pthread_mutex_unlock(&c->mu);
            return st;
        }
        c->next_nonce = ak.key.nonce + 1;
        near_access_key_view_free(&ak);
    }
    *nonce = c->next_nonce++;
    pthread_mutex_unlock(&c->mu);
    return NEAR_OK;
}

static void resync_nonce(wk_chain *c, uint64_t ak_nonce)
{
    pthread_mutex_lock(&c->mu);
    /* ak_nonce 0 = the node did not say: read the access key next time. */
    if (ak_nonce == 0)
        c->next_nonce = 0;
    else if (c->next_nonce <= ak_nonce)
        c->next_nonce = ak_nonce + 1;
    pthread_mutex_unlock(&c->mu);
}

/* Signs one FunctionCall with `nonce`; bytes + hash text out. */
static near_status build_tx(wk_chain *c, near_rpc *rpc, uint64_t nonce, const char *method, const char *args,
                            uint8_t **bytes, size_t *len, char hash_text[64], near_rpc_error *e)
{
    near_block block;
    near_status st = near_rpc_block(rpc, NEAR_FINAL, &block, e);
    if (st)
        return st;
    near_transaction tx;
    int rc = near_transaction_init(&tx, c->account_id, &c->keypair.public_key, nonce, c->contract_id, block.hash);
    near_block_free(&block);
    if (rc)
        return NEAR_ERR_ARG;
    if (near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)args, strlen(args), WK_RESOLVE_GAS, 0)) {
        near_transaction_free(&tx);
        return NEAR_ERR_ARG;
    }
    near_signed_transaction stx;
    uint8_t hash[NEAR_HASH_LEN];
    if (near_transaction_sign(&tx, &c->keypair, &stx, hash)) {
        near_transaction_free(&tx);
        return NEAR_ERR_ARG;
    }
    *bytes = near_signed_transaction_to_bytes(&stx, len);
    near_signed_transaction_free(&stx);
    near_base58_encode(hash, NEAR_HASH_LEN, hash_text, 64);
    return *bytes ? NEAR_OK : NEAR_ERR_ARG;
}

wk_resolve_status wk_resolve(wk_chain *c, near_rpc *rpc, uint64_t request_id, const wk_result *r, char *tx_hash,
                             char *err, size_t errlen)
{
    const char *method;
    char *args = wk_resolve_args(request_id, r, &method);
    if (tx_hash)
        tx_hash[0] = 0;
    if (!args) {
        snprintf(err, errlen, "out of memory building the resolve arguments");
        return WK_RESOLVE_FAILED;
    }
    wk_resolve_status result = WK_RESOLVE_FAILED;
    near_rpc_error e = {0};
    uint8_t *bytes = NULL;
    size_t len = 0;
    char hash_text[64] = "";
    long delay_ms = 200;
    snprintf(err, errlen, "no attempt made");
    for (int attempt = 0; attempt < WK_RESOLVE_ATTEMPTS; attempt++) {
        if (attempt > 0) {
            usleep((useconds_t)delay_ms * 1000);
            if (delay_ms < 5000)
                delay_ms *= 2;
        }
        near_status st;
        if (!bytes) {
            uint64_t nonce;
            st = take_nonce(c, rpc, &nonce, &e);
            if (st == NEAR_OK)
                st = build_tx(c, rpc, nonce, method, args, &bytes, &len, hash_text, &e);
            if (st) {
                snprintf(err, errlen, "preparing %s: %s", method, e.message[0] ? e.message : near_status_name(st));
                if (st == NEAR_ERR_ARG || !transient(st))
                    break;
                continue;
            }
            if (tx_hash)
                snprintf(tx_hash, 64, "%s", hash_text);
        }
        near_outcome out;
        st = near_rpc_send_tx(rpc, bytes, len, NEAR_WAIT_EXECUTED_OPTIMISTIC, &out, &e);
        if (st == NEAR_ERR_TIMEOUT || st == NEAR_ERR_INVALID_NONCE) {
            /* It may have landed (a timed-out wait, or our own earlier send
             * of these bytes consumed the nonce): ask by hash first. */
            near_rpc_error e2 = {0};
            near_status st2 =
                near_rpc_tx_status(rpc, hash_text, c->account_id, NEAR_WAIT_EXECUTED_OPTIMISTIC, 0, &out, &e2);
            near_rpc_error_clear(&e2);
            if (st2 == NEAR_OK)
                st = NEAR_OK;
        }
        if (st == NEAR_ERR_INVALID_NONCE) {
            WK_WARN("request %" PRIu64 ": nonce %s, re-syncing (access key nonce %" PRIu64 ")", request_id, "rejected",
                    e.ak_nonce);
            resync_nonce(c, e.ak_nonce);
            free(bytes);
            bytes = NULL;
            snprintf(err, errlen, "%s: invalid nonce", method);
            delay_ms = 50;
            continue;
        }
        if (st) {
            snprintf(err, errlen, "%s: %s", method, e.message[0] ? e.message : near_status_name(st));
            if (transient(st))
                continue;
            if (st == NEAR_ERR_INVALID_TX) {
                /* e.g. an expired block hash: a new transaction may pass. */
                free(bytes);
                bytes = NULL;
                resync_nonce(c, 0);
                continue;
            }
            break;
        }
        if (out.kind == NEAR_OUTCOME_SUCCESS) {
            result = WK_RESOLVED;
            err[0] = 0;
        } else if (out.kind == NEAR_OUTCOME_FAILURE && already_done(out.failure_message)) {
            result = WK_ALREADY_DONE;
            snprintf(err, errlen, "%s", out.failure_message);
        } else if (out.kind == NEAR_OUTCOME_FAILURE) {
            snprintf(err, errlen, "%s failed on chain: %s", method, out.failure_message);
        } else {
            snprintf(err, errlen, "%s: transaction %s has no final status", method, out.tx_hash);
            near_outcome_free(&out);
            continue;
        }
        near_outcome_free(&out);
        break;
    }
    near_rpc_error_clear(&e);
    free(bytes);
    free(args);
    return result;
}

int wk_request_pending(wk_chain *c, near_rpc *rpc, uint64_t request_id)
{
    char args[64];
    snprintf(args, sizeof args, "{\"request_id\":%" PRIu64 "}", request_id);
    near_call_result out;
    near_rpc_error e = {0};
    near_status st = near_view_function(rpc, c->contract_id, "get_request", args, &out, &e);
    near_rpc_error_clear(&e);
    if (st != NEAR_OK)
        return 1; /* unknown: let the resolve find out */
    int pending = !(out.result_len == 4 && memcmp(out.result, "null", 4) == 0);
    near_call_result_free(&out);
    return pending;
}
