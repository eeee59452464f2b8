/* encoding.h — text encodings NEAR puts on the wire:
 *   base58 (bitcoin alphabet) for hashes, keys and signatures;
 *   base64 (standard alphabet, padded) for args, code and signed txs. */
#ifndef OUTLAYER_NEAR_ENCODING_H
#define OUTLAYER_NEAR_ENCODING_H

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

/* Space needed for the base58 text of n bytes, including the NUL. */
#define NEAR_BASE58_SIZE(n) ((n)*138 / 100 + 2)

/* Encodes n bytes into out (cap bytes). Returns the text length, or -1 if
 * out is too small. Leading zero bytes become leading '1's. */
int near_base58_encode(const uint8_t *data, size_t n, char *out, size_t cap);
/* Decodes base58 text; returns the byte count, or -1 on a character outside
 * the alphabet or output larger than cap. */
int near_base58_decode(const char *text, uint8_t *out, size_t cap);
/* Decodes text that must give exactly `len` bytes (hashes, keys). NEAR_OK or NEAR_ERR_INVALID. */
NEAR_MUST_USE near_status near_base58_decode_exact(const char *text, uint8_t *out, size_t len);

/* Returns a malloc'd NUL-terminated padded base64 string, or NULL on OOM. */
char *near_base64_encode(const uint8_t *data, size_t n);
/* Decodes padded standard base64 (whitespace not allowed); *out is malloc'd
 * (one spare NUL byte after the data). NEAR_OK, or NEAR_ERR_INVALID on invalid input. */
NEAR_MUST_USE near_status near_base64_decode(const char *text, uint8_t **out, size_t *n);

#endif
