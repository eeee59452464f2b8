/* borsh.h — Borsh encoding (little-endian integers, u32-length-prefixed
 * strings and vectors, 1-byte option and enum tags) for contract state. */
#ifndef SDK_BORSH_H
#define SDK_BORSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "u128.h"

/* Writers append to a buf. */
void bw_u8(struct buf *b, uint8_t v);
void bw_bool(struct buf *b, bool v);
void bw_u32(struct buf *b, uint32_t v);
void bw_u64(struct buf *b, uint64_t v);
void bw_u128(struct buf *b, u128 v);
void bw_bytes(struct buf *b, const void *data, size_t len); /* Vec<u8> / String */
void bw_str(struct buf *b, const char *s);                  /* String */

/* Reader over a byte range. Running past the end or a bad tag panics with
 * the reader's message (default "Cannot deserialize the contract state."). */
struct br {
    const uint8_t *p;
    size_t len;
    size_t pos;
    const char *error;
};

void br_init(struct br *r, const uint8_t *p, size_t len);
__attribute__((noreturn)) void br_fail(const struct br *r);
uint8_t br_u8(struct br *r);
bool br_bool(struct br *r);
uint32_t br_u32(struct br *r);
uint64_t br_u64(struct br *r);
u128 br_u128(struct br *r);
/* Fixed-size raw bytes; returns a pointer into the input. */
const uint8_t *br_raw(struct br *r, size_t n);
/* Vec<u8>: pointer into the input plus *len. */
const uint8_t *br_bytes(struct br *r, size_t *len);
/* String: a NUL-terminated copy (length in *len if non-NULL). */
char *br_str(struct br *r, size_t *len);
/* Option tag: false for None, true for Some; anything else fails. */
bool br_option(struct br *r);
bool br_done(const struct br *r);

#endif
