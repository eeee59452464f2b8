/* keys.c — ed25519 keys through libsodium; text forms with base58. */
#include "near/keys.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "near/encoding.h"

near_status near_keys_init(void) { return sodium_init() < 0 ? -1 : 0; }

size_t near_key_data_len(near_key_type type)
{
    return type == NEAR_KEY_ED25519     ? NEAR_ED25519_PUBLIC_LEN
           : type == NEAR_KEY_SECP256K1 ? NEAR_SECP256K1_PUBLIC_LEN
                                        : 0;
}

size_t near_signature_data_len(near_key_type type)
{
    return type == NEAR_KEY_ED25519     ? NEAR_ED25519_SIGNATURE_LEN
           : type == NEAR_KEY_SECP256K1 ? NEAR_SECP256K1_SIGNATURE_LEN
                                        : 0;
}

bool near_public_key_equal(const near_public_key *a, const near_public_key *b)
{
    return a->type == b->type && memcmp(a->data, b->data, near_key_data_len(a->type)) == 0;
}

static const char *type_name(near_key_type type) { return type == NEAR_KEY_SECP256K1 ? "secp256k1" : "ed25519"; }

/* Splits "curve:payload"; no prefix means ed25519. Returns the payload or
 * NULL for an unknown curve. */
static const char *split_curve(const char *text, near_key_type *type)
{
    const char *colon = strchr(text, ':');
    if (!colon) {
        *type = NEAR_KEY_ED25519;
        return text;
    }
    size_t n = (size_t)(colon - text);
    if (n == 7 && strncasecmp(text, "ed25519", 7) == 0)
        *type = NEAR_KEY_ED25519;
    else if (n == 9 && strncasecmp(text, "secp256k1", 9) == 0)
        *type = NEAR_KEY_SECP256K1;
    else
        return NULL;
    return colon + 1;
}

near_status near_public_key_parse(const char *text, near_public_key *out)
{
    near_key_type type;
    const char *payload = text ? split_curve(text, &type) : NULL;
    if (!payload)
        return NEAR_ERR_INVALID;
    near_public_key k;
    memset(&k, 0, sizeof k);
    k.type = type;
    if (near_base58_decode_exact(payload, k.data, near_key_data_len(type)) != 0)
        return NEAR_ERR_INVALID;
    *out = k;
    return NEAR_OK;
}

static char *format_typed(near_key_type type, const uint8_t *data, size_t len, char *out)
{
    int n = snprintf(out, NEAR_KEY_TEXT_MAX, "%s:", type_name(type));
    if (near_base58_encode(data, len, out + n, NEAR_KEY_TEXT_MAX - (size_t)n) < 0)
        out[0] = '\0';
    return out;
}

char *near_public_key_format(const near_public_key *key, char out[NEAR_KEY_TEXT_MAX])
{
    return format_typed(key->type, key->data, near_key_data_len(key->type), out);
}

near_status near_public_key_implicit_account(const near_public_key *key, char out[65])
{
    if (key->type != NEAR_KEY_ED25519)
        return NEAR_ERR_INVALID;
    sodium_bin2hex(out, 65, key->data, NEAR_ED25519_PUBLIC_LEN);
    return NEAR_OK;
}

near_status near_signature_parse(const char *text, near_signature *out)
{
    near_key_type type;
    const char *payload = text ? split_curve(text, &type) : NULL;
    if (!payload)
        return NEAR_ERR_INVALID;
    near_signature s;
    memset(&s, 0, sizeof s);
    s.type = type;
    if (near_base58_decode_exact(payload, s.data, near_signature_data_len(type)) != 0)
        return NEAR_ERR_INVALID;
    *out = s;
    return NEAR_OK;
}

char *near_signature_format(const near_signature *sig, char out[NEAR_KEY_TEXT_MAX])
{
    return format_typed(sig->type, sig->data, near_signature_data_len(sig->type), out);
}

near_status near_keypair_generate(near_keypair *out)
{
    uint8_t seed[NEAR_ED25519_SEED_LEN];
    randombytes_buf(seed, sizeof seed);
    near_status rc = near_keypair_from_seed(seed, out);
    sodium_memzero(seed, sizeof seed);
    return rc;
}

near_status near_keypair_from_seed(const uint8_t seed[NEAR_ED25519_SEED_LEN], near_keypair *out)
{
    memset(out, 0, sizeof *out);
    out->public_key.type = NEAR_KEY_ED25519;
    if (crypto_sign_seed_keypair(out->public_key.data, out->secret, seed) != 0)
        return NEAR_ERR_INVALID;
    return NEAR_OK;
}

near_status near_keypair_parse_secret(const char *text, near_keypair *out)
{
    near_key_type type;
    const char *payload = text ? split_curve(text, &type) : NULL;
    if (!payload || type != NEAR_KEY_ED25519)
        return NEAR_ERR_INVALID;
    uint8_t raw[NEAR_ED25519_SECRET_LEN + 1];
    int n = near_base58_decode(payload, raw, sizeof raw);
    near_status rc = NEAR_ERR_INVALID;
    if (n == NEAR_ED25519_SEED_LEN) {
        rc = near_keypair_from_seed(raw, out);
    } else if (n == NEAR_ED25519_SECRET_LEN) {
        rc = near_keypair_from_seed(raw, out);
        /* The stored public half must be the one the seed gives. */
        if (rc == 0 && sodium_memcmp(raw + 32, out->public_key.data, 32) != 0) {
            near_keypair_wipe(out);
            rc = NEAR_ERR_INVALID;
        }
    }
    sodium_memzero(raw, sizeof raw);
    return rc;
}

char *near_keypair_format_secret(const near_keypair *kp, char out[NEAR_KEY_TEXT_MAX])
{
    return format_typed(NEAR_KEY_ED25519, kp->secret, NEAR_ED25519_SECRET_LEN, out);
}

void near_keypair_wipe(near_keypair *kp) { sodium_memzero(kp, sizeof *kp); }

near_status near_sign(const near_keypair *kp, const uint8_t *msg, size_t len, near_signature *out)
{
    memset(out, 0, sizeof *out);
    out->type = NEAR_KEY_ED25519;
    return crypto_sign_detached(out->data, NULL, msg, len, kp->secret) == 0 ? 0 : -1;
}

bool near_verify(const near_public_key *key, const uint8_t *msg, size_t len, const near_signature *sig)
{
    if (key->type != NEAR_KEY_ED25519 || sig->type != NEAR_KEY_ED25519)
        return false;
    return crypto_sign_verify_detached(sig->data, msg, len, key->data) == 0;
}
