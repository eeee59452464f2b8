/* api_secrets.c — the keystore proxy routes (spec §10). The coordinator
 * builds the key-derivation seed from the accessor and the owner, forwards
 * to KEYSTORE_BASE_URL with the keystore token, and maps the answer. When
 * no keystore is configured both routes answer 503. Secrets in the bodies
 * are never logged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http_client.h"
#include "base/log.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"
#include "secrets/cond.h"
#include "secrets/seed.h"

/* Builds the seed with src/secrets' own functions, so the normalised repo,
 * the lower-cased hash and the seed are exactly what the keystore, the CLI
 * and the workers derive from the same accessor (one normalisation, see
 * secrets/seed.h). On failure replies 4xx and returns -1. resp_accessor
 * gets the accessor as the response shows it. */
static int build_seed(hs_request *req, json_t *accessor, const char *owner, char seed[SEC_SEED_MAX],
                      json_t **resp_accessor)
{
    const char *type = json_string_value(json_object_get(accessor, "type"));
    char err[256];
    sec_accessor a;
    if (!json_is_object(accessor) || !type) {
        hs_reply_error(req, 422, "field 'accessor' must be {\"type\":\"Repo\",...} or {\"type\":\"WasmHash\",...}");
        return -1;
    }
    if (strcmp(type, "Repo") == 0) {
        const char *repo = json_string_value(json_object_get(accessor, "repo"));
        json_t *br = json_object_get(accessor, "branch");
        if (!repo) {
            hs_reply_error(req, 422, "field 'accessor.repo' must be a string");
            return -1;
        }
        if (br && !json_is_null(br) && !json_is_string(br)) {
            hs_reply_error(req, 422, "field 'accessor.branch' must be a string");
            return -1;
        }
        if (sec_accessor_make(&a, repo, json_string_value(br), NULL, err, sizeof err)) {
            hs_reply_error(req, 400, "Invalid repo format: %s", err);
            return -1;
        }
    } else if (strcmp(type, "WasmHash") == 0) {
        const char *h = json_string_value(json_object_get(accessor, "hash"));
        if (!h || sec_accessor_make(&a, NULL, NULL, h, err, sizeof err)) {
            hs_reply_error(req, 400, "Invalid WASM hash: must be 64 hex characters");
            return -1;
        }
    } else {
        hs_reply_error(req, 422, "field 'accessor.type' must be Repo or WasmHash");
        return -1;
    }
    if (sec_seed_build(&a, owner, seed, SEC_SEED_MAX, err, sizeof err)) {
        hs_reply_error(req, 400, "Invalid owner account ID: %s", err);
        return -1;
    }
    if (a.is_wasm_hash)
        *resp_accessor = json_pack("{s:s, s:s}", "type", "WasmHash", "hash", a.hash);
    else {
        *resp_accessor = json_pack("{s:s, s:s}", "type", "Repo", "repo_normalized", a.repo);
        if (a.has_branch)
            json_object_set_new(*resp_accessor, "branch", json_string(a.branch));
    }
    return 0;
}

/* The optional access condition a client means to store with the secret:
 * checked here with the keystore's own parser (so an invalid pattern is a
 * 400 naming the problem whatever the keystore does) and forwarded in
 * forward_body when given (the keystore's /pubkey takes it). 0, or replies
 * 400 and returns -1. */
static int check_access(hs_request *req, json_t *body, json_t *forward_body)
{
    json_t *access = json_object_get(body, "access");
    if (!access)
        return 0;
    sec_cond *cond;
    char err[512];
    if (sec_cond_parse(access, &cond, err, sizeof err)) {
        hs_reply_error(req, 400, "invalid access condition: %s", err);
        return -1;
    }
    sec_cond_free(cond);
    if (forward_body)
        json_object_set(forward_body, "access", access);
    return 0;
}

