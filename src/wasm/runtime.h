/*
 * runtime.h — store, instance and object internals shared by the back end
 * (internal). The public view of these objects is olw.h.
 */
#ifndef OUTLAYER_WASM_RUNTIME_H
#define OUTLAYER_WASM_RUNTIME_H

#include <stdatomic.h>

#include "wasm/compile.h"
#include "wasm/module.h"

/* A value-stack slot. 32-bit values live in the low half, zero-extended
 * (readers of a 32-bit value still ignore the high half). */
typedef union olw_slot {
    uint64_t u;
    int64_t i;
    float f32;
    double f64;
    void *ref;
} olw_slot;

struct olw_func {
    olw_functype type;                 /* points at the module's (or the host function's own) type array */
    olw_instance *instance;            /* NULL for host functions */
    const olw_compiled_func *compiled; /* wasm functions */
    const void *jit_entry;             /* its machine code (jit.h), NULL when its module has none */
    olw_host_callback callback;        /* host functions */
    void *env;
    olw_store *store;
};

struct olw_memory {
    olw_store *store;
    uint8_t *data; /* mmap'd, NULL when size is 0 */
    uint64_t size; /* bytes */
    uint32_t pages;
    uint32_t max; /* declared maximum (65536 when none) */
    bool has_max;
};

struct olw_table {
    olw_store *store;
    olw_valtype elem;
    uint32_t size;
    uint32_t max;
    bool has_max;
    void **elems; /* olw_func* or externref pointers; NULL = null */
};

struct olw_global {
    olw_store *store;
    olw_valtype type;
    bool mutable_;
    olw_slot value;
};

struct olw_instance {
    olw_store *store;
    olw_module *module;
    olw_func **funcs;       /* [nfuncs] the whole function index space */
    olw_table **tables;     /* [ntables] */
    olw_memory **memories;  /* [nmemories] */
    olw_global **globals;   /* [nglobals] */
    void ***elem_refs;      /* [nelems] evaluated element segment items */
    uint32_t *elem_len;     /* [nelems] 0 once dropped */
    uint32_t *data_len;     /* [ndatas] 0 once dropped */
    olw_func *func_storage; /* the defined functions (one allocation) */
    olw_memory *mem0;       /* memories[0] or NULL */
};

/* A list of owned pointers. */
typedef struct olw_ptrvec {
    void **items;
    size_t len, cap;
} olw_ptrvec;
bool olw_ptrvec_push(olw_ptrvec *v, void *p);

typedef struct olw_frame {
    const olw_cell *ret; /* caller's next instruction */
    olw_slot *fp;        /* caller's frame */
    olw_instance *inst;  /* caller's instance */
} olw_frame;

struct olw_store {
    olw_limits limits;
    uint64_t fuel;      /* remaining */
    uint64_t fuel_used; /* total charged */
    atomic_int interrupt;

    /* Host memory the store's objects hold for wasm: memories, tables,
     * globals, instances and their evaluated segments (see
     * olw_store_charge). One cap for all of it: limits.max_memory_pages
     * pages of 64 KiB. */
    uint64_t memory_bytes;
    uint64_t memory_cap;
    uint64_t peak_memory_bytes;

    olw_slot *stack;     /* [limits.max_stack_slots] */
    olw_slot *stack_top; /* first free slot (for nested calls from host functions) */
    olw_frame *frames;   /* [limits.max_call_depth] */
    olw_frame *frame_top;
    uint32_t nesting; /* olw_func_call active on this store (host functions may re-enter) */

    olw_trap_code trap;
    int32_t exit_code;
    char trap_message[256];

    olw_ptrvec funcs, memories, tables, globals, instances, blocks;
};

struct olw_call {
    olw_store *store;
    olw_instance *instance;
    olw_func *func;
    bool recorded; /* olw_call_trap/exit stored a message */
};

/* store.c */
bool olw_store_reserve_stacks(olw_store *s);
void olw_store_set_trap(olw_store *s, olw_trap_code code, const char *message);
/* Counts bytes of host memory toward the store's cap before they are
 * allocated: false (and nothing counted) when they would pass it. */
bool olw_store_charge(olw_store *s, uint64_t bytes);
void olw_store_uncharge(olw_store *s, uint64_t bytes);
/* What a store object costs besides its payload: the object and its slot
 * in the store's list. */
#define OLW_OBJECT_BYTES(type) ((uint64_t)sizeof(type) + sizeof(void *))

/* memory.c: grows by delta pages. Returns the old page count, -1 when the
 * memory's own maximum (or 4 GiB) refuses, -2 when the store's cap refuses. */
int64_t olw_memory_grow_internal(olw_memory *m, uint32_t delta);
olw_memory *olw_memory_create(olw_store *s, uint32_t min, uint32_t max, bool has_max, olw_error *err);
void olw_memory_release_data(olw_memory *m);

/* table.c: NULL when the size passes OLW_MAX_TABLE_SIZE, the store's cap
 * (*over_cap set) or the host's memory. grow: the old size, -1 when the
 * table's maximum refuses, -2 when the store's cap refuses. */
olw_table *olw_table_create(olw_store *s, olw_valtype elem, uint32_t min, uint32_t max, bool has_max, void *init,
                            bool *over_cap);
int64_t olw_table_grow_internal(olw_table *t, uint32_t delta, void *init);

/* global.c */
olw_global *olw_global_create(olw_store *s, olw_valtype type, bool mutable_, uint64_t bits);
uint64_t olw_value_to_slot(olw_value v);
olw_value olw_value_from_slot(olw_valtype t, uint64_t bits);

/* linker.c */
bool olw_linker_lookup(const olw_linker *l, const char *module, size_t module_len, const char *name, size_t name_len,
                       olw_extern *out);

/* instance.c: frees the items of element segment i (elem.drop, and every
 * non-passive segment after instantiation). */
void olw_instance_drop_elem(olw_instance *inst, uint32_t i);
/* instance.c: the i-th export of the module, as an extern of inst. */

/* api.c */
bool olw_functype_equal(const olw_functype *a, const olw_functype *b);

/* interp.c: runs f with its arguments in slots[0..nparams); the results
 * replace them. slots must be s->stack_top. */
olw_trap_code olw_interp_call(olw_store *s, olw_func *f, olw_slot *slots);

/* Calls a host function with args in place; results overwrite them. */
olw_trap_code olw_call_host(olw_store *s, olw_func *f, olw_instance *caller, olw_slot *args);

#endif
