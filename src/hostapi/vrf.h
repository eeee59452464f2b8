/*
 * vrf.h — ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03) on
 * libsodium's edwards25519 arithmetic: the verifiable randomness a worker
 * will give programs (not yet exposed through outlayer_v1), and what
 * `outlayer verify-vrf` checks.
 *
 * Keys are Ed25519 keys (RFC 8032): a 32-byte secret seed and its 32-byte
 * public key. A proof is 80 bytes (Gamma ‖ c[16] ‖ s), the output (beta)
 * 64 bytes.
 *
 * Verification is slightly stricter than RFC 9381 §5.3: the public key and
 * Gamma must lie in the prime-order subgroup (libsodium's scalar
 * multiplication requires it); honest keys and proofs always do.
 */
#ifndef OUTLAYER_HOSTAPI_VRF_H
#define OUTLAYER_HOSTAPI_VRF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRF_PROOF_BYTES 80
#define VRF_OUTPUT_BYTES 64

/* pi for alpha under the secret seed sk; false only if sk is degenerate. */
bool vrf_prove(const uint8_t sk[32], const uint8_t *alpha, size_t alpha_len, uint8_t pi[VRF_PROOF_BYTES]);
/* beta of a proof (its Gamma must decode); false when it does not. */
bool vrf_proof_to_hash(const uint8_t pi[VRF_PROOF_BYTES], uint8_t beta[VRF_OUTPUT_BYTES]);
/* true and beta filled when pi is a valid proof for alpha under pk. */
bool vrf_verify(const uint8_t pk[32], const uint8_t *alpha, size_t alpha_len, const uint8_t pi[VRF_PROOF_BYTES],
                uint8_t beta[VRF_OUTPUT_BYTES]);

#endif
