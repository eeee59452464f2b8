/*
 * kv.c — the outlayer_v1 storage and view functions (docs/program-api.md):
 * bounds checks, per-job caps, metering, and the one result buffer that
 * result_read copies out. The work itself is the store backend's
 * (store_coord.c, store_dir.c) or the NEAR RPC client's (views.c).
 */
#include <stdlib.h>
#include <string.h>

#include "hostapi/internal.h"
#include "hostapi/kv.h"
#include "hostapi/kv_internal.h"

int hostapi_ctx_set_kv(hostapi_ctx *h, const hostapi_kv_config *cfg)
{
    hostapi_kv_state *k = calloc(1, sizeof *k);
    if (!k || (cfg->near_rpc_url && !(k->rpc_url = strdup(cfg->near_rpc_url)))) {
        free(k);
        hostapi_store_free(cfg->store);
        return -1;
    }
    k->store = cfg->store;
    k->max_storage_calls = cfg->max_storage_calls ? cfg->max_storage_calls : HOSTAPI_KV_DEFAULT_CALLS;
    k->max_storage_bytes = cfg->max_storage_bytes ? cfg->max_storage_bytes : HOSTAPI_KV_DEFAULT_BYTES;
    k->max_value = cfg->max_value ? cfg->max_value : HOSTAPI_KV_DEFAULT_MAX_VALUE;
    k->max_view_calls = cfg->max_view_calls ? cfg->max_view_calls : HOSTAPI_VIEW_DEFAULT_CALLS;
    k->max_view_result = cfg->max_view_result ? cfg->max_view_result : HOSTAPI_VIEW_DEFAULT_RESULT;
    k->max_view_bytes = cfg->max_view_bytes ? cfg->max_view_bytes : HOSTAPI_VIEW_DEFAULT_BYTES;
    hostapi_kv_free(h->kv);
    h->kv = k;
    return 0;
}

void hostapi_kv_free(hostapi_kv_state *k)
{
    if (!k)
        return;
    hostapi_store_free(k->store);
    hostapi_views_close(k);
    free(k->rpc_url);
    free(k->result);
    free(k);
}

void hostapi_store_free(hostapi_store *s)
{
    if (s)
        s->destroy(s);
}

void hostapi_kv_counts(const hostapi_ctx *h, uint32_t *storage_calls, uint32_t *view_calls)
{
    if (storage_calls)
        *storage_calls = h->kv ? h->kv->storage_calls : 0;
    if (view_calls)
        *view_calls = h->kv ? h->kv->view_calls : 0;
}

const char *hostapi_kv_store_error(const hostapi_ctx *h)
{
    return h->kv && h->kv->store ? h->kv->store->err : "";
}

/* ---- helpers ---- */

static uint64_t arg(const uint64_t *args, int i) { return (uint32_t)olw_slot_get_i32(args[i]); }

static olw_trap_code ret(uint64_t *results, int code)
{
    results[0] = olw_slot_of_i32(code);
    return OLW_TRAP_NONE;
}

static void put_le32(uint8_t *o, uint32_t n)
{
    o[0] = (uint8_t)n, o[1] = (uint8_t)(n >> 8), o[2] = (uint8_t)(n >> 16), o[3] = (uint8_t)(n >> 24);
}

/* A copy of [ptr, ptr+len) (len may be 0); NULL when outside memory. */
static uint8_t *copy_in(olw_memory *mem, uint64_t ptr, uint64_t len)
{
    const uint8_t *p = olw_memory_ptr(mem, ptr, len);
    if (!p)
        return NULL;
    uint8_t *c = malloc(len ? len : 1);
    if (c && len)
        memcpy(c, p, len);
    return c;
}

static void clear_result(hostapi_kv_state *k)
{
    free(k->result);
    k->result = NULL;
    k->result_len = 0;
}

/* Keeps res as the result and writes its length at len_ptr (checked by the caller). */
static olw_trap_code keep_result(olw_call *call, olw_memory *mem, hostapi_kv_state *k, uint64_t len_ptr, uint8_t *res,
                                 size_t len, uint64_t *results)
{
    olw_trap_code t;
    if ((t = olw_call_charge(call, len / 64 + 1))) {
        free(res);
        return t;
    }
    k->result = res;
    k->result_len = len;
    put_le32(olw_memory_ptr(mem, len_ptr, 4), (uint32_t)len);
    return ret(results, HOSTAPI_OK);
}

/* The job is over (cancelled by the watchdog, or a call timed out at the
 * deadline): end it with the time-limit trap, as http_request does. */
