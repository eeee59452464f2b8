/*
 * secrets.c — the execute step's secrets (spec worker §8.3 step 4, §11):
 * a request with secrets_ref gets its decrypted secrets from the keystore
 * (src/secrets/client.h) before the program runs, or fails with the
 * keystore's user-facing sentence and its category.
 *
 * Deliberate difference from the reference: a secrets_ref on a worker with
 * no keystore configured is a failure, not a run without the secrets (a
 * program that silently misses its API key fails later in ways the caller
 * cannot explain, and is still charged for it).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/encoding.h"
#include "secrets/client.h"
#include "worker/worker.h"

/* A full commit id (40 hex digits) rather than a branch or tag name. */
static bool is_commit_id(const char *s)
{
    if (!s || strlen(s) != 40)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
            return false;
    return true;
}

int wk_fetch_secrets(const wk_worker *w, const wk_request *r, json_t **env, char category[32], char *err, size_t errlen)
{
    *env = NULL;
    category[0] = 0;
    if (!r->has_secrets)
        return 0;
    if (!w->cfg.keystore_url || !w->cfg.keystore_url[0]) {
        snprintf(category, 32, "failed");
        snprintf(err, errlen,
                 "This worker has no keystore configured, so the secrets this request names (profile '%s' of %s) "
                 "cannot be provided; the program was not run",
                 r->secrets_profile, r->secrets_owner);
        return -1;
    }
    /* Spec §11: with a TEE mode the quote is base64(SHA-256 of our
     * executable); with none, the client's base64("no-attestation"). */
    char *quote = strcmp(w->cfg.tee ? w->cfg.tee : "none", "none") != 0 ? near_base64_encode(w->exe_hash, 32) : NULL;
    sec_keystore_client c = {
        .base_url = w->cfg.keystore_url,
        .token = w->cfg.keystore_token,
        .timeout_ms = 30000,
        .tee_type = w->cfg.tee,
        .quote_b64 = quote,
        /* The operator key: in a TEE deployment it is the function-call key
         * the register contract added for this worker, which is what a
         * --require-attestation keystore checks (docs/secrets.md). */
        .worker_key = &w->chain.keypair,
    };
    sec_decrypt_request q = {
        .profile = r->secrets_profile,
        .owner = r->secrets_owner,
        .caller = r->user_account_id ? r->user_account_id : r->secrets_owner,
        .task_id = r->data_id,
        .has_request_id = true,
        .request_id = r->request_id,
    };
    if (r->source.is_git) {
        q.repo = r->source.repo;
        /* A branch name binds branch-specific secrets; a commit id names no
         * branch (the all-branches secrets apply). */
        q.branch = is_commit_id(r->source.commit) ? NULL : r->source.commit;
    } else {
        q.wasm_hash = r->source.hash;
    }
    char msg[WK_ERR];
    sec_fetch_status st = sec_keystore_decrypt(&c, &q, env, msg, sizeof msg);
    free(quote);
    if (st == SEC_FETCH_OK)
        return 0;
    snprintf(category, 32, "%s",
             st == SEC_FETCH_DENIED       ? "access_denied"
             : st == SEC_FETCH_USER_ERROR ? "custom"
                                          : "failed");
    snprintf(err, errlen, "%s", msg);
    return -1;
}

void wk_secrets_free(json_t *secrets)
{
    if (!secrets)
        return;
    const char *k;
    json_t *v;
    /* jansson owns the strings: overwrite them in place before the free. */
    json_object_foreach(secrets, k, v)
    {
        if (json_is_string(v))
            sodium_memzero((char *)json_string_value(v), json_string_length(v));
    }
    json_decref(secrets);
}
