/*
 * spec_runner.c — runs the WebAssembly core test suite against our engine.
 *
 * Input: the JSON files `wast2json` makes from the suite's .wast scripts
 * (each next to the .wasm modules it names). Every command is run through
 * the public embedding API (olw.h) the way an embedder would use it:
 *
 *   module / register / action          load + instantiate, link, invoke
 *   assert_return                       results compared bit for bit, with
 *                                       nan:canonical and nan:arithmetic
 *   assert_trap / assert_exhaustion     the trap's name must match the text
 *   assert_invalid / assert_malformed   loading must fail with that kind
 *   assert_unlinkable                   instantiation fails with UNLINKABLE
 *   assert_uninstantiable               instantiation traps
 *
 * Text-format modules (assert_malformed of .wat) are skipped, as are all
 * commands of the SIMD scripts (simd_*), which the engine does not run.
 *
 * Each file runs in a child process, so a crash in the engine costs one
 * file, not the whole run. Output: one line per file, the failures of the
 * file indented below it, and last `spec: P passed, F failed, S skipped`.
 * The exit status is non-zero when anything failed.
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wasm/olw.h"

#define MAX_RESULTS 64
#define FUEL_PER_COMMAND 2000000000ull /* generous: the suite needs far less */
#define FILE_TIMEOUT_SECONDS 300

typedef struct counts {
    long passed, failed, skipped;
} counts;

/* --engine interp|jit: the tier every module is loaded for */
static olw_engine engine = OLW_ENGINE_DEFAULT;

typedef struct named_instance {
    char *name;
    olw_instance *inst;
} named_instance;

typedef struct run {
    const char *json_path;
    char *dir;        /* directory of the JSON and its modules */
    const char *name; /* script name for messages */
    olw_store *store;
    olw_linker *linker;
    olw_instance *current;
    named_instance *named;
    size_t nnamed;
    counts c;
} run;

/* ---- reporting -------------------------------------------------------- */

static void failf(run *r, json_t *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void failf(run *r, json_t *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *type = json_string_value(json_object_get(cmd, "type"));
    const char *field = json_string_value(json_object_get(json_object_get(cmd, "action"), "field"));
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    printf("    %s.wast:%" JSON_INTEGER_FORMAT ": %s %s%s%s: %s\n", r->name,
           json_integer_value(json_object_get(cmd, "line")), type ? type : "?", field ? "\"" : "",
           field ? field : (file ? file : ""), field ? "\"" : "", msg);
    r->c.failed++;
}

/* ---- the spectest host module ----------------------------------------- */

static olw_trap_code spectest_print(olw_call *call, const uint64_t *args, uint64_t *results)
{
    (void)call, (void)args, (void)results;
    return OLW_TRAP_NONE;
}

static bool define_spectest(run *r)
{
    static const struct {
        const char *name, *sig;
    } prints[] = {
        {"print", ""},      {"print_i32", "i"},      {"print_i64", "I"},      {"print_f32", "f"},
        {"print_f64", "F"}, {"print_i32_f32", "if"}, {"print_f64_f64", "FF"},
    };
    for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++)
        if (!olw_linker_define_host(r->linker, "spectest", prints[i].name, prints[i].sig, spectest_print, NULL))
            return false;

    olw_value v;
    olw_extern ext;
    struct {
        const char *name;
        olw_valtype type;
        uint64_t bits;
    } globals[] = {
        {"global_i32", OLW_I32, 666},
        {"global_i64", OLW_I64, 666},
        {"global_f32", OLW_F32, 0x4426a666u},           /* 666.6f */
        {"global_f64", OLW_F64, 0x4084d4cccccccccdull}, /* 666.6 */
    };
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++) {
        memset(&v, 0, sizeof v);
        v.type = globals[i].type;
        if (v.type == OLW_I32 || v.type == OLW_F32)
            v.of.f32_bits = (uint32_t)globals[i].bits;
        else
            v.of.f64_bits = globals[i].bits;
        ext.kind = OLW_EXTERN_GLOBAL;
        ext.of.global = olw_global_new(r->store, v, false);
        if (!ext.of.global || !olw_linker_define(r->linker, "spectest", globals[i].name, ext))
            return false;
    }

    memset(&v, 0, sizeof v);
    v.type = OLW_FUNCREF;
    ext.kind = OLW_EXTERN_TABLE;
    ext.of.table = olw_table_new(r->store, OLW_FUNCREF, 10, 20, true, v);
    if (!ext.of.table || !olw_linker_define(r->linker, "spectest", "table", ext))
        return false;
    ext.kind = OLW_EXTERN_MEMORY;
    ext.of.memory = olw_memory_new(r->store, 1, 2, true);
    if (!ext.of.memory || !olw_linker_define(r->linker, "spectest", "memory", ext))
        return false;
    return true;
}

