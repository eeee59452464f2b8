/* blob.c — see blob.h. */
#include "secrets/blob.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                               \
    do {                                        \
        if (err && errlen)                      \
            snprintf(err, errlen, __VA_ARGS__); \
        goto fail;                              \
    } while (0)

void sec_wipe_free(void *p, size_t n)
{
    if (!p)
        return;
    sodium_memzero(p, n);
    free(p);
}

static char *seal(const uint8_t pk[SEC_PK_LEN], uint8_t version, const uint8_t *mac, const uint8_t *plain, size_t n,
                  char *err, size_t errlen)
{
    uint8_t *payload = NULL, *blob = NULL;
    size_t payload_len = (mac ? SEC_MAC_LEN : 0) + n, blob_len = SEC_BLOB_HEADER + crypto_box_SEALBYTES + payload_len;
    char *b64 = NULL;
    if (n > SEC_PLAINTEXT_MAX)
        FAIL("secrets are too large: %zu bytes (at most %zu)", n, SEC_PLAINTEXT_MAX);
    if (sodium_init() < 0)
        FAIL("libsodium failed to initialise");
    payload = malloc(payload_len + 1);
    blob = malloc(blob_len);
    if (!payload || !blob)
        FAIL("out of memory");
    if (mac)
        memcpy(payload, mac, SEC_MAC_LEN);
    if (n)
        memcpy(payload + (mac ? SEC_MAC_LEN : 0), plain, n);
    blob[0] = SEC_BLOB_MAGIC0;
    blob[1] = SEC_BLOB_MAGIC1;
    blob[2] = version;
    if (crypto_box_seal(blob + SEC_BLOB_HEADER, payload, payload_len, pk) != 0)
        FAIL("sealing failed (bad public key?)");
    size_t size = sodium_base64_ENCODED_LEN(blob_len, sodium_base64_VARIANT_ORIGINAL);
    b64 = malloc(size);
    if (!b64)
        FAIL("out of memory");
    sodium_bin2base64(b64, size, blob, blob_len, sodium_base64_VARIANT_ORIGINAL);
fail:
    sec_wipe_free(payload, payload ? payload_len + 1 : 0);
    free(blob);
    return b64;
}

char *sec_blob_seal(const uint8_t pk[SEC_PK_LEN], const uint8_t *plain, size_t n, char *err, size_t errlen)
{
    return seal(pk, SEC_BLOB_CLIENT, NULL, plain, n, err, errlen);
}

static void mac_of(const sec_keys *k, const uint8_t *plain, size_t n, uint8_t mac[SEC_MAC_LEN])
{
    crypto_generichash(mac, SEC_MAC_LEN, plain, n, k->mac_key, SEC_MAC_KEY_LEN);
}

char *sec_blob_seal_keystore(const sec_keys *k, const uint8_t *plain, size_t n, char *err, size_t errlen)
{
    uint8_t mac[SEC_MAC_LEN];
    if (sodium_init() < 0) {
        if (err && errlen)
            snprintf(err, errlen, "libsodium failed to initialise");
        return NULL;
    }
    mac_of(k, plain, n, mac);
    return seal(k->pk, SEC_BLOB_KEYSTORE, mac, plain, n, err, errlen);
}

static const char REENCRYPT[] =
    "re-encrypt the plaintext secrets for this keystore with `outlayer secrets encrypt` (or `outlayer secrets "
    "put`) and store the new blob";

int sec_blob_open(const sec_keys *k, const char *b64, uint8_t **plain, size_t *n, sec_blob_kind *kind, char *err,
                  size_t errlen)
{
    uint8_t *blob = NULL, *payload = NULL;
    size_t blob_len = 0, payload_len = 0;
    *plain = NULL;
    *n = 0;
    if (!b64 || !*b64)
        FAIL("encrypted secrets are empty");
    size_t tlen = strlen(b64);
    if (tlen > SEC_BLOB_B64_MAX)
        FAIL("encrypted secrets are too large: %zu base64 characters (at most %zu)", tlen, (size_t)SEC_BLOB_B64_MAX);
    if (sodium_init() < 0)
        FAIL("libsodium failed to initialise");
    blob = malloc(tlen / 4 * 3 + 3);
    if (!blob)
        FAIL("out of memory");
    const char *end = NULL;
    if (sodium_base642bin(blob, tlen / 4 * 3 + 3, b64, tlen, NULL, &blob_len, &end, sodium_base64_VARIANT_ORIGINAL) !=
            0 ||
        end != b64 + tlen)
        FAIL("encrypted secrets are not valid base64 (standard alphabet, padded)");
    if (blob_len < SEC_BLOB_HEADER || blob[0] != SEC_BLOB_MAGIC0 || blob[1] != SEC_BLOB_MAGIC1) {
        if (blob_len >= 28)
            FAIL("encrypted secrets are not an OutLayer keystore blob (no 'ol' header); they look like the "
                 "reference OutLayer format (ChaCha20-Poly1305 keyed with the public key, which anyone can "
                 "decrypt), which this keystore refuses: %s",
                 REENCRYPT);
        FAIL("encrypted secrets are not an OutLayer keystore blob (too short, no 'ol' header): %s", REENCRYPT);
    }
    if (blob[2] != SEC_BLOB_CLIENT && blob[2] != SEC_BLOB_KEYSTORE)
        FAIL("encrypted secrets have an unknown format version %u (this keystore reads 1 and 2)", blob[2]);
    if (blob_len < SEC_BLOB_HEADER + crypto_box_SEALBYTES + (blob[2] == SEC_BLOB_KEYSTORE ? SEC_MAC_LEN : 0))
        FAIL("encrypted secrets are truncated (%zu bytes)", blob_len);
    payload_len = blob_len - SEC_BLOB_HEADER - crypto_box_SEALBYTES;
    payload = malloc(payload_len + 1);
    if (!payload)
        FAIL("out of memory");
    if (crypto_box_seal_open(payload, blob + SEC_BLOB_HEADER, blob_len - SEC_BLOB_HEADER, k->pk, k->sk) != 0)
        FAIL("cannot decrypt the secrets: they were sealed for another repository, branch, WASM hash or owner "
             "(or another keystore), or the blob was modified");
    size_t skip = 0;
    if (blob[2] == SEC_BLOB_KEYSTORE) {
        uint8_t mac[SEC_MAC_LEN];
        skip = SEC_MAC_LEN;
        mac_of(k, payload + skip, payload_len - skip, mac);
        if (sodium_memcmp(mac, payload, SEC_MAC_LEN) != 0)
            FAIL("encrypted secrets claim to be made by the keystore (version 2) but their MAC does not match");
    }
    if (payload_len - skip > SEC_PLAINTEXT_MAX)
        FAIL("decrypted secrets are too large");
    *n = payload_len - skip;
    memmove(payload, payload + skip, *n);
    payload[*n] = 0;
    *plain = payload;
    if (kind)
        *kind = (sec_blob_kind)blob[2];
    free(blob);
    return 0;
fail:
    free(blob);
    sec_wipe_free(payload, payload ? payload_len + 1 : 0);
    return -1;
}
