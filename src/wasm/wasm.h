/*
 * wasm.h — the embedding API of the OutLayer WebAssembly engine.
 *
 * The engine runs WebAssembly 2.0 core modules (without SIMD) with exact,
 * deterministic instruction metering and hard limits. Workers run untrusted
 * user programs on it and the devnet runs NEAR contracts on it, so every
 * entry point validates its input and reports failure instead of crashing.
 *
 * Objects and their lifetimes:
 *
 *   wasm_module    decoded, validated and compiled once; immutable, so any
 *                  number of threads may instantiate it at the same time.
 *                  Reference counted: every instance holds a reference.
 *   wasm_store     one execution context: limits (fuel, memory, call depth),
 *                  the trap of the last call, and every instance, host
 *                  function, memory, table and global created in it. A store
 *                  is used by one thread at a time; only wasm_store_interrupt
 *                  may be called from another thread. Freeing the store frees
 *                  everything created in it.
 *   wasm_linker    maps (module name, field name) to externs; used to resolve
 *                  a module's imports at instantiation.
 *   wasm_instance  a module instantiated in a store.
 *
 * Values cross the API either as typed wasm_value (calls from the embedder)
 * or as raw 64-bit slots (arguments and results of host functions): an i32
 * or f32 occupies the low 32 bits, an i64 or f64 the whole slot (floats by
 * bit pattern, so NaN payloads survive), a reference is a pointer (NULL is
 * the null reference).
 */
#ifndef OUTLAYER_WASM_H
#define OUTLAYER_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ------------------------------------------------------------ */

/* Value types, by their binary encoding. */
enum {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b, /* decoded only to be rejected: SIMD is unsupported */
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
};
typedef uint8_t wasm_valtype;

/* Extern kinds, by their binary encoding in import/export descriptors. */
typedef enum wasm_extern_kind {
    WASM_EXTERN_FUNC = 0,
    WASM_EXTERN_TABLE = 1,
    WASM_EXTERN_MEMORY = 2,
    WASM_EXTERN_GLOBAL = 3,
} wasm_extern_kind;

/* A function type: params[0..nparams) then results[0..nresults) in one array. */
typedef struct wasm_functype {
    uint32_t nparams;
    uint32_t nresults;
    const wasm_valtype *types;
} wasm_functype;

typedef struct wasm_func wasm_func;
typedef struct wasm_memory wasm_memory;
typedef struct wasm_table wasm_table;
typedef struct wasm_global wasm_global;
typedef struct wasm_module wasm_module;
typedef struct wasm_store wasm_store;
typedef struct wasm_instance wasm_instance;
typedef struct wasm_linker wasm_linker;
typedef struct wasm_call wasm_call;

typedef struct wasm_value {
    wasm_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits; /* floats by bit pattern: NaN payloads are preserved */
        uint64_t f64_bits;
        wasm_func *funcref; /* NULL = ref.null func */
        void *externref;    /* NULL = ref.null extern; any other pointer is opaque */
    } of;
} wasm_value;

/* Typed values, one constructor per type. */
static inline wasm_value wasm_i32(int32_t v) { wasm_value x = {WASM_I32, {.i32 = v}}; return x; }
static inline wasm_value wasm_i64(int64_t v) { wasm_value x = {WASM_I64, {.i64 = v}}; return x; }
static inline wasm_value wasm_f32_bits(uint32_t bits) { wasm_value x = {WASM_F32, {.f32_bits = bits}}; return x; }
static inline wasm_value wasm_f64_bits(uint64_t bits) { wasm_value x = {WASM_F64, {.f64_bits = bits}}; return x; }
static inline wasm_value wasm_f32(float v)
{
    uint32_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return wasm_f32_bits(bits);
}
static inline wasm_value wasm_f64(double v)
{
    uint64_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return wasm_f64_bits(bits);
}
static inline wasm_value wasm_funcref(wasm_func *f) { wasm_value x = {WASM_FUNCREF, {.funcref = f}}; return x; }
static inline wasm_value wasm_externref(void *p) { wasm_value x = {WASM_EXTERNREF, {.externref = p}}; return x; }

