/*
 * vmcall.c — running contracts: the VM layer's storage interface over the
 * account's data, the compiled-contract cache (by code hash), promise
 * results for callbacks, and view calls (RPC call_function).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"
#include "devnet/runtime_internal.h"
#include "near/account_id.h"
#include "near/encoding.h"
#include "near/tx_json.h"

/* ---- the VM's storage interface ---- */

static int vm_get(void *user, const uint8_t *key, size_t klen, uint8_t **value, size_t *vlen)
{
    devnet_rt_store *s = user;
    switch (devnet_data_get(&s->c->st, s->account, key, klen, value, vlen)) {
    case DEVNET_OK: return 1;
    case DEVNET_NOT_FOUND: return 0;
    default: return -1;
    }
}

static int vm_set(void *user, const uint8_t *key, size_t klen, const uint8_t *value, size_t vlen)
{
    devnet_rt_store *s = user;
    return devnet_data_set(&s->c->st, s->account, key, klen, value, vlen) == DEVNET_OK ? 0 : -1;
}

static int vm_remove(void *user, const uint8_t *key, size_t klen)
{
    devnet_rt_store *s = user;
    return devnet_data_remove(&s->c->st, s->account, key, klen) == DEVNET_OK ? 0 : -1;
}

static int vm_yield_pending(void *user, const uint8_t data_id[32])
{
    devnet_rt_store *s = user;
    sqlite3_stmt *st = devnet_stmt(&s->c->st, "SELECT account FROM yields WHERE data_id=?");
    if (!st)
        return -1;
    sqlite3_bind_blob(st, 1, data_id, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        const char *owner = (const char *)sqlite3_column_text(st, 0);
        r = owner && strcmp(owner, s->account) == 0;
    } else if (rc != SQLITE_DONE) {
        r = -1; /* a database error is the VM's storage error, not "no such yield" */
    }
    sqlite3_reset(st);
    return r;
}

nearvm_storage devnet_rt_storage(devnet_rt_store *s)
{
    return (nearvm_storage){s, vm_get, vm_set, vm_remove, vm_yield_pending};
}

static devnet_contract_cache_entry *cache_find(devnet_chain *c, const uint8_t hash[32])
{
    size_t n = sizeof c->contracts / sizeof c->contracts[0];
    for (size_t i = 0; i < n; i++)
        if (c->contracts[i].contract && !memcmp(c->contracts[i].hash, hash, 32))
            return &c->contracts[i];
    return NULL;
}

/* Puts k in the least recently used slot (under the chain lock). */
static void cache_put(devnet_chain *c, const uint8_t hash[32], nearvm_contract *k)
{
    devnet_contract_cache_entry *slot = &c->contracts[0];
    size_t n = sizeof c->contracts / sizeof c->contracts[0];
    for (size_t i = 0; i < n; i++) {
        devnet_contract_cache_entry *e = &c->contracts[i];
        if (!e->contract || e->used < slot->used)
            slot = e;
        if (!e->contract)
            break;
    }
    if (slot->contract)
        nearvm_contract_release(slot->contract);
    memcpy(slot->hash, hash, 32);
    slot->contract = k;
    slot->used = ++c->contract_clock;
}

