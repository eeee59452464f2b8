/*
 * error.c — filling olw_error and naming traps.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "wasm/module.h"

bool olw_fail(olw_error *err, olw_error_kind kind, size_t offset, const char *fmt, ...)
{
    if (!err)
        return false;
    err->kind = kind;
    err->trap = OLW_TRAP_NONE;
    err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

bool olw_load_check_interrupt(const struct olw_module *m, olw_error *err)
{
    if (!m->interrupt || !atomic_load_explicit(m->interrupt, memory_order_relaxed))
        return false;
    olw_fail(err, OLW_ERR_TRAP, SIZE_MAX, "interrupted while loading the module");
    err->trap = OLW_TRAP_INTERRUPTED;
    return true;
}

const char *olw_trap_name(olw_trap_code code)
{
    /* The spec test suite compares these strings (assert_trap), so they are
     * the suite's wording, not ours. */
    static const char *const names[OLW_TRAP_COUNT] = {
        [OLW_TRAP_NONE] = "no trap",
        [OLW_TRAP_UNREACHABLE] = "unreachable",
        [OLW_TRAP_MEMORY_OUT_OF_BOUNDS] = "out of bounds memory access",
        [OLW_TRAP_TABLE_OUT_OF_BOUNDS] = "out of bounds table access",
        [OLW_TRAP_UNDEFINED_ELEMENT] = "undefined element",
        [OLW_TRAP_UNINITIALIZED_ELEMENT] = "uninitialized element",
        [OLW_TRAP_INDIRECT_CALL_TYPE] = "indirect call type mismatch",
        [OLW_TRAP_DIVIDE_BY_ZERO] = "integer divide by zero",
        [OLW_TRAP_INTEGER_OVERFLOW] = "integer overflow",
        [OLW_TRAP_INVALID_CONVERSION] = "invalid conversion to integer",
        [OLW_TRAP_STACK_EXHAUSTED] = "call stack exhausted",
        [OLW_TRAP_OUT_OF_FUEL] = "out of fuel",
        [OLW_TRAP_INTERRUPTED] = "interrupted",
        [OLW_TRAP_MEMORY_LIMIT] = "memory limit exceeded",
        [OLW_TRAP_EXIT] = "exit",
        [OLW_TRAP_HOST] = "host function failed",
        [OLW_TRAP_MISUSE] = "API misuse",
    };
    if ((unsigned)code >= OLW_TRAP_COUNT)
        return "unknown trap";
    return names[code];
}
