/*
 * wasi.h — WASI preview 1 (`wasi_snapshot_preview1`) for the OutLayer engine.
 *
 * A wasi_ctx is the whole world a guest program sees: its arguments, its
 * environment, stdin as a byte buffer that ends in EOF, stdout and stderr
 * as capped outputs, clocks and a random source. There is no filesystem
 * (no preopened directories) and no network; every function of the
 * preview-1 interface is defined, those outside this world answer with an
 * errno (ENOSYS, EBADF, ENOTCAPABLE, ...) instead of being left unlinked,
 * so programs built by any toolchain instantiate.
 *
 * Output limits: stdout is capped (the worker's contract: max_memory_mb MiB).
 * A write that would pass the cap stores what still fits and then traps the
 * program with OLW_TRAP_HOST and the message "output limit exceeded: ...";
 * wasi_ctx_stdout_overflowed() tells the embedder why the call stopped.
 * stderr is diagnostics only: bytes beyond its cap are dropped silently
 * (the write still reports success) and wasi_ctx_stderr_truncated() says so.
 *
 * Every guest pointer is checked with olw_memory_ptr; a range outside
 * linear memory yields EFAULT and nothing is written.
 *
 * Threads: a ctx belongs to the thread running the guest, except for
 * wasi_ctx_cancel, which another thread (a watchdog) may call at any time.
 */
#ifndef OUTLAYER_WASI_H
#define OUTLAYER_WASI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/olw.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WASI_MODULE "wasi_snapshot_preview1"

/* WASI errno values used by this implementation (preview 1 numbering). */
enum {
    WASI_ESUCCESS = 0,
    WASI_E2BIG = 1,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOSYS = 52,
    WASI_ENOTDIR = 54,
    WASI_ENOTSOCK = 57,
    WASI_ENOTSUP = 58,
    WASI_ESPIPE = 70,
    WASI_ENOTCAPABLE = 76,
};

/* Clock ids. */
enum {
    WASI_CLOCK_REALTIME = 0,
    WASI_CLOCK_MONOTONIC = 1,
    WASI_CLOCK_PROCESS_CPUTIME = 2,
    WASI_CLOCK_THREAD_CPUTIME = 3,
};

/* Reads clock `id` in nanoseconds. Returns a WASI errno (0 on success). */
typedef int (*wasi_clock_fn)(void *env, uint32_t id, uint64_t *out_ns);
/* Fills buf with random bytes. */
typedef void (*wasi_random_fn)(void *env, uint8_t *buf, size_t len);
/* Waits until monotonic time `deadline_ns` (as read through the clock
 * source). Returns false if the wait was cancelled (wasi_ctx_cancel). The
 * default waits for real on a condition variable, so cancel wakes it. */
typedef bool (*wasi_sleep_fn)(void *env, uint64_t deadline_ns);
/* Receives program output as it is written (when set, nothing is captured). */
typedef void (*wasi_sink_fn)(void *env, const uint8_t *data, size_t len);

typedef struct wasi_config {
    const char *const *argv; /* argv[0..argc); copied. argv[0] is by convention the program name */
    size_t argc;
    const char *const *environ; /* "KEY=VALUE" strings; copied */
    size_t environ_count;
    const uint8_t *stdin_data; /* copied; then EOF */
    size_t stdin_len;
    size_t stdout_cap; /* bytes; 0 = 1 MiB */
    size_t stderr_cap; /* bytes; 0 = 1 MiB */

    /* Where output goes. NULL sink = captured in memory (wasi_ctx_stdout). */
    wasi_sink_fn stdout_sink;
    wasi_sink_fn stderr_sink;
    void *sink_env;

    /* Overridable sources (NULL = the host's): for deterministic tests. The
     * sleep source gets clock_env as its env. */
    wasi_clock_fn clock;
    wasi_sleep_fn sleep;
    void *clock_env;
    wasi_random_fn random; /* default: libsodium randombytes_buf */
    void *random_env;
} wasi_config;

typedef struct wasi_ctx wasi_ctx;

/* NULL when out of memory. */
wasi_ctx *wasi_ctx_new(const wasi_config *config);
void wasi_ctx_free(wasi_ctx *ctx);

/* Defines every wasi_snapshot_preview1 function in the linker, bound to ctx.
 * ctx must outlive every instance linked with it. False if the linker
 * refused a definition (out of memory). */
bool wasi_define(olw_linker *linker, wasi_ctx *ctx);

/* Thread-safe: wakes a sleeping poll_oneoff, which then traps with
 * OLW_TRAP_INTERRUPTED; later sleeps trap at once. Pair it with
 * olw_store_interrupt for timeouts. */
void wasi_ctx_cancel(wasi_ctx *ctx);

/* Captured output (empty when a sink was configured). Valid until the ctx is freed. */
const uint8_t *wasi_ctx_stdout(const wasi_ctx *ctx, size_t *len);
const uint8_t *wasi_ctx_stderr(const wasi_ctx *ctx, size_t *len);
/* The captured output itself, handed over instead of copied (the stdout cap
 * may be hundreds of MiB): malloc'd, NUL-terminated after *len bytes, owned
 * by the caller; NULL only when out of memory. The ctx keeps nothing of it
 * (wasi_ctx_stdout is empty afterwards; the byte counts stay). */
uint8_t *wasi_ctx_take_stdout(wasi_ctx *ctx, size_t *len);
uint8_t *wasi_ctx_take_stderr(wasi_ctx *ctx, size_t *len);
/* Bytes the program wrote (kept or sent to the sink, within the caps). */
size_t wasi_ctx_stdout_bytes(const wasi_ctx *ctx);
size_t wasi_ctx_stderr_bytes(const wasi_ctx *ctx);
/* True once a stdout write passed the cap (the call then trapped). */
bool wasi_ctx_stdout_overflowed(const wasi_ctx *ctx);
/* True once stderr bytes were dropped at its cap. */
bool wasi_ctx_stderr_truncated(const wasi_ctx *ctx);

/* The preview-1 functions wasi_define registers, with their signatures in
 * olw.h's compact form ("ii>i"): for documentation and tests. */
size_t wasi_function_count(void);
const char *wasi_function_name(size_t i); /* NULL past the end */
const char *wasi_function_sig(size_t i);

#ifdef __cplusplus
}
#endif
#endif
