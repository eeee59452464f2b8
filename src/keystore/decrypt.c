/* decrypt.c — POST /decrypt: read the secret profile from the contract,
 * check the job binding and the access condition, open the blob
 * (keystore.h, docs/secrets.md). Every failure is a 4xx/5xx with a
 * sentence; nothing here logs or returns a secret value except the one
 * granted reply. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"
#include "keystore/request_util.h"
#include "near/account_id.h"
#include "secrets/attest.h"
#include "secrets/blob.h"
#include "secrets/names.h"
#include "secrets/seed.h"

/* ------------------------------------------------------------ /decrypt */

static bool profile_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(p[i] == '-' || p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
              (p[i] >= '0' && p[i] <= '9')))
            return false;
    return true;
}

/* The job binding: request_id must name a request still pending on the
 * OutLayer contract (get_request) whose secrets_ref is (owner, profile),
 * whose sender is the caller, and whose code is the accessor's (same
 * normalised repository, or same WASM hash). So a token holder cannot ask
 * for secrets on behalf of a caller or a program that has no job. */
static int check_request(const ks_state *ks, const json_t *rid, const sec_accessor *a, const char *profile,
                         const char *owner, const char *caller, char *why, size_t whylen)
{
    char id[32], err[512];
    if (json_is_integer(rid) && json_integer_value(rid) >= 0)
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(rid));
    else if (json_is_string(rid) && strlen(json_string_value(rid)) > 0 && strlen(json_string_value(rid)) < 21 &&
             strspn(json_string_value(rid), "0123456789") == strlen(json_string_value(rid)))
        snprintf(id, sizeof id, "%s", json_string_value(rid));
    else
        return snprintf(why, whylen, "request_id (the OutLayer request id, an unsigned integer) is required"), -1;
    char args[64], *raw = NULL;
    snprintf(args, sizeof args, "{\"request_id\":%s}", id);
    if (ks->chain.view(ks->chain.ctx, ks->contract_id, "get_request", args, &raw, err, sizeof err))
        return snprintf(why, whylen, "cannot read request %s: %.400s", id, err), -1;
    /* payment is a bare u128 number, beyond jansson's integers */
    json_t *q = json_loads(raw, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    free(raw);
    int rc = -1;
    const json_t *ref = json_object_get(q, "secrets_ref"), *cs = json_object_get(q, "code_source");
    const char *sender = json_string_value(json_object_get(q, "sender_id"));
    const char *ref_owner = json_string_value(json_object_get(ref, "account_id"));
    const char *ref_profile = json_string_value(json_object_get(ref, "profile"));
    const json_t *gh = json_object_get(cs, "GitHub"), *url = json_object_get(cs, "WasmUrl");
    char norm[SEC_REPO_MAX], hash[SEC_HASH_HEX + 1];
    if (!json_is_object(q))
        snprintf(why, whylen, "request %s is not pending", id);
    else if (!ref_owner || !ref_profile || strcmp(ref_owner, owner) || strcmp(ref_profile, profile))
        snprintf(why, whylen, "request %s does not refer to secrets profile '%s' of %s", id, profile, owner);
    else if (!sender || strcmp(sender, caller))
        snprintf(why, whylen, "request %s was sent by %s, not by %s", id, sender ? sender : "?", caller);
    else if (a->is_wasm_hash
                 ? !(url &&
                     sec_hash_normalize(json_string_value(json_object_get(url, "hash")), hash, err, sizeof err) == 0 &&
                     strcmp(hash, a->hash) == 0)
                 : !(gh &&
                     sec_repo_normalize(json_string_value(json_object_get(gh, "repo")), norm, sizeof norm, err,
                                        sizeof err) == 0 &&
                     strcmp(norm, a->repo) == 0))
        snprintf(why, whylen, "request %s runs other code than the accessor names", id);
    else
        rc = 0;
    json_decref(q);
    return rc;
}

