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
 * other objects (olw_store_charge); the object itself counts too.
 */
#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

static bool map_bytes(olw_memory *m, uint64_t bytes)
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

olw_memory *olw_memory_create(olw_store *s, uint32_t min, uint32_t max, bool has_max, olw_error *err)
{
    if (min > s->limits.max_memory_pages) {
        olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "memory of %u pages exceeds the limit of %u pages", min,
                 s->limits.max_memory_pages);
        return NULL;
    }
    uint64_t bytes = (uint64_t)min * OLW_PAGE_SIZE + OLW_OBJECT_BYTES(olw_memory);
    if (!olw_store_charge(s, bytes)) {
        olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX,
                 "memory limit exceeded: a memory of %u pages does not fit in what is left of the limit "
                 "(%llu of %llu bytes in use)",
                 min, (unsigned long long)s->memory_bytes, (unsigned long long)s->memory_cap);
        return NULL;
    }
    olw_memory *m = calloc(1, sizeof *m);
    if (!m || !olw_ptrvec_push(&s->memories, m)) {
        free(m);
        olw_store_uncharge(s, bytes);
        olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "out of memory");
        return NULL;
    }
    m->store = s;
    m->has_max = has_max;
    m->max = has_max && max < OLW_MAX_PAGES ? max : OLW_MAX_PAGES;
    if (min && !map_bytes(m, (uint64_t)min * OLW_PAGE_SIZE)) {
        olw_store_uncharge(s, (uint64_t)min * OLW_PAGE_SIZE);
        olw_fail(err, OLW_ERR_RESOURCE, SIZE_MAX, "cannot allocate %u pages of memory", min);
        return NULL; /* stays owned (empty) by the store */
    }
    m->pages = min;
    return m;
}

void olw_memory_release_data(olw_memory *m)
{
    if (m->size)
        munmap(m->data, m->size);
    m->data = NULL;
    m->size = 0;
}

int64_t olw_memory_grow_internal(olw_memory *m, uint32_t delta)
{
    uint64_t old = m->pages, want = old + delta;
    if (want > m->max)
        return -1;
    if (want > m->store->limits.max_memory_pages)
        return -2;
    if (delta == 0)
        return (int64_t)old;
    uint64_t more = (uint64_t)delta * OLW_PAGE_SIZE;
    if (!olw_store_charge(m->store, more))
        return -2;
    if (!map_bytes(m, want * OLW_PAGE_SIZE)) {
        olw_store_uncharge(m->store, more);
        return -1;
    }
    m->pages = (uint32_t)want;
    return (int64_t)old;
}

int64_t olw_memory_grow(olw_memory *m, uint32_t delta_pages)
{
    int64_t r = olw_memory_grow_internal(m, delta_pages);
    return r < 0 ? -1 : r;
}

olw_memory *olw_memory_new(olw_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max)
{
    if (min_pages > OLW_MAX_PAGES || (has_max && (max_pages < min_pages || max_pages > OLW_MAX_PAGES)))
        return NULL;
    olw_error err;
    return olw_memory_create(s, min_pages, max_pages, has_max, &err);
}

uint8_t *olw_memory_data(olw_memory *m) { return m->data; }
uint64_t olw_memory_size(const olw_memory *m) { return m->size; }
uint32_t olw_memory_pages(const olw_memory *m) { return m->pages; }

uint8_t *olw_memory_ptr(olw_memory *m, uint64_t offset, uint64_t len)
{
    if (offset > m->size || len > m->size - offset)
        return NULL;
    return m->data + offset;
}
