/*
 * counter.c — a small NEAR contract in freestanding C, importing the host
 * functions directly (no SDK): a u64 counter in storage under "count".
 *
 *   increment()  adds the u64 from the input (8 LE bytes, default 1), logs
 *                "count=N" and returns N as decimal text
 *   get()        returns the count as decimal text (works in view calls)
 *   whoami()     returns "<predecessor> -> <current>"
 */
#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(input) void input(uint64_t register_id);
IMPORT(read_register) void read_register(uint64_t register_id, uint64_t ptr);
IMPORT(register_len) uint64_t register_len(uint64_t register_id);
IMPORT(storage_read) uint64_t storage_read(uint64_t key_len, uint64_t key_ptr, uint64_t register_id);
IMPORT(storage_write)
uint64_t storage_write(uint64_t key_len, uint64_t key_ptr, uint64_t value_len, uint64_t value_ptr,
                       uint64_t register_id);
IMPORT(value_return) void value_return(uint64_t len, uint64_t ptr);
IMPORT(log_utf8) void log_utf8(uint64_t len, uint64_t ptr);
IMPORT(current_account_id) void current_account_id(uint64_t register_id);
IMPORT(predecessor_account_id) void predecessor_account_id(uint64_t register_id);
IMPORT(panic_utf8) void panic_utf8(uint64_t len, uint64_t ptr);

static const char KEY[] = "count";
static uint8_t scratch[256];

static uint64_t ptr(const void *p) { return (uint64_t)(uintptr_t)p; }

static uint64_t load_count(void)
{
    if (!storage_read(sizeof KEY - 1, ptr(KEY), 0))
        return 0;
    if (register_len(0) != 8) {
        static const char msg[] = "corrupt counter";
        panic_utf8(sizeof msg - 1, ptr(msg));
    }
    uint64_t v = 0;
    read_register(0, ptr(&v));
    return v;
}

/* Writes v in decimal at out; returns the length. */
static uint32_t format_u64(uint64_t v, char *out)
{
    char tmp[20];
    uint32_t n = 0, k = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[k++] = tmp[--n];
    return k;
}

EXPORT(increment) void increment(void)
{
    uint64_t add = 1;
    input(1);
    if (register_len(1) == 8)
        read_register(1, ptr(&add));
    uint64_t v = load_count() + add;
    storage_write(sizeof KEY - 1, ptr(KEY), 8, ptr(&v), 2);
    char *line = (char *)scratch;
    static const char prefix[] = "count=";
    for (uint32_t i = 0; i < sizeof prefix - 1; i++)
        line[i] = prefix[i];
    uint32_t n = sizeof prefix - 1;
    n += format_u64(v, line + n);
    log_utf8(n, ptr(line));
    value_return(n - (sizeof prefix - 1), ptr(line + sizeof prefix - 1));
}

EXPORT(get) void get(void)
{
    char *out = (char *)scratch;
    value_return(format_u64(load_count(), out), ptr(out));
}

EXPORT(whoami) void whoami(void)
{
    uint8_t *out = scratch;
    predecessor_account_id(3);
    uint64_t a = register_len(3);
    read_register(3, ptr(out));
    out[a] = ' ', out[a + 1] = '-', out[a + 2] = '>', out[a + 3] = ' ';
    current_account_id(4);
    uint64_t b = register_len(4);
    read_register(4, ptr(out + a + 4));
    value_return(a + 4 + b, ptr(out));
}