/* Raw slots (host function arguments and results, see the top of this
 * file): wasm_slot_get_T reads an argument, wasm_slot_of_T makes a result.
 * 32-bit values use the low half; floats travel by bit pattern (the _bits
 * forms keep NaN payloads exactly; float/double forms are for convenience). */
static inline int32_t wasm_slot_get_i32(uint64_t slot) { return (int32_t)(uint32_t)slot; }
static inline int64_t wasm_slot_get_i64(uint64_t slot) { return (int64_t)slot; }
static inline uint32_t wasm_slot_get_f32_bits(uint64_t slot) { return (uint32_t)slot; }
static inline uint64_t wasm_slot_get_f64_bits(uint64_t slot) { return slot; }
static inline float wasm_slot_get_f32(uint64_t slot)
{
    uint32_t bits = (uint32_t)slot;
    float v;
    __builtin_memcpy(&v, &bits, sizeof v);
    return v;
}
static inline double wasm_slot_get_f64(uint64_t slot)
{
    double v;
    __builtin_memcpy(&v, &slot, sizeof v);
    return v;
}
static inline wasm_func *wasm_slot_get_funcref(uint64_t slot) { return (wasm_func *)(uintptr_t)slot; }
static inline void *wasm_slot_get_externref(uint64_t slot) { return (void *)(uintptr_t)slot; }

static inline uint64_t wasm_slot_of_i32(int32_t v) { return (uint32_t)v; }
static inline uint64_t wasm_slot_of_i64(int64_t v) { return (uint64_t)v; }
static inline uint64_t wasm_slot_of_f32_bits(uint32_t bits) { return bits; }
static inline uint64_t wasm_slot_of_f64_bits(uint64_t bits) { return bits; }
static inline uint64_t wasm_slot_of_f32(float v)
{
    uint32_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return bits;
}
static inline uint64_t wasm_slot_of_f64(double v)
{
    uint64_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return bits;
}
static inline uint64_t wasm_slot_of_funcref(wasm_func *f) { return (uint64_t)(uintptr_t)f; }
static inline uint64_t wasm_slot_of_externref(void *p) { return (uint64_t)(uintptr_t)p; }

/* "i32", "i64", "f32", "f64", "v128", "funcref", "externref" or "unknown". */
const char *wasm_valtype_name(wasm_valtype t);

typedef struct wasm_extern {
    wasm_extern_kind kind;
    union {
        wasm_func *func;
        wasm_table *table;
        wasm_memory *memory;
        wasm_global *global;
    } of;
} wasm_extern;

/* ---- errors and traps ------------------------------------------------- */

/* Every way a call can stop other than returning. Messages for the spec
 * traps are the spec test suite's strings (see wasm_trap_name). */
typedef enum wasm_trap_code {
    WASM_TRAP_NONE = 0,
    WASM_TRAP_UNREACHABLE,           /* "unreachable" */
    WASM_TRAP_MEMORY_OUT_OF_BOUNDS,  /* "out of bounds memory access" */
    WASM_TRAP_TABLE_OUT_OF_BOUNDS,   /* "out of bounds table access" */
    WASM_TRAP_UNDEFINED_ELEMENT,     /* "undefined element": call_indirect index >= table size */
    WASM_TRAP_UNINITIALIZED_ELEMENT, /* "uninitialized element": call_indirect of a null entry */
    WASM_TRAP_INDIRECT_CALL_TYPE,    /* "indirect call type mismatch" */
    WASM_TRAP_DIVIDE_BY_ZERO,        /* "integer divide by zero" */
    WASM_TRAP_INTEGER_OVERFLOW,      /* "integer overflow" */
    WASM_TRAP_INVALID_CONVERSION,    /* "invalid conversion to integer" */
    WASM_TRAP_STACK_EXHAUSTED,       /* "call stack exhausted": call depth or value stack limit */
    WASM_TRAP_OUT_OF_FUEL,           /* "out of fuel": the instruction limit was reached */
    WASM_TRAP_INTERRUPTED,           /* "interrupted": wasm_store_interrupt (wall-clock timeout) */
    WASM_TRAP_MEMORY_LIMIT,          /* "memory limit exceeded": growth past the store's page cap */
    WASM_TRAP_EXIT,                  /* the program asked to exit (WASI proc_exit); see exit code */
    WASM_TRAP_HOST,                  /* a host function failed; see the message */
    WASM_TRAP_MISUSE,                /* "API misuse": the embedder's call was wrong (argument count or
                                        types, result buffer too small, function of another store);
                                        nothing ran. Never raised by wasm code or a host function */
    WASM_TRAP_COUNT
} wasm_trap_code;