void ks_decrypt(const ks_state *ks, const json_t *req, ks_reply *r)
{
    char err[512], why[512];
    sec_accessor a;
    bool bad = false;
    const char *profile = ks_opt_string(req, "profile", &bad);
    const char *owner = ks_opt_string(req, "owner", &bad);
    const char *caller = ks_opt_string(req, "user_account_id", &bad);
    const char *task_id = ks_opt_string(req, "task_id", &bad);
    if (bad)
        return ks_error(r, 400, "profile, owner, user_account_id and task_id must be strings");
    if (!json_object_get(req, "accessor"))
        return ks_error(r, 400, "field 'accessor' is required");
    if (ks_parse_accessor(json_object_get(req, "accessor"), &a, err, sizeof err))
        return ks_error(r, 400, "%s", err);
    if (!profile || !profile_ok(profile))
        return ks_error(r, 400, "field 'profile' is required: 1-64 letters, digits, '-' or '_'");
    if (!owner || !near_account_id_valid(owner, why, sizeof why))
        return ks_error(r, 400, "field 'owner' must be a valid account id");
    if (!caller)
        caller = owner; /* as the reference's worker does */
    if (!near_account_id_valid(caller, why, sizeof why))
        return ks_error(r, 400, "field 'user_account_id' must be a valid account id");
    if (task_id && strlen(task_id) > 128)
        return ks_error(r, 400, "field 'task_id' is longer than 128 bytes");
    char who[SEC_SEED_MAX];
    if (sec_seed_build(&a, owner, who, sizeof who, err, sizeof err))
        return ks_error(r, 400, "%s", err);

    if (ks->require_attestation) {
        const json_t *att = json_object_get(req, "attestation");
        char text[SEC_SEED_MAX + 512];
        long long ts = (long long)json_integer_value(json_object_get(att, "timestamp"));
        sec_attestation_text(text, sizeof text, ts, task_id, who, profile, caller);
        if (ks_check_attestation(ks, att, text, why, sizeof why)) {
            log_warn(LOG_COMP, "decrypt refused task=%s accessor=%s: %s", task_id ? task_id : "-", who, why);
            return ks_error(r, 401, "Attestation verification failed: %s", why);
        }
    }
    if (!ks->contract_id || !ks->chain.view)
        return ks_error(r, 503, "this keystore has no NEAR RPC or OutLayer contract configured");
    const json_t *rid = json_object_get(req, "request_id");
    if ((rid && !json_is_null(rid)) || ks->require_request) {
        if (check_request(ks, rid, &a, profile, owner, caller, why, sizeof why)) {
            log_warn(LOG_COMP, "decrypt refused task=%s accessor=%s caller=%s: %s", task_id ? task_id : "-", who,
                     caller, why);
            return ks_error(r, 401, "Request verification failed: %s", why);
        }
    }

    /* get_secrets: the contract falls back from a branch to the
     * all-branches entry and says which one it returned (accessor). */
    json_t *args = a.is_wasm_hash ? json_pack("{s:{s:{s:s}},s:s,s:s}", "accessor", "WasmHash", "hash", a.hash,
                                              "profile", profile, "owner", owner)
                                  : json_pack("{s:{s:{s:s,s:o}},s:s,s:s}", "accessor", "Repo", "repo", a.repo, "branch",
                                              a.has_branch ? json_string(a.branch) : json_null(), "profile", profile,
                                              "owner", owner);
    char *args_text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    char *raw = NULL;
    int vr = args_text ? ks->chain.view(ks->chain.ctx, ks->contract_id, "get_secrets", args_text, &raw, err, sizeof err)
                       : -1;
    free(args_text);
    if (vr != 0) {
        log_warn(LOG_COMP, "decrypt task=%s accessor=%s: get_secrets failed: %s", task_id ? task_id : "-", who, err);
        return ks_error(r, 502, "Failed to read secrets from contract %s: %s", ks->contract_id, err);
    }
    json_t *prof = json_loads(raw, JSON_DECODE_ANY, NULL);
    free(raw);
    if (!prof)
        return ks_error(r, 502, "get_secrets of %s returned something that is not JSON", ks->contract_id);
    if (json_is_null(prof)) {
        json_decref(prof);
        log_info(LOG_COMP, "decrypt task=%s accessor=%s profile=%s: not found", task_id ? task_id : "-", who, profile);
        return ks_error(r, 404, "Secrets not found in contract for %s, profile '%s'", who, profile);
    }
    /* The seed follows the entry the contract returned: a branch request
     * served by the all-branches entry uses the all-branches key. */
    sec_accessor stored = a;
    const json_t *stored_acc = json_object_get(prof, "accessor");
    if (!a.is_wasm_hash && stored_acc) {
        sec_accessor s2;
        if (ks_parse_accessor(stored_acc, &s2, err, sizeof err) == 0 && !s2.is_wasm_hash &&
            strcmp(s2.repo, a.repo) == 0)
            stored = s2;
        else
            stored.has_branch = false, stored.branch[0] = 0;
    }
    char seed[SEC_SEED_MAX];
    if (sec_seed_build(&stored, owner, seed, sizeof seed, err, sizeof err)) {
        json_decref(prof);
        return ks_error(r, 400, "%s", err);
    }
    /* Access condition, for the account that asked for the execution. */
    sec_cond *cond = NULL;
    if (sec_cond_parse(json_object_get(prof, "access"), &cond, err, sizeof err)) {
        json_decref(prof);
        log_warn(LOG_COMP, "decrypt task=%s seed=%s caller=%s: denied, stored condition invalid: %s",
                 task_id ? task_id : "-", seed, caller, err);
        return ks_error(r, 401, "Access denied by access condition: the stored condition is invalid (%s)", err);
    }
    bool granted = sec_cond_check(cond, caller, &ks->chain, why, sizeof why);
    sec_cond_free(cond);
    if (!granted) {
        json_decref(prof);
        log_info(LOG_COMP, "decrypt task=%s seed=%s caller=%s: denied: %s", task_id ? task_id : "-", seed, caller, why);
        return ks_error(r, 401, "Access denied by access condition: %s", why);
    }
    const char *blob = json_string_value(json_object_get(prof, "encrypted_secrets"));
    if (!blob) {
        json_decref(prof);
        return ks_error(r, 502, "get_secrets returned no encrypted_secrets string");
    }
    sec_keys k;
    uint8_t *plain = NULL;
    size_t n = 0;
    sec_blob_kind kind;
    if (sec_kdf_derive(ks->master, seed, &k)) {
        json_decref(prof);
        return ks_error(r, 500, "key derivation failed");
    }
    int orc = sec_blob_open(&k, blob, &plain, &n, &kind, err, sizeof err);
    sec_keys_wipe(&k);
    json_decref(prof);
    if (orc) {
        log_warn(LOG_COMP, "decrypt task=%s seed=%s: %s", task_id ? task_id : "-", seed, err);
        return ks_error(r, 422, "Decryption failed: %s", err);
    }
    json_t *obj = NULL;
    if (sec_secrets_parse((const char *)plain, n, kind, &obj, err, sizeof err)) {
        sec_wipe_free(plain, n + 1);
        log_warn(LOG_COMP, "decrypt task=%s seed=%s: bad plaintext: %s", task_id ? task_id : "-", seed, err);
        return ks_error(r, 422, "Decrypted secrets are not acceptable: %s", err);
    }
    size_t count = json_object_size(obj);
    json_decref(obj);
    size_t b64cap = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64cap);
    if (!b64) {
        sec_wipe_free(plain, n + 1);
        return ks_error(r, 500, "out of memory");
    }
    sodium_bin2base64(b64, b64cap, plain, n, sodium_base64_VARIANT_ORIGINAL);
    sec_wipe_free(plain, n + 1);
    r->status = 200;
    r->body = json_pack("{s:s}", "plaintext_secrets", b64);
    sec_wipe_free(b64, b64cap);
    log_info(LOG_COMP, "decrypt task=%s seed=%s profile=%s caller=%s: granted (%zu secrets)", task_id ? task_id : "-",
             seed, profile, caller, count);
}