void *devnet_contract_get(devnet_chain *c, const uint8_t hash[32], const char *account_id, int *prepare_err,
                          char *detail, size_t detail_len)
{
    devnet_contract_cache_entry *e = cache_find(c, hash);
    if (e) {
        e->used = ++c->contract_clock;
        return e->contract;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    if (devnet_code_get(&c->st, account_id, &code, &len) != DEVNET_OK)
        return NULL;
    nearvm_prepare_error perr = NEAR_PREPARE_OK;
    uint64_t t0 = devnet_now_ns();
    nearvm_contract *k = nearvm_contract_load(code, len, &perr, detail, detail_len);
    uint64_t took_ms = (devnet_now_ns() - t0) / 1000000u;
    if (took_ms >= 100 && !c->cfg.quiet) /* under the chain lock: worth knowing */
        devnet_log("info", "compiled the contract of %s (%zu bytes) on its first call: %llu ms", account_id, len,
                   (unsigned long long)took_ms);
    free(code);
    *prepare_err = (int)perr;
    if (!k)
        return NULL;
    cache_put(c, hash, k);
    return k;
}

bool devnet_contract_cached(devnet_chain *c, const uint8_t hash[32]) { return cache_find(c, hash) != NULL; }

void devnet_contract_compile_into_cache(devnet_chain *c, const uint8_t hash[32], const uint8_t *code, size_t len)
{
    pthread_mutex_lock(&c->lock);
    bool have = cache_find(c, hash) != NULL;
    pthread_mutex_unlock(&c->lock);
    if (have)
        return;
    nearvm_prepare_error perr = NEAR_PREPARE_OK;
    char detail[160];
    nearvm_contract *k = nearvm_contract_load(code, len, &perr, detail, sizeof detail);
    if (!k)
        return; /* the call will report the preparation error */
    pthread_mutex_lock(&c->lock);
    if (cache_find(c, hash))
        nearvm_contract_release(k);
    else
        cache_put(c, hash, k);
    pthread_mutex_unlock(&c->lock);
}

/* Compiles code into the cache without holding the chain lock, so that
 * block production goes on while a large contract compiles. */
static void precompile(devnet_chain *c, const uint8_t *code, size_t len)
{
    if (len > DEVNET_MAX_CONTRACT_SIZE)
        return; /* the transaction will be rejected */
    uint8_t hash[32];
    devnet_sha256(code, len, NULL, 0, hash);
    devnet_contract_compile_into_cache(c, hash, code, len);
}

void devnet_precompile_tx(devnet_chain *c, const near_transaction *tx)
{
    for (size_t i = 0; i < tx->n_actions; i++) {
        const near_action *a = &tx->actions[i];
        if (a->kind == NEAR_ACTION_DEPLOY_CONTRACT && a->bytes_len)
            precompile(c, a->bytes, a->bytes_len);
    }
}

/* Runs a function call: the cached compiled contract, or (no code, or code
 * that does not prepare) the VM's own path that reports the error. */
void devnet_rt_run_vm(devnet_chain *c, const devnet_account *acct, const char *account_id, const char *method,
                      const nearvm_context *ctx, const nearvm_storage *store, nearvm_outcome *out)
{
    static const uint8_t zero[32];
    if (!memcmp(acct->code_hash, zero, 32)) {
        nearvm_run_code(NULL, 0, method, ctx, store, out);
        return;
    }
    int perr = 0;
    char detail[160];
    nearvm_contract *k = devnet_contract_get(c, acct->code_hash, account_id, &perr, detail, sizeof detail);
    if (k) {
        nearvm_run(k, method, ctx, store, out);
        return;
    }
    uint8_t *code = NULL;
    size_t len = 0;
    if (devnet_code_get(&c->st, account_id, &code, &len) != DEVNET_OK) {
        code = NULL; /* gone or unreadable: the VM reports the missing code */
        len = 0;
    }
    nearvm_run_code(code, len, method, ctx, store, out);
    free(code);
}

/* ---- promise results ---- */

/* Loads the results of the data this receipt waited for. */
nearvm_promise_result *devnet_rt_load_promise_results(devnet_chain *c, const uint8_t (*ins)[32], size_t n)
{
    if (!n)
        return NULL;
    nearvm_promise_result *res = calloc(n, sizeof *res);
    if (!res)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *did = ins[i];
        res[i].status = NEAR_PROMISE_FAILED;
        sqlite3_stmt *s = devnet_stmt(&c->st, "SELECT has_data, data FROM received_data WHERE data_id=?");
        if (!s)
            continue;
        sqlite3_bind_blob(s, 1, did, 32, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0)) {
            size_t len = (size_t)sqlite3_column_bytes(s, 1);
            uint8_t *d = malloc(len + 1);
            if (d) {
                if (len)
                    memcpy(d, sqlite3_column_blob(s, 1), len);
                res[i].status = NEAR_PROMISE_SUCCESSFUL;
                res[i].data = d;
                res[i].len = len;
            }
        }
        sqlite3_reset(s);
    }
    return res;
}

void devnet_rt_free_promise_results(nearvm_promise_result *res, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((void *)res[i].data);
    free(res);
}

/* ---- view calls ---- */

devnet_status devnet_runtime_view_call(devnet_chain *c, const char *account_id, const char *method, const uint8_t *args,
                                       size_t args_len, uint8_t **result, size_t *result_len, json_t **logs,
                                       char **error_debug)
{
    devnet_account acct;
    *result = NULL;
    *result_len = 0;
    *logs = json_array();
    *error_debug = NULL;
    devnet_status rc = devnet_account_get(&c->st, account_id, &acct);
    if (rc != DEVNET_OK)
        return rc; /* DEVNET_NOT_FOUND: unknown account */
    nearvm_context ctx;
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
    devnet_rt_store vs = {c, account_id};
    nearvm_storage store = devnet_rt_storage(&vs);
    nearvm_outcome out;
    memset(&out, 0, sizeof out);
    /* A view never changes state, whatever the contract tries: without the
     * savepoint it does not run at all. */
    if (devnet_savepoint(&c->st) != DEVNET_OK)
        return DEVNET_ERR_DB;
    devnet_rt_run_vm(c, &acct, account_id, method, &ctx, &store, &out);
    if (devnet_rollback(&c->st) != DEVNET_OK)
        devnet_log("error", "view %s.%s: its savepoint could not be rolled back", account_id, method);
    for (size_t i = 0; i < out.logs_count; i++)
        json_array_append_new(*logs, json_string(out.logs[i]));
    if (out.error.kind != NEARVM_OK) {
        *error_debug = strdup(out.error.debug ? out.error.debug : (out.error.message ? out.error.message : "error"));
    } else if (out.return_kind == NEAR_RETURN_VALUE && out.return_len) {
        *result = malloc(out.return_len);
        if (*result) {
            memcpy(*result, out.return_data, out.return_len);
            *result_len = out.return_len;
        }
    }
    nearvm_outcome_free(&out);
    return DEVNET_OK;
}
