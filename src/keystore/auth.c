/* auth.c — bearer tokens and the caller attestation of
 * --require-attestation (keystore.h, docs/secrets.md "Attestation"). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "keystore/keystore.h"
#include "near/keys.h"

int ks_add_token(ks_state *ks, const char *token)
{
    if (!token || !*token || ks->n_tokens >= KS_TOKEN_HASHES_MAX)
        return -1;
    crypto_hash_sha256(ks->token_hash[ks->n_tokens++], (const uint8_t *)token, strlen(token));
    return 0;
}

int ks_add_token_hash(ks_state *ks, const char *hex)
{
    if (ks->n_tokens >= KS_TOKEN_HASHES_MAX || sec_unhex(hex, ks->token_hash[ks->n_tokens], 32) != 0)
        return -1;
    ks->n_tokens++;
    return 0;
}

int ks_check_bearer(const ks_state *ks, const char *authorization, const char **why)
{
    if (!authorization)
        return *why = "Missing Authorization header", -1;
    if (strncmp(authorization, "Bearer ", 7) != 0 || !authorization[7])
        return *why = "Invalid Authorization format (expected: Bearer <token>)", -1;
    uint8_t h[32];
    crypto_hash_sha256(h, (const uint8_t *)authorization + 7, strlen(authorization + 7));
    int ok = 0;
    for (size_t i = 0; i < ks->n_tokens; i++)
        ok |= sodium_memcmp(h, ks->token_hash[i], 32) == 0;
    if (!ok)
        return *why = "Invalid token", -1;
    return 0;
}

int ks_check_attestation(const ks_state *ks, const json_t *att, const char *signed_text, char *why, size_t whylen)
{
    if (!json_is_object(att))
        return snprintf(why, whylen, "attestation is required by this keystore"), -1;
    json_t *ts = json_object_get(att, "timestamp");
    const char *pk_text = json_string_value(json_object_get(att, "worker_pubkey"));
    const char *sig_text = json_string_value(json_object_get(att, "signature"));
    if (!json_is_integer(ts))
        return snprintf(why, whylen, "attestation.timestamp (unix seconds) is missing"), -1;
    long long now = (long long)time(NULL), t = json_integer_value(ts);
    if (t < now - KS_ATTESTATION_MAX_AGE_S)
        return snprintf(why, whylen, "Attestation expired (older than 5 minutes)"), -1;
    if (t > now + 60)
        return snprintf(why, whylen, "attestation timestamp is in the future"), -1;
    near_public_key pk;
    near_signature sig;
    if (!pk_text || near_public_key_parse(pk_text, &pk) != 0 || pk.type != NEAR_KEY_ED25519)
        return snprintf(why, whylen, "attestation.worker_pubkey must be an ed25519:<base58> public key"), -1;
    if (!sig_text || near_signature_parse(sig_text, &sig) != 0)
        return snprintf(why, whylen, "attestation.signature must be an ed25519:<base58> signature"), -1;
    if (near_verify(&pk, (const uint8_t *)signed_text, strlen(signed_text), &sig) != 1)
        return snprintf(why, whylen, "attestation signature does not verify for worker_pubkey"), -1;
    if (!ks->register_contract || !ks->worker_key)
        return snprintf(why, whylen, "keystore misconfigured: --require-attestation needs --register-contract"), -1;
    char err[256] = "";
    int r = ks->worker_key(ks->worker_key_ctx, ks->register_contract, pk_text, ks->contract_id, err, sizeof err);
    if (r < 0)
        return snprintf(why, whylen, "cannot check worker registration: %s", err), -1;
    if (r == 0)
        return snprintf(why, whylen, "worker key %.60s is not registered with %s", pk_text, ks->register_contract), -1;
    return 0;
}
