/*
 * tee.c — the worker's TEE side with --tee simulated (libtee, src/tee/).
 *
 * At start the worker loads the simulated platform (--tee-platform DIR, the
 * one `outlayer dev` or `outlayer tee platform` made; without it an
 * in-memory platform nobody trusts) and computes its measurements: MRTD from
 * the SHA-256 of its own executable, RTMR0..3 fixed (tee_sim_measurements).
 *
 * With --register-contract ID it then does what a worker in a real TD does:
 * makes a fresh ed25519 key (it never leaves the process), gets a quote whose
 * report_data binds that key, the register contract and the operator
 * account, and calls register_worker_key({public_key, tdx_quote_hex}) on the
 * register contract as the operator account (the contract's
 * init_worker_account), with --register-stake as the deposit. The contract
 * verifies the quote and adds the key to its own account as a function-call
 * key for resolve_execution and submit_execution_output_and_resolve on the
 * OutLayer contract; from then on the worker signs its results as the
 * register contract's account with that key (so the OutLayer contract's
 * operator must be the register contract).
 *
 * Every attestation record then carries a quote signed by the platform whose
 * report_data is task_hash || the registered key (zeros when unregistered).
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "near/encoding.h"
#include "tee/tee.h"
#include "worker/worker.h"

struct wk_tee {
    tee_sim sim;
    uint8_t measurements[5][48];
    bool registered;
    uint8_t public_key[32]; /* the registered key ("" before) */
    char register_id[65];
};

int wk_tee_setup(wk_worker *w, char *err, size_t errlen)
{
    if (!w->cfg.tee || strcmp(w->cfg.tee, "simulated") != 0) {
        if (w->cfg.register_contract && w->cfg.register_contract[0])
            return snprintf(err, errlen, "--register-contract needs --tee simulated (no TEE hardware support here)"),
                   -1;
        return 0;
    }
    wk_tee *t = calloc(1, sizeof *t);
    if (!t)
        return snprintf(err, errlen, "out of memory"), -1;
    char terr[TEE_ERR];
    const char *dir = w->cfg.tee_platform;
    int rc = dir && dir[0] ? tee_sim_load(&t->sim, dir, terr, sizeof terr)
                           : tee_sim_create(&t->sim, (int64_t)time(NULL), terr, sizeof terr);
    if (rc) {
        free(t);
        return snprintf(err, errlen, "--tee-platform: %s", terr), -1;
    }
    if (w->cfg.register_contract && w->cfg.register_contract[0] && !(dir && dir[0])) {
        tee_sim_free(&t->sim);
        free(t);
        return snprintf(err, errlen,
                        "--register-contract needs --tee-platform DIR: the platform whose root the register "
                        "contract trusts"),
               -1;
    }
    tee_sim_measurements(w->exe_hash, t->measurements);
    w->tee = t;
    char *mrtd = tee_hex(t->measurements[0], 48);
    WK_INFO("simulated TEE: platform %s, MRTD %s", dir && dir[0] ? dir : "(in memory, trusted by nobody)",
            mrtd ? mrtd : "?");
    free(mrtd);
    return 0;
}

void wk_tee_free(wk_worker *w)
{
    if (!w->tee)
        return;
    tee_sim_free(&w->tee->sim);
    sodium_memzero(w->tee, sizeof *w->tee);
    free(w->tee);
    w->tee = NULL;
}

/* One register_worker_key transaction as the operator, sent and waited for
 * (FINAL). The workers of one operator start together and share its key:
 * each takes a random gap of 0..WK_TEE_NONCE_GAP above the key's nonce (any
 * larger nonce is valid), so their transactions usually go into the same
 * block instead of the second being dropped as a reused nonce, one block
 * later. Like near_call_function otherwise. */
