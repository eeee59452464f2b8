/*
 * module.h — the decoded form of a WebAssembly module (internal).
 *
 * This is the contract between the front end (decode.c, validate.c) and the
 * back end (compile.c, the interpreter, instantiation). The decoder fills a
 * struct wasm_module from bytes; the validator checks it, including every
 * function body; the compiler then translates the valid bodies into the
 * interpreter's internal code and hangs it on `compiled`. After loading the
 * whole structure is read-only and may be shared by threads.
 *
 * Index spaces follow the spec: imported functions/tables/memories/globals
 * come first, then the ones the module defines. Arrays below that say "all"
 * cover the whole index space.
 */
#ifndef OUTLAYER_WASM_MODULE_H
#define OUTLAYER_WASM_MODULE_H

#include "wasm.h"
#include "wasm/opcodes.h"

/* Limits of the engine on module shape (all generous; they only bound memory
 * use while loading hostile input). */
#define WASM_MAX_TYPES 1000000u
#define WASM_MAX_FUNCS 1000000u
#define WASM_MAX_LOCALS 50000u       /* per function, params included */
#define WASM_MAX_PARAMS 1000u
#define WASM_MAX_RESULTS 1000u
#define WASM_MAX_TABLE_SIZE 10000000u /* elements a table may ever hold */
#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES WASM_MEMORY_PAGES_MAX

typedef struct wasm_limits_decl {
    uint32_t min;
    uint32_t max;
    bool has_max;
} wasm_limits_decl;

typedef struct wasm_tabletype {
    wasm_valtype elem; /* WASM_FUNCREF or WASM_EXTERNREF */
    wasm_limits_decl limits;
} wasm_tabletype;

typedef struct wasm_globaltype {
    wasm_valtype type;
    bool mutable_;
} wasm_globaltype;

/* A constant expression. WebAssembly 2.0 allows exactly one instruction
 * before `end`, so it is stored decoded. */
typedef enum wasm_const_op {
    WASM_CONST_I32 = WASM_OPC_I32_CONST,          /* value = the i32, sign-extended to 64 bits */
    WASM_CONST_I64 = WASM_OPC_I64_CONST,          /* value = the i64 */
    WASM_CONST_F32 = WASM_OPC_F32_CONST,          /* value = the bit pattern */
    WASM_CONST_F64 = WASM_OPC_F64_CONST,          /* value = the bit pattern */
    WASM_CONST_GLOBAL_GET = WASM_OPC_GLOBAL_GET,  /* value = global index */
    WASM_CONST_REF_NULL = WASM_OPC_REF_NULL,      /* value = reference type (WASM_FUNCREF / WASM_EXTERNREF) */
    WASM_CONST_REF_FUNC = WASM_OPC_REF_FUNC,      /* value = function index */
} wasm_const_op;

typedef struct wasm_const_expr {
    uint8_t op; /* a wasm_const_op */
    uint64_t value;
    size_t offset; /* byte offset of the expression, for error messages */
} wasm_const_expr;

typedef struct wasm_import_decl {
    char *module; /* NUL-terminated copy; length below (names may hold NUL) */
    uint32_t module_len;
    char *name;
    uint32_t name_len;
    wasm_extern_kind kind;
    union {
        uint32_t type_index; /* FUNC */
        wasm_tabletype table;
        wasm_limits_decl memory;
        wasm_globaltype global;
    } desc;
} wasm_import_decl;

typedef struct wasm_export_decl {
    char *name; /* NUL-terminated copy */
    uint32_t name_len;
    wasm_extern_kind kind;
    uint32_t index; /* into the kind's index space */
} wasm_export_decl;

/* A function the module defines (imports have no body). */
typedef struct wasm_func_decl {
    uint32_t type_index;
    uint32_t nlocals;     /* declared locals, params not included */
    wasm_valtype *locals; /* nlocals types, run-length expanded */
    const uint8_t *code;  /* the expression: first instruction .. final `end` inclusive */
    size_t code_size;
    size_t code_offset;   /* offset of `code` within the module bytes */
} wasm_func_decl;

typedef struct wasm_global_decl {
    wasm_globaltype type;
    wasm_const_expr init;
} wasm_global_decl;

