/* kdf.c — see kdf.h. */
#include "secrets/kdf.h"

#include <sodium.h>
#include <string.h>

static const uint8_t PERSONAL[16] = "OutLayerKeystore";

static int blake(const uint8_t master[SEC_MASTER_LEN], const char *seed, const char *salt_text, uint8_t out[32])
{
    uint8_t salt[16] = {0};
    memcpy(salt, salt_text, strlen(salt_text) < 16 ? strlen(salt_text) : 16);
    return crypto_generichash_blake2b_salt_personal(out, 32, (const uint8_t *)seed, strlen(seed), master,
                                                    SEC_MASTER_LEN, salt, PERSONAL);
}

int sec_kdf_derive(const uint8_t master[SEC_MASTER_LEN], const char *seed, sec_keys *out)
{
    uint8_t box_seed[32];
    if (sodium_init() < 0)
        return -1;
    if (blake(master, seed, "x25519-box.v1", box_seed) || blake(master, seed, "protected-mac.v1", out->mac_key) ||
        crypto_box_seed_keypair(out->pk, out->sk, box_seed)) {
        sodium_memzero(box_seed, sizeof box_seed);
        sec_keys_wipe(out);
        return -1;
    }
    sodium_memzero(box_seed, sizeof box_seed);
    return 0;
}

void sec_keys_wipe(sec_keys *k) { sodium_memzero(k, sizeof *k); }

void sec_hex(const uint8_t *data, size_t n, char *hex) { sodium_bin2hex(hex, 2 * n + 1, data, n); }

int sec_unhex(const char *hex, uint8_t *out, size_t n)
{
    size_t got = 0;
    const char *end = NULL;
    if (strlen(hex) != 2 * n)
        return -1;
    if (sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, &end) != 0 || got != n || end != hex + 2 * n)
        return -1;
    return 0;
}
