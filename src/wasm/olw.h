/*
 * olw.h — the embedding API of the OutLayer WebAssembly engine.
 *
 * The engine runs WebAssembly 2.0 core modules (without SIMD) with exact,
 * deterministic instruction metering and hard limits. Workers run untrusted
 * user programs on it and the devnet runs NEAR contracts on it, so every
 * entry point validates its input and reports failure instead of crashing.
 *
 * Objects and their lifetimes:
 *
 *   olw_module    decoded, validated and compiled once; immutable, so any
 *                  number of threads may instantiate it at the same time.
 *                  Reference counted: every instance holds a reference.
 *   olw_store     one execution context: limits (fuel, memory, call depth),
 *                  the trap of the last call, and every instance, host
 *                  function, memory, table and global created in it. A store
 *                  is used by one thread at a time; only olw_store_interrupt
 *                  may be called from another thread. Freeing the store frees
 *                  everything created in it.
 *   olw_linker    maps (module name, field name) to externs; used to resolve
 *                  a module's imports at instantiation.
 *   olw_instance  a module instantiated in a store.
 *
 * Values cross the API either as typed olw_value (calls from the embedder)
 * or as raw 64-bit slots (arguments and results of host functions): an i32
 * or f32 occupies the low 32 bits, an i64 or f64 the whole slot (floats by
 * bit pattern, so NaN payloads survive), a reference is a pointer (NULL is
 * the null reference).
 */
#ifndef OUTLAYER_WASM_OLW_H
#define OUTLAYER_WASM_OLW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ------------------------------------------------------------ */

/* Value types, by their binary encoding. */
enum {
    OLW_I32 = 0x7f,
    OLW_I64 = 0x7e,
    OLW_F32 = 0x7d,
    OLW_F64 = 0x7c,
    OLW_V128 = 0x7b, /* decoded only to be rejected: SIMD is unsupported */
    OLW_FUNCREF = 0x70,
    OLW_EXTERNREF = 0x6f,
};
typedef uint8_t olw_valtype;

/* Extern kinds, by their binary encoding in import/export descriptors. */
typedef enum olw_extern_kind {
    OLW_EXTERN_FUNC = 0,
    OLW_EXTERN_TABLE = 1,
    OLW_EXTERN_MEMORY = 2,
    OLW_EXTERN_GLOBAL = 3,
} olw_extern_kind;

/* A function type: params[0..nparams) then results[0..nresults) in one array. */
typedef struct olw_functype {
    uint32_t nparams;
    uint32_t nresults;
    const olw_valtype *types;
} olw_functype;

typedef struct olw_func olw_func;
typedef struct olw_memory olw_memory;
typedef struct olw_table olw_table;
typedef struct olw_global olw_global;
typedef struct olw_module olw_module;
typedef struct olw_store olw_store;
typedef struct olw_instance olw_instance;
typedef struct olw_linker olw_linker;
typedef struct olw_call olw_call;

typedef struct olw_value {
    olw_valtype type;
    union {
        int32_t i32;
        int64_t i64;
        uint32_t f32_bits; /* floats by bit pattern: NaN payloads are preserved */
        uint64_t f64_bits;
        olw_func *funcref; /* NULL = ref.null func */
        void *externref;   /* NULL = ref.null extern; any other pointer is opaque */
    } of;
} olw_value;

/* Typed values, one constructor per type. */
static inline olw_value olw_i32(int32_t v)
{
    olw_value x = {OLW_I32, {.i32 = v}};
    return x;
}
static inline olw_value olw_i64(int64_t v)
{
    olw_value x = {OLW_I64, {.i64 = v}};
    return x;
}
static inline olw_value olw_f32_bits(uint32_t bits)
{
    olw_value x = {OLW_F32, {.f32_bits = bits}};
    return x;
}
static inline olw_value olw_f64_bits(uint64_t bits)
{
    olw_value x = {OLW_F64, {.f64_bits = bits}};
    return x;
}
static inline olw_value olw_f32(float v)
{
    uint32_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return olw_f32_bits(bits);
}
static inline olw_value olw_f64(double v)
{
    uint64_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return olw_f64_bits(bits);
}
static inline olw_value olw_funcref(olw_func *f)
{
    olw_value x = {OLW_FUNCREF, {.funcref = f}};
    return x;
}
static inline olw_value olw_externref(void *p)
{
    olw_value x = {OLW_EXTERNREF, {.externref = p}};
    return x;
}

