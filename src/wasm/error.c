/*
 * error.c — filling wasm_error and naming traps.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "wasm/module.h"

bool wasm_fail(wasm_error *err, wasm_error_kind kind, size_t offset, const char *fmt, ...)
{
    if (!err)
        return false;
    err->kind = kind;
    err->trap = WASM_TRAP_NONE;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

bool wasm_load_check_interrupt(const struct wasm_module *m, wasm_error *err)
{
    if (!m->interrupt || !atomic_load_explicit(m->interrupt, memory_order_relaxed))
        return false;
    wasm_fail(err, WASM_ERR_TRAP, SIZE_MAX, "interrupted while loading the module");
    err->trap = WASM_TRAP_INTERRUPTED;
    return true;
}

const char *wasm_trap_name(wasm_trap_code code)
{
    /* The spec test suite compares these strings (assert_trap), so they are
     * the suite's wording, not ours. */
    static const char *const names[WASM_TRAP_COUNT] = {
        [WASM_TRAP_NONE] = "no trap",
        [WASM_TRAP_UNREACHABLE] = "unreachable",
        [WASM_TRAP_MEMORY_OUT_OF_BOUNDS] = "out of bounds memory access",
        [WASM_TRAP_TABLE_OUT_OF_BOUNDS] = "out of bounds table access",
        [WASM_TRAP_UNDEFINED_ELEMENT] = "undefined element",
        [WASM_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
        [WASM_TRAP_INDIRECT_CALL_TYPE] = "indirect call type mismatch",
        [WASM_TRAP_DIVIDE_BY_ZERO] = "integer divide by zero",
        [WASM_TRAP_INTEGER_OVERFLOW] = "integer overflow",
        [WASM_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
        [WASM_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
        [WASM_TRAP_OUT_OF_FUEL] = "out of fuel",
        [WASM_TRAP_INTERRUPTED] = "interrupted",
        [WASM_TRAP_MEMORY_LIMIT] = "memory limit exceeded",
        [WASM_TRAP_EXIT] = "exit",
        [WASM_TRAP_HOST] = "host function failed",
        [WASM_TRAP_MISUSE] = "API misuse",
    };
    if ((unsigned)code >= WASM_TRAP_COUNT)
        return "unknown trap";
    return names[code];
}
