/* blob.h — the encrypted-secrets format stored on chain.
 *
 * A blob is standard padded base64 of
 *     'o' 'l'  version  crypto_box_seal(pk, payload)
 * (so every blob's text starts with "b2wB" or "b2wC"):
 *   version 1  sealed by a client (`outlayer secrets encrypt`, a browser):
 *              payload = the plaintext
 *   version 2  made by the keystore (/add_generated_secret):
 *              payload = MAC (32) ‖ plaintext, MAC = BLAKE2b-256 keyed with
 *              the seed's MAC key (kdf.h). Only the keystore can make one,
 *              so only version 2 may carry PROTECTED_* names.
 * The plaintext is the UTF-8 text of a JSON object of string → string.
 * crypto_box_seal = ephemeral X25519 + XSalsa20-Poly1305, 48 bytes of
 * overhead; only the holder of the seed's secret key can open it.
 *
 * Limits: the plaintext is at most 10 MiB (10·1024·1024 bytes, as in the
 * reference), and a longer blob is refused before any decoding work.
 * A blob in the reference's format (nonce ‖ ChaCha20-Poly1305 under the
 * *public* key) is refused with a message saying how to re-encrypt. */
#ifndef OUTLAYER_SECRETS_BLOB_H
#define OUTLAYER_SECRETS_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "secrets/kdf.h"

#define SEC_BLOB_MAGIC0 'o'
#define SEC_BLOB_MAGIC1 'l'
#define SEC_BLOB_HEADER 3
#define SEC_PLAINTEXT_MAX ((size_t)10 * 1024 * 1024)
#define SEC_MAC_LEN 32
/* Longest blob (decoded) and its base64 text. */
#define SEC_BLOB_MAX (SEC_BLOB_HEADER + 48 + SEC_MAC_LEN + SEC_PLAINTEXT_MAX)
#define SEC_BLOB_B64_MAX ((SEC_BLOB_MAX + 2) / 3 * 4)

typedef enum sec_blob_kind {
    SEC_BLOB_CLIENT = 1,
    SEC_BLOB_KEYSTORE = 2,
} sec_blob_kind;

/* Seals plaintext to pk as a version-1 blob. Returns malloc'd base64, or
 * NULL with err (too large, libsodium failure). */
char *sec_blob_seal(const uint8_t pk[SEC_PK_LEN], const uint8_t *plain, size_t n, char *err, size_t errlen);
/* Seals plaintext as a version-2 (keystore-made) blob. */
char *sec_blob_seal_keystore(const sec_keys *k, const uint8_t *plain, size_t n, char *err, size_t errlen);

/* Opens a blob with the seed's keys. On success returns 0, *plain
 * (malloc'd, NUL-terminated; free with sec_wipe_free), *n and *kind.
 * On failure -1 and a message that says what is wrong and never contains
 * key material or plaintext. */
int sec_blob_open(const sec_keys *k, const char *b64, uint8_t **plain, size_t *n, sec_blob_kind *kind, char *err,
                  size_t errlen);

/* Zeroes n bytes at p, then frees p. */
void sec_wipe_free(void *p, size_t n);

#endif