/* ---- values ----------------------------------------------------------- */

/* An externref N of the suite is the opaque pointer N + 1 (so that
 * ref.extern 0 is not the null reference). */
static void *extern_ref(uint64_t n) { return (void *)(uintptr_t)(n + 1); }

static olw_valtype type_of(const char *s)
{
    if (!strcmp(s, "i32"))
        return OLW_I32;
    if (!strcmp(s, "i64"))
        return OLW_I64;
    if (!strcmp(s, "f32"))
        return OLW_F32;
    if (!strcmp(s, "f64"))
        return OLW_F64;
    if (!strcmp(s, "funcref"))
        return OLW_FUNCREF;
    if (!strcmp(s, "externref"))
        return OLW_EXTERNREF;
    return 0;
}

static bool parse_value(json_t *j, olw_value *out)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *value = json_string_value(json_object_get(j, "value"));
    memset(out, 0, sizeof *out);
    if (!type || !(out->type = type_of(type)))
        return false;
    if (!value)
        return false;
    if (out->type == OLW_FUNCREF || out->type == OLW_EXTERNREF) {
        if (!strcmp(value, "null"))
            return true;
        if (out->type == OLW_FUNCREF)
            return false; /* the suite passes no non-null funcrefs */
        out->of.externref = extern_ref(strtoull(value, NULL, 10));
        return true;
    }
    errno = 0;
    uint64_t bits = strtoull(value, NULL, 10);
    if (errno)
        return false;
    if (out->type == OLW_I32 || out->type == OLW_F32)
        out->of.f32_bits = (uint32_t)bits;
    else
        out->of.f64_bits = bits;
    return true;
}

static void format_value(const olw_value *v, char *buf, size_t size)
{
    switch (v->type) {
    case OLW_I32: snprintf(buf, size, "i32:%" PRIu32, (uint32_t)v->of.i32); break;
    case OLW_I64: snprintf(buf, size, "i64:%" PRIu64, (uint64_t)v->of.i64); break;
    case OLW_F32: snprintf(buf, size, "f32:0x%08" PRIx32, v->of.f32_bits); break;
    case OLW_F64: snprintf(buf, size, "f64:0x%016" PRIx64, v->of.f64_bits); break;
    case OLW_FUNCREF: snprintf(buf, size, "funcref:%s", v->of.funcref ? "non-null" : "null"); break;
    case OLW_EXTERNREF:
        if (v->of.externref)
            snprintf(buf, size, "externref:%" PRIuPTR, (uintptr_t)v->of.externref - 1);
        else
            snprintf(buf, size, "externref:null");
        break;
    default: snprintf(buf, size, "type 0x%02x", v->type); break;
    }
}

/* Does `got` match the expectation (which may be a NaN class or a
 * reference without a value: any non-null)? */
static bool value_matches(json_t *expect, const olw_value *got)
{
    const char *type = json_string_value(json_object_get(expect, "type"));
    const char *value = json_string_value(json_object_get(expect, "value"));
    olw_valtype t = type ? type_of(type) : 0;
    if (!t || got->type != t)
        return false;
    if (!value) /* (ref.func) or (ref.extern) without a value: any non-null reference */
        return t == OLW_FUNCREF ? got->of.funcref != NULL : t == OLW_EXTERNREF ? got->of.externref != NULL : false;
    if (!strncmp(value, "nan:", 4)) {
        bool canonical = !strcmp(value, "nan:canonical");
        if (t == OLW_F32) {
            uint32_t b = got->of.f32_bits & 0x7fffffffu;
            return canonical ? b == 0x7fc00000u : (b & 0x7fc00000u) == 0x7fc00000u;
        }
        if (t == OLW_F64) {
            uint64_t b = got->of.f64_bits & 0x7fffffffffffffffull;
            return canonical ? b == 0x7ff8000000000000ull : (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull;
        }
        return false;
    }
    olw_value want;
    if (!parse_value(expect, &want))
        return false;
    switch (t) {
    case OLW_I32:
    case OLW_F32: return want.of.f32_bits == got->of.f32_bits;
    case OLW_I64:
    case OLW_F64: return want.of.f64_bits == got->of.f64_bits;
    case OLW_FUNCREF: return got->of.funcref == NULL; /* only null is ever expected with a value */
    case OLW_EXTERNREF: return want.of.externref == got->of.externref;
    }
    return false;
}

/* ---- modules ---------------------------------------------------------- */

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    *size = len;
    return buf;
}