/* Short stable name of a trap code ("out of bounds memory access", ...). */
const char *wasm_trap_name(wasm_trap_code code);

typedef enum wasm_error_kind {
    WASM_ERR_NONE = 0,
    WASM_ERR_MALFORMED,   /* the bytes are not a well-formed binary module */
    WASM_ERR_INVALID,     /* well-formed but fails validation */
    WASM_ERR_UNSUPPORTED, /* uses a feature this engine does not run (SIMD, threads, ...) */
    WASM_ERR_UNLINKABLE,  /* an import is missing or has an incompatible type */
    WASM_ERR_TRAP,        /* instantiation trapped (segment out of bounds, start function) */
    WASM_ERR_RESOURCE,    /* a limit or the host's memory was exhausted */
    WASM_ERR_MISUSE,      /* the embedder's call was wrong (NULL store or module, ...); nothing ran */
} wasm_error_kind;

typedef struct wasm_error {
    wasm_error_kind kind;
    wasm_trap_code trap; /* when kind == WASM_ERR_TRAP (or RESOURCE for a limit), else WASM_TRAP_NONE */
    size_t offset;       /* byte offset in the module the error refers to, or SIZE_MAX */
    char message[256];   /* human readable, e.g. "type mismatch in i32.add" */
} wasm_error;

/* ---- modules ---------------------------------------------------------- */

typedef struct wasm_load_options {
    bool no_metering; /* compile without fuel accounting (for benchmarks only); {0} = metered */
    /* When set, loading stops if this store is interrupted (wasm_store_interrupt,
     * from another thread) while it runs: decode, validate and compile poll
     * the store's flag every few thousand steps, and the load fails with
     * kind WASM_ERR_TRAP, trap WASM_TRAP_INTERRUPTED. The module does not
     * keep the store. Lets one watchdog bound a job from its first byte. */
    wasm_store *interrupt;
} wasm_load_options;

/* Decode, validate and compile. Returns NULL and fills err on failure.
 * The bytes are copied; the caller may free them afterwards. */
wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, wasm_error *err);
wasm_module *wasm_module_load_ex(const uint8_t *bytes, size_t size, const wasm_load_options *opts,
                                 wasm_error *err);
/* Validate only (no compilation); true if the module would load. */
bool wasm_module_validate(const uint8_t *bytes, size_t size, wasm_error *err);
void wasm_module_retain(wasm_module *m);
void wasm_module_release(wasm_module *m); /* frees at the last reference */

typedef struct wasm_import_info {
    const char *module; /* NUL-terminated; names containing NUL are compared by length */
    size_t module_len;
    const char *name;
    size_t name_len;
    wasm_extern_kind kind;
    wasm_functype func_type; /* for WASM_EXTERN_FUNC */
} wasm_import_info;

typedef struct wasm_export_info {
    const char *name;
    size_t name_len;
    wasm_extern_kind kind;
    wasm_functype func_type; /* for WASM_EXTERN_FUNC */
} wasm_export_info;

size_t wasm_module_import_count(const wasm_module *m);
wasm_import_info wasm_module_import(const wasm_module *m, size_t i);
size_t wasm_module_export_count(const wasm_module *m);
wasm_export_info wasm_module_export(const wasm_module *m, size_t i);

/* ---- stores and limits ------------------------------------------------ */

/* Every field of wasm_limits is "0 = the default"; the defaults are the
 * engine's maximum or unlimited, and these constants name them, so
 * `wasm_limits l = {.max_memory_pages = 16}` caps memory and nothing else. */
