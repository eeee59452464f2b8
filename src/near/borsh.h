/* borsh.h — Borsh (Binary Object Representation Serializer for Hashing)
 * as NEAR uses it: little-endian integers, u32-length-prefixed strings and
 * vectors, one-byte option tags and enum variant indexes.
 *
 * The writer grows its buffer as needed; an allocation failure is sticky
 * (near_borsh_writer.failed) so callers may write a whole structure and check
 * once at the end. The reader never reads past its input: every read returns
 * NEAR_OK, or NEAR_ERR_INVALID with reader->err describing what was wrong and where. */
#ifndef OUTLAYER_NEAR_BORSH_H
#define OUTLAYER_NEAR_BORSH_H

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

#include "near/u128.h"

typedef struct near_borsh_writer {
    uint8_t *buf; /* owned; free with near_borsh_writer_free */
    size_t len;
    size_t cap;
    int failed; /* set on out-of-memory or a length that does not fit u32 */
} near_borsh_writer;

void near_borsh_writer_init(near_borsh_writer *w);
void near_borsh_writer_free(near_borsh_writer *w);
/* Hands the buffer to the caller (who frees it) and resets the writer. */
uint8_t *near_borsh_writer_take(near_borsh_writer *w, size_t *len);

void near_borsh_write_u8(near_borsh_writer *w, uint8_t v);
void near_borsh_write_u16(near_borsh_writer *w, uint16_t v);
void near_borsh_write_u32(near_borsh_writer *w, uint32_t v);
void near_borsh_write_u64(near_borsh_writer *w, uint64_t v);
void near_borsh_write_u128(near_borsh_writer *w, near_u128 v);
/* Raw bytes with no length prefix (fixed-size arrays such as CryptoHash). */
void near_borsh_write_fixed(near_borsh_writer *w, const void *data, size_t len);
/* u32 length then the bytes: Vec<u8>. */
void near_borsh_write_bytes(near_borsh_writer *w, const void *data, size_t len);
/* u32 length then the UTF-8 bytes of a NUL-terminated string: String. */
void near_borsh_write_string(near_borsh_writer *w, const char *s);

typedef struct near_borsh_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    char err[160];
} near_borsh_reader;

void near_borsh_reader_init(near_borsh_reader *r, const void *data, size_t len);
size_t near_borsh_remaining(const near_borsh_reader *r);

NEAR_MUST_USE near_status near_borsh_read_u8(near_borsh_reader *r, uint8_t *v);
NEAR_MUST_USE near_status near_borsh_read_u16(near_borsh_reader *r, uint16_t *v);
NEAR_MUST_USE near_status near_borsh_read_u32(near_borsh_reader *r, uint32_t *v);
NEAR_MUST_USE near_status near_borsh_read_u64(near_borsh_reader *r, uint64_t *v);
NEAR_MUST_USE near_status near_borsh_read_u128(near_borsh_reader *r, near_u128 *v);
NEAR_MUST_USE near_status near_borsh_read_fixed(near_borsh_reader *r, void *out, size_t len);
/* Option tag: *present = 0 or 1; any other byte is an error. */
NEAR_MUST_USE near_status near_borsh_read_option(near_borsh_reader *r, int *present);
/* Bool: 0 or 1 only. */
NEAR_MUST_USE near_status near_borsh_read_bool(near_borsh_reader *r, int *v);
/* Vec<u8>: *out is a fresh malloc'd copy (NUL-terminated for convenience,
 * not counted in *len); an empty vector gives a valid 1-byte allocation. */
NEAR_MUST_USE near_status near_borsh_read_bytes(near_borsh_reader *r, uint8_t **out, size_t *len);
/* String: malloc'd, NUL-terminated. Fails on invalid UTF-8 or an embedded
 * NUL (neither is a valid NEAR account id or method name in C terms). */
NEAR_MUST_USE near_status near_borsh_read_string(near_borsh_reader *r, char **out);
/* Vec length prefix, checked against the bytes left: each element takes at
 * least min_elem_size bytes, so a hostile count cannot force a huge
 * allocation. */
NEAR_MUST_USE near_status near_borsh_read_vec_len(near_borsh_reader *r, size_t min_elem_size, uint32_t *count);
/* Records an error at the current position (printf-style). Returns NEAR_ERR_INVALID. */
near_status near_borsh_fail(near_borsh_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