/* Raw slots (host function arguments and results, see the top of this
 * file): olw_slot_get_T reads an argument, olw_slot_of_T makes a result.
 * 32-bit values use the low half; floats travel by bit pattern (the _bits
 * forms keep NaN payloads exactly; float/double forms are for convenience). */
static inline int32_t olw_slot_get_i32(uint64_t slot) { return (int32_t)(uint32_t)slot; }
static inline int64_t olw_slot_get_i64(uint64_t slot) { return (int64_t)slot; }
static inline uint32_t olw_slot_get_f32_bits(uint64_t slot) { return (uint32_t)slot; }
static inline uint64_t olw_slot_get_f64_bits(uint64_t slot) { return slot; }
static inline float olw_slot_get_f32(uint64_t slot)
{
    uint32_t bits = (uint32_t)slot;
    float v;
    __builtin_memcpy(&v, &bits, sizeof v);
    return v;
}
static inline double olw_slot_get_f64(uint64_t slot)
{
    double v;
    __builtin_memcpy(&v, &slot, sizeof v);
    return v;
}
static inline olw_func *olw_slot_get_funcref(uint64_t slot) { return (olw_func *)(uintptr_t)slot; }
static inline void *olw_slot_get_externref(uint64_t slot) { return (void *)(uintptr_t)slot; }

static inline uint64_t olw_slot_of_i32(int32_t v) { return (uint32_t)v; }
static inline uint64_t olw_slot_of_i64(int64_t v) { return (uint64_t)v; }
static inline uint64_t olw_slot_of_f32_bits(uint32_t bits) { return bits; }
static inline uint64_t olw_slot_of_f64_bits(uint64_t bits) { return bits; }
static inline uint64_t olw_slot_of_f32(float v)
{
    uint32_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return bits;
}
static inline uint64_t olw_slot_of_f64(double v)
{
    uint64_t bits;
    __builtin_memcpy(&bits, &v, sizeof bits);
    return bits;
}
static inline uint64_t olw_slot_of_funcref(olw_func *f) { return (uint64_t)(uintptr_t)f; }
static inline uint64_t olw_slot_of_externref(void *p) { return (uint64_t)(uintptr_t)p; }

/* "i32", "i64", "f32", "f64", "v128", "funcref", "externref" or "unknown". */
const char *olw_valtype_name(olw_valtype t);

typedef struct olw_extern {
    olw_extern_kind kind;
    union {
        olw_func *func;
        olw_table *table;
        olw_memory *memory;
        olw_global *global;
    } of;
} olw_extern;

/* ---- errors and traps ------------------------------------------------- */

/* Every way a call can stop other than returning. Messages for the spec
 * traps are the spec test suite's strings (see olw_trap_name). */
typedef enum olw_trap_code {
    OLW_TRAP_NONE = 0,
    OLW_TRAP_UNREACHABLE,           /* "unreachable" */
    OLW_TRAP_MEMORY_OUT_OF_BOUNDS,  /* "out of bounds memory access" */
    OLW_TRAP_TABLE_OUT_OF_BOUNDS,   /* "out of bounds table access" */
    OLW_TRAP_UNDEFINED_ELEMENT,     /* "undefined element": call_indirect index >= table size */
    OLW_TRAP_UNINITIALIZED_ELEMENT, /* "uninitialized element": call_indirect of a null entry */
    OLW_TRAP_INDIRECT_CALL_TYPE,    /* "indirect call type mismatch" */
    OLW_TRAP_DIVIDE_BY_ZERO,        /* "integer divide by zero" */
    OLW_TRAP_INTEGER_OVERFLOW,      /* "integer overflow" */
    OLW_TRAP_INVALID_CONVERSION,    /* "invalid conversion to integer" */
    OLW_TRAP_STACK_EXHAUSTED,       /* "call stack exhausted": call depth or value stack limit */
    OLW_TRAP_OUT_OF_FUEL,           /* "out of fuel": the instruction limit was reached */
    OLW_TRAP_INTERRUPTED,           /* "interrupted": olw_store_interrupt (wall-clock timeout) */
    OLW_TRAP_MEMORY_LIMIT,          /* "memory limit exceeded": growth past the store's page cap */
    OLW_TRAP_EXIT,                  /* the program asked to exit (WASI proc_exit); see exit code */
    OLW_TRAP_HOST,                  /* a host function failed; see the message */
    OLW_TRAP_MISUSE,                /* "API misuse": the embedder's call was wrong (argument count or
                                        types, result buffer too small, function of another store);
                                        nothing ran. Never raised by wasm code or a host function */
    OLW_TRAP_COUNT
} olw_trap_code;