#define WASM_FUEL_UNLIMITED UINT64_MAX     /* fuel's default: never runs out in practice */
#define WASM_MEMORY_PAGES_MAX 65536u       /* max_memory_pages' default: 4 GiB */
#define WASM_DEFAULT_CALL_DEPTH 10000u     /* max_call_depth's default */
#define WASM_DEFAULT_STACK_SLOTS (1u << 20) /* max_stack_slots' default (8 MiB) */

typedef struct wasm_limits {
    uint64_t fuel;             /* instructions that may execute; 0 = WASM_FUEL_UNLIMITED. (To start
                                  with none, use wasm_store_set_fuel(s, 0) after creation.) */
    uint32_t max_memory_pages; /* cap, in 64 KiB pages, on all host memory the store holds for wasm
                                  (memories, tables, globals, instances: see wasm_store_memory_bytes);
                                  0 = WASM_MEMORY_PAGES_MAX (4 GiB), larger values are cut to it */
    uint32_t max_call_depth;   /* nested wasm calls; 0 = WASM_DEFAULT_CALL_DEPTH */
    uint32_t max_stack_slots;  /* value-stack size in 64-bit slots; 0 = WASM_DEFAULT_STACK_SLOTS */
} wasm_limits;

wasm_store *wasm_store_new(const wasm_limits *limits); /* NULL = every default, like {0} */
void wasm_store_free(wasm_store *s);

/* Thread-safe: makes the running (or next) call trap with WASM_TRAP_INTERRUPTED
 * at the next function entry or loop back-edge. */
void wasm_store_interrupt(wasm_store *s);
void wasm_store_clear_interrupt(wasm_store *s);

uint64_t wasm_store_fuel_remaining(const wasm_store *s);
void wasm_store_set_fuel(wasm_store *s, uint64_t fuel); /* also allowed inside host functions */
uint64_t wasm_store_fuel_used(const wasm_store *s);      /* total consumed since creation */
/* Host memory the store holds for wasm, counted against the cap of
 * max_memory_pages x 64 KiB: every memory's size, every table's entries
 * (8 bytes each), globals, instances and their element segments until
 * dropped. The peak is the most held at once. */
uint64_t wasm_store_peak_memory_bytes(const wasm_store *s);
uint64_t wasm_store_memory_bytes(const wasm_store *s);

/* After a call or instantiation that trapped: the message (never NULL) and,
 * for WASM_TRAP_EXIT, the exit code. */
const char *wasm_store_trap_message(const wasm_store *s);
int32_t wasm_store_exit_code(const wasm_store *s);

/* ---- host functions --------------------------------------------------- */

/* A host function. args and results are raw slots (see the top of this
 * file). Return WASM_TRAP_NONE to return normally, or a trap code (use
 * wasm_call_trap to attach a message). */
typedef wasm_trap_code (*wasm_host_callback)(wasm_call *call, const uint64_t *args, uint64_t *results);

/* Creates a host function in the store. sig is a compact signature: one
 * letter per parameter, '>' then one per result; i=i32 I=i64 f=f32 F=f64
 * r=funcref x=externref. Examples: "ii>i", "I>", ">I", "". NULL if sig is bad. */
wasm_func *wasm_func_new_host(wasm_store *s, const char *sig, wasm_host_callback cb, void *env);