static bool job_over(hostapi_ctx *h, int code)
{
    if (atomic_load(&h->cancelled))
        return true;
    return h->deadline_us && code == HOSTAPI_ETIMEOUT && hostapi_now_us() + 10000 >= h->deadline_us;
}

/* ---- a call: its arguments, the opening every call shares, record and replay ---- */

/* One buffer the program passes in: [ptr, ptr+len). */
typedef struct {
    uint64_t ptr, len;
} span;

/* Which service a call needs; without it the call is EDISABLED. */
typedef enum { NEEDS_STORE, NEEDS_RPC } service;

/* A storage or view call: what the transcript records of it
 * (docs/program-api.md) and where its result's length goes. */
typedef struct kv_call {
    const char *op;          /* the host function's name */
    service needs;
    span in[3];              /* the buffers the program passed */
    int n_in;
    bool has_limit;          /* storage_list: its limit is part of the request */
    uint32_t limit;
    const uint64_t *len_ptr; /* where the result's length goes; NULL: the call makes no result */
} kv_call;

/* What the live part of a call returns besides an errno. */
enum { KV_OUT_OF_MEMORY = -1, KV_JOB_OVER = -2 };

/* The live part of a call: an errno (HOSTAPI_OK with *res, *len for a call
 * that makes a result) or KV_OUT_OF_MEMORY / KV_JOB_OVER. */
typedef int (*kv_live)(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len);

/*
 * The checks every storage and view call makes first, in this order (the
 * order is part of the API: a bad pointer is EFAULT even when the feature is
 * off): every input buffer and the 4-byte result length lie in memory, the
 * call pays fuel for the bytes it passes in, a call that produces a result
 * drops the previous one (so result_read never returns a stale result after
 * a failed call). Whether the service it needs is configured is run_call's
 * question: an EDISABLED call is recorded like any other, so a replay gives
 * the program the same answer. True to go on; false with *end set to what
 * the call returns (an errno in results, or a trap).
 */
static bool call_opens(olw_call *call, const kv_call *c, uint64_t *results, olw_trap_code *end)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t bytes = 0;
    bool in_memory = mem != NULL && (!c->len_ptr || olw_memory_ptr(mem, *c->len_ptr, 4));
    for (int i = 0; in_memory && i < c->n_in; i++) {
        in_memory = olw_memory_ptr(mem, c->in[i].ptr, c->in[i].len) != NULL;
        bytes += c->in[i].len;
    }
    if (!in_memory) {
        *end = ret(results, HOSTAPI_EFAULT);
        return false;
    }
    if ((*end = olw_call_charge(call, bytes / 64 + 1)))
        return false;
    if (!h->kv) { /* neither service configured: the call still needs a place for its (empty) result */
        hostapi_kv_config none = {0};
        if (hostapi_ctx_set_kv(h, &none)) {
            *end = olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
            return false;
        }
    }
    if (c->len_ptr)
        clear_result(h->kv);
    return true;
}

/* The request bytes the transcript holds for a call: its name, 0x00, then
 * each buffer as u32 length ‖ bytes, then storage_list's limit as u32. */
static uint8_t *encode_request(olw_memory *mem, const kv_call *c, size_t *len)
{
    size_t name = strlen(c->op) + 1, n = name + (c->has_limit ? 4 : 0);
    for (int i = 0; i < c->n_in; i++)
        n += 4 + c->in[i].len;
    uint8_t *buf = malloc(n), *o = buf;
    if (!buf)
        return NULL;
    memcpy(o, c->op, name);
    o += name;
    for (int i = 0; i < c->n_in; i++) {
        put_le32(o, (uint32_t)c->in[i].len);
        if (c->in[i].len)
            memcpy(o + 4, olw_memory_ptr(mem, c->in[i].ptr, c->in[i].len), c->in[i].len);
        o += 4 + c->in[i].len;
    }
    if (c->has_limit)
        put_le32(o, c->limit);
    *len = n;
    return buf;
}

/*
 * Runs a call after its opening: live (the store or the RPC node), or from
 * the transcript being replayed; either way the call is appended to the
 * transcript, so a replay that behaves as recorded hashes the same. A trap
 * (the job's time is up, no host memory, a replay that diverges) is not
 * recorded: the job ends there.
 */
