/* attest.h — what a worker signs when the keystore runs with
 * --require-attestation (docs/secrets.md "Caller attestation").
 *
 * The worker signs, with the ed25519 key the register contract added for
 * it (a function-call key of the register contract's account for the
 * OutLayer contract), the text
 *   "outlayer-keystore-decrypt-v1\n" TIMESTAMP "\n" TASK_ID "\n" WHO "\n"
 *   PROFILE "\n" CALLER
 * where WHO is the seed of the requested accessor and owner (seed.h, so the
 * repository normalised), TASK_ID is "" when absent, and sends
 *   "attestation": {"tee_type":…, "quote":…, "timestamp": TIMESTAMP,
 *                   "worker_pubkey":"ed25519:…", "signature":"ed25519:…"}
 * The signature binds the request to that key and to a 5-minute window. */
#ifndef OUTLAYER_SECRETS_ATTEST_H
#define OUTLAYER_SECRETS_ATTEST_H

#include <stddef.h>

void sec_attestation_text(char *out, size_t cap, long long timestamp, const char *task_id, const char *who,
                          const char *profile, const char *caller);

#endif
