/* pricing.c — the PricingConfig from the OutLayer contract (spec §12): two
 * view calls, get_pricing -> [base_fee, per_instruction_fee, per_ms_fee,
 * per_compile_ms_fee] (decimal strings) and get_max_limits ->
 * [max_instructions, max_execution_seconds, max_compilation_seconds]. */
#include <stdio.h>
#include <string.h>

#include "coordinator/coord.h"
#include "near/rpc.h"

static json_t *view_json(near_rpc *rpc, const char *contract, const char *method, char *err, size_t n)
{
    near_call_result r;
    near_rpc_error e;
    memset(&e, 0, sizeof e);
    if (near_view_function(rpc, contract, method, "", &r, &e) != NEAR_OK) {
        snprintf(err, n, "%s.%s: %s", contract, method, e.message[0] ? e.message : near_status_name(e.status));
        return NULL;
    }
    json_t *j = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    if (!j)
        snprintf(err, n, "%s.%s did not return JSON", contract, method);
    return j;
}

int coord_pricing_fetch(const char *rpc_url, const char *contract, json_t **out, char *err, size_t n)
{
    near_rpc *rpc = near_rpc_new(rpc_url);
    if (!rpc) {
        snprintf(err, n, "cannot create an RPC client for %s", rpc_url);
        return -1;
    }
    json_t *p = view_json(rpc, contract, "get_pricing", err, n);
    json_t *l = p ? view_json(rpc, contract, "get_max_limits", err, n) : NULL;
    near_rpc_free(rpc);
    int ok = 0;
    if (p && l) {
        ok = json_is_array(p) && json_array_size(p) == 4 && json_is_array(l) && json_array_size(l) == 3;
        for (size_t i = 0; ok && i < 4; i++) {
            const char *s = json_string_value(json_array_get(p, i));
            ok = s && *s && strspn(s, "0123456789") == strlen(s);
        }
        for (size_t i = 0; ok && i < 3; i++)
            ok = json_is_integer(json_array_get(l, i)) && json_integer_value(json_array_get(l, i)) >= 0;
        if (!ok)
            snprintf(err, n, "unexpected pricing shape (want 4 decimal strings and 3 integers)");
    }
    if (ok)
        *out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "base_fee", json_array_get(p, 0), "per_instruction_fee",
                         json_array_get(p, 1), "per_ms_fee", json_array_get(p, 2), "per_compile_ms_fee",
                         json_array_get(p, 3), "max_compilation_seconds", json_array_get(l, 2), "max_instructions",
                         json_array_get(l, 0), "max_execution_seconds", json_array_get(l, 1));
    json_decref(p);
    json_decref(l);
    return ok ? 0 : -1;
}

json_t *coord_pricing(coord *c)
{
    pthread_mutex_lock(&c->pricing_mu);
    json_t *p = json_incref(c->pricing);
    pthread_mutex_unlock(&c->pricing_mu);
    return p;
}

void api_pricing_refresh(hs_request *req, void *ctx)
{
    coord *c = ctx;
    pthread_mutex_lock(&c->pricing_mu);
    int due = c->cfg.near_rpc_url && hs_now_ms() - c->pricing_updated_ms >= c->cfg.pricing_interval_ms;
    pthread_mutex_unlock(&c->pricing_mu);
    if (due) {
        json_t *fresh = NULL;
        char err[512];
        if (coord_pricing_fetch(c->cfg.near_rpc_url, c->cfg.contract_id, &fresh, err, sizeof err)) {
            /* the timestamp stays: the next call retries at once */
            hs_reply_error(req, 502, "cannot refresh pricing: %s", err);
            return;
        }
        pthread_mutex_lock(&c->pricing_mu);
        json_decref(c->pricing);
        c->pricing = fresh;
        c->pricing_updated_ms = hs_now_ms();
        pthread_mutex_unlock(&c->pricing_mu);
    }
    hs_reply_json(req, 200, coord_pricing(c));
}