static olw_trap_code run_call(olw_call *call, const kv_call *c, kv_live live, uint64_t *results)
{
    olw_trap_code end;
    if (!call_opens(call, c, results, &end))
        return end;
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    hostapi_kv_state *k = h->kv;
    size_t req_len = 0;
    uint8_t *req = encode_request(mem, c, &req_len), *res = NULL;
    size_t len = 0;
    int code;
    if (!req)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    if (h->replay) {
        if (!hostapi_replay_next(h, true, req, req_len, &code, &res, &len)) {
            free(req);
            return olw_call_trap(call, OLW_TRAP_HOST, "%s", h->last_error);
        }
        if (code != HOSTAPI_EDISABLED && c->needs == NEEDS_STORE)
            k->storage_calls++;
        else if (code != HOSTAPI_EDISABLED)
            k->view_calls++;
    } else if (c->needs == NEEDS_STORE ? !k->store : !k->rpc_url) {
        code = HOSTAPI_EDISABLED; /* recorded too, so a replay answers the same */
    } else {
        code = live(h, mem, c, &res, &len);
    }
    if (code == KV_OUT_OF_MEMORY || code == KV_JOB_OVER) {
        free(req);
        free(res);
        return code == KV_JOB_OVER
                   ? olw_call_trap(call, OLW_TRAP_INTERRUPTED, "time limit reached during a storage or view call")
                   : olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    }
    hostapi_transcript_entry(h, HOSTAPI_TRANSCRIPT_KV | ++h->kv_entries, req, req_len, code, res, len);
    free(req);
    if (code != HOSTAPI_OK || !c->len_ptr) {
        free(res);
        return ret(results, code);
    }
    return keep_result(call, mem, k, *c->len_ptr, res, len, results);
}

/* ---- storage ---- */

/* Common checks of a storage call: 0 to go on, or an error code. Counts the call. */
static int storage_admit(hostapi_ctx *h, uint64_t bytes)
{
    hostapi_kv_state *k = h->kv;
    if (k->storage_calls >= k->max_storage_calls)
        return HOSTAPI_ETOO_MANY;
    k->storage_calls++;
    if (bytes > k->max_storage_bytes - k->storage_bytes)
        return HOSTAPI_EJOB_BYTES;
    k->store->deadline_us = h->deadline_us;
    return HOSTAPI_OK;
}

/* A store's answer of *len bytes (get, list) counted against the job's
 * storage bytes after the request's own `spent` bytes. */
static int storage_answer(hostapi_kv_state *k, uint64_t spent, uint8_t **res, size_t *len)
{
    k->storage_bytes += spent;
    if (*len > k->max_storage_bytes - k->storage_bytes) {
        free(*res);
        *res = NULL;
        k->storage_bytes = k->max_storage_bytes;
        return HOSTAPI_EJOB_BYTES;
    }
    k->storage_bytes += *len;
    return HOSTAPI_OK;
}

static int live_get(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    hostapi_kv_state *k = h->kv;
    uint64_t kl = c->in[0].len;
    if (kl == 0)
        return HOSTAPI_EINVAL;
    if (kl > HOSTAPI_KV_MAX_KEY)
        return HOSTAPI_ETOO_BIG;
    int code = storage_admit(h, kl);
    if (code)
        return code;
    uint8_t *key = copy_in(mem, c->in[0].ptr, kl);
    if (!key)
        return KV_OUT_OF_MEMORY;
    code = k->store->get(k->store, key, (uint32_t)kl, res, len);
    free(key);
    if (job_over(h, code))
        return KV_JOB_OVER;
    return code ? code : storage_answer(k, kl, res, len);
}

static int live_set(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    hostapi_kv_state *k = h->kv;
    uint64_t kl = c->in[0].len, vl = c->in[1].len;
    if (kl == 0)
        return HOSTAPI_EINVAL;
    if (kl > HOSTAPI_KV_MAX_KEY || vl > k->max_value)
        return HOSTAPI_ETOO_BIG;
    int code = storage_admit(h, kl + vl);
    if (code)
        return code;
    uint8_t *key = copy_in(mem, c->in[0].ptr, kl), *val = copy_in(mem, c->in[1].ptr, vl);
    if (key && val)
        code = k->store->set(k->store, key, (uint32_t)kl, val, (uint32_t)vl);
    free(val);
    if (!key || !val) {
        free(key);
        return KV_OUT_OF_MEMORY;
    }
    free(key);
    if (job_over(h, code))
        return KV_JOB_OVER;
    if (code == HOSTAPI_OK)
        k->storage_bytes += kl + vl;
    return code;
}

