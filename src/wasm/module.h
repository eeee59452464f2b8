/*
 * module.h — the decoded form of a WebAssembly module (internal).
 *
 * This is the contract between the front end (decode.c, validate.c) and the
 * back end (compile.c, the interpreter, instantiation). The decoder fills a
 * struct olw_module from bytes; the validator checks it, including every
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

#include "olw.h"
#include "wasm/opcodes.h"

/* Limits of the engine on module shape (all generous; they only bound memory
 * use while loading hostile input). */
#define OLW_MAX_TYPES 1000000u
#define OLW_MAX_FUNCS 1000000u
#define OLW_MAX_LOCALS 50000u /* per function, params included */
#define OLW_MAX_PARAMS 1000u
#define OLW_MAX_RESULTS 1000u
#define OLW_MAX_TABLE_SIZE 10000000u /* elements a table may ever hold */
#define OLW_PAGE_SIZE 65536u
#define OLW_MAX_PAGES OLW_MEMORY_PAGES_MAX

typedef struct olw_limits_decl {
    uint32_t min;
    uint32_t max;
    bool has_max;
} olw_limits_decl;

typedef struct olw_tabletype {
    olw_valtype elem; /* OLW_FUNCREF or OLW_EXTERNREF */
    olw_limits_decl limits;
} olw_tabletype;

typedef struct olw_globaltype {
    olw_valtype type;
    bool mutable_;
} olw_globaltype;

/* A constant expression. WebAssembly 2.0 allows exactly one instruction
 * before `end`, so it is stored decoded. */
typedef enum olw_const_op {
    OLW_CONST_I32 = OLW_OPC_I32_CONST,         /* value = the i32, sign-extended to 64 bits */
    OLW_CONST_I64 = OLW_OPC_I64_CONST,         /* value = the i64 */
    OLW_CONST_F32 = OLW_OPC_F32_CONST,         /* value = the bit pattern */
    OLW_CONST_F64 = OLW_OPC_F64_CONST,         /* value = the bit pattern */
    OLW_CONST_GLOBAL_GET = OLW_OPC_GLOBAL_GET, /* value = global index */
    OLW_CONST_REF_NULL = OLW_OPC_REF_NULL,     /* value = reference type (OLW_FUNCREF / OLW_EXTERNREF) */
    OLW_CONST_REF_FUNC = OLW_OPC_REF_FUNC,     /* value = function index */
} olw_const_op;

typedef struct olw_const_expr {
    uint8_t op; /* a olw_const_op */
    uint64_t value;
    size_t offset; /* byte offset of the expression, for error messages */
} olw_const_expr;

typedef struct olw_import_decl {
    char *module; /* NUL-terminated copy; length below (names may hold NUL) */
    uint32_t module_len;
    char *name;
    uint32_t name_len;
    olw_extern_kind kind;
    union {
        uint32_t type_index; /* FUNC */
        olw_tabletype table;
        olw_limits_decl memory;
        olw_globaltype global;
    } desc;
} olw_import_decl;

typedef struct olw_export_decl {
    char *name; /* NUL-terminated copy */
    uint32_t name_len;
    olw_extern_kind kind;
    uint32_t index; /* into the kind's index space */
} olw_export_decl;

/* A function the module defines (imports have no body). */
typedef struct olw_func_decl {
    uint32_t type_index;
    uint32_t nlocals;    /* declared locals, params not included */
    olw_valtype *locals; /* nlocals types, run-length expanded */
    const uint8_t *code; /* the expression: first instruction .. final `end` inclusive */
    size_t code_size;
    size_t code_offset; /* offset of `code` within the module bytes */
} olw_func_decl;

typedef struct olw_global_decl {
    olw_globaltype type;
    olw_const_expr init;
} olw_global_decl;

typedef enum olw_segment_mode {
    OLW_SEGMENT_ACTIVE = 0,
    OLW_SEGMENT_PASSIVE = 1,
    OLW_SEGMENT_DECLARATIVE = 2, /* element segments only */
} olw_segment_mode;

