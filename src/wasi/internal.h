/*
 * internal.h — what the files of src/wasi/ share: the context layout and
 * little-endian access to guest memory. Not part of the public API.
 */
#ifndef OUTLAYER_WASI_INTERNAL_H
#define OUTLAYER_WASI_INTERNAL_H

#include <pthread.h>
#include <string.h>

#include "wasi/wasi.h"

/* One captured or streamed output stream. */
typedef struct wasi_output {
    uint8_t *data; /* captured bytes (no sink) */
    size_t len;    /* bytes accepted so far (captured or sent to the sink) */
    size_t alloc;
    size_t cap;
    wasi_sink_fn sink;
    bool overflowed; /* stdout: a write passed the cap; stderr: bytes were dropped */
    bool taken;      /* the captured bytes were handed over (wasi_ctx_take_*): later ones are not kept */
} wasi_output;

/* The three standard descriptors; fd_close marks one closed. */
typedef struct wasi_stdio_fd {
    bool open;
    uint64_t rights;
} wasi_stdio_fd;

struct wasi_ctx {
    char **argv;
    size_t argc;
    size_t argv_bytes; /* sum of strlen+1 */
    char **environ;
    size_t environ_count;
    size_t environ_bytes;

    uint8_t *stdin_data;
    size_t stdin_len;
    size_t stdin_pos;

    wasi_output out, err;
    void *sink_env;
    wasi_stdio_fd fds[3];

    wasi_clock_fn clock;
    wasi_sleep_fn sleep;
    void *clock_env;
    wasi_random_fn random;
    void *random_env;

    /* Cancellation of sleeps, set from another thread. */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool cancelled;
};

/* Rights granted to the standard descriptors. */
#define WASI_RIGHT_FD_READ (UINT64_C(1) << 1)
#define WASI_RIGHT_FD_WRITE (UINT64_C(1) << 6)
#define WASI_RIGHT_POLL_FD_READWRITE (UINT64_C(1) << 27)

/* Appends to an output stream, honouring its cap. Returns false when stdout
 * overflowed (the caller traps); stderr never fails. */
bool wasi_output_write(wasi_ctx *ctx, wasi_output *o, const uint8_t *data, size_t len, bool drop_excess);

/* Host defaults, also used when a config leaves a source NULL. */
int wasi_host_clock(void *env, uint32_t id, uint64_t *out_ns);
void wasi_host_random(void *env, uint8_t *buf, size_t len);

/* Sleeps until the monotonic deadline through the ctx's sleep source;
 * false when cancelled. */
bool wasi_ctx_sleep_until(wasi_ctx *ctx, uint64_t deadline_ns);
bool wasi_ctx_is_cancelled(wasi_ctx *ctx);

static inline uint16_t wasi_load16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t wasi_load32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t wasi_load64(const uint8_t *p)
{
    return (uint64_t)wasi_load32(p) | ((uint64_t)wasi_load32(p + 4) << 32);
}
static inline void wasi_store16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void wasi_store32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void wasi_store64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

#endif