/* Inside a host function: */
void *wasm_call_env(wasm_call *call);             /* env given to wasm_func_new_host */
wasm_store *wasm_call_store(wasm_call *call);
wasm_instance *wasm_call_instance(wasm_call *call); /* the calling instance */
/* Memory 0 of the calling instance, or NULL when it has none. */
wasm_memory *wasm_call_memory(wasm_call *call);
/* Records a message (printf-style) and returns code, for `return wasm_call_trap(...)`. */
wasm_trap_code wasm_call_trap(wasm_call *call, wasm_trap_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* proc_exit: returns WASM_TRAP_EXIT after recording the exit code. */
wasm_trap_code wasm_call_exit(wasm_call *call, int32_t code);
/* Charges fuel for work the host does for the guest in proportion to what
 * the guest asked (the bulk-instruction rate is 1 unit per 64 bytes), so a
 * host call cannot buy unbounded work for the price of one instruction.
 * Returns WASM_TRAP_NONE, or WASM_TRAP_OUT_OF_FUEL with nothing charged and
 * the trap recorded: `if ((t = wasm_call_charge(call, n))) return t;`.
 * Free when the calling module was loaded with metering off. */
wasm_trap_code wasm_call_charge(wasm_call *call, uint64_t fuel);

/* ---- memories, tables, globals ---------------------------------------- */

/* Pointers into memory stay valid until the memory grows. */
uint8_t *wasm_memory_data(wasm_memory *m);
uint64_t wasm_memory_size(const wasm_memory *m); /* bytes */
uint32_t wasm_memory_pages(const wasm_memory *m);
/* Pointer to [offset, offset+len) or NULL if any byte is out of bounds. */
uint8_t *wasm_memory_ptr(wasm_memory *m, uint64_t offset, uint64_t len);
/* Returns the old size in pages, or -1 if the growth is refused. */
int64_t wasm_memory_grow(wasm_memory *m, uint32_t delta_pages);
wasm_memory *wasm_memory_new(wasm_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max);

wasm_table *wasm_table_new(wasm_store *s, wasm_valtype elem, uint32_t min, uint32_t max, bool has_max,
                           wasm_value init);
uint32_t wasm_table_size(const wasm_table *t);
bool wasm_table_get(const wasm_table *t, uint32_t i, wasm_value *out);
bool wasm_table_set(wasm_table *t, uint32_t i, wasm_value v);

wasm_global *wasm_global_new(wasm_store *s, wasm_value init, bool mutable_);
wasm_value wasm_global_get(const wasm_global *g);
bool wasm_global_set(wasm_global *g, wasm_value v); /* false if immutable or type differs */

/* ---- linking and instances -------------------------------------------- */

wasm_linker *wasm_linker_new(wasm_store *s);
void wasm_linker_free(wasm_linker *l);
/* Later definitions of the same (module, name) replace earlier ones. */
bool wasm_linker_define(wasm_linker *l, const char *module, const char *name, wasm_extern ext);
/* Shorthand: define a host function (see wasm_func_new_host for sig). */
bool wasm_linker_define_host(wasm_linker *l, const char *module, const char *name, const char *sig,
                             wasm_host_callback cb, void *env);
/* Defines every export of inst under module name `module` (spec "register"). */
bool wasm_linker_define_instance(wasm_linker *l, const char *module, wasm_instance *inst);

/* Resolves imports through the linker (may be NULL if there are none),
 * allocates memories/tables/globals, applies segments and runs the start
 * function. NULL and err filled on failure (kind UNLINKABLE, TRAP or RESOURCE). */
wasm_instance *wasm_instantiate(wasm_store *s, wasm_module *m, const wasm_linker *l, wasm_error *err);

bool wasm_instance_export(wasm_instance *inst, const char *name, wasm_extern *out);
/* The same by (name, length): export names may contain NUL bytes. */
bool wasm_instance_export_n(wasm_instance *inst, const char *name, size_t len, wasm_extern *out);
/* Listing: exports 0..count-1 in the module's order. info gets the name
 * and kind (and type for a function), out the extern; either may be NULL.
 * false when i is out of range. */
size_t wasm_instance_export_count(const wasm_instance *inst);
bool wasm_instance_export_at(wasm_instance *inst, size_t i, wasm_export_info *info, wasm_extern *out);
wasm_func *wasm_instance_func(wasm_instance *inst, const char *name);     /* NULL if absent */
wasm_memory *wasm_instance_memory(wasm_instance *inst, const char *name); /* NULL if absent */

/* ---- calls ------------------------------------------------------------ */

wasm_functype wasm_func_type(const wasm_func *f);

/* Calls f. Argument count and types must match the function type exactly
 * and results must have room for every result: otherwise the call returns
 * WASM_TRAP_MISUSE with a message and nothing runs. On success
 * results[0..nresults) are filled. Fuel and limits are the store's. */
wasm_trap_code wasm_func_call(wasm_store *s, wasm_func *f, const wasm_value *args, size_t nargs,
                              wasm_value *results, size_t nresults);

#ifdef __cplusplus
}
#endif
#endif