static int live_delete(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    hostapi_kv_state *k = h->kv;
    uint64_t kl = c->in[0].len;
    if (kl == 0)
        return HOSTAPI_EINVAL;
    if (kl > HOSTAPI_KV_MAX_KEY)
        return HOSTAPI_ETOO_BIG;
    int code = storage_admit(h, kl);
    if (code)
        return code;
    uint8_t *key = copy_in(mem, c->in[0].ptr, kl);
    if (!key)
        return KV_OUT_OF_MEMORY;
    code = k->store->del(k->store, key, (uint32_t)kl);
    free(key);
    if (job_over(h, code))
        return KV_JOB_OVER;
    if (code == HOSTAPI_OK)
        k->storage_bytes += kl;
    return code;
}

static int live_list(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    hostapi_kv_state *k = h->kv;
    uint64_t pl = c->in[0].len, cl = c->in[1].len;
    if (c->limit == 0)
        return HOSTAPI_EINVAL;
    if (pl > HOSTAPI_KV_MAX_KEY || cl > HOSTAPI_KV_MAX_KEY)
        return HOSTAPI_ETOO_BIG;
    uint32_t limit = c->limit > HOSTAPI_KV_MAX_LIST ? HOSTAPI_KV_MAX_LIST : c->limit;
    int code = storage_admit(h, pl + cl);
    if (code)
        return code;
    uint8_t *prefix = copy_in(mem, c->in[0].ptr, pl), *cursor = copy_in(mem, c->in[1].ptr, cl);
    if (prefix && cursor)
        code = k->store->list(k->store, prefix, (uint32_t)pl, cursor, (uint32_t)cl, limit, res, len);
    free(prefix);
    free(cursor);
    if (!prefix || !cursor)
        return KV_OUT_OF_MEMORY;
    if (job_over(h, code))
        return KV_JOB_OVER;
    return code ? code : storage_answer(k, pl + cl, res, len);
}

/* storage_get(key_ptr, key_len, value_len_ptr) -> errno */
static olw_trap_code fn_storage_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    uint64_t lp = arg(args, 2);
    kv_call c = {.op = "storage_get", .needs = NEEDS_STORE, .in = {{arg(args, 0), arg(args, 1)}}, .n_in = 1,
                 .len_ptr = &lp};
    return run_call(call, &c, live_get, results);
}

/* storage_set(key_ptr, key_len, value_ptr, value_len) -> errno */
static olw_trap_code fn_storage_set(olw_call *call, const uint64_t *args, uint64_t *results)
{
    kv_call c = {.op = "storage_set",
                 .needs = NEEDS_STORE,
                 .in = {{arg(args, 0), arg(args, 1)}, {arg(args, 2), arg(args, 3)}},
                 .n_in = 2};
    return run_call(call, &c, live_set, results);
}

/* storage_delete(key_ptr, key_len) -> errno */
static olw_trap_code fn_storage_delete(olw_call *call, const uint64_t *args, uint64_t *results)
{
    kv_call c = {.op = "storage_delete", .needs = NEEDS_STORE, .in = {{arg(args, 0), arg(args, 1)}}, .n_in = 1};
    return run_call(call, &c, live_delete, results);
}

/* storage_list(prefix_ptr, prefix_len, cursor_ptr, cursor_len, limit, result_len_ptr) -> errno */
static olw_trap_code fn_storage_list(olw_call *call, const uint64_t *args, uint64_t *results)
{
    uint64_t lp = arg(args, 5);
    kv_call c = {.op = "storage_list",
                 .needs = NEEDS_STORE,
                 .in = {{arg(args, 0), arg(args, 1)}, {arg(args, 2), arg(args, 3)}},
                 .n_in = 2,
                 .has_limit = true,
                 .limit = (uint32_t)arg(args, 4),
                 .len_ptr = &lp};
    return run_call(call, &c, live_list, results);
}

/* ---- views ---- */

static int view_admit(hostapi_ctx *h)
{
    hostapi_kv_state *k = h->kv;
    if (k->view_calls >= k->max_view_calls)
        return HOSTAPI_ETOO_MANY;
    k->view_calls++;
    if (k->view_bytes >= k->max_view_bytes)
        return HOSTAPI_EJOB_BYTES;
    return HOSTAPI_OK;
}

/* A view's answer: its size caps. */
static int view_answer(hostapi_ctx *h, int code, uint8_t **res, size_t *len)
{
    hostapi_kv_state *k = h->kv;
    if (job_over(h, code))
        return KV_JOB_OVER;
    if (code == HOSTAPI_OK && *len > k->max_view_result)
        code = HOSTAPI_ETOO_BIG;
    else if (code == HOSTAPI_OK && *len > k->max_view_bytes - k->view_bytes) {
        k->view_bytes = k->max_view_bytes;
        code = HOSTAPI_EJOB_BYTES;
    }
    if (code) {
        free(*res);
        *res = NULL;
        return code;
    }
    k->view_bytes += *len;
    return HOSTAPI_OK;
}

