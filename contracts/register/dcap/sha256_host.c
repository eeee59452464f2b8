/* sha256_host.c — SHA-256 inside the contract: NEAR's sha256 host function
 * (cheaper in gas than hashing in wasm). */
#ifdef __wasm__
#include "dcap.h"
#include "env.h"

#define DCAP_SHA_REGISTER 7

void dcap_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
    env_sha256(len, (uint64_t)(uintptr_t)data, DCAP_SHA_REGISTER);
    env_read_register(DCAP_SHA_REGISTER, (uint64_t)(uintptr_t)out);
}
#endif
