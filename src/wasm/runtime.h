/*
 * runtime.h — store, instance and object internals shared by the back end
 * (internal). The public view of these objects is wasm.h.
 */
#ifndef OUTLAYER_WASM_RUNTIME_H
#define OUTLAYER_WASM_RUNTIME_H

#include <stdatomic.h>

#include "wasm/compile.h"
#include "wasm/module.h"

/* A value-stack slot. 32-bit values live in the low half, zero-extended
 * (readers of a 32-bit value still ignore the high half). */
typedef union wasm_slot {
    uint64_t u;
    int64_t i;
    float f32;
    double f64;
    void *ref;
} wasm_slot;

struct wasm_func {
    wasm_functype type; /* points at the module's (or the host function's own) type array */
    wasm_instance *instance;            /* NULL for host functions */
    const wasm_compiled_func *compiled; /* wasm functions */
    wasm_host_callback callback;        /* host functions */
    void *env;
    wasm_store *store;
};

struct wasm_memory {
    wasm_store *store;
    uint8_t *data; /* mmap'd, NULL when size is 0 */
    uint64_t size; /* bytes */
    uint32_t pages;
    uint32_t max; /* declared maximum (65536 when none) */
    bool has_max;
};

struct wasm_table {
    wasm_store *store;
    wasm_valtype elem;
    uint32_t size;
    uint32_t max;
    bool has_max;
    void **elems; /* wasm_func* or externref pointers; NULL = null */
};

struct wasm_global {
    wasm_store *store;
    wasm_valtype type;
    bool mutable_;
    wasm_slot value;
};

struct wasm_instance {
    wasm_store *store;
    wasm_module *module;
    wasm_func **funcs;       /* [nfuncs] the whole function index space */
    wasm_table **tables;     /* [ntables] */
    wasm_memory **memories;  /* [nmemories] */
    wasm_global **globals;   /* [nglobals] */
    void ***elem_refs;       /* [nelems] evaluated element segment items */
    uint32_t *elem_len;      /* [nelems] 0 once dropped */
    uint32_t *data_len;      /* [ndatas] 0 once dropped */
    wasm_func *func_storage; /* the defined functions (one allocation) */
    wasm_memory *mem0;       /* memories[0] or NULL */
};

/* A list of owned pointers. */
typedef struct wasm_ptrvec {
    void **items;
    size_t len, cap;
} wasm_ptrvec;
bool wasm_ptrvec_push(wasm_ptrvec *v, void *p);

typedef struct wasm_frame {
    const wasm_cell *ret;  /* caller's next instruction */
    wasm_slot *fp;         /* caller's frame */
    wasm_instance *inst;   /* caller's instance */
} wasm_frame;

struct wasm_store {
    wasm_limits limits;
    uint64_t fuel;      /* remaining */
    uint64_t fuel_used; /* total charged */
    atomic_int interrupt;

    /* Host memory the store's objects hold for wasm: memories, tables,
     * globals, instances and their evaluated segments (see
     * wasm_store_charge). One cap for all of it: limits.max_memory_pages
     * pages of 64 KiB. */
    uint64_t memory_bytes;
    uint64_t memory_cap;
    uint64_t peak_memory_bytes;

    wasm_slot *stack; /* [limits.max_stack_slots] */
    wasm_slot *stack_top; /* first free slot (for nested calls from host functions) */
    wasm_frame *frames; /* [limits.max_call_depth] */
    wasm_frame *frame_top;
    uint32_t nesting; /* wasm_func_call active on this store (host functions may re-enter) */

    wasm_trap_code trap;
    int32_t exit_code;
    char trap_message[256];

    wasm_ptrvec funcs, memories, tables, globals, instances, blocks;
};

struct wasm_call {
    wasm_store *store;
    wasm_instance *instance;
    wasm_func *func;
    bool recorded; /* wasm_call_trap/exit stored a message */
};

/* store.c */
bool wasm_store_reserve_stacks(wasm_store *s);
void wasm_store_set_trap(wasm_store *s, wasm_trap_code code, const char *message);
/* Counts bytes of host memory toward the store's cap before they are
 * allocated: false (and nothing counted) when they would pass it. */
bool wasm_store_charge(wasm_store *s, uint64_t bytes);
void wasm_store_uncharge(wasm_store *s, uint64_t bytes);
/* What a store object costs besides its payload: the object and its slot
 * in the store's list. */
#define WASM_OBJECT_BYTES(type) ((uint64_t)sizeof(type) + sizeof(void *))

/* memory.c: grows by delta pages. Returns the old page count, -1 when the
 * memory's own maximum (or 4 GiB) refuses, -2 when the store's cap refuses. */
int64_t wasm_memory_grow_internal(wasm_memory *m, uint32_t delta);
wasm_memory *wasm_memory_create(wasm_store *s, uint32_t min, uint32_t max, bool has_max, wasm_error *err);
void wasm_memory_release_data(wasm_memory *m);

/* table.c: NULL when the size passes WASM_MAX_TABLE_SIZE, the store's cap
 * (*over_cap set) or the host's memory. grow: the old size, -1 when the
 * table's maximum refuses, -2 when the store's cap refuses. */
wasm_table *wasm_table_create(wasm_store *s, wasm_valtype elem, uint32_t min, uint32_t max, bool has_max,
                              void *init, bool *over_cap);
int64_t wasm_table_grow_internal(wasm_table *t, uint32_t delta, void *init);

/* global.c */
wasm_global *wasm_global_create(wasm_store *s, wasm_valtype type, bool mutable_, uint64_t bits);
uint64_t wasm_value_to_slot(wasm_value v);
wasm_value wasm_value_from_slot(wasm_valtype t, uint64_t bits);

/* linker.c */
bool wasm_linker_lookup(const wasm_linker *l, const char *module, size_t module_len, const char *name,
                        size_t name_len, wasm_extern *out);

/* instance.c: frees the items of element segment i (elem.drop, and every
 * non-passive segment after instantiation). */
void wasm_instance_drop_elem(wasm_instance *inst, uint32_t i);
/* instance.c: the i-th export of the module, as an extern of inst. */

/* api.c */
bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b);

/* interp.c: runs f with its arguments in slots[0..nparams); the results
 * replace them. slots must be s->stack_top. */
wasm_trap_code wasm_interp_call(wasm_store *s, wasm_func *f, wasm_slot *slots);

/* Calls a host function with args in place; results overwrite them. */
wasm_trap_code wasm_call_host(wasm_store *s, wasm_func *f, wasm_instance *caller, wasm_slot *args);

#endif