/* An account id from the program: valid NEAR id (copied NUL-terminated into out[65]). */
static bool account_arg(olw_memory *mem, span s, char out[65])
{
    if (s.len < 2 || s.len > 64)
        return false;
    memcpy(out, olw_memory_ptr(mem, s.ptr, s.len), s.len);
    out[s.len] = 0;
    return hostapi_valid_account(out, s.len);
}

static int live_view_function(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    char contract[65], method[257];
    span m = c->in[1], a = c->in[2];
    if (!account_arg(mem, c->in[0], contract) || !hostapi_valid_method_name(olw_memory_ptr(mem, m.ptr, m.len), m.len))
        return HOSTAPI_EINVAL;
    if (a.len > HOSTAPI_VIEW_MAX_ARGS)
        return HOSTAPI_ETOO_BIG;
    int code = view_admit(h);
    if (code)
        return code;
    memcpy(method, olw_memory_ptr(mem, m.ptr, m.len), m.len);
    method[m.len] = 0;
    uint8_t *args = copy_in(mem, a.ptr, a.len);
    if (!args)
        return KV_OUT_OF_MEMORY;
    code = hostapi_view_function(h, contract, method, args, a.len, res, len);
    free(args);
    return view_answer(h, code, res, len);
}

static int live_view_account(hostapi_ctx *h, olw_memory *mem, const kv_call *c, uint8_t **res, size_t *len)
{
    char account[65];
    if (!account_arg(mem, c->in[0], account))
        return HOSTAPI_EINVAL;
    int code = view_admit(h);
    if (code)
        return code;
    return view_answer(h, hostapi_view_account(h, account, res, len), res, len);
}

/* view_function(contract_ptr, contract_len, method_ptr, method_len, args_ptr, args_len, result_len_ptr) -> errno */
static olw_trap_code fn_view_function(olw_call *call, const uint64_t *args, uint64_t *results)
{
    uint64_t lp = arg(args, 6);
    kv_call c = {.op = "view_function",
                 .needs = NEEDS_RPC,
                 .in = {{arg(args, 0), arg(args, 1)}, {arg(args, 2), arg(args, 3)}, {arg(args, 4), arg(args, 5)}},
                 .n_in = 3,
                 .len_ptr = &lp};
    return run_call(call, &c, live_view_function, results);
}

/* view_account(account_ptr, account_len, result_len_ptr) -> errno */
static olw_trap_code fn_view_account(olw_call *call, const uint64_t *args, uint64_t *results)
{
    uint64_t lp = arg(args, 2);
    kv_call c = {.op = "view_account", .needs = NEEDS_RPC, .in = {{arg(args, 0), arg(args, 1)}}, .n_in = 1,
                 .len_ptr = &lp};
    return run_call(call, &c, live_view_account, results);
}

/* result_read(dst_ptr, dst_len) -> errno: the last storage_get / storage_list / view_* result */
static olw_trap_code fn_result_read(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t dst = arg(args, 0), cap = arg(args, 1);
    if (!mem || !olw_memory_ptr(mem, dst, cap))
        return ret(results, HOSTAPI_EFAULT);
    hostapi_kv_state *k = h->kv;
    if (!k || !k->result)
        return ret(results, HOSTAPI_ENO_RESPONSE);
    if (cap < k->result_len)
        return ret(results, HOSTAPI_EBUFFER);
    olw_trap_code t;
    if ((t = olw_call_charge(call, k->result_len / 64 + 1)))
        return t;
    if (k->result_len)
        memcpy(olw_memory_ptr(mem, dst, k->result_len), k->result, k->result_len);
    return ret(results, HOSTAPI_OK);
}

bool hostapi_define_kv(olw_linker *l, hostapi_ctx *h)
{
    return olw_linker_define_host(l, HOSTAPI_MODULE, "storage_get", "iii>i", fn_storage_get, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "storage_set", "iiii>i", fn_storage_set, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "storage_delete", "ii>i", fn_storage_delete, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "storage_list", "iiiiii>i", fn_storage_list, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "view_function", "iiiiiii>i", fn_view_function, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "view_account", "iii>i", fn_view_account, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "result_read", "ii>i", fn_result_read, h);
}
