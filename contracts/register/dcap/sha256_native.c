/* sha256_native.c — SHA-256 for native builds (tests, fuzzing, tools): libsodium. */
#ifndef __wasm__
#include <sodium.h>

#include "dcap.h"

void dcap_sha256(const uint8_t *data, size_t len, uint8_t out[32]) { crypto_hash_sha256(out, data, len); }
#endif
