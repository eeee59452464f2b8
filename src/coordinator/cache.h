/* cache.h — the WASM files on disk, content-addressed.
 *
 * A file lives at DIR/ab/abcdef….wasm where the name is the lowercase hex
 * SHA-256 of its bytes and "ab" its first two digits. Paths are only ever
 * built from a validated 64-hex digest, never from other user input. Writes
 * go to a temporary file in the same directory, are fsync'd and renamed, so
 * a reader never sees a partial file. */
#ifndef OUTLAYER_COORDINATOR_CACHE_H
#define OUTLAYER_COORDINATOR_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Lowercases a 64-hex digest into out[65]; returns -1 when s is not one. */
int cache_norm_sha(const char *s, char out[65]);
int cache_init(const char *dir, char *err, size_t err_size);
int cache_write(const char *dir, const char *sha, const void *data, size_t len, char *err, size_t err_size);
/* Opens the file for reading; returns an fd and its size, or -1. */
int cache_open(const char *dir, const char *sha, uint64_t *size);
int cache_exists(const char *dir, const char *sha);
void cache_remove(const char *dir, const char *sha);

#endif