/* Short stable name of a trap code ("out of bounds memory access", ...). */
const char *olw_trap_name(olw_trap_code code);

typedef enum olw_error_kind {
    OLW_ERR_NONE = 0,
    OLW_ERR_MALFORMED,   /* the bytes are not a well-formed binary module */
    OLW_ERR_INVALID,     /* well-formed but fails validation */
    OLW_ERR_UNSUPPORTED, /* uses a feature this engine does not run (SIMD, threads, ...) */
    OLW_ERR_UNLINKABLE,  /* an import is missing or has an incompatible type */
    OLW_ERR_TRAP,        /* instantiation trapped (segment out of bounds, start function) */
    OLW_ERR_RESOURCE,    /* a limit or the host's memory was exhausted */
    OLW_ERR_MISUSE,      /* the embedder's call was wrong (NULL store or module, ...); nothing ran */
} olw_error_kind;

typedef struct olw_error {
    olw_error_kind kind;
    olw_trap_code trap; /* when kind == OLW_ERR_TRAP (or RESOURCE for a limit), else OLW_TRAP_NONE */
    size_t offset;      /* byte offset in the module the error refers to, or SIZE_MAX */
    char message[256];  /* human readable, e.g. "type mismatch in i32.add" */
} olw_error;

/* ---- modules ---------------------------------------------------------- */

/* Which tier runs a module's functions. DEFAULT: the environment variable
 * OLW_ENGINE=interp|jit when set, else the compiling tier (x86-64 machine
 * code) where it exists (x86-64 Linux) and the interpreter elsewhere. Both
 * give the same results, traps and instruction counts. */
typedef enum olw_engine {
    OLW_ENGINE_DEFAULT = 0,
    OLW_ENGINE_INTERP = 1,
    OLW_ENGINE_JIT = 2,
} olw_engine;

typedef struct olw_load_options {
    bool no_metering; /* compile without fuel accounting (for benchmarks only); {0} = metered */
    olw_engine engine; /* {0} = OLW_ENGINE_DEFAULT */
    /* When set, loading stops if this store is interrupted (olw_store_interrupt,
     * from another thread) while it runs: decode, validate and compile poll
     * the store's flag every few thousand steps, and the load fails with
     * kind OLW_ERR_TRAP, trap OLW_TRAP_INTERRUPTED. The module does not
     * keep the store. Lets one watchdog bound a job from its first byte. */
    olw_store *interrupt;
} olw_load_options;

/* Decode, validate and compile. Returns NULL and fills err on failure.
 * The bytes are copied; the caller may free them afterwards. */
olw_module *olw_module_load(const uint8_t *bytes, size_t size, olw_error *err);
olw_module *olw_module_load_ex(const uint8_t *bytes, size_t size, const olw_load_options *opts, olw_error *err);
/* Validate only (no compilation); true if the module would load. */
bool olw_module_validate(const uint8_t *bytes, size_t size, olw_error *err);
/* The tier that runs the module's functions: OLW_ENGINE_JIT when it was
 * compiled to machine code, else OLW_ENGINE_INTERP. */
olw_engine olw_module_engine(const olw_module *m);
void olw_module_retain(olw_module *m);
void olw_module_release(olw_module *m); /* frees at the last reference */

typedef struct olw_import_info {
    const char *module; /* NUL-terminated; names containing NUL are compared by length */
    size_t module_len;
    const char *name;
    size_t name_len;
    olw_extern_kind kind;
    olw_functype func_type; /* for OLW_EXTERN_FUNC */
} olw_import_info;

typedef struct olw_export_info {
    const char *name;
    size_t name_len;
    olw_extern_kind kind;
    olw_functype func_type; /* for OLW_EXTERN_FUNC */
} olw_export_info;