#define WK_TEE_NONCE_GAP 1000
static near_status send_register(wk_worker *w, near_rpc *rpc, const char *args, near_u128 stake, near_outcome *o,
                                 near_rpc_error *e)
{
    const near_keypair *kp = &w->chain.keypair;
    near_access_key_view ak;
    near_status st = near_rpc_view_access_key(rpc, w->chain.account_id, &kp->public_key, NEAR_FINAL, &ak, e);
    if (st)
        return st;
    uint64_t nonce = ak.key.nonce + 1 + randombytes_uniform(WK_TEE_NONCE_GAP + 1);
    near_access_key_view_free(&ak);
    near_block block;
    if ((st = near_rpc_block(rpc, NEAR_FINAL, &block, e)))
        return st;
    near_transaction tx;
    st = near_transaction_init(&tx, w->chain.account_id, &kp->public_key, nonce, w->cfg.register_contract, block.hash);
    near_block_free(&block);
    if (st || near_add_function_call(near_tx_actions(&tx), "register_worker_key", (const uint8_t *)args, strlen(args),
                                     UINT64_C(300000000000000), stake)) {
        if (!st)
            near_transaction_free(&tx);
        snprintf(e->message, sizeof e->message, "out of memory building the transaction");
        return NEAR_ERR_ARG;
    }
    near_signed_transaction stx;
    uint8_t hash[32];
    int bad = near_transaction_sign(&tx, kp, &stx, hash);
    near_transaction_free(&tx);
    size_t len = 0;
    uint8_t *bytes = bad ? NULL : near_signed_transaction_to_bytes(&stx, &len);
    if (!bad)
        near_signed_transaction_free(&stx);
    if (!bytes) {
        snprintf(e->message, sizeof e->message, "cannot sign the transaction");
        return NEAR_ERR_ARG;
    }
    st = near_rpc_send_tx(rpc, bytes, len, NEAR_WAIT_FINAL, o, e);
    free(bytes);
    if (st == NEAR_ERR_TIMEOUT) {
        /* It may still land: ask for it by hash (never a new transaction). */
        char hash_text[64];
        near_base58_encode(hash, 32, hash_text, sizeof hash_text);
        st = near_rpc_tx_status(rpc, hash_text, w->chain.account_id, NEAR_WAIT_FINAL, 0, o, e);
    }
    if (st)
        return st;
    if (o->kind == NEAR_OUTCOME_FAILURE)
        return NEAR_ERR_TX_FAILED;
    if (o->kind != NEAR_OUTCOME_SUCCESS) {
        snprintf(e->message, sizeof e->message, "no final status (%s)", o->final_execution_status);
        return NEAR_ERR_PROTOCOL;
    }
    return NEAR_OK;
}

static int call_register(wk_worker *w, near_rpc *rpc, const char *args, near_u128 stake, char *err, size_t errlen)
{
    for (int attempt = 1;; attempt++) {
        near_outcome o;
        near_rpc_error e = {0};
        memset(&o, 0, sizeof o);
        near_status st = send_register(w, rpc, args, stake, &o, &e);
        if (st == NEAR_OK) {
            WK_INFO("register_worker_key on %s: %.1f TGas", w->cfg.register_contract, (double)o.gas_burnt / 1e12);
            near_outcome_free(&o);
            near_rpc_error_clear(&e);
            return 0;
        }
        if (st == NEAR_ERR_TX_FAILED)
            snprintf(err, errlen, "register_worker_key refused: %s", o.failure_message);
        else
            snprintf(err, errlen, "register_worker_key: %s %s", near_status_name(st), e.message);
        near_outcome_free(&o);
        near_rpc_error_clear(&e);
        /* A refusal by the contract is final. The chain and the network may
         * be slow to start: wait a little. A nonce another worker took
         * (same gap) is already visible when we hear of it: again at once. */
        if (st == NEAR_ERR_TX_FAILED || attempt >= 8 || w->stop)
            return -1;
        WK_WARN("%s; retrying", err);
        usleep(st == NEAR_ERR_INVALID_NONCE ? (useconds_t)randombytes_uniform(20000)
                                            : (useconds_t)(200000 + randombytes_uniform(800000)));
    }
}

