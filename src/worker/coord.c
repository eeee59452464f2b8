/*
 * coord.c — the coordinator's worker API (spec worker §3, plus leases):
 * poll, claim, heartbeat, release, complete, create, the WASM cache and
 * attestations. Every call carries the bearer token; the token never
 * appears in an error message or a log line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <sodium.h>

#include "base/http_client.h"
#include "worker/worker.h"

#define COORD_TIMEOUT_MS 30000L

static char *url_of(const wk_coord *c, const char *path)
{
    char *u = NULL;
    if (asprintf(&u, "%s%s", c->base_url, path) < 0)
        return NULL;
    return u;
}

/* URL-escapes a query value or path segment (malloc'd). */
static char *esc(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *r = e ? strdup(e) : NULL;
    curl_free(e);
    return r;
}

/* One JSON call. 0 = an answer (*status, *out may be NULL), -1 = transport. */
static int call_json(const wk_coord *c, const char *method, const char *path, json_t *body, long timeout_ms,
                     long *status, json_t **out, char *err, size_t errlen)
{
    char *url = url_of(c, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    hc_options o = {.timeout_ms = timeout_ms, .bearer = c->token, .max_response = 16u << 20};
    hc_response r = {0};
    char herr[256];
    int rc = -1;
    if (url && (!body || text) &&
        hc_request(method, url, body ? "application/json" : NULL, text, text ? strlen(text) : 0, &o, &r, herr,
                   sizeof herr) == 0) {
        *status = r.status;
        if (out) {
            json_error_t je;
            *out = r.len ? json_loadb(r.body, r.len, 0, &je) : NULL;
        }
        if (r.status >= 300) {
            /* Keep the coordinator's own error text for the log. */
            snprintf(err, errlen, "%s %s: HTTP %ld %.200s", method, path, r.status, r.body ? r.body : "");
        }
        rc = 0;
    } else if (url) {
        snprintf(err, errlen, "%s %s: %s", method, path, herr);
    }
    hc_response_free(&r);
    free(url);
    free(text);
    return rc;
}

int wk_coord_poll(const wk_coord *c, int timeout_s, json_t **req, char *err, size_t errlen)
{
    *req = NULL;
    char *wid = esc(c->worker_id);
    char path[512];
    snprintf(path, sizeof path, "/executions/poll?timeout=%d&capabilities=%s&worker_id=%s", timeout_s, c->capabilities,
             wid ? wid : "");
    free(wid);
    long status = 0;
    json_t *out = NULL;
    if (call_json(c, "GET", path, NULL, (long)(timeout_s + 10) * 1000, &status, &out, err, errlen))
        return -1;
    if (status == 204) {
        json_decref(out);
        return 0;
    }
    if (status != 200 || !json_is_object(out)) {
        if (status == 200)
            snprintf(err, errlen, "poll: the answer is not a JSON object");
        json_decref(out);
        return -1;
    }
    *req = out;
    return 0;
}

int wk_coord_claim(const wk_coord *c, const wk_request *r, json_t **jobs, char *err, size_t errlen)
{
    *jobs = NULL;
    json_t *caps = json_array();
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", c->capabilities);
    for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(caps, json_string(t));
    json_t *body =
        json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:b, s:b, s:b}", "request_id", (json_int_t)r->request_id, "data_id",
                  r->data_id, "worker_id", c->worker_id, "code_source", wk_code_source_json(&r->source),
                  "resource_limits", wk_limits_json(r), "capabilities", caps, "compile_only", r->compile_only,
                  "force_rebuild", r->force_rebuild, "has_compile_result", r->compile_result != NULL);
    if (r->user_account_id)
        json_object_set_new(body, "user_account_id", json_string(r->user_account_id));
    if (r->payment)
        json_object_set_new(body, "near_payment_yocto", json_string(r->payment));
    if (r->transaction_hash)
        json_object_set_new(body, "transaction_hash", json_string(r->transaction_hash));
    if (r->lease_id)
        json_object_set_new(body, "lease_id", json_string(r->lease_id));
    long status = 0;
    json_t *out = NULL;
    int rc = call_json(c, "POST", "/jobs/claim", body, COORD_TIMEOUT_MS, &status, &out, err, errlen);
    json_decref(body);
    if (rc)
        return -1;
    if (status == 409) {
        json_decref(out);
        return 1;
    }
    json_t *list = json_object_get(out, "jobs");
    if (status != 200 || !json_is_array(list)) {
        if (status == 200)
            snprintf(err, errlen, "claim: the answer has no jobs array");
        json_decref(out);
        return -1;
    }
    *jobs = json_incref(list);
    json_decref(out);
    return 0;
}