size_t olw_module_import_count(const olw_module *m);
olw_import_info olw_module_import(const olw_module *m, size_t i);
size_t olw_module_export_count(const olw_module *m);
olw_export_info olw_module_export(const olw_module *m, size_t i);

/* ---- stores and limits ------------------------------------------------ */

/* Every field of olw_limits is "0 = the default"; the defaults are the
 * engine's maximum or unlimited, and these constants name them, so
 * `olw_limits l = {.max_memory_pages = 16}` caps memory and nothing else. */
#define OLW_FUEL_UNLIMITED UINT64_MAX      /* fuel's default: never runs out in practice */
#define OLW_MEMORY_PAGES_MAX 65536u        /* max_memory_pages' default: 4 GiB */
#define OLW_DEFAULT_CALL_DEPTH 10000u      /* max_call_depth's default */
#define OLW_DEFAULT_STACK_SLOTS (1u << 20) /* max_stack_slots' default (8 MiB) */

typedef struct olw_limits {
    uint64_t fuel;             /* instructions that may execute; 0 = OLW_FUEL_UNLIMITED. (To start
                                  with none, use olw_store_set_fuel(s, 0) after creation.) */
    uint32_t max_memory_pages; /* cap, in 64 KiB pages, on all host memory the store holds for wasm
                                  (memories, tables, globals, instances: see olw_store_memory_bytes);
                                  0 = OLW_MEMORY_PAGES_MAX (4 GiB), larger values are cut to it */
    uint32_t max_call_depth;   /* nested wasm calls; 0 = OLW_DEFAULT_CALL_DEPTH */
    uint32_t max_stack_slots;  /* value-stack size in 64-bit slots; 0 = OLW_DEFAULT_STACK_SLOTS */
} olw_limits;

olw_store *olw_store_new(const olw_limits *limits); /* NULL = every default, like {0} */
void olw_store_free(olw_store *s);

/* Thread-safe: makes the running (or next) call trap with OLW_TRAP_INTERRUPTED
 * at the next function entry or loop back-edge. */
void olw_store_interrupt(olw_store *s);
void olw_store_clear_interrupt(olw_store *s);

uint64_t olw_store_fuel_remaining(const olw_store *s);
void olw_store_set_fuel(olw_store *s, uint64_t fuel); /* also allowed inside host functions */
uint64_t olw_store_fuel_used(const olw_store *s);     /* total consumed since creation */
/* Host memory the store holds for wasm, counted against the cap of
 * max_memory_pages x 64 KiB: every memory's size, every table's entries
 * (8 bytes each), globals, instances and their element segments until
 * dropped. The peak is the most held at once. */
uint64_t olw_store_peak_memory_bytes(const olw_store *s);
uint64_t olw_store_memory_bytes(const olw_store *s);

/* After a call or instantiation that trapped: the message (never NULL) and,
 * for OLW_TRAP_EXIT, the exit code. */
const char *olw_store_trap_message(const olw_store *s);
int32_t olw_store_exit_code(const olw_store *s);

/* ---- host functions --------------------------------------------------- */

/* A host function. args and results are raw slots (see the top of this
 * file). Return OLW_TRAP_NONE to return normally, or a trap code (use
 * olw_call_trap to attach a message). */
typedef olw_trap_code (*olw_host_callback)(olw_call *call, const uint64_t *args, uint64_t *results);

/* Creates a host function in the store. sig is a compact signature: one
 * letter per parameter, '>' then one per result; i=i32 I=i64 f=f32 F=f64
 * r=funcref x=externref. Examples: "ii>i", "I>", ">I", "". NULL if sig is bad. */
olw_func *olw_func_new_host(olw_store *s, const char *sig, olw_host_callback cb, void *env);

