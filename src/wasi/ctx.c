/*
 * ctx.c — the WASI context: copies of argv/environ/stdin, the output
 * streams with their caps, and the host's clock, sleep and random sources.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <sodium.h>

#include "wasi/internal.h"

#define WASI_DEFAULT_OUTPUT_CAP ((size_t)1 << 20)

static char **copy_strings(const char *const *src, size_t n, size_t *total_bytes, bool *ok)
{
    *total_bytes = 0;
    *ok = true;
    if (n == 0)
        return NULL;
    char **dst = calloc(n, sizeof *dst);
    if (!dst) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = src && src[i] ? src[i] : ""; /* a missing vector reads as empty strings */
        dst[i] = strdup(s);
        if (!dst[i]) {
            *ok = false;
            return dst;
        }
        *total_bytes += strlen(s) + 1;
    }
    return dst;
}

static void free_strings(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

wasi_ctx *wasi_ctx_new(const wasi_config *config)
{
    static const wasi_config empty;
    if (!config)
        config = &empty;
    /* randombytes_buf works without it, but libsodium asks for one call
     * before use; it is idempotent and thread-safe. */
    if (sodium_init() < 0)
        return NULL;

    wasi_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    /* First, so that wasi_ctx_free may destroy them on every path below. */
    pthread_mutex_init(&ctx->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&ctx->wake, &attr);
    pthread_condattr_destroy(&attr);
    bool ok_args, ok_env;
    ctx->argc = config->argc;
    ctx->argv = copy_strings(config->argv, config->argc, &ctx->argv_bytes, &ok_args);
    ctx->environ_count = config->environ_count;
    ctx->environ = copy_strings(config->environ, config->environ_count, &ctx->environ_bytes, &ok_env);
    if (config->stdin_len > 0) {
        ctx->stdin_data = malloc(config->stdin_len);
        if (ctx->stdin_data)
            memcpy(ctx->stdin_data, config->stdin_data, config->stdin_len);
    }
    ctx->stdin_len = config->stdin_len;
    if (!ok_args || !ok_env || (config->stdin_len > 0 && !ctx->stdin_data)) {
        wasi_ctx_free(ctx);
        return NULL;
    }

    ctx->out.cap = config->stdout_cap ? config->stdout_cap : WASI_DEFAULT_OUTPUT_CAP;
    ctx->err.cap = config->stderr_cap ? config->stderr_cap : WASI_DEFAULT_OUTPUT_CAP;
    ctx->out.sink = config->stdout_sink;
    ctx->err.sink = config->stderr_sink;
    ctx->sink_env = config->sink_env;

    ctx->fds[0] = (wasi_stdio_fd){true, WASI_RIGHT_FD_READ | WASI_RIGHT_POLL_FD_READWRITE};
    ctx->fds[1] = (wasi_stdio_fd){true, WASI_RIGHT_FD_WRITE | WASI_RIGHT_POLL_FD_READWRITE};
    ctx->fds[2] = ctx->fds[1];

    ctx->clock = config->clock ? config->clock : wasi_host_clock;
    ctx->sleep = config->sleep;
    ctx->clock_env = config->clock_env;
    ctx->random = config->random ? config->random : wasi_host_random;
    ctx->random_env = config->random_env;
    return ctx;
}

void wasi_ctx_free(wasi_ctx *ctx)
{
    if (!ctx)
        return;
    free_strings(ctx->argv, ctx->argc);
    free_strings(ctx->environ, ctx->environ_count);
    free(ctx->stdin_data);
    free(ctx->out.data);
    free(ctx->err.data);
    pthread_mutex_destroy(&ctx->lock);
    pthread_cond_destroy(&ctx->wake);
    free(ctx);
}

bool wasi_output_write(wasi_ctx *ctx, wasi_output *o, const uint8_t *data, size_t len, bool drop_excess)
{
    size_t room = o->cap - o->len;
    size_t take = len <= room ? len : room;
    if (take > 0) {
        if (o->sink) {
            o->sink(ctx->sink_env, data, take);
        } else if (!o->taken) {
            if (o->len + take > o->alloc) {
                size_t want = o->alloc ? o->alloc : 4096;
                while (want < o->len + take)
                    want *= 2;
                if (want > o->cap)
                    want = o->cap;
                uint8_t *grown = realloc(o->data, want);
                if (!grown)
                    return false;
                o->data = grown;
                o->alloc = want;
            }
            memcpy(o->data + o->len, data, take);
        }
        o->len += take;
    }
    if (take < len) {
        o->overflowed = true;
        return drop_excess;
    }
    return true;
}

void wasi_ctx_cancel(wasi_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    ctx->cancelled = true;
    pthread_cond_broadcast(&ctx->wake);
    pthread_mutex_unlock(&ctx->lock);
}

bool wasi_ctx_is_cancelled(wasi_ctx *ctx)
{
    pthread_mutex_lock(&ctx->lock);
    bool c = ctx->cancelled;
    pthread_mutex_unlock(&ctx->lock);
    return c;
}

bool wasi_ctx_sleep_until(wasi_ctx *ctx, uint64_t deadline_ns)
{
    if (ctx->sleep)
        return ctx->sleep(ctx->clock_env, deadline_ns) && !wasi_ctx_is_cancelled(ctx);
    /* The default clock source and the condition variable both use
     * CLOCK_MONOTONIC, so the deadline converts directly. A custom clock
     * without a custom sleep falls back to a relative wait. */
    struct timespec until;
    if (ctx->clock == wasi_host_clock) {
        until.tv_sec = (time_t)(deadline_ns / 1000000000u);
        until.tv_nsec = (long)(deadline_ns % 1000000000u);
    } else {
        uint64_t now = 0;
        ctx->clock(ctx->clock_env, WASI_CLOCK_MONOTONIC, &now);
        uint64_t rel = deadline_ns > now ? deadline_ns - now : 0;
        struct timespec host;
        clock_gettime(CLOCK_MONOTONIC, &host);
        uint64_t host_ns = (uint64_t)host.tv_sec * 1000000000u + (uint64_t)host.tv_nsec;
        /* A deadline of "never" (UINT64_MAX) must not wrap to the past. */
        uint64_t abs_ns = rel > UINT64_MAX - host_ns ? UINT64_MAX : host_ns + rel;
        until.tv_sec = (time_t)(abs_ns / 1000000000u);
        until.tv_nsec = (long)(abs_ns % 1000000000u);
    }
    pthread_mutex_lock(&ctx->lock);
    int rc = 0;
    while (!ctx->cancelled && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&ctx->wake, &ctx->lock, &until);
    bool ok = !ctx->cancelled;
    pthread_mutex_unlock(&ctx->lock);
    return ok;
}

int wasi_host_clock(void *env, uint32_t id, uint64_t *out_ns)
{
    (void)env;
    clockid_t cid;
    switch (id) {
    case WASI_CLOCK_REALTIME: cid = CLOCK_REALTIME; break;
    case WASI_CLOCK_MONOTONIC: cid = CLOCK_MONOTONIC; break;
    /* The guest runs on one host thread, so that thread's CPU time is the
     * program's CPU time; the process clock would count the whole worker. */
    case WASI_CLOCK_PROCESS_CPUTIME:
    case WASI_CLOCK_THREAD_CPUTIME: cid = CLOCK_THREAD_CPUTIME_ID; break;
    default: return WASI_EINVAL;
    }
    struct timespec ts;
    if (clock_gettime(cid, &ts) != 0)
        return WASI_EIO;
    *out_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return WASI_ESUCCESS;
}

void wasi_host_random(void *env, uint8_t *buf, size_t len)
{
    (void)env;
    randombytes_buf(buf, len);
}

static uint8_t *take_output(wasi_output *o, size_t *len)
{
    size_t n = o->sink ? 0 : o->len;
    uint8_t *p = realloc(o->data, n + 1); /* in place or a remap for big buffers; room for the NUL */
    if (!p) {
        *len = 0;
        return NULL;
    }
    p[n] = 0;
    *len = n;
    o->data = NULL;
    o->alloc = 0;
    o->taken = true;
    return p;
}

uint8_t *wasi_ctx_take_stdout(wasi_ctx *ctx, size_t *len) { return take_output(&ctx->out, len); }
uint8_t *wasi_ctx_take_stderr(wasi_ctx *ctx, size_t *len) { return take_output(&ctx->err, len); }

const uint8_t *wasi_ctx_stdout(const wasi_ctx *ctx, size_t *len)
{
    *len = ctx->out.sink || ctx->out.taken ? 0 : ctx->out.len;
    return ctx->out.data ? ctx->out.data : (const uint8_t *)"";
}

const uint8_t *wasi_ctx_stderr(const wasi_ctx *ctx, size_t *len)
{
    *len = ctx->err.sink || ctx->err.taken ? 0 : ctx->err.len;
    return ctx->err.data ? ctx->err.data : (const uint8_t *)"";
}

size_t wasi_ctx_stdout_bytes(const wasi_ctx *ctx) { return ctx->out.len; }
size_t wasi_ctx_stderr_bytes(const wasi_ctx *ctx) { return ctx->err.len; }
bool wasi_ctx_stdout_overflowed(const wasi_ctx *ctx) { return ctx->out.overflowed; }
bool wasi_ctx_stderr_truncated(const wasi_ctx *ctx) { return ctx->err.overflowed; }