int wk_coord_complete(const wk_coord *c, json_t *body, char *err, size_t errlen)
{
    json_object_set_new(body, "worker_id", json_string(c->worker_id));
    long status = 0;
    int rc = call_json(c, "POST", "/jobs/complete", body, COORD_TIMEOUT_MS, &status, NULL, err, errlen);
    if (rc)
        return -1;
    if (status == 409)
        return 1;
    if (status >= 400 && status < 500 && status != 408 && status != 429)
        return 2; /* refused for good */
    return status >= 200 && status < 300 ? 0 : -1;
}

int wk_coord_heartbeat(const wk_coord *c, int *renewed, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:s, s:s+, s:s, s:n}", "worker_id", c->worker_id, "worker_name", "worker-", c->worker_id,
                             "status", "online", "current_task_id");
    long status = 0;
    json_t *out = NULL;
    int rc = call_json(c, "POST", "/workers/heartbeat", body, 10000L, &status, &out, err, errlen);
    json_decref(body);
    if (rc == 0 && status >= 200 && status < 300) {
        if (renewed)
            *renewed = (int)json_integer_value(json_object_get(out, "leases_renewed"));
        json_decref(out);
        return 0;
    }
    json_decref(out);
    return -1;
}

int wk_coord_release(const wk_coord *c, const char *lease_id, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:s, s:s}", "worker_id", c->worker_id, "lease_id", lease_id);
    long status = 0;
    int rc = call_json(c, "POST", "/jobs/release", body, 10000L, &status, NULL, err, errlen);
    json_decref(body);
    return rc == 0 && status >= 200 && status < 300 ? 0 : -1;
}

int wk_coord_release_worker(const wk_coord *c, int *released, char *err, size_t errlen)
{
    json_t *body = json_pack("{s:s}", "worker_id", c->worker_id);
    long status = 0;
    json_t *out = NULL;
    int rc = call_json(c, "POST", "/workers/release-leases", body, 10000L, &status, &out, err, errlen);
    json_decref(body);
    int ok = rc == 0 && status >= 200 && status < 300;
    if (ok && released)
        *released = (int)json_integer_value(json_object_get(out, "leases_released"));
    json_decref(out);
    return ok ? 0 : -1;
}

int wk_coord_create(const wk_coord *c, json_t *body, bool *created, char *err, size_t errlen)
{
    long status = 0;
    json_t *out = NULL;
    int rc = call_json(c, "POST", "/executions/create", body, COORD_TIMEOUT_MS, &status, &out, err, errlen);
    if (rc == 0 && status >= 200 && status < 300) {
        if (created)
            *created = json_is_true(json_object_get(out, "created"));
        json_decref(out);
        return 0;
    }
    json_decref(out);
    if (rc == 0 && status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 && status != 429)
        return 1; /* the coordinator refuses this request for good */
    return -1;
}

int wk_coord_wasm_get(const wk_coord *c, const char *checksum, size_t max_bytes, uint8_t **out, size_t *len, char *err,
                      size_t errlen)
{
    *out = NULL;
    *len = 0;
    char *e = esc(checksum);
    char *url = NULL;
    if (!e || asprintf(&url, "%s/wasm/%s", c->base_url, e) < 0)
        url = NULL;
    free(e);
    if (!url)
        return -1;
    hc_options o = {.timeout_ms = 60000L, .bearer = c->token, .max_response = max_bytes};
    hc_response r = {0};
    char herr[256];
    int rc = hc_request("GET", url, NULL, NULL, 0, &o, &r, herr, sizeof herr);
    free(url);
    if (rc) {
        snprintf(err, errlen, "GET /wasm/%.64s: %s", checksum, herr);
        return -1;
    }
    if (r.status == 404) {
        hc_response_free(&r);
        return 1;
    }
    if (r.status != 200) {
        snprintf(err, errlen, "GET /wasm/%.64s: HTTP %ld", checksum, r.status);
        hc_response_free(&r);
        return -1;
    }
    *out = (uint8_t *)r.body;
    *len = r.len;
    r.body = NULL;
    hc_response_free(&r);
    return 0;
}

