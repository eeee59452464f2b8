/*
 * verify_fetch.c — what `outlayer verify` fetches: the request's transaction
 * from the chain (EXPERIMENTAL_tx_status and the request's block), which
 * execute job ran it (the coordinator's public /public/jobs) and its
 * attestation record (GET /attestations/:job_id, with an API key when the
 * coordinator asks). Parsing is in verify_chain.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http_client.h"
#include "cli/verify.h"

#define PAGE 100
#define MAX_PAGES 200 /* 20 000 most recent jobs */

int vf_coord_find_job(const char *coord_url, bool by_tx, uint64_t request_id, const char *tx_hash, vf_job *out,
                      char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->job_id = -1;
    for (int page = 0; page < MAX_PAGES; page++) {
        char url[1200];
        snprintf(url, sizeof url, "%s/public/jobs?limit=%d&offset=%d", coord_url, PAGE, page * PAGE);
        long status = 0;
        json_t *list = NULL;
        hc_options opt = {.timeout_ms = 15000};
        if (hc_get_json(url, &opt, &status, &list, err, errlen))
            return -1;
        if (status != 200 || !json_is_array(list)) {
            snprintf(err, errlen, "coordinator %s/public/jobs answered HTTP %ld", coord_url, status);
            json_decref(list);
            return -1;
        }
        size_t i, n = json_array_size(list);
        json_t *j;
        int found = 0;
        json_array_foreach(list, i, j)
        {
            const char *type = json_string_value(json_object_get(j, "job_type"));
            const char *th = json_string_value(json_object_get(j, "transaction_hash"));
            json_t *rid = json_object_get(j, "request_id");
            json_t *jid = json_object_get(j, "job_id");
            if (!type || strcmp(type, "execute") != 0 || !json_is_integer(rid) || !json_is_integer(jid))
                continue;
            bool hit = by_tx ? th && strcmp(th, tx_hash) == 0 : (uint64_t)json_integer_value(rid) == request_id;
            if (!hit)
                continue;
            out->job_id = json_integer_value(jid);
            out->request_id = (uint64_t)json_integer_value(rid);
            snprintf(out->tx_hash, sizeof out->tx_hash, "%s", th ? th : "");
            const char *u = json_string_value(json_object_get(j, "user_account_id"));
            const char *w = json_string_value(json_object_get(j, "worker_id"));
            snprintf(out->sender, sizeof out->sender, "%s", u ? u : "");
            snprintf(out->worker_id, sizeof out->worker_id, "%s", w ? w : "");
            found = 1;
            break;
        }
        json_decref(list);
        if (found)
            return 0;
        if (n < PAGE)
            break;
    }
    return 1;
}

int vf_coord_attestation(const char *coord_url, const char *api_key, int64_t job_id, json_t **out, char *err,
                         size_t errlen)
{
    *out = NULL;
    char url[1200], header[300];
    snprintf(url, sizeof url, "%s/attestations/%" PRId64, coord_url, job_id);
    const char *headers[2] = {NULL, NULL};
    if (api_key && *api_key) {
        snprintf(header, sizeof header, "X-API-Key: %s", api_key);
        headers[0] = header;
    }
    hc_options opt = {.timeout_ms = 15000, .headers = headers};
    long status = 0;
    json_t *o = NULL;
    if (hc_get_json(url, &opt, &status, &o, err, errlen))
        return -1;
    if (status == 404) {
        json_decref(o);
        return 1;
    }
    if (status != 200 || !json_is_object(o)) {
        const char *e = json_string_value(json_object_get(o, "error"));
        snprintf(err, errlen, "GET /attestations/%" PRId64 ": HTTP %ld%s%s%s", job_id, status, e ? " (" : "",
                 e ? e : "", e ? ")" : "");
        if (status == 401 || status == 403)
            snprintf(err + strlen(err), errlen - strlen(err), "; give --api-key");
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}

static int block_height(near_rpc *rpc, const char *hash, uint64_t *height, char *err, size_t errlen)
{
    json_t *res = NULL;
    near_rpc_error e = {0};
    near_status st = near_rpc_call(rpc, "block", json_pack("{s:s}", "block_id", hash), 1, &res, &e);
    if (st != NEAR_OK) {
        snprintf(err, errlen, "block %s: %s", hash, e.message[0] ? e.message : near_status_name(st));
        near_rpc_error_clear(&e);
        return -1;
    }
    json_t *h = json_object_get(json_object_get(res, "header"), "height");
    int rc = json_is_integer(h) ? 0 : -1;
    if (rc == 0)
        *height = (uint64_t)json_integer_value(h);
    else
        snprintf(err, errlen, "block %s has no header.height", hash);
    json_decref(res);
    return rc;
}

int vf_chain_read(near_rpc *rpc, const char *tx_hash, const char *sender, const char *contract, vf_chain *out,
                  char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_t *res = NULL;
    near_rpc_error e = {0};
    near_status st = near_rpc_call(
        rpc, "EXPERIMENTAL_tx_status",
        json_pack("{s:s, s:s, s:s}", "tx_hash", tx_hash, "sender_account_id", sender, "wait_until", "FINAL"), 1, &res,
        &e);
    if (st != NEAR_OK) {
        snprintf(err, errlen, "transaction %s of %s: %s", tx_hash, sender,
                 e.message[0] ? e.message : near_status_name(st));
        near_rpc_error_clear(&e);
        return -1;
    }
    int rc = -1;
    uint64_t height = 0;
    const char *bhash = vf_chain_request_block(res, contract);
    if (!bhash)
        snprintf(err, errlen, "transaction %s holds no execution_requested event of %s", tx_hash, contract);
    else if (block_height(rpc, bhash, &height, err, errlen) == 0)
        rc = vf_chain_parse(res, tx_hash, contract, height, out, err, errlen);
    json_decref(res);
    return rc;
}