int wk_tee_register(wk_worker *w, char *err, size_t errlen)
{
    wk_tee *t = w->tee;
    if (!t || !w->cfg.register_contract || !w->cfg.register_contract[0])
        return 0;
    if (strlen(w->cfg.register_contract) >= sizeof t->register_id)
        return snprintf(err, errlen, "--register-contract: account id too long"), -1;
    near_keypair kp;
    if (near_keypair_generate(&kp))
        return snprintf(err, errlen, "cannot generate the worker key"), -1;
    uint8_t rd[64], *quote = NULL;
    size_t qlen = 0;
    char terr[TEE_ERR];
    tee_report_data(kp.public_key.data, w->cfg.register_contract, w->chain.account_id, rd);
    if (tee_sim_quote(&t->sim, 4, t->measurements, rd, TEE_TD_ATTRIBUTES_OK, 0, &quote, &qlen, terr, sizeof terr)) {
        near_keypair_wipe(&kp);
        return snprintf(err, errlen, "quote: %s", terr), -1;
    }
    char key[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp.public_key, key);
    char *hex = tee_hex(quote, qlen);
    free(quote);
    json_t *a = hex ? json_pack("{s:s, s:s}", "public_key", key, "tdx_quote_hex", hex) : NULL;
    char *args = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    free(hex);
    near_rpc *rpc = near_rpc_new(w->cfg.rpc_url);
    near_u128 stake = 0;
    int rc = -1;
    if (!args || !rpc) {
        snprintf(err, errlen, "out of memory");
    } else if (near_u128_parse(w->cfg.register_stake ? w->cfg.register_stake : "0", &stake) != 0) {
        snprintf(err, errlen, "--register-stake: expected yoctoNEAR digits");
    } else {
        rc = call_register(w, rpc, args, stake, err, errlen);
    }
    free(args);
    near_rpc_free(rpc);
    if (rc) {
        near_keypair_wipe(&kp);
        return -1;
    }
    /* Results are signed from now on as the register contract's account
     * with the registered key (its nonce is read on first use). */
    pthread_mutex_lock(&w->chain.mu);
    near_keypair_wipe(&w->chain.keypair);
    w->chain.keypair = kp;
    snprintf(w->chain.account_id, sizeof w->chain.account_id, "%s", w->cfg.register_contract);
    w->chain.next_nonce = 0;
    pthread_mutex_unlock(&w->chain.mu);
    near_keypair_wipe(&kp);
    memcpy(t->public_key, w->chain.keypair.public_key.data, 32);
    snprintf(t->register_id, sizeof t->register_id, "%s", w->cfg.register_contract);
    t->registered = true;
    WK_INFO("registered key %s with %s: resolving as %s", key, w->cfg.register_contract, w->chain.account_id);
    return 0;
}

int wk_tee_record(const wk_worker *w, const uint8_t report_data[64], json_t *record)
{
    const wk_tee *t = w->tee;
    if (!t)
        return 0;
    uint8_t rd[64] = {0}, *quote = NULL;
    size_t qlen = 0;
    char terr[TEE_ERR];
    memcpy(rd, report_data, 64);
    if (tee_sim_quote(&t->sim, 4, t->measurements, rd, TEE_TD_ATTRIBUTES_OK, 0, &quote, &qlen, terr, sizeof terr))
        return -1;
    size_t b64len = sodium_base64_ENCODED_LEN(qlen, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64) {
        free(quote);
        return -1;
    }
    sodium_bin2base64(b64, b64len, quote, qlen, sodium_base64_VARIANT_ORIGINAL);
    free(quote);
    char *m[5];
    for (int i = 0; i < 5; i++)
        m[i] = tee_hex(t->measurements[i], 48);
    json_object_set_new(record, "tdx_quote", json_string(b64));
    json_object_set_new(record, "tee", json_string("simulated"));
    json_object_set_new(record, "tee_measurements",
                        json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "mrtd", m[0], "rtmr0", m[1], "rtmr1", m[2], "rtmr2",
                                  m[3], "rtmr3", m[4]));
    if (t->registered) {
        near_public_key pk = {.type = NEAR_KEY_ED25519};
        memcpy(pk.data, t->public_key, 32);
        char key[NEAR_KEY_TEXT_MAX];
        near_public_key_format(&pk, key);
        json_object_set_new(record, "tee_public_key", json_string(key));
        json_object_set_new(record, "register_contract_id", json_string(t->register_id));
    }
    for (int i = 0; i < 5; i++)
        free(m[i]);
    free(b64);
    return 0;
}
