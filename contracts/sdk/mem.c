/* mem.c — bump allocator over wasm linear memory, and the mem* primitives
 * (we build without libc and with bulk-memory disabled, so nothing else
 * provides them). Native builds use malloc with an arena list instead. */
#include "mem.h"
#include "sdk.h"

#define ALIGN 8u

#ifdef __wasm__

extern unsigned char __heap_base;
static uintptr_t heap_next;
static uintptr_t heap_end;

static void heap_init(void)
{
    heap_next = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
    heap_end = (uintptr_t)__builtin_wasm_memory_size(0) * 65536u;
}

void *sdk_alloc(size_t size)
{
    if (heap_next == 0)
        heap_init();
    size_t rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (rounded < size || rounded > UINTPTR_MAX - heap_next)
        sdk_panic("Out of memory");
    uintptr_t start = heap_next;
    uintptr_t end = start + rounded;
    if (end > heap_end) {
        size_t pages = (size_t)((end - heap_end + 65535u) / 65536u);
        if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1)
            sdk_panic("Out of memory");
        heap_end += (uintptr_t)pages * 65536u;
    }
    heap_next = end;
    return (void *)start;
}

void sdk_free(void *ptr, size_t size)
{
    size_t rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (ptr && (uintptr_t)ptr + rounded == heap_next)
        heap_next = (uintptr_t)ptr;
}

void *sdk_realloc(void *ptr, size_t old_size, size_t new_size)
{
    if (ptr == NULL)
        return sdk_alloc(new_size);
    size_t old_rounded = (old_size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if ((uintptr_t)ptr + old_rounded == heap_next) {
        /* The last block can grow in place. */
        heap_next = (uintptr_t)ptr;
        void *again = sdk_alloc(new_size);
        return again; /* same address: the contents are already there */
    }
    void *fresh = sdk_alloc(new_size);
    memcpy(fresh, ptr, old_size < new_size ? old_size : new_size);
    return fresh;
}

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    /* Word copies when both are aligned; may_alias keeps this legal for
     * any object type. */
    typedef uint32_t __attribute__((may_alias)) word;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(word *)(void *)d = *(const word *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

#else /* native */

#include <stdlib.h>

/* Each block is preceded by a link to the previously allocated block. */
struct block {
    struct block *prev;
    size_t size;
    max_align_t payload[];
};
static struct block *last_block;

void *sdk_alloc(size_t size)
{
    struct block *b = malloc(sizeof(struct block) + (size ? size : 1));
    if (b == NULL)
        sdk_panic("Out of memory");
    b->prev = last_block;
    b->size = size;
    last_block = b;
    return b->payload;
}

void sdk_free(void *ptr, size_t size)
{
    (void)ptr;
    (void)size; /* released with the arena */
}

void *sdk_realloc(void *ptr, size_t old_size, size_t new_size)
{
    void *fresh = sdk_alloc(new_size);
    if (ptr)
        memcpy(fresh, ptr, old_size < new_size ? old_size : new_size);
    return fresh;
}

void sdk_mem_release_all(void)
{
    while (last_block) {
        struct block *prev = last_block->prev;
        free(last_block);
        last_block = prev;
    }
}

#endif

void *sdk_alloc_zeroed(size_t size)
{
    void *p = sdk_alloc(size);
    memset(p, 0, size);
    return p;
}

char *sdk_strndup(const char *s, size_t n)
{
    char *p = sdk_alloc(n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
