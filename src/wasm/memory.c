/*
 * memory.c — linear memories.
 *
 * The bytes live in an anonymous mapping: growing uses mremap, which keeps
 * the contents, may move the mapping, and gives zeroed new pages without
 * touching them (untouched pages cost no RAM). The interpreter re-reads the
 * base after anything that can grow a memory. Growth is checked first
 * against the memory's own maximum (refusal = -1, as the spec says) and
 * then against the store's cap (a trap: the program is not at fault by the
 * spec's rules, but it asked for more than the operator allows). The
 * store's cap covers the bytes of every memory together with the store's
 * other objects (wasm_store_charge); the object itself counts too.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

static bool map_bytes(wasm_memory *m, uint64_t bytes)
{
    if (bytes == m->size)
        return true;
    void *p;
    if (m->size == 0)
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    else
        p = mremap(m->data, m->size, bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return false;
    m->data = p;
    m->size = bytes;
    return true;
}

wasm_memory *wasm_memory_create(wasm_store *s, uint32_t min, uint32_t max, bool has_max, wasm_error *err)
{
    if (min > s->limits.max_memory_pages) {
        wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX,
                  "memory of %u pages exceeds the limit of %u pages", min, s->limits.max_memory_pages);
        return NULL;
    }
    uint64_t bytes = (uint64_t)min * WASM_PAGE_SIZE + WASM_OBJECT_BYTES(wasm_memory);
    if (!wasm_store_charge(s, bytes)) {
        wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX,
                  "memory limit exceeded: a memory of %u pages does not fit in what is left of the limit "
                  "(%llu of %llu bytes in use)",
                  min, (unsigned long long)s->memory_bytes, (unsigned long long)s->memory_cap);
        return NULL;
    }
    wasm_memory *m = calloc(1, sizeof *m);
    if (!m || !wasm_ptrvec_push(&s->memories, m)) {
        free(m);
        wasm_store_uncharge(s, bytes);
        wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX, "out of memory");
        return NULL;
    }
    m->store = s;
    m->has_max = has_max;
    m->max = has_max && max < WASM_MAX_PAGES ? max : WASM_MAX_PAGES;
    if (min && !map_bytes(m, (uint64_t)min * WASM_PAGE_SIZE)) {
        wasm_store_uncharge(s, (uint64_t)min * WASM_PAGE_SIZE);
        wasm_fail(err, WASM_ERR_RESOURCE, SIZE_MAX, "cannot allocate %u pages of memory", min);
        return NULL; /* stays owned (empty) by the store */
    }
    m->pages = min;
    return m;
}

void wasm_memory_release_data(wasm_memory *m)
{
    if (m->size)
        munmap(m->data, m->size);
    m->data = NULL;
    m->size = 0;
}

int64_t wasm_memory_grow_internal(wasm_memory *m, uint32_t delta)
{
    uint64_t old = m->pages, want = old + delta;
    if (want > m->max)
        return -1;
    if (want > m->store->limits.max_memory_pages)
        return -2;
    if (delta == 0)
        return (int64_t)old;
    uint64_t more = (uint64_t)delta * WASM_PAGE_SIZE;
    if (!wasm_store_charge(m->store, more))
        return -2;
    if (!map_bytes(m, want * WASM_PAGE_SIZE)) {
        wasm_store_uncharge(m->store, more);
        return -1;
    }
    m->pages = (uint32_t)want;
    return (int64_t)old;
}

int64_t wasm_memory_grow(wasm_memory *m, uint32_t delta_pages)
{
    int64_t r = wasm_memory_grow_internal(m, delta_pages);
    return r < 0 ? -1 : r;
}

wasm_memory *wasm_memory_new(wasm_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max)
{
    if (min_pages > WASM_MAX_PAGES || (has_max && (max_pages < min_pages || max_pages > WASM_MAX_PAGES)))
        return NULL;
    wasm_error err;
    return wasm_memory_create(s, min_pages, max_pages, has_max, &err);
}

uint8_t *wasm_memory_data(wasm_memory *m) { return m->data; }
uint64_t wasm_memory_size(const wasm_memory *m) { return m->size; }
uint32_t wasm_memory_pages(const wasm_memory *m) { return m->pages; }

uint8_t *wasm_memory_ptr(wasm_memory *m, uint64_t offset, uint64_t len)
{
    if (offset > m->size || len > m->size - offset)
        return NULL;
    return m->data + offset;
}