/* multipart/form-data by hand: four text fields and the file (spec §3.5). */
int wk_coord_wasm_upload(const wk_coord *c, const char *checksum, const char *repo_url, const char *commit,
                         const char *build_target, const uint8_t *wasm, size_t len, char *err, size_t errlen)
{
    uint8_t rnd[16];
    char boundary[64] = "----outlayer";
    randombytes_buf(rnd, sizeof rnd);
    sodium_bin2hex(boundary + 12, sizeof boundary - 12, rnd, sizeof rnd);
    char *head = NULL;
    if (asprintf(&head,
                 "--%s\r\nContent-Disposition: form-data; name=\"checksum\"\r\n\r\n%s\r\n"
                 "--%s\r\nContent-Disposition: form-data; name=\"repo_url\"\r\n\r\n%s\r\n"
                 "--%s\r\nContent-Disposition: form-data; name=\"commit_hash\"\r\n\r\n%s\r\n"
                 "--%s\r\nContent-Disposition: form-data; name=\"build_target\"\r\n\r\n%s\r\n"
                 "--%s\r\nContent-Disposition: form-data; name=\"wasm_file\"; filename=\"%s.wasm\"\r\n"
                 "Content-Type: application/wasm\r\n\r\n",
                 boundary, checksum, boundary, repo_url, boundary, commit, boundary, build_target, boundary,
                 checksum) < 0)
        return -1;
    char tail[96];
    snprintf(tail, sizeof tail, "\r\n--%s--\r\n", boundary);
    size_t hl = strlen(head), tl = strlen(tail);
    uint8_t *body = malloc(hl + len + tl);
    if (!body) {
        free(head);
        return -1;
    }
    memcpy(body, head, hl);
    memcpy(body + hl, wasm, len);
    memcpy(body + hl + len, tail, tl);
    free(head);
    char ctype[128];
    snprintf(ctype, sizeof ctype, "multipart/form-data; boundary=%s", boundary);
    char *url = url_of(c, "/wasm/upload");
    hc_options o = {.timeout_ms = 60000L, .bearer = c->token};
    hc_response r = {0};
    char herr[256];
    int rc = url ? hc_request("POST", url, ctype, body, hl + len + tl, &o, &r, herr, sizeof herr) : -1;
    free(url);
    free(body);
    if (rc) {
        snprintf(err, errlen, "POST /wasm/upload: %s", url ? herr : "out of memory");
        return -1;
    }
    int ok = r.status >= 200 && r.status < 300;
    if (!ok)
        snprintf(err, errlen, "POST /wasm/upload: HTTP %ld %.200s", r.status, r.body ? r.body : "");
    hc_response_free(&r);
    return ok ? 0 : -1;
}

int wk_coord_attest(const wk_coord *c, json_t *body, char *err, size_t errlen)
{
    long status = 0;
    int rc = call_json(c, "POST", "/attestations", body, COORD_TIMEOUT_MS, &status, NULL, err, errlen);
    return rc == 0 && status >= 200 && status < 300 ? 0 : -1;
}

int wk_coord_build_lookup(const wk_coord *c, const char *repo, const char *commit, const char *target,
                          char checksum[65], char *err, size_t errlen)
{
    char *er = esc(repo), *ec = esc(commit), *et = esc(target);
    char *path = NULL;
    int ok = er && ec && et &&
             asprintf(&path, "/public/wasm/info?repo_url=%s&commit_hash=%s&build_target=%s", er, ec, et) >= 0;
    free(er);
    free(ec);
    free(et);
    if (!ok)
        return -1;
    long status = 0;
    json_t *out = NULL;
    int rc = call_json(c, "GET", path, NULL, 10000L, &status, &out, err, errlen);
    free(path);
    if (rc || status != 200) {
        json_decref(out);
        return -1;
    }
    const char *sum = json_string_value(json_object_get(out, "checksum"));
    int found = json_is_true(json_object_get(out, "exists")) && sum && strlen(sum) == 64;
    if (found)
        memcpy(checksum, sum, 65);
    json_decref(out);
    return found ? 0 : 1;
}
