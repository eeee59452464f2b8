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
    uint8_t *o = olw_memory_ptr(mem, len_ptr, 4);
    uint32_t n = (uint32_t)len;
    o[0] = (uint8_t)n, o[1] = (uint8_t)(n >> 8), o[2] = (uint8_t)(n >> 16), o[3] = (uint8_t)(n >> 24);
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

static olw_trap_code over(olw_call *call)
{
    return olw_call_trap(call, OLW_TRAP_INTERRUPTED, "time limit reached during a storage or view call");
}

/* Common checks of a storage call: 0 to go on, or an error code. Counts the call. */
static int storage_admit(hostapi_ctx *h, uint64_t bytes)
{
    hostapi_kv_state *k = h->kv;
    if (!k || !k->store)
        return HOSTAPI_EDISABLED;
    if (k->storage_calls >= k->max_storage_calls)
        return HOSTAPI_ETOO_MANY;
    k->storage_calls++;
    if (bytes > k->max_storage_bytes - k->storage_bytes)
        return HOSTAPI_EJOB_BYTES;
    k->store->deadline_us = h->deadline_us;
    return HOSTAPI_OK;
}

/* ---- the opening every storage and view call shares ---- */

/* One buffer the program passes in: [ptr, ptr+len). */
typedef struct {
    uint64_t ptr, len;
} span;

/* Which service a call needs; without it the call is EDISABLED. */
typedef enum { NEEDS_STORE, NEEDS_RPC } service;

/*
 * The checks every storage and view call makes first, in this order (the
 * order is part of the API: a bad pointer is EFAULT even when the feature is
 * off): every input buffer and the 4-byte result length (len_ptr, when the
 * call produces a result) lie in memory, the call pays fuel for the bytes it
 * passes in, a call that produces a result drops the previous one (so
 * result_read never returns a stale result after a failed call), and the
 * service it needs is configured. True to go on; false with *end set to what
 * the call returns (an errno in results, or a fuel trap).
 */
static bool call_opens(olw_call *call, const span *in, int n_in, const uint64_t *len_ptr, service needs,
                       uint64_t *results, olw_trap_code *end)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t bytes = 0;
    bool in_memory = mem != NULL && (!len_ptr || olw_memory_ptr(mem, *len_ptr, 4));
    for (int i = 0; in_memory && i < n_in; i++) {
        in_memory = olw_memory_ptr(mem, in[i].ptr, in[i].len) != NULL;
        bytes += in[i].len;
    }
    if (!in_memory) {
        *end = ret(results, HOSTAPI_EFAULT);
        return false;
    }
    if ((*end = olw_call_charge(call, bytes / 64 + 1)))
        return false;
    hostapi_kv_state *k = h->kv;
    if (k && len_ptr)
        clear_result(k);
    if (!k || (needs == NEEDS_STORE ? !k->store : !k->rpc_url)) {
        *end = ret(results, HOSTAPI_EDISABLED);
        return false;
    }
    return true;
}

/* ---- storage ---- */

/* storage_get(key_ptr, key_len, value_len_ptr) -> errno */
static olw_trap_code fn_storage_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t kp = arg(args, 0), kl = arg(args, 1), lp = arg(args, 2);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{kp, kl}}, 1, &lp, NEEDS_STORE, results, &end))
        return end;
    hostapi_kv_state *k = h->kv;
    if (kl == 0)
        return ret(results, HOSTAPI_EINVAL);
    if (kl > HOSTAPI_KV_MAX_KEY)
        return ret(results, HOSTAPI_ETOO_BIG);
    int code = storage_admit(h, kl);
    if (code)
        return ret(results, code);
    uint8_t *key = copy_in(mem, kp, kl), *val = NULL;
    size_t vlen = 0;
    if (!key)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    code = k->store->get(k->store, key, (uint32_t)kl, &val, &vlen);
    free(key);
    if (job_over(h, code)) {
        free(val);
        return over(call);
    }
    if (code)
        return ret(results, code);
    k->storage_bytes += kl;
    if (vlen > k->max_storage_bytes - k->storage_bytes) {
        free(val);
        k->storage_bytes = k->max_storage_bytes;
        return ret(results, HOSTAPI_EJOB_BYTES);
    }
    k->storage_bytes += vlen;
    return keep_result(call, mem, k, lp, val, vlen, results);
}

