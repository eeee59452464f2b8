/*
 * results.c — how a call ends and what it says on the way: value_return,
 * panic, panic_utf8, abort (AssemblyScript), log_utf8, log_utf16.
 *
 * Logs and panic messages share nearcore's limits: at most 100 log lines and
 * 16 KiB of log text per call. A length of u64::MAX means "NUL-terminated":
 * the string is then read one unit at a time, each read charged as a memory
 * read, exactly as nearcore does (it is the expensive way on purpose).
 */
#include "nearvm/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool log_length_exceeded(nearvm_logic *L, uint64_t add)
{
    return nearvm_err_exceeded(L, "TotalLogLengthExceeded", "length", "The length of a log message",
                               L->total_log_length + add, LIMIT_MAX_TOTAL_LOG_LENGTH);
}

static uint64_t log_room(const nearvm_logic *L)
{
    return L->total_log_length < LIMIT_MAX_TOTAL_LOG_LENGTH ? LIMIT_MAX_TOTAL_LOG_LENGTH - L->total_log_length : 0;
}

/* nearcore's get_utf8_string: malloc'd, NUL-terminated. */
static bool read_log_utf8(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out, size_t *out_len)
{
    if (!nearvm_gas(L, COST_UTF8_DECODING_BASE))
        return false;
    uint64_t room = log_room(L);
    const uint8_t *p;
    size_t n;
    char *buf;
    if (len != UINT64_MAX) {
        if (len > room)
            return log_length_exceeded(L, len);
        if (!nearvm_mem_read(L, ptr, len, &p))
            return false;
        n = (size_t)len;
        buf = malloc(n + 1);
        if (!buf)
            return nearvm_err_oom(L);
        memcpy(buf, p, n);
    } else {
        buf = malloc(room + 1);
        if (!buf)
            return nearvm_err_oom(L);
        for (n = 0;; n++) {
            if (ptr + n < ptr || !nearvm_mem_read(L, ptr + n, 1, &p)) {
                free(buf);
                return L->failed ? false : nearvm_err_memory(L);
            }
            if (*p == 0)
                break;
            if (n == room) {
                free(buf);
                return log_length_exceeded(L, room + 1);
            }
            buf[n] = (char)*p;
        }
    }
    buf[n] = 0;
    if (!nearvm_gas_per(L, COST_UTF8_DECODING_BYTE, n)) {
        free(buf);
        return false;
    }
    if (!near_utf8_valid((const uint8_t *)buf, n)) {
        free(buf);
        return nearvm_err_bad_utf8(L);
    }
    *out = buf;
    *out_len = n;
    return true;
}

