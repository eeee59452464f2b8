/* buf.h — a growable byte buffer; the one place contracts build text and
 * binary data (log lines, JSON, Borsh, storage keys). */
#ifndef SDK_BUF_H
#define SDK_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "u128.h"

struct buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

void buf_init(struct buf *b);
void buf_reserve(struct buf *b, size_t extra);
void buf_put(struct buf *b, const void *data, size_t len);
void buf_byte(struct buf *b, uint8_t c);
void buf_str(struct buf *b, const char *s); /* NUL-terminated text */
void buf_u64(struct buf *b, uint64_t v);    /* decimal */
void buf_u128(struct buf *b, u128 v);       /* decimal */
void buf_bool(struct buf *b, bool v);       /* true / false */
/* NUL-terminates (without counting the NUL) and returns the text. */
char *buf_cstr(struct buf *b);

#endif
