/* mem.h — memory for contracts: an allocator and the C memory primitives.
 *
 * A contract instance lives for one function call, so the allocator is a
 * bump allocator over the linear memory after __heap_base: allocation is a
 * pointer increment, memory grows with memory.grow, and everything is
 * returned when the instance is dropped. sdk_free() reclaims only the most
 * recent block (which covers the common grow-a-buffer pattern).
 * In native builds (tests against the mock) allocations come from malloc
 * and are all released by sdk_mem_release_all() after each mocked call. */
#ifndef SDK_MEM_H
#define SDK_MEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
/* Freestanding: our own definitions (mem.c); clang may also emit calls to
 * them for struct copies, so they must exist under these names. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#else
#include <string.h>
#endif

/* Never returns NULL: running out of memory panics. Blocks are 8-aligned. */
void *sdk_alloc(size_t size);
void *sdk_alloc_zeroed(size_t size);
void *sdk_realloc(void *ptr, size_t old_size, size_t new_size);
void sdk_free(void *ptr, size_t size);
/* A NUL-terminated copy of n bytes. */
char *sdk_strndup(const char *s, size_t n);

#ifndef __wasm__
/* Native builds only: frees every block handed out since the last call. */
void sdk_mem_release_all(void);
#endif

#endif