static const char *kind_name(olw_error_kind k)
{
    static const char *const names[] = {"ok", "malformed", "invalid", "unsupported", "unlinkable", "trap", "resource"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* Loads the command's module file; NULL with err filled on failure. */
static olw_module *load_module(run *r, json_t *cmd, olw_error *err)
{
    const char *file = json_string_value(json_object_get(cmd, "filename"));
    memset(err, 0, sizeof *err);
    if (!file) {
        snprintf(err->message, sizeof err->message, "command has no filename");
        err->kind = OLW_ERR_RESOURCE;
        return NULL;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    if (!bytes) {
        snprintf(err->message, sizeof err->message, "cannot read %.200s", file);
        err->kind = OLW_ERR_RESOURCE;
        return NULL;
    }
    olw_load_options lo = {.engine = engine};
    olw_module *m = olw_module_load_ex(bytes, size, &lo, err);
    free(bytes);
    /* the tier asked for must be the one that runs: a module the compiling
     * tier silently left to the interpreter would test nothing */
    if (m && engine != OLW_ENGINE_DEFAULT && olw_module_engine(m) != engine) {
        olw_module_release(m);
        snprintf(err->message, sizeof err->message, "module not run by the requested engine");
        err->kind = OLW_ERR_RESOURCE;
        return NULL;
    }
    return m;
}

static olw_instance *find_instance(run *r, json_t *action_or_cmd, const char *key)
{
    const char *name = json_string_value(json_object_get(action_or_cmd, key));
    if (!name)
        return r->current;
    for (size_t i = r->nnamed; i-- > 0;)
        if (!strcmp(r->named[i].name, name))
            return r->named[i].inst;
    return NULL;
}

static void remember(run *r, const char *name, olw_instance *inst)
{
    named_instance *p = realloc(r->named, (r->nnamed + 1) * sizeof *p);
    if (!p)
        abort();
    r->named = p;
    r->named[r->nnamed].name = strdup(name);
    r->named[r->nnamed].inst = inst;
    r->nnamed++;
}

static void cmd_module(run *r, json_t *cmd)
{
    olw_error err;
    r->current = NULL;
    olw_module *m = load_module(r, cmd, &err);
    if (!m) {
        failf(r, cmd, "load failed (%s): %s", kind_name(err.kind), err.message);
        return;
    }
    olw_store_set_fuel(r->store, FUEL_PER_COMMAND);
    olw_instance *inst = olw_instantiate(r->store, m, r->linker, &err);
    olw_module_release(m);
    if (!inst) {
        failf(r, cmd, "instantiation failed (%s): %s", kind_name(err.kind), err.message);
        return;
    }
    r->current = inst;
    const char *name = json_string_value(json_object_get(cmd, "name"));
    if (name)
        remember(r, name, inst);
    r->c.passed++;
}

static void cmd_register(run *r, json_t *cmd)
{
    const char *as = json_string_value(json_object_get(cmd, "as"));
    olw_instance *inst = find_instance(r, cmd, "name");
    if (!as || !inst) {
        failf(r, cmd, "no instance to register");
        return;
    }
    if (!olw_linker_define_instance(r->linker, as, inst)) {
        failf(r, cmd, "olw_linker_define_instance failed");
        return;
    }
    r->c.passed++;
}

/* The export `field` of inst (a JSON string that may contain NUL). */
static bool find_export(olw_instance *inst, json_t *field, olw_extern *out)
{
    return olw_instance_export_n(inst, json_string_value(field), json_string_length(field), out);
}

/* Performs an action. Returns false (after reporting) if it could not be
 * attempted; otherwise *trap and results are filled. */
static bool do_action(run *r, json_t *cmd, olw_trap_code *trap, olw_value *results, size_t *nresults)
{
    json_t *action = json_object_get(cmd, "action");
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *field = json_string_value(json_object_get(action, "field"));
    olw_instance *inst = find_instance(r, action, "module");
    if (!inst || !field || !type) {
        failf(r, cmd, "no instance for the action");
        return false;
    }
    *trap = OLW_TRAP_NONE;
    olw_extern ext;
    bool found = find_export(inst, json_object_get(action, "field"), &ext);
    if (!strcmp(type, "get")) {
        if (!found || ext.kind != OLW_EXTERN_GLOBAL) {
            failf(r, cmd, "no global export \"%s\"", field);
            return false;
        }
        results[0] = olw_global_get(ext.of.global);
        *nresults = 1;
        return true;
    }
    olw_func *f = found && ext.kind == OLW_EXTERN_FUNC ? ext.of.func : NULL;
    if (!f) {
        failf(r, cmd, "no function export \"%s\"", field);
        return false;
    }
    json_t *args = json_object_get(action, "args");
    size_t nargs = json_array_size(args);
    olw_value argv[MAX_RESULTS];
    if (nargs > MAX_RESULTS) {
        failf(r, cmd, "too many arguments");
        return false;
    }
    for (size_t i = 0; i < nargs; i++)
        if (!parse_value(json_array_get(args, i), &argv[i])) {
            failf(r, cmd, "cannot parse argument %zu", i);
            return false;
        }
    olw_functype ft = olw_func_type(f);
    if (ft.nresults > MAX_RESULTS) {
        failf(r, cmd, "too many results");
        return false;
    }
    *nresults = ft.nresults;
    olw_store_set_fuel(r->store, FUEL_PER_COMMAND);
    *trap = olw_func_call(r->store, f, argv, nargs, results, ft.nresults);
    return true;
}

/* Runs the command's action; false (failure recorded) unless it returned
 * without a trap. */
static bool run_returning(run *r, json_t *cmd, olw_value results[MAX_RESULTS], size_t *n)
{
    olw_trap_code trap;
    if (!do_action(r, cmd, &trap, results, n))
        return false;
    if (trap != OLW_TRAP_NONE) {
        failf(r, cmd, "trapped: %s (%s)", olw_trap_name(trap), olw_store_trap_message(r->store));
        return false;
    }
    return true;
}

static void cmd_assert_return(run *r, json_t *cmd)
{
    olw_value results[MAX_RESULTS];
    size_t n = 0;
    if (!run_returning(r, cmd, results, &n))
        return;
    json_t *expected = json_object_get(cmd, "expected");
    if (json_array_size(expected) != n) {
        failf(r, cmd, "expected %zu results, got %zu", json_array_size(expected), n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(expected, i);
        if (!value_matches(e, &results[i])) {
            char got[64];
            format_value(&results[i], got, sizeof got);
            const char *ev = json_string_value(json_object_get(e, "value"));
            failf(r, cmd, "result %zu: expected %s:%s, got %s", i, json_string_value(json_object_get(e, "type")),
                  ev ? ev : "non-null", got);
            return;
        }
    }
    r->c.passed++;
}

/* The suite's trap texts sometimes carry more words than our names
 * ("uninitialized element 2"); the name must be a prefix of the text. */
static bool trap_text_matches(olw_trap_code trap, const char *text)
{
    const char *name = olw_trap_name(trap);
    return text && !strncmp(text, name, strlen(name));
}

static void cmd_assert_trap(run *r, json_t *cmd, bool exhaustion)
{
    olw_trap_code trap;
    olw_value results[MAX_RESULTS];
    size_t n = 0;
    if (!do_action(r, cmd, &trap, results, &n))
        return;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (trap == OLW_TRAP_NONE) {
        failf(r, cmd, "expected trap \"%s\", returned normally", text ? text : "?");
        return;
    }
    if (exhaustion ? trap != OLW_TRAP_STACK_EXHAUSTED : !trap_text_matches(trap, text)) {
        failf(r, cmd, "expected trap \"%s\", got \"%s\" (%s)", text ? text : "?", olw_trap_name(trap),
              olw_store_trap_message(r->store));
        return;
    }
    r->c.passed++;
}

static void cmd_action(run *r, json_t *cmd)
{
    olw_value results[MAX_RESULTS];
    size_t n = 0;
    if (run_returning(r, cmd, results, &n))
        r->c.passed++;
}

/* The end of every "must fail" command: passed if err is of `kind`. */
static void expect_error_kind(run *r, json_t *cmd, olw_error_kind kind, const char *text, const olw_error *err)
{
    if (err->kind != kind) {
        failf(r, cmd, "expected %s (\"%s\"), got %s: %s", kind_name(kind), text ? text : "", kind_name(err->kind),
              err->message);
        return;
    }
    r->c.passed++;
}

/* assert_invalid / assert_malformed: loading must fail with `kind`. */
static void cmd_assert_load_fails(run *r, json_t *cmd, olw_error_kind kind)
{
    const char *module_type = json_string_value(json_object_get(cmd, "module_type"));
    if (module_type && strcmp(module_type, "binary") != 0) {
        r->c.skipped++;
        return;
    }
    olw_error err;
    olw_module *m = load_module(r, cmd, &err);
    const char *text = json_string_value(json_object_get(cmd, "text"));
    if (m) {
        olw_module_release(m);
        failf(r, cmd, "loaded, expected %s (\"%s\")", kind_name(kind), text ? text : "");
        return;
    }
    expect_error_kind(r, cmd, kind, text, &err);
}

/* assert_unlinkable / assert_uninstantiable: loads, instantiation fails. */
static void cmd_assert_instantiate_fails(run *r, json_t *cmd, olw_error_kind kind)
{
    olw_error err;
    const char *text = json_string_value(json_object_get(cmd, "text"));
    olw_module *m = load_module(r, cmd, &err);
    if (!m) {
        failf(r, cmd, "load failed (%s): %s", kind_name(err.kind), err.message);
        return;
    }
    olw_store_set_fuel(r->store, FUEL_PER_COMMAND);
    olw_instance *inst = olw_instantiate(r->store, m, r->linker, &err);
    olw_module_release(m);
    if (inst) {
        failf(r, cmd, "instantiated, expected %s (\"%s\")", kind_name(kind), text ? text : "");
        return;
    }
    expect_error_kind(r, cmd, kind, text, &err);
}

static void run_command(run *r, json_t *cmd)
{
    const char *type = json_string_value(json_object_get(cmd, "type"));
    if (!type)
        failf(r, cmd, "command without type");
    else if (!strcmp(type, "module"))
        cmd_module(r, cmd);
    else if (!strcmp(type, "register"))
        cmd_register(r, cmd);
    else if (!strcmp(type, "action"))
        cmd_action(r, cmd);
    else if (!strcmp(type, "assert_return"))
        cmd_assert_return(r, cmd);
    else if (!strcmp(type, "assert_trap"))
        cmd_assert_trap(r, cmd, false);
    else if (!strcmp(type, "assert_exhaustion"))
        cmd_assert_trap(r, cmd, true);
    else if (!strcmp(type, "assert_invalid"))
        cmd_assert_load_fails(r, cmd, OLW_ERR_INVALID);
    else if (!strcmp(type, "assert_malformed"))
        cmd_assert_load_fails(r, cmd, OLW_ERR_MALFORMED);
    else if (!strcmp(type, "assert_unlinkable"))
        cmd_assert_instantiate_fails(r, cmd, OLW_ERR_UNLINKABLE);
    else if (!strcmp(type, "assert_uninstantiable"))
        cmd_assert_instantiate_fails(r, cmd, OLW_ERR_TRAP);
    else
        failf(r, cmd, "unknown command type");
}

/* ---- files ------------------------------------------------------------ */

static char *script_name(const char *json_path)
{
    char *copy = strdup(json_path);
    char *base = basename(copy);
    char *dot = strrchr(base, '.');
    if (dot)
        *dot = '\0';
    char *name = strdup(base);
    free(copy);
    return name;
}

/* Runs one script in this process; prints its failures; returns counts. */
static counts run_file(const char *json_path, const char *name)
{
    run r;
    memset(&r, 0, sizeof r);
    r.json_path = json_path;
    r.name = name;
    char *copy = strdup(json_path);
    r.dir = strdup(dirname(copy));
    free(copy);

    json_error_t jerr;
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    json_t *cmds = json_object_get(root, "commands");
    if (!root || !json_is_array(cmds)) {
        printf("    %s: cannot read: %s\n", json_path, jerr.text);
        r.c.failed++;
        goto out;
    }
    if (!strncmp(name, "simd_", 5)) {
        r.c.skipped = (long)json_array_size(cmds);
        goto out;
    }
    olw_limits limits = {.fuel = FUEL_PER_COMMAND};
    r.store = olw_store_new(&limits);
    r.linker = r.store ? olw_linker_new(r.store) : NULL;
    if (!r.linker || !define_spectest(&r)) {
        printf("    %s: cannot set up the store and the spectest module\n", name);
        r.c.failed++;
        goto out;
    }
    size_t i;
    json_t *cmd;
    json_array_foreach(cmds, i, cmd)
    {
        run_command(&r, cmd);
        fflush(stdout);
    }
out:
    if (r.linker)
        olw_linker_free(r.linker);
    if (r.store)
        olw_store_free(r.store);
    for (size_t k = 0; k < r.nnamed; k++)
        free(r.named[k].name);
    free(r.named);
    free(r.dir);
    json_decref(root);
    return r.c;
}

/* Runs a script in a child process so that a crash or a hang is reported
 * as a failure of that file. Failure lines go to stdout (indented) as they
 * happen; the counts come back through a pipe. */
static counts run_isolated(const char *json_path, const char *name, bool isolate)
{
    if (!isolate)
        return run_file(json_path, name);
    counts c = {0, 0, 0};
    int fds[2];
    fflush(stdout);
    if (pipe(fds) != 0) {
        perror("pipe");
        c.failed = 1;
        return c;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        c.failed = 1;
        return c;
    }
    if (pid == 0) {
        close(fds[0]);
        alarm(FILE_TIMEOUT_SECONDS);
        counts got = run_file(json_path, name);
        fflush(stdout);
        if (write(fds[1], &got, sizeof got) != (ssize_t)sizeof got)
            _exit(2);
        close(fds[1]);
        /* exit, not _exit: under ASan the leak check runs at exit and makes
         * the status non-zero if the engine leaked */
        exit(0);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], &c, sizeof c);
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (n != (ssize_t)sizeof c) {
        memset(&c, 0, sizeof c);
        c.failed = 1;
        if (WIFSIGNALED(status))
            printf("    %s: the runner died with signal %d%s\n", name, WTERMSIG(status),
                   WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        else
            printf("    %s: the runner exited with status %d\n", name, WEXITSTATUS(status));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        c.failed++; /* e.g. a leak report at exit */
        printf("    %s: the runner finished but %s %d (see the sanitizer report above)\n", name,
               WIFSIGNALED(status) ? "died with signal" : "exited with status",
               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    return c;
}

int main(int argc, char **argv)
{
    bool isolate = true;
    int first = 1;
    for (;;) {
        if (first < argc && !strcmp(argv[first], "--no-fork")) {
            isolate = false;
            first++;
        } else if (first + 1 < argc && !strcmp(argv[first], "--engine")) {
            const char *e = argv[first + 1];
            engine = !strcmp(e, "interp") ? OLW_ENGINE_INTERP : !strcmp(e, "jit") ? OLW_ENGINE_JIT : OLW_ENGINE_DEFAULT;
            if (engine == OLW_ENGINE_DEFAULT) {
                fprintf(stderr, "unknown engine %s (interp or jit)\n", e);
                return 2;
            }
            first += 2;
        } else {
            break;
        }
    }
    if (first >= argc) {
        fprintf(stderr, "usage: %s [--no-fork] [--engine interp|jit] SCRIPT.json...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    counts total = {0, 0, 0};
    for (int i = first; i < argc; i++) {
        char *name = script_name(argv[i]);
        counts c = run_isolated(argv[i], name, isolate);
        printf("  %-32s %6ld passed %6ld failed %6ld skipped\n", name, c.passed, c.failed, c.skipped);
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
        free(name);
    }
    printf("spec%s: %ld passed, %ld failed, %ld skipped\n",
           engine == OLW_ENGINE_JIT ? " (jit)" : engine == OLW_ENGINE_INTERP ? " (interp)" : "", total.passed,
           total.failed, total.skipped);
    return total.failed ? 1 : 0;
}
