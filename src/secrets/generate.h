/* generate.h — secrets made inside the keystore (spec §A.6).
 *
 * A directive "generate_outlayer_secret:TYPE[:PARAM]" (or just TYPE[:PARAM])
 * names what to make, from libsodium's CSPRNG (randombytes_buf):
 *   hex16 hex32 hex64     16/32/64 random bytes as lower-case hex
 *   ed25519               "ed25519:" + base58 of a random 32-byte seed
 *   ed25519_seed          32 random bytes as hex (same as hex32)
 *   password[:N]          N (default 32, at most 1024) characters drawn
 *                         uniformly from A-Z a-z 0-9
 * The reference allows any N; we cap it at 1024 so one request cannot ask
 * for gigabytes. */
#ifndef OUTLAYER_SECRETS_GENERATE_H
#define OUTLAYER_SECRETS_GENERATE_H

#include <stddef.h>

#define SEC_GENERATE_PREFIX "generate_outlayer_secret:"
#define SEC_PASSWORD_MAX 1024

/* Returns a malloc'd value (free with sec_wipe_free(v, strlen(v))) or NULL
 * with err ("Unknown secret type: X", bad length). */
char *sec_generate(const char *directive, char *err, size_t errlen);

#endif
