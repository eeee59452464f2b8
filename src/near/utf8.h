/* utf8.h — strict UTF-8 validation, as Rust's String (and so NEAR) requires:
 * no overlong forms, no surrogates, nothing above U+10FFFF; and truncation
 * at a character boundary (for error texts that go on chain).
 *
 * The one implementation outside the engine, shared by the borsh reader and
 * the NEAR VM. The WebAssembly engine (src/wasm/decode.c, import and export
 * names) keeps its own: the engine is the bottom layer and links nothing of
 * ours, so that it can be embedded alone. */
#ifndef OUTLAYER_NEAR_UTF8_H
#define OUTLAYER_NEAR_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool near_utf8_valid(const uint8_t *s, size_t n);
/* Truncates the string s in place to at most max bytes, at a character
 * boundary: continuation bytes (10xxxxxx) are never left dangling. */
void near_utf8_truncate(char *s, size_t max);

#endif
