/*
 * errors.c — NEAR's error shapes for a failed function call.
 *
 * One error has three renderings, because nearcore shows it three ways:
 * the Display text (inside ExecutionError strings), the JSON of the
 * FunctionCallError that outcomes carry, and the Rust Debug form that RPC
 * view calls embed in "wasm execution failed with error: ...".
 */
#include "nearvm/internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nearvm_set_error(nearvm_error *e, nearvm_error_kind kind, const char *name, const char *message, const char *json,
                      const char *debug)
{
    free(e->message);
    free(e->json);
    free(e->debug);
    e->kind = kind;
    snprintf(e->name, sizeof e->name, "%s", name);
    e->message = strdup(message);
    e->json = strdup(json);
    e->debug = strdup(debug);
}

void nearvm_debug_quote(char *buf, size_t size, const char *s)
{
    size_t n = 0;
#define PUT(c)              \
    do {                    \
        if (n + 1 < size)   \
            buf[n++] = (c); \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[12];
        const char *add = NULL;
        switch (*p) {
        case '"': add = "\\\""; break;
        case '\\': add = "\\\\"; break;
        case '\n': add = "\\n"; break;
        case '\r': add = "\\r"; break;
        case '\t': add = "\\t"; break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                snprintf(esc, sizeof esc, "\\u{%x}", *p);
                add = esc;
            }
        }
        if (add) {
            for (; *add; add++)
                PUT(*add);
        } else {
            PUT((char)*p);
        }
    }
    PUT('"');
#undef PUT
    if (size)
        buf[n < size ? n : size - 1] = 0;
}

/* {"ExecutionError":"<message>"}: the current outcome form of host errors,
 * wasm traps and link errors (spec §7.8). */
static char *execution_error_json(const char *message)
{
    json_t *o = json_pack("{s:s}", "ExecutionError", message);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

bool nearvm_host_error(nearvm_logic *L, const char *name, const char *debug, const char *fmt, ...)
{
    if (L->failed)
        return false; /* the first error wins */
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    size_t dlen = strlen(debug) + 16;
    char *dbg = malloc(dlen);
    char *json = execution_error_json(message);
    if (dbg)
        snprintf(dbg, dlen, "HostError(%s)", debug);
    nearvm_set_error(&L->out->error, NEARVM_ERR_HOST, name, message, json ? json : "{}", dbg ? dbg : "HostError");
    free(dbg);
    free(json);
    L->failed = true;
    return false;
}

bool nearvm_err_memory(nearvm_logic *L)
{
    return nearvm_host_error(L, "MemoryAccessViolation", "MemoryAccessViolation",
                             "Accessed memory outside the bounds.");
}

bool nearvm_err_overflow(nearvm_logic *L)
{
    return nearvm_host_error(L, "IntegerOverflow", "IntegerOverflow", "Integer overflow.");
}

bool nearvm_err_prohibited(nearvm_logic *L, const char *method)
{
    char dbg[128];
    snprintf(dbg, sizeof dbg, "ProhibitedInView { method_name: \"%s\" }", method);
    return nearvm_host_error(L, "ProhibitedInView", dbg, "%s is not allowed in view calls", method);
}

bool nearvm_err_bad_utf8(nearvm_logic *L)
{
    return nearvm_host_error(L, "BadUTF8", "BadUTF8", "String encoding is bad UTF-8 sequence.");
}

bool nearvm_err_bad_utf16(nearvm_logic *L)
{
    return nearvm_host_error(L, "BadUTF16", "BadUTF16", "String encoding is bad UTF-16 sequence.");
}

/* Not a contract error: the chain's storage failed. The chain must not put
 * this into an outcome; it is an internal failure of the node. */
bool nearvm_err_storage(nearvm_logic *L, const char *what)
{
    if (L->failed)
        return false;
    char msg[160];
    snprintf(msg, sizeof msg, "storage error: %s failed", what);
    nearvm_set_error(&L->out->error, NEARVM_ERR_STORAGE, "StorageError", msg, "{\"StorageError\":null}",
                     "StorageError");
    L->failed = true;
    return false;
}

bool nearvm_err_oom(nearvm_logic *L)
{
    if (L->failed)
        return false;
    nearvm_set_error(&L->out->error, NEARVM_ERR_INTERNAL, "OutOfMemory", "host out of memory", "{}", "OutOfMemory");
    L->failed = true;
    return false;
}

bool nearvm_err_exceeded(nearvm_logic *L, const char *name, const char *field, const char *what, uint64_t value,
                         uint64_t limit)
{
    char dbg[160];
    snprintf(dbg, sizeof dbg, "%s { %s: %llu, limit: %llu }", name, field, (unsigned long long)value,
             (unsigned long long)limit);
    return nearvm_host_error(L, name, dbg, "%s %llu exceeds the limit %llu", what, (unsigned long long)value,
                             (unsigned long long)limit);
}