typedef struct olw_elem_decl {
    olw_segment_mode mode;
    uint32_t table;        /* ACTIVE only */
    olw_const_expr offset; /* ACTIVE only */
    olw_valtype type;      /* OLW_FUNCREF or OLW_EXTERNREF */
    uint32_t count;
    olw_const_expr *items; /* REF_FUNC, REF_NULL or GLOBAL_GET each */
} olw_elem_decl;

typedef struct olw_data_decl {
    olw_segment_mode mode;
    uint32_t memory;       /* ACTIVE only */
    olw_const_expr offset; /* ACTIVE only */
    const uint8_t *bytes;  /* points into the module's copy of the binary */
    uint32_t size;
} olw_data_decl;

struct olw_compiled; /* the back end's code; see compile.h */

struct olw_module {
    uint8_t *bytes; /* owned copy of the binary; code and data point into it */
    size_t size;

    uint32_t ntypes;
    olw_functype *types;

    uint32_t nimports;
    olw_import_decl *imports;

    /* Functions, all: types of every function in the index space. */
    uint32_t nfuncs; /* imported + defined */
    uint32_t nimported_funcs;
    uint32_t *func_type_index; /* [nfuncs] */
    olw_func_decl *funcs;      /* [nfuncs - nimported_funcs], the defined ones */

    uint32_t ntables; /* imported + defined */
    uint32_t nimported_tables;
    olw_tabletype *tables; /* [ntables] all */

    uint32_t nmemories; /* imported + defined (at most 1 in 2.0) */
    uint32_t nimported_memories;
    olw_limits_decl *memories; /* [nmemories] all */

    uint32_t nglobals; /* imported + defined */
    uint32_t nimported_globals;
    olw_globaltype *global_types; /* [nglobals] all */
    olw_global_decl *globals;     /* [nglobals - nimported_globals], the defined ones */

    uint32_t nexports;
    olw_export_decl *exports;

    bool has_start;
    uint32_t start;

    uint32_t nelems;
    olw_elem_decl *elems;

    bool has_data_count;
    uint32_t data_count;
    uint32_t ndatas;
    olw_data_decl *datas;

    /* Functions that may be referenced by ref.func inside bodies (spec C.refs):
     * declared in exports, element segments or global initialisers. */
    uint8_t *func_declared; /* [nfuncs] booleans, filled by the decoder */

    int refcount; /* atomic; see olw_module_retain */
    bool metering;
    /* While loading: the interrupt flag of olw_load_options.interrupt (a
     * store's), polled by decode, validate and compile; NULL otherwise. */
    const _Atomic int *interrupt;
    struct olw_compiled *compiled;
    struct olw_jit_code *jit; /* machine code (jit.h), NULL when the interpreter runs the module */
};

/* Front end. Each returns true on success, or false with err filled
 * (kind MALFORMED/INVALID/UNSUPPORTED, offset, message). */
bool olw_decode(struct olw_module *m, const uint8_t *bytes, size_t size, olw_error *err);
bool olw_validate_module(const struct olw_module *m, olw_error *err);
/* Frees everything olw_decode allocated (not `compiled`); m itself is not freed. */
void olw_module_decl_free(struct olw_module *m);

/* Back end. */
bool olw_compile_module(struct olw_module *m, olw_error *err);
void olw_compiled_free(struct olw_compiled *c);

/* Loading polls this every OLW_LOAD_POLL steps (instructions, entries):
 * true, with err filled (OLW_ERR_TRAP, OLW_TRAP_INTERRUPTED), when the
 * load was interrupted. Costs a counter increment between polls. */
#define OLW_LOAD_POLL 4096u
bool olw_load_check_interrupt(const struct olw_module *m, olw_error *err);
static inline bool olw_load_interrupted(const struct olw_module *m, uint32_t *ticks, olw_error *err)
{
    return __builtin_expect(++*ticks % OLW_LOAD_POLL == 0, 0) && olw_load_check_interrupt(m, err);
}

/* Fills err (kind, offset, printf-style message); returns false for `return olw_fail(...)`. */
bool olw_fail(olw_error *err, olw_error_kind kind, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