/* Forwards; on success returns the parsed 2xx body, else replies and returns NULL. */
static json_t *forward(coord *c, hs_request *req, const char *path, json_t *body)
{
    char url[2048], err[256];
    snprintf(url, sizeof url, "%s%s", c->cfg.keystore_url, path);
    hc_options o = {.timeout_ms = 30000, .max_response = 1 << 20, .bearer = c->cfg.keystore_token};
    char *s = json_dumps(body, JSON_COMPACT);
    hc_response r;
    int rc = s ? hc_request("POST", url, "application/json", s, strlen(s), &o, &r, err, sizeof err) : -1;
    free(s);
    if (rc) {
        log_warn("keystore", "cannot reach the keystore: %s", err);
        hs_reply_error(req, 502, "Failed to connect to keystore: %s", err);
        return NULL;
    }
    json_t *j = NULL;
    if (r.status == 400)
        hs_reply_text(req, 400, r.content_type ? r.content_type : "text/plain", r.body, r.len);
    else if (r.status < 200 || r.status > 299)
        hs_reply_error(req, 502, "keystore answered HTTP %ld", r.status);
    else if (!(j = json_loadb(r.body, r.len, 0, NULL)) || !json_is_object(j)) {
        json_decref(j);
        j = NULL;
        hs_reply_error(req, 502, "Failed to parse keystore response");
    }
    hc_response_free(&r);
    return j;
}

static int common(coord *c, hs_request *req, json_t **body, const char **owner)
{
    if (!c->cfg.keystore_url || !*c->cfg.keystore_url) {
        hs_reply_error(req, 503, "Keystore is not configured (set KEYSTORE_BASE_URL)");
        return -1;
    }
    *body = hs_json_body(req);
    if (!*body)
        return -1;
    *owner = json_string_value(json_object_get(*body, "owner"));
    if (!*owner || !**owner) {
        hs_reply_error(req, 400, "Owner account ID is required");
        json_decref(*body);
        return -1;
    }
    return 0;
}

void api_secrets_pubkey(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b;
    const char *owner;
    if (common(c, req, &b, &owner))
        return;
    json_t *sj = json_object_get(b, "secrets_json");
    char seed[SEC_SEED_MAX];
    json_t *acc = NULL, *fw = NULL;
    if (!json_is_string(sj))
        hs_reply_error(req, 422, "field 'secrets_json' must be a string");
    else if (build_seed(req, json_object_get(b, "accessor"), owner, seed, &acc) == 0 &&
             check_access(req, b, fw = json_pack("{s:s, s:O}", "seed", seed, "secrets_json", sj)) == 0) {
        json_t *r = forward(c, req, "/pubkey", fw);
        const char *pk = json_string_value(json_object_get(r, "pubkey"));
        if (r && !pk)
            hs_reply_error(req, 502, "Failed to parse keystore response: no pubkey");
        else if (r)
            hs_reply_json(req, 200, json_pack("{s:O, s:s, s:s}", "accessor", acc, "owner", owner, "pubkey", pk));
        json_decref(r);
    }
    json_decref(fw);
    json_decref(acc);
    json_decref(b);
}

void api_secrets_add_generated(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b;
    const char *owner;
    if (common(c, req, &b, &owner))
        return;
    json_t *ns = json_object_get(b, "new_secrets"), *enc = json_object_get(b, "encrypted_secrets_base64");
    char seed[SEC_SEED_MAX];
    json_t *acc = NULL;
    if (!json_is_array(ns) || json_array_size(ns) == 0)
        hs_reply_error(req, 400, "At least one new secret must be specified");
    else if (enc && !json_is_null(enc) && !json_is_string(enc))
        hs_reply_error(req, 422, "field 'encrypted_secrets_base64' must be a string or null");
    else if (build_seed(req, json_object_get(b, "accessor"), owner, seed, &acc) == 0 &&
             check_access(req, b, NULL) == 0) {
        json_t *fw = json_pack("{s:s, s:O, s:O}", "seed", seed, "encrypted_secrets_base64", enc ? enc : json_null(),
                               "new_secrets", ns);
        json_t *r = forward(c, req, "/add_generated_secret", fw);
        json_decref(fw);
        if (r && (!json_is_string(json_object_get(r, "encrypted_data_base64")) ||
                  !json_is_array(json_object_get(r, "all_keys"))))
            hs_reply_error(req, 502, "Failed to parse keystore response");
        else if (r)
            hs_reply_json(req, 200, json_incref(r));
        json_decref(r);
    }
    json_decref(acc);
    json_decref(b);
}
