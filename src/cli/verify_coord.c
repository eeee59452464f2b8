/*
 * verify_coord.c — the coordinator side of `outlayer verify`: which execute
 * job ran a request (public /public/jobs) and its attestation record
 * (GET /attestations/:job_id, with an API key when the coordinator asks).
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
        if (hc_get_json(url, &opt, &status, &list, err, errlen)) return -1;
        if (status != 200 || !json_is_array(list)) {
            snprintf(err, errlen, "coordinator %s/public/jobs answered HTTP %ld", coord_url, status);
            json_decref(list);
            return -1;
        }
        size_t i, n = json_array_size(list);
        json_t *j;
        int found = 0;
        json_array_foreach(list, i, j) {
            const char *type = json_string_value(json_object_get(j, "job_type"));
            const char *th = json_string_value(json_object_get(j, "transaction_hash"));
            json_t *rid = json_object_get(j, "request_id");
            json_t *jid = json_object_get(j, "job_id");
            if (!type || strcmp(type, "execute") != 0 || !json_is_integer(rid) || !json_is_integer(jid)) continue;
            bool hit = by_tx ? th && strcmp(th, tx_hash) == 0
                             : (uint64_t)json_integer_value(rid) == request_id;
            if (!hit) continue;
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
        if (found) return 0;
        if (n < PAGE) break;
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
    if (hc_get_json(url, &opt, &status, &o, err, errlen)) return -1;
    if (status == 404) {
        json_decref(o);
        return 1;
    }
    if (status != 200 || !json_is_object(o)) {
        const char *e = json_string_value(json_object_get(o, "error"));
        snprintf(err, errlen, "GET /attestations/%" PRId64 ": HTTP %ld%s%s%s", job_id, status, e ? " (" : "",
                 e ? e : "", e ? ")" : "");
        if (status == 401 || status == 403) snprintf(err + strlen(err), errlen - strlen(err), "; give --api-key");
        json_decref(o);
        return -1;
    }
    *out = o;
    return 0;
}
