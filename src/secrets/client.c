/* client.c — see client.h. */
#include "secrets/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/http_client.h"
#include "near/encoding.h"
#include "secrets/attest.h"
#include "secrets/blob.h"
#include "secrets/seed.h"

static json_t *attestation(const sec_keystore_client *c, const sec_decrypt_request *r, const sec_accessor *a, char *err,
                           size_t errlen)
{
    long long now = (long long)time(NULL);
    json_t *att = json_pack("{s:s,s:s,s:I}", "tee_type", c->tee_type ? c->tee_type : "none", "quote",
                            c->quote_b64 ? c->quote_b64 : "bm8tYXR0ZXN0YXRpb24=", "timestamp", (json_int_t)now);
    if (!c->worker_key) {
        json_object_set_new(att, "worker_pubkey", json_null());
        return att;
    }
    char who[SEC_SEED_MAX], text[SEC_SEED_MAX + 512], pk[NEAR_KEY_TEXT_MAX], sig_text[NEAR_KEY_TEXT_MAX];
    if (sec_seed_build(a, r->owner, who, sizeof who, err, errlen)) {
        json_decref(att);
        return NULL;
    }
    sec_attestation_text(text, sizeof text, now, r->task_id, who, r->profile, r->caller ? r->caller : r->owner);
    near_signature sig;
    if (near_sign(c->worker_key, (const uint8_t *)text, strlen(text), &sig) != 0) {
        snprintf(err, errlen, "cannot sign the attestation");
        json_decref(att);
        return NULL;
    }
    near_public_key_format(&c->worker_key->public_key, pk);
    near_signature_format(&sig, sig_text);
    json_object_set_new(att, "worker_pubkey", json_string(pk));
    json_object_set_new(att, "signature", json_string(sig_text));
    return att;
}

sec_fetch_status sec_keystore_decrypt(const sec_keystore_client *c, const sec_decrypt_request *r, json_t **env,
                                      char *msg, size_t msglen)
{
    char err[512];
    sec_accessor a;
    *env = NULL;
    if (sec_accessor_make(&a, r->wasm_hash ? NULL : r->repo, r->wasm_hash ? NULL : r->branch, r->wasm_hash, err,
                          sizeof err)) {
        snprintf(msg, msglen, "Invalid secrets request: %s", err);
        return SEC_FETCH_USER_ERROR;
    }
    const char *ctx = a.is_wasm_hash ? "WASM hash and profile" : "repository, branch, and profile";
    json_t *acc = a.is_wasm_hash ? json_pack("{s:s,s:s}", "type", "WasmHash", "hash", a.hash)
                                 : json_pack("{s:s,s:s}", "type", "Repo", "repo", a.repo);
    if (!a.is_wasm_hash && a.has_branch)
        json_object_set_new(acc, "branch", json_string(a.branch));
    json_t *att = attestation(c, r, &a, err, sizeof err);
    if (!att) {
        json_decref(acc);
        snprintf(msg, msglen, "Invalid secrets request: %s", err);
        return SEC_FETCH_USER_ERROR;
    }
    json_t *body = json_pack("{s:o,s:s,s:s,s:s,s:o,s:o}", "accessor", acc, "profile", r->profile ? r->profile : "",
                             "owner", r->owner ? r->owner : "", "user_account_id", r->caller ? r->caller : r->owner,
                             "attestation", att, "task_id", r->task_id ? json_string(r->task_id) : json_null());
    if (body && r->has_request_id)
        json_object_set_new(body, "request_id", json_integer((json_int_t)r->request_id));
    char url[1024];
    snprintf(url, sizeof url, "%s/decrypt", c->base_url);
    hc_options o = {.timeout_ms = c->timeout_ms ? c->timeout_ms : 30000,
                    .bearer = c->token,
                    .max_response = SEC_BLOB_B64_MAX + 4096};
    long status = 0;
    json_t *out = NULL;
    int rc = body ? hc_post_json(url, body, &o, &status, &out, err, sizeof err) : -1;
    json_decref(body);
    if (rc != 0) {
        snprintf(msg, msglen, "Failed to send decrypt request");
        return SEC_FETCH_FAILED;
    }
    const char *e = json_string_value(json_object_get(out, "error"));
    sec_fetch_status st = SEC_FETCH_FAILED;
    if (status >= 200 && status < 300) {
        const char *b64 = json_string_value(json_object_get(out, "plaintext_secrets"));
        uint8_t *plain = NULL;
        size_t n = 0;
        json_t *map = NULL;
        st = SEC_FETCH_USER_ERROR;
        if (!b64 || near_base64_decode(b64, &plain, &n) != 0 || memchr(plain, 0, n)) {
            snprintf(msg, msglen, "Invalid secrets format: not valid UTF-8 text");
        } else if (!(map = json_loadb((const char *)plain, n, JSON_REJECT_DUPLICATES, NULL)) || !json_is_object(map)) {
            snprintf(msg, msglen, "Invalid secrets format: must be a JSON object with string key-value pairs");
        } else {
            const char *k;
            json_t *v;
            bool ok = true;
            json_object_foreach(map, k, v) ok &= json_is_string(v);
            if (ok) {
                *env = map, map = NULL;
                st = SEC_FETCH_OK;
            } else {
                snprintf(msg, msglen, "Invalid secrets format: must be a JSON object with string key-value pairs");
            }
        }
        json_decref(map);
        if (plain)
            sec_wipe_free(plain, n + 1);
    } else if (status == 400 && e && strstr(e, "not found")) {
        snprintf(msg, msglen, "Secrets not found. Please check that secrets exist for this %s.", ctx);
        st = SEC_FETCH_USER_ERROR;
    } else if (status == 400) {
        snprintf(msg, msglen, "Invalid secrets request. Please check your secrets configuration.");
        st = SEC_FETCH_USER_ERROR;
    } else if (status == 401 && e && strstr(e, "Access denied")) {
        /* our keystore says why; keep the reference's sentence first */
        snprintf(msg, msglen,
                 "Access to secrets denied. You do not have permission to use these secrets. Check the access "
                 "conditions configured by the secret owner. (%.300s)",
                 e);
        st = SEC_FETCH_DENIED;
    } else if (status == 401 && e) {
        snprintf(msg, msglen, "Secret access error: %.400s", e); /* e.g. attestation: category failed */
    } else if (status == 401) {
        snprintf(msg, msglen, "Access to secrets denied. Check access conditions.");
        st = SEC_FETCH_DENIED;
    } else if (status == 404) {
        snprintf(msg, msglen, "Secrets not found for this %s.", ctx);
        st = SEC_FETCH_USER_ERROR;
    } else {
        snprintf(msg, msglen, "Failed to decrypt secrets. Please check your secrets configuration.%s%.300s%s",
                 e ? " (" : "", e ? e : "", e ? ")" : "");
    }
    json_decref(out);
    return st;
}
