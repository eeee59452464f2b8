/* keys.h — NEAR public keys, secret keys and signatures.
 *
 * ed25519 is fully supported through libsodium (generate, derive from a
 * seed, sign, verify). secp256k1 public keys and signatures can be parsed,
 * formatted and carried in transactions, but not produced or checked.
 * Text forms are "<curve>:<base58>"; a bare base58 key (no prefix) is read
 * as ed25519, as near-api-js does. A NEAR ed25519 secret key is 64 bytes:
 * the 32-byte seed followed by the 32-byte public key.
 *
 * Call sodium_init() (or near_keys_init()) once before using these. */
#ifndef OUTLAYER_NEAR_KEYS_H
#define OUTLAYER_NEAR_KEYS_H

#include <stdbool.h>

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

typedef enum near_key_type {
    NEAR_KEY_ED25519 = 0,
    NEAR_KEY_SECP256K1 = 1,
} near_key_type;

#define NEAR_ED25519_PUBLIC_LEN 32
#define NEAR_ED25519_SECRET_LEN 64
#define NEAR_ED25519_SEED_LEN 32
#define NEAR_ED25519_SIGNATURE_LEN 64
#define NEAR_SECP256K1_PUBLIC_LEN 64
#define NEAR_SECP256K1_SIGNATURE_LEN 65
/* Enough for "secp256k1:" + base58 of 65 bytes + NUL. */
#define NEAR_KEY_TEXT_MAX 128

typedef struct near_public_key {
    near_key_type type;
    uint8_t data[NEAR_SECP256K1_PUBLIC_LEN]; /* ed25519 uses the first 32 */
} near_public_key;

typedef struct near_signature {
    near_key_type type;
    uint8_t data[NEAR_SECP256K1_SIGNATURE_LEN]; /* ed25519 uses the first 64 */
} near_signature;

/* An ed25519 key pair. secret = seed ‖ public key (libsodium's layout too). */
typedef struct near_keypair {
    near_public_key public_key;
    uint8_t secret[NEAR_ED25519_SECRET_LEN];
} near_keypair;

/* Initialises libsodium; NEAR_OK on success. Safe to call many times. */
NEAR_MUST_USE near_status near_keys_init(void);

size_t near_key_data_len(near_key_type type);
size_t near_signature_data_len(near_key_type type);
bool near_public_key_equal(const near_public_key *a, const near_public_key *b);

/* "ed25519:<b58>" / "secp256k1:<b58>" / bare base58 (ed25519). NEAR_OK or NEAR_ERR_INVALID. */
NEAR_MUST_USE near_status near_public_key_parse(const char *text, near_public_key *out);
/* Writes the text form into out (NEAR_KEY_TEXT_MAX bytes). */
char *near_public_key_format(const near_public_key *key, char out[NEAR_KEY_TEXT_MAX]);
/* Lower-case hex of an ed25519 public key: its NEAR-implicit account id
 * (out must hold 65 bytes). NEAR_ERR_INVALID for other key types. */
NEAR_MUST_USE near_status near_public_key_implicit_account(const near_public_key *key, char out[65]);

NEAR_MUST_USE near_status near_signature_parse(const char *text, near_signature *out);
char *near_signature_format(const near_signature *sig, char out[NEAR_KEY_TEXT_MAX]);

/* Key pairs (ed25519). */
NEAR_MUST_USE near_status near_keypair_generate(near_keypair *out);
NEAR_MUST_USE near_status near_keypair_from_seed(const uint8_t seed[NEAR_ED25519_SEED_LEN], near_keypair *out);
/* Parses "ed25519:<base58 of 64 bytes>" (the private_key of near-cli
 * credential files). A 32-byte payload is taken as a bare seed. Fails when
 * the embedded public half does not match the seed. */
NEAR_MUST_USE near_status near_keypair_parse_secret(const char *text, near_keypair *out);
/* Writes "ed25519:<base58 of 64 bytes>" into out (NEAR_KEY_TEXT_MAX bytes). */
char *near_keypair_format_secret(const near_keypair *kp, char out[NEAR_KEY_TEXT_MAX]);
/* Wipes the secret from memory. */
void near_keypair_wipe(near_keypair *kp);

/* ed25519 signature over msg (NEAR signs the 32-byte sha256 of a tx). */
NEAR_MUST_USE near_status near_sign(const near_keypair *kp, const uint8_t *msg, size_t len, near_signature *out);
/* True when sig is a valid signature of msg by key; false otherwise (including
 * any secp256k1 key, which we cannot check). */
bool near_verify(const near_public_key *key, const uint8_t *msg, size_t len, const near_signature *sig);

#endif