typedef enum wasm_segment_mode {
    WASM_SEGMENT_ACTIVE = 0,
    WASM_SEGMENT_PASSIVE = 1,
    WASM_SEGMENT_DECLARATIVE = 2, /* element segments only */
} wasm_segment_mode;

typedef struct wasm_elem_decl {
    wasm_segment_mode mode;
    uint32_t table;         /* ACTIVE only */
    wasm_const_expr offset; /* ACTIVE only */
    wasm_valtype type;      /* WASM_FUNCREF or WASM_EXTERNREF */
    uint32_t count;
    wasm_const_expr *items; /* REF_FUNC, REF_NULL or GLOBAL_GET each */
} wasm_elem_decl;

typedef struct wasm_data_decl {
    wasm_segment_mode mode;
    uint32_t memory;        /* ACTIVE only */
    wasm_const_expr offset; /* ACTIVE only */
    const uint8_t *bytes;   /* points into the module's copy of the binary */
    uint32_t size;
} wasm_data_decl;

struct wasm_compiled; /* the back end's code; see compile.h */

struct wasm_module {
    uint8_t *bytes; /* owned copy of the binary; code and data point into it */
    size_t size;

    uint32_t ntypes;
    wasm_functype *types;

    uint32_t nimports;
    wasm_import_decl *imports;

    /* Functions, all: types of every function in the index space. */
    uint32_t nfuncs;           /* imported + defined */
    uint32_t nimported_funcs;
    uint32_t *func_type_index; /* [nfuncs] */
    wasm_func_decl *funcs;     /* [nfuncs - nimported_funcs], the defined ones */

    uint32_t ntables; /* imported + defined */
    uint32_t nimported_tables;
    wasm_tabletype *tables; /* [ntables] all */

    uint32_t nmemories; /* imported + defined (at most 1 in 2.0) */
    uint32_t nimported_memories;
    wasm_limits_decl *memories; /* [nmemories] all */

    uint32_t nglobals; /* imported + defined */
    uint32_t nimported_globals;
    wasm_globaltype *global_types; /* [nglobals] all */
    wasm_global_decl *globals;     /* [nglobals - nimported_globals], the defined ones */

    uint32_t nexports;
    wasm_export_decl *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    wasm_elem_decl *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t ndatas;
    wasm_data_decl *datas;

    /* Functions that may be referenced by ref.func inside bodies (spec C.refs):
     * declared in exports, element segments or global initialisers. */
    uint8_t *func_declared; /* [nfuncs] booleans, filled by the decoder */

    int refcount; /* atomic; see wasm_module_retain */
    bool metering;
    /* While loading: the interrupt flag of wasm_load_options.interrupt (a
     * store's), polled by decode, validate and compile; NULL otherwise. */
    const _Atomic int *interrupt;
    struct wasm_compiled *compiled;
};

/* Front end. Each returns true on success, or false with err filled
 * (kind MALFORMED/INVALID/UNSUPPORTED, offset, message). */
bool wasm_decode(struct wasm_module *m, const uint8_t *bytes, size_t size, wasm_error *err);
bool wasm_validate_module(const struct wasm_module *m, wasm_error *err);
/* Frees everything wasm_decode allocated (not `compiled`); m itself is not freed. */
void wasm_module_decl_free(struct wasm_module *m);

/* Back end. */
bool wasm_compile_module(struct wasm_module *m, wasm_error *err);
void wasm_compiled_free(struct wasm_compiled *c);

/* Loading polls this every WASM_LOAD_POLL steps (instructions, entries):
 * true, with err filled (WASM_ERR_TRAP, WASM_TRAP_INTERRUPTED), when the
 * load was interrupted. Costs a counter increment between polls. */
#define WASM_LOAD_POLL 4096u
bool wasm_load_check_interrupt(const struct wasm_module *m, wasm_error *err);
static inline bool wasm_load_interrupted(const struct wasm_module *m, uint32_t *ticks, wasm_error *err)
{
    return __builtin_expect(++*ticks % WASM_LOAD_POLL == 0, 0) && wasm_load_check_interrupt(m, err);
}

/* Fills err (kind, offset, printf-style message); returns false for `return wasm_fail(...)`. */
bool wasm_fail(wasm_error *err, wasm_error_kind kind, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