/* storage_set(key_ptr, key_len, value_ptr, value_len) -> errno */
static olw_trap_code fn_storage_set(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t kp = arg(args, 0), kl = arg(args, 1), vp = arg(args, 2), vl = arg(args, 3);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{kp, kl}, {vp, vl}}, 2, NULL, NEEDS_STORE, results, &end))
        return end;
    hostapi_kv_state *k = h->kv;
    if (kl == 0)
        return ret(results, HOSTAPI_EINVAL);
    if (kl > HOSTAPI_KV_MAX_KEY || vl > k->max_value)
        return ret(results, HOSTAPI_ETOO_BIG);
    int code = storage_admit(h, kl + vl);
    if (code)
        return ret(results, code);
    uint8_t *key = copy_in(mem, kp, kl), *val = copy_in(mem, vp, vl);
    if (!key || !val) {
        free(key);
        free(val);
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    }
    code = k->store->set(k->store, key, (uint32_t)kl, val, (uint32_t)vl);
    free(key);
    free(val);
    if (job_over(h, code))
        return over(call);
    if (code == HOSTAPI_OK)
        k->storage_bytes += kl + vl;
    return ret(results, code);
}

/* storage_delete(key_ptr, key_len) -> errno */
static olw_trap_code fn_storage_delete(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t kp = arg(args, 0), kl = arg(args, 1);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{kp, kl}}, 1, NULL, NEEDS_STORE, results, &end))
        return end;
    hostapi_kv_state *k = h->kv;
    if (kl == 0)
        return ret(results, HOSTAPI_EINVAL);
    if (kl > HOSTAPI_KV_MAX_KEY)
        return ret(results, HOSTAPI_ETOO_BIG);
    int code = storage_admit(h, kl);
    if (code)
        return ret(results, code);
    uint8_t *key = copy_in(mem, kp, kl);
    if (!key)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    code = k->store->del(k->store, key, (uint32_t)kl);
    free(key);
    if (job_over(h, code))
        return over(call);
    if (code == HOSTAPI_OK)
        k->storage_bytes += kl;
    return ret(results, code);
}

/* storage_list(prefix_ptr, prefix_len, cursor_ptr, cursor_len, limit, result_len_ptr) -> errno */
static olw_trap_code fn_storage_list(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t pp = arg(args, 0), pl = arg(args, 1), cp = arg(args, 2), cl = arg(args, 3), limit = arg(args, 4),
             lp = arg(args, 5);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{pp, pl}, {cp, cl}}, 2, &lp, NEEDS_STORE, results, &end))
        return end;
    hostapi_kv_state *k = h->kv;
    if (limit == 0)
        return ret(results, HOSTAPI_EINVAL);
    if (pl > HOSTAPI_KV_MAX_KEY || cl > HOSTAPI_KV_MAX_KEY)
        return ret(results, HOSTAPI_ETOO_BIG);
    if (limit > HOSTAPI_KV_MAX_LIST)
        limit = HOSTAPI_KV_MAX_LIST;
    int code = storage_admit(h, pl + cl);
    if (code)
        return ret(results, code);
    uint8_t *prefix = copy_in(mem, pp, pl), *cursor = copy_in(mem, cp, cl), *out = NULL;
    size_t out_len = 0;
    if (!prefix || !cursor) {
        free(prefix);
        free(cursor);
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    }
    code = k->store->list(k->store, prefix, (uint32_t)pl, cursor, (uint32_t)cl, (uint32_t)limit, &out, &out_len);
    free(prefix);
    free(cursor);
    if (job_over(h, code)) {
        free(out);
        return over(call);
    }
    if (code)
        return ret(results, code);
    k->storage_bytes += pl + cl;
    if (out_len > k->max_storage_bytes - k->storage_bytes) {
        free(out);
        k->storage_bytes = k->max_storage_bytes;
        return ret(results, HOSTAPI_EJOB_BYTES);
    }
    k->storage_bytes += out_len;
    return keep_result(call, mem, k, lp, out, out_len, results);
}