/* UTF-16LE units to UTF-8; false on an unpaired surrogate. */
static bool utf16_to_utf8(const uint16_t *u, size_t n, char **out, size_t *out_len)
{
    char *s = malloc(n * 3 + 1);
    if (!s)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cp = u[i];
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (i + 1 >= n || u[i + 1] < 0xdc00 || u[i + 1] > 0xdfff) {
                free(s);
                return false;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00);
            i++;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            free(s);
            return false;
        }
        if (cp < 0x80) {
            s[k++] = (char)cp;
        } else if (cp < 0x800) {
            s[k++] = (char)(0xc0 | cp >> 6);
            s[k++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            s[k++] = (char)(0xe0 | cp >> 12);
            s[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            s[k++] = (char)(0xf0 | cp >> 18);
            s[k++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            s[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[k++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    s[k] = 0;
    *out = s;
    *out_len = k;
    return true;
}

/* nearcore's get_utf16_string. */
static bool read_log_utf16(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out, size_t *out_len)
{
    if (!nearvm_gas(L, COST_UTF16_DECODING_BASE))
        return false;
    uint16_t *units;
    size_t n;
    const uint8_t *p;
    if (len != UINT64_MAX) {
        if (!nearvm_mem_read(L, ptr, len, &p))
            return false;
        if (len % 2)
            return nearvm_err_bad_utf16(L);
        if (len > log_room(L))
            return log_length_exceeded(L, len);
        n = (size_t)(len / 2);
        units = malloc((n ? n : 1) * sizeof *units);
        if (!units)
            return nearvm_err_oom(L);
        for (size_t i = 0; i < n; i++)
            units[i] = (uint16_t)(p[2 * i] | p[2 * i + 1] << 8);
    } else {
        uint64_t limit = log_room(L) / 2;
        units = malloc((limit + 1) * sizeof *units);
        if (!units)
            return nearvm_err_oom(L);
        for (n = 0;; n++) {
            uint64_t at = ptr + 2 * (uint64_t)n;
            if (at < ptr || !nearvm_mem_read(L, at, 2, &p)) {
                free(units);
                return L->failed ? false : nearvm_err_memory(L);
            }
            uint16_t u = (uint16_t)(p[0] | p[1] << 8);
            if (u == 0)
                break;
            if (n == limit) {
                free(units);
                return log_length_exceeded(L, limit * 2 + 2);
            }
            units[n] = u;
        }
    }
    if (!nearvm_gas_per(L, COST_UTF16_DECODING_BYTE, (uint64_t)n * 2)) {
        free(units);
        return false;
    }
    bool ok = utf16_to_utf8(units, n, out, out_len);
    free(units);
    return ok ? true : nearvm_err_bad_utf16(L);
}

static bool can_add_log(nearvm_logic *L)
{
    if (L->out->logs_count < LIMIT_MAX_LOGS)
        return true;
    char dbg[80];
    snprintf(dbg, sizeof dbg, "NumberOfLogsExceeded { limit: %u }", LIMIT_MAX_LOGS);
    return nearvm_host_error(L, "NumberOfLogsExceeded", dbg, "The number of logs will exceed the limit %u",
                             LIMIT_MAX_LOGS);
}

/* Takes ownership of msg. */
static bool push_log(nearvm_logic *L, char *msg, size_t len)
{
    L->total_log_length += len;
    if (L->total_log_length > LIMIT_MAX_TOTAL_LOG_LENGTH) {
        /* nearcore has already added len when it reports, so the length
         * in the error counts this message twice */
        free(msg);
        return log_length_exceeded(L, len);
    }
    char **logs = realloc(L->out->logs, (L->out->logs_count + 1) * sizeof *logs);
    if (!logs) {
        free(msg);
        return nearvm_err_oom(L);
    }
    L->out->logs = logs;
    logs[L->out->logs_count++] = msg;
    return true;
}

static bool guest_panic(nearvm_logic *L, const char *msg)
{
    size_t cap = strlen(msg) * 6 + 64;
    char *dbg = malloc(cap);
    if (!dbg)
        return nearvm_err_oom(L);
    memcpy(dbg, "GuestPanic { panic_msg: ", 24);
    nearvm_debug_quote(dbg + 24, cap - 30, msg);
    strcat(dbg, " }");
    nearvm_host_error(L, "GuestPanic", dbg, "Smart contract panicked: %s", msg);
    free(dbg);
    return false;
}

static bool h_value_return(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *p;
    size_t n;
    if (!nearvm_gas(L, COST_BASE) || !nearvm_read_input(L, a[0], a[1], &p, &n))
        return false;
    if (n > LIMIT_MAX_RETURNED_DATA)
        return nearvm_err_exceeded(L, "ReturnedValueLengthExceeded", "length", "The length of a returned value", n,
                                   LIMIT_MAX_RETURNED_DATA);
    /* Every data receiver gets a data receipt of this size: burnt now. */
    uint64_t burn = 0;
    for (size_t i = 0; i < L->ctx->output_data_receivers_count; i++) {
        const char *receiver = L->ctx->output_data_receivers[i];
        bool sir = receiver && strcmp(receiver, L->ctx->current_account_id) == 0;
        nearvm_fee f = FEE_DATA_RECEIPT_BYTE;
        uint64_t part;
        if (__builtin_mul_overflow((sir ? f.send_sir : f.send_not_sir) + f.execution, (uint64_t)n, &part) ||
            __builtin_add_overflow(burn, part, &burn))
            return nearvm_err_overflow(L);
    }
    if (burn && !nearvm_gas(L, burn))
        return false;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return nearvm_err_oom(L);
    if (n)
        memcpy(copy, p, n);
    free(L->out->return_data);
    L->out->return_data = copy;
    L->out->return_len = n;
    L->out->return_kind = NEAR_RETURN_VALUE;
    return true;
}

static bool h_panic(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    return guest_panic(L, "explicit guest panic");
}

static bool h_panic_utf8(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    char *msg;
    size_t n;
    if (!nearvm_gas(L, COST_BASE) || !read_log_utf8(L, a[0], a[1], &msg, &n))
        return false;
    guest_panic(L, msg);
    free(msg);
    return false;
}

static bool h_log_utf8(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    char *msg;
    size_t n;
    if (!nearvm_gas(L, COST_BASE) || !can_add_log(L) || !read_log_utf8(L, a[0], a[1], &msg, &n))
        return false;
    if (!nearvm_gas(L, COST_LOG_BASE) || !nearvm_gas_per(L, COST_LOG_BYTE, n)) {
        free(msg);
        return false;
    }
    return push_log(L, msg, n);
}

static bool h_log_utf16(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    char *msg;
    size_t n;
    if (!nearvm_gas(L, COST_BASE) || !can_add_log(L) || !read_log_utf16(L, a[0], a[1], &msg, &n))
        return false;
    if (!nearvm_gas(L, COST_LOG_BASE) || !nearvm_gas_per(L, COST_LOG_BYTE, n)) {
        free(msg);
        return false;
    }
    return push_log(L, msg, n);
}

/* AssemblyScript's abort(msg, file, line, col): strings are a u32 byte
 * length at ptr-4 followed by UTF-16LE text. */
static bool h_abort(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    uint32_t msg_ptr = (uint32_t)a[0], file_ptr = (uint32_t)a[1];
    uint32_t line = (uint32_t)a[2], col = (uint32_t)a[3];
    if (!nearvm_gas(L, COST_BASE))
        return false;
    if (msg_ptr < 4 || file_ptr < 4)
        return nearvm_err_bad_utf16(L);
    if (!can_add_log(L))
        return false;
    const uint8_t *p;
    if (!nearvm_mem_read(L, msg_ptr - 4, 4, &p))
        return false;
    uint32_t msg_len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (!nearvm_mem_read(L, file_ptr - 4, 4, &p))
        return false;
    uint32_t file_len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    char *msg, *file;
    size_t n;
    if (!read_log_utf16(L, msg_len, msg_ptr, &msg, &n))
        return false;
    if (!read_log_utf16(L, file_len, file_ptr, &file, &n)) {
        free(msg);
        return false;
    }
    size_t cap = strlen(msg) + strlen(file) + 80;
    char *text = malloc(cap), *line_text = malloc(cap + 8);
    if (!text || !line_text) {
        free(msg), free(file), free(text), free(line_text);
        return nearvm_err_oom(L);
    }
    snprintf(text, cap, "%s, filename: \"%s\" line: %u col: %u", msg, file, line, col);
    free(msg);
    free(file);
    size_t len = strlen(text);
    snprintf(line_text, cap + 8, "ABORT: %s", text);
    if (!nearvm_gas(L, COST_LOG_BASE) || !nearvm_gas_per(L, COST_LOG_BYTE, len)) {
        free(line_text);
        free(text);
        return false;
    }
    if (!push_log(L, line_text, strlen(line_text))) { /* push_log owns line_text */
        free(text);
        return false;
    }
    guest_panic(L, text);
    free(text);
    return false;
}

const nearvm_host_fn nearvm_fns_results[] = {
    {"value_return", "II>", h_value_return},
    {"panic", "", h_panic},
    {"panic_utf8", "II>", h_panic_utf8},
    {"log_utf8", "II>", h_log_utf8},
    {"log_utf16", "II>", h_log_utf16},
    {"abort", "iiii>", h_abort},
    {NULL, NULL, NULL},
};
