/* kdf.h — the keystore's keys, all derived from one 32-byte master secret.
 *
 * For a seed string S (see seed.h):
 *   box_seed = BLAKE2b-256(key = master, message = S,
 *                          salt = "x25519-box.v1" (zero-padded to 16),
 *                          personal = "OutLayerKeystore")
 *   (public, secret) = crypto_box_seed_keypair(box_seed)      X25519
 *   mac_key  = the same BLAKE2b with salt "protected-mac.v1"
 * The public key is what clients seal secrets to; the secret key and the
 * MAC key (which marks blobs the keystore made itself, see blob.h) never
 * leave the keystore. Different seeds give independent keys, and nothing
 * derived reveals the master. */
#ifndef OUTLAYER_SECRETS_KDF_H
#define OUTLAYER_SECRETS_KDF_H

#include <stddef.h>
#include <stdint.h>

#define SEC_MASTER_LEN 32
#define SEC_PK_LEN 32
#define SEC_SK_LEN 32
#define SEC_MAC_KEY_LEN 32

typedef struct sec_keys {
    uint8_t pk[SEC_PK_LEN];
    uint8_t sk[SEC_SK_LEN];
    uint8_t mac_key[SEC_MAC_KEY_LEN];
} sec_keys;

/* Derives the keys for `seed`. 0, or -1 (libsodium failure). */
int sec_kdf_derive(const uint8_t master[SEC_MASTER_LEN], const char *seed, sec_keys *out);
/* Wipes keys from memory. */
void sec_keys_wipe(sec_keys *k);

/* Hex helpers (lower case). hex needs 2n+1 bytes. */
void sec_hex(const uint8_t *data, size_t n, char *hex);
/* Exactly n bytes from 2n hex digits (either case). 0 or -1. */
int sec_unhex(const char *hex, uint8_t *out, size_t n);

#endif
