/*
 * store.c — stores: limits, fuel, the trap of the last call, and ownership
 * of every object created in the store.
 */
#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

bool olw_ptrvec_push(olw_ptrvec *v, void *p)
{
    if (v->len == v->cap) {
        size_t n = v->cap ? v->cap * 2 : 16;
        void **q = realloc(v->items, n * sizeof *q);
        if (!q)
            return false;
        v->items = q;
        v->cap = n;
    }
    v->items[v->len++] = p;
    return true;
}

static void ptrvec_free_all(olw_ptrvec *v)
{
    for (size_t i = 0; i < v->len; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof *v);
}

olw_store *olw_store_new(const olw_limits *limits)
{
    olw_store *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    /* 0 = the default, in every field (olw.h names the defaults). */
    if (limits)
        s->limits = *limits;
    if (s->limits.fuel == 0)
        s->limits.fuel = OLW_FUEL_UNLIMITED;
    if (s->limits.max_memory_pages == 0 || s->limits.max_memory_pages > OLW_MEMORY_PAGES_MAX)
        s->limits.max_memory_pages = OLW_MEMORY_PAGES_MAX;
    if (s->limits.max_call_depth == 0)
        s->limits.max_call_depth = OLW_DEFAULT_CALL_DEPTH;
    if (s->limits.max_stack_slots == 0)
        s->limits.max_stack_slots = OLW_DEFAULT_STACK_SLOTS;
    s->fuel = s->limits.fuel;
    s->memory_cap = (uint64_t)s->limits.max_memory_pages * OLW_PAGE_SIZE;
    atomic_init(&s->interrupt, 0);
    strcpy(s->trap_message, "no trap");
    return s;
}

/* The stacks are fresh anonymous pages, which cost nothing until touched.
 * (calloc would do the same the first time, but after a few stores glibc
 * serves such sizes from the heap and clears all 8 MiB of the default value
 * stack at every store: a store that runs one small call, the devnet's
 * case, would spend most of its time there.) Both stacks share one
 * mapping: the value stack, then the frames. */
static size_t value_stack_bytes(const olw_store *s)
{
    size_t b = (size_t)s->limits.max_stack_slots * sizeof *s->stack;
    return (b + 4095) & ~(size_t)4095;
}

static size_t stacks_bytes(const olw_store *s)
{
    return value_stack_bytes(s) + (size_t)s->limits.max_call_depth * sizeof *s->frames;
}

/* The stacks are allocated at the first call, so stores that only
 * instantiate (or never run) stay small. */
bool olw_store_reserve_stacks(olw_store *s)
{
    if (s->stack)
        return true;
    void *p = mmap(NULL, stacks_bytes(s), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return false;
    s->stack = p;
    s->frames = (olw_frame *)((uint8_t *)p + value_stack_bytes(s));
    s->stack_top = s->stack;
    s->frame_top = s->frames;
    return true;
}

void olw_store_free(olw_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->memories.len; i++) {
        olw_memory *m = s->memories.items[i];
        olw_memory_release_data(m);
    }
    for (size_t i = 0; i < s->tables.len; i++) {
        olw_table *t = s->tables.items[i];
        free(t->elems);
    }
    for (size_t i = 0; i < s->instances.len; i++) {
        olw_instance *inst = s->instances.items[i];
        if (inst->elem_refs)
            for (uint32_t e = 0; e < inst->module->nelems; e++)
                free(inst->elem_refs[e]);
        free(inst->elem_refs);
        free(inst->elem_len);
        free(inst->data_len);
        free(inst->funcs);
        free(inst->tables);
        free(inst->memories);
        free(inst->globals);
        free(inst->func_storage);
        olw_module_release(inst->module);
    }
    ptrvec_free_all(&s->funcs);
    ptrvec_free_all(&s->memories);
    ptrvec_free_all(&s->tables);
    ptrvec_free_all(&s->globals);
    ptrvec_free_all(&s->instances);
    ptrvec_free_all(&s->blocks);
    if (s->stack)
        munmap(s->stack, stacks_bytes(s));
    free(s);
}

void olw_store_interrupt(olw_store *s) { atomic_store(&s->interrupt, 1); }
void olw_store_clear_interrupt(olw_store *s) { atomic_store(&s->interrupt, 0); }

uint64_t olw_store_fuel_remaining(const olw_store *s) { return s->fuel; }

void olw_store_set_fuel(olw_store *s, uint64_t fuel) { s->fuel = fuel; }

uint64_t olw_store_fuel_used(const olw_store *s) { return s->fuel_used; }

uint64_t olw_store_peak_memory_bytes(const olw_store *s) { return s->peak_memory_bytes; }

uint64_t olw_store_memory_bytes(const olw_store *s) { return s->memory_bytes; }

bool olw_store_charge(olw_store *s, uint64_t bytes)
{
    if (bytes > s->memory_cap - s->memory_bytes)
        return false;
    s->memory_bytes += bytes;
    if (s->memory_bytes > s->peak_memory_bytes)
        s->peak_memory_bytes = s->memory_bytes;
    return true;
}

void olw_store_uncharge(olw_store *s, uint64_t bytes)
{
    s->memory_bytes -= bytes < s->memory_bytes ? bytes : s->memory_bytes;
}

const char *olw_store_trap_message(const olw_store *s) { return s->trap_message; }

int32_t olw_store_exit_code(const olw_store *s) { return s->exit_code; }

void olw_store_set_trap(olw_store *s, olw_trap_code code, const char *message)
{
    s->trap = code;
    if (!message)
        message = olw_trap_name(code);
    snprintf(s->trap_message, sizeof s->trap_message, "%s", message);
}