/* ---- views ---- */

static int view_admit(hostapi_ctx *h)
{
    hostapi_kv_state *k = h->kv;
    if (!k || !k->rpc_url)
        return HOSTAPI_EDISABLED;
    if (k->view_calls >= k->max_view_calls)
        return HOSTAPI_ETOO_MANY;
    k->view_calls++;
    if (k->view_bytes >= k->max_view_bytes)
        return HOSTAPI_EJOB_BYTES;
    return HOSTAPI_OK;
}

/* A view's result: size caps, then kept for result_read. */
static olw_trap_code view_done(olw_call *call, olw_memory *mem, hostapi_ctx *h, int code, uint8_t *res, size_t len,
                               uint64_t lp, uint64_t *results)
{
    hostapi_kv_state *k = h->kv;
    if (job_over(h, code)) {
        free(res);
        return over(call);
    }
    if (code)
        return ret(results, code);
    if (len > k->max_view_result) {
        free(res);
        return ret(results, HOSTAPI_ETOO_BIG);
    }
    if (len > k->max_view_bytes - k->view_bytes) {
        free(res);
        k->view_bytes = k->max_view_bytes;
        return ret(results, HOSTAPI_EJOB_BYTES);
    }
    k->view_bytes += len;
    return keep_result(call, mem, k, lp, res, len, results);
}

/* An account id from the program: valid NEAR id (copied NUL-terminated into out[65]). */
static bool account_arg(olw_memory *mem, uint64_t p, uint64_t n, char out[65])
{
    if (n < 2 || n > 64)
        return false;
    memcpy(out, olw_memory_ptr(mem, p, n), n);
    out[n] = 0;
    return hostapi_valid_account(out, n);
}

/* view_function(contract_ptr, contract_len, method_ptr, method_len, args_ptr, args_len, result_len_ptr) -> errno */
static olw_trap_code fn_view_function(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t cp = arg(args, 0), cl = arg(args, 1), mp = arg(args, 2), ml = arg(args, 3), ap = arg(args, 4),
             al = arg(args, 5), lp = arg(args, 6);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{cp, cl}, {mp, ml}, {ap, al}}, 3, &lp, NEEDS_RPC, results, &end))
        return end;
    char contract[65], method[257];
    if (!account_arg(mem, cp, cl, contract) || !hostapi_valid_method_name(olw_memory_ptr(mem, mp, ml), ml))
        return ret(results, HOSTAPI_EINVAL);
    if (al > HOSTAPI_VIEW_MAX_ARGS)
        return ret(results, HOSTAPI_ETOO_BIG);
    int code = view_admit(h);
    if (code)
        return ret(results, code);
    memcpy(method, olw_memory_ptr(mem, mp, ml), ml);
    method[ml] = 0;
    uint8_t *a = copy_in(mem, ap, al), *res = NULL;
    size_t len = 0;
    if (!a)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    code = hostapi_view_function(h, contract, method, a, al, &res, &len);
    free(a);
    return view_done(call, mem, h, code, res, len, lp, results);
}

/* view_account(account_ptr, account_len, result_len_ptr) -> errno */
static olw_trap_code fn_view_account(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t ap = arg(args, 0), al = arg(args, 1), lp = arg(args, 2);
    olw_trap_code end;
    if (!call_opens(call, (span[]){{ap, al}}, 1, &lp, NEEDS_RPC, results, &end))
        return end;
    char account[65];
    if (!account_arg(mem, ap, al, account))
        return ret(results, HOSTAPI_EINVAL);
    int code = view_admit(h);
    if (code)
        return ret(results, code);
    uint8_t *res = NULL;
    size_t len = 0;
    code = hostapi_view_account(h, account, &res, &len);
    return view_done(call, mem, h, code, res, len, lp, results);
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