/* Inside a host function: */
void *olw_call_env(olw_call *call); /* env given to olw_func_new_host */
olw_store *olw_call_store(olw_call *call);
olw_instance *olw_call_instance(olw_call *call); /* the calling instance */
/* Memory 0 of the calling instance, or NULL when it has none. */
olw_memory *olw_call_memory(olw_call *call);
/* Records a message (printf-style) and returns code, for `return olw_call_trap(...)`. */
olw_trap_code olw_call_trap(olw_call *call, olw_trap_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* proc_exit: returns OLW_TRAP_EXIT after recording the exit code. */
olw_trap_code olw_call_exit(olw_call *call, int32_t code);
/* Charges fuel for work the host does for the guest in proportion to what
 * the guest asked (the bulk-instruction rate is 1 unit per 64 bytes), so a
 * host call cannot buy unbounded work for the price of one instruction.
 * Returns OLW_TRAP_NONE, or OLW_TRAP_OUT_OF_FUEL with nothing charged and
 * the trap recorded: `if ((t = olw_call_charge(call, n))) return t;`.
 * Free when the calling module was loaded with metering off. */
olw_trap_code olw_call_charge(olw_call *call, uint64_t fuel);

/* ---- memories, tables, globals ---------------------------------------- */

/* Pointers into memory stay valid until the memory grows. */
uint8_t *olw_memory_data(olw_memory *m);
uint64_t olw_memory_size(const olw_memory *m); /* bytes */
uint32_t olw_memory_pages(const olw_memory *m);
/* Pointer to [offset, offset+len) or NULL if any byte is out of bounds. */
uint8_t *olw_memory_ptr(olw_memory *m, uint64_t offset, uint64_t len);
/* Returns the old size in pages, or -1 if the growth is refused. */
int64_t olw_memory_grow(olw_memory *m, uint32_t delta_pages);
olw_memory *olw_memory_new(olw_store *s, uint32_t min_pages, uint32_t max_pages, bool has_max);

olw_table *olw_table_new(olw_store *s, olw_valtype elem, uint32_t min, uint32_t max, bool has_max, olw_value init);
uint32_t olw_table_size(const olw_table *t);
bool olw_table_get(const olw_table *t, uint32_t i, olw_value *out);
bool olw_table_set(olw_table *t, uint32_t i, olw_value v);

olw_global *olw_global_new(olw_store *s, olw_value init, bool mutable_);
olw_value olw_global_get(const olw_global *g);
bool olw_global_set(olw_global *g, olw_value v); /* false if immutable or type differs */

/* ---- linking and instances -------------------------------------------- */

olw_linker *olw_linker_new(olw_store *s);
void olw_linker_free(olw_linker *l);
/* Later definitions of the same (module, name) replace earlier ones. */
bool olw_linker_define(olw_linker *l, const char *module, const char *name, olw_extern ext);
/* Shorthand: define a host function (see olw_func_new_host for sig). */
bool olw_linker_define_host(olw_linker *l, const char *module, const char *name, const char *sig, olw_host_callback cb,
                            void *env);
/* Defines every export of inst under module name `module` (spec "register"). */
bool olw_linker_define_instance(olw_linker *l, const char *module, olw_instance *inst);

/* Resolves imports through the linker (may be NULL if there are none),
 * allocates memories/tables/globals, applies segments and runs the start
 * function. NULL and err filled on failure (kind UNLINKABLE, TRAP or RESOURCE). */
olw_instance *olw_instantiate(olw_store *s, olw_module *m, const olw_linker *l, olw_error *err);

bool olw_instance_export(olw_instance *inst, const char *name, olw_extern *out);
/* The same by (name, length): export names may contain NUL bytes. */
bool olw_instance_export_n(olw_instance *inst, const char *name, size_t len, olw_extern *out);
/* Listing: exports 0..count-1 in the module's order. info gets the name
 * and kind (and type for a function), out the extern; either may be NULL.
 * false when i is out of range. */
size_t olw_instance_export_count(const olw_instance *inst);
bool olw_instance_export_at(olw_instance *inst, size_t i, olw_export_info *info, olw_extern *out);
olw_func *olw_instance_func(olw_instance *inst, const char *name);     /* NULL if absent */
olw_memory *olw_instance_memory(olw_instance *inst, const char *name); /* NULL if absent */

/* ---- calls ------------------------------------------------------------ */

olw_functype olw_func_type(const olw_func *f);

/* Calls f. Argument count and types must match the function type exactly
 * and results must have room for every result: otherwise the call returns
 * OLW_TRAP_MISUSE with a message and nothing runs. On success
 * results[0..nresults) are filled. Fuel and limits are the store's. */
olw_trap_code olw_func_call(olw_store *s, olw_func *f, const olw_value *args, size_t nargs, olw_value *results,
                            size_t nresults);

#ifdef __cplusplus
}
#endif
#endif
