/*
 * runner.c — load, link with WASI, run `_start` under limits, measure.
 *
 * The wall-clock limit is a watchdog thread that sleeps on a condition
 * variable until the deadline or until the run finishes, whichever comes
 * first. At the deadline it interrupts the store (the engine traps at the
 * next function entry or loop back-edge) and cancels the WASI context (a
 * guest sleeping in poll_oneoff wakes and traps). Both requests are
 * thread-safe by the engine's and WASI's contracts.
 */
#include "runner/replay.h"
#include "runner/runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void set_message(runner_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(runner_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

/* ---- watchdog ------------------------------------------------------------ */

typedef struct watchdog {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool done;
    bool fired;
    struct timespec deadline; /* CLOCK_MONOTONIC */
    olw_store *store;
    wasi_ctx *ctx;
    hostapi_ctx *hostapi;
} watchdog;

static void *watchdog_main(void *arg)
{
    watchdog *w = arg;
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->wake, &w->lock, &w->deadline);
    if (!w->done) {
        w->fired = true;
        olw_store_interrupt(w->store);
        wasi_ctx_cancel(w->ctx);
        if (w->hostapi)
            hostapi_ctx_cancel(w->hostapi);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static bool watchdog_start(watchdog *w, uint64_t timeout_ms, olw_store *store, wasi_ctx *ctx, hostapi_ctx *hostapi)
{
    memset(w, 0, sizeof *w);
    w->store = store;
    w->ctx = ctx;
    w->hostapi = hostapi;
    clock_gettime(CLOCK_MONOTONIC, &w->deadline);
    w->deadline.tv_sec += (time_t)(timeout_ms / 1000);
    w->deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (w->deadline.tv_nsec >= 1000000000L) {
        w->deadline.tv_sec++;
        w->deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&w->thread, NULL, watchdog_main, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->wake);
        return false;
    }
    return true;
}

/* Stops the watchdog; true if it fired. */
static bool watchdog_stop(watchdog *w)
{
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    return w->fired;
}

/* ---- the run -------------------------------------------------------------- */

/* `_start` must be an exported function () -> (). */
static bool find_start(const olw_module *m, runner_result *r)
{
    size_t n = olw_module_export_count(m);
    for (size_t i = 0; i < n; i++) {
        olw_export_info e = olw_module_export(m, i);
        if (e.name_len != 6 || memcmp(e.name, "_start", 6) != 0)
            continue;
        if (e.kind != OLW_EXTERN_FUNC || e.func_type.nparams != 0 || e.func_type.nresults != 0) {
            set_message(r, "the export `_start` is not a function without parameters and results");
            return false;
        }
        return true;
    }
    set_message(r, "the module exports no `_start` function: build it as a WASI command (a program with "
                   "main), not as a library (reactor / cdylib)");
    return false;
}

static runner_limit classify_trap(olw_trap_code trap, const wasi_ctx *ctx)
{
    switch (trap) {
    case OLW_TRAP_OUT_OF_FUEL: return RUNNER_LIMIT_FUEL;
    case OLW_TRAP_INTERRUPTED: return RUNNER_LIMIT_TIMEOUT;
    case OLW_TRAP_MEMORY_LIMIT: return RUNNER_LIMIT_MEMORY;
    case OLW_TRAP_STACK_EXHAUSTED: return RUNNER_LIMIT_STACK;
    case OLW_TRAP_HOST: return wasi_ctx_stdout_overflowed(ctx) ? RUNNER_LIMIT_OUTPUT : RUNNER_LIMIT_NONE;
    default: return RUNNER_LIMIT_NONE;
    }
}

/* Runs an instantiated-to-be module; the store, ctx and linker exist. */
static void run_instance(olw_store *store, olw_module *module, olw_linker *linker, wasi_ctx *ctx, runner_result *r)
{
    olw_error err;
    memset(&err, 0, sizeof err);
    olw_instance *inst = olw_instantiate(store, module, linker, &err);
    if (!inst) {
        r->load_error = err;
        if (err.kind == OLW_ERR_TRAP) {
            r->status = RUNNER_TRAP;
            r->trap = (olw_trap_code)err.trap;
            r->limit = classify_trap(r->trap, ctx);
            set_message(r, "%s", err.message);
        } else if (err.kind == OLW_ERR_RESOURCE) {
            r->status = RUNNER_TRAP;
            r->trap = OLW_TRAP_MEMORY_LIMIT;
            r->limit = RUNNER_LIMIT_MEMORY;
            set_message(r, "%s", err.message);
        } else {
            r->status = RUNNER_LINK_ERROR;
            set_message(r, "cannot instantiate: %s", err.message);
        }
        return;
    }
    olw_func *start = olw_instance_func(inst, "_start");
    if (!start) {
        r->status = RUNNER_LINK_ERROR;
        set_message(r, "the module exports no `_start` function");
        return;
    }
    olw_trap_code trap = olw_func_call(store, start, NULL, 0, NULL, 0);
    if (trap == OLW_TRAP_NONE) {
        r->status = RUNNER_OK;
    } else if (trap == OLW_TRAP_EXIT) {
        r->exit_code = olw_store_exit_code(store);
        r->status = r->exit_code == 0 ? RUNNER_OK : RUNNER_EXIT;
    } else {
        r->status = RUNNER_TRAP;
        r->trap = trap;
        r->limit = classify_trap(trap, ctx);
        set_message(r, "%s", olw_store_trap_message(store));
    }
}

/* Loads the module under the watchdog (the store's interrupt flag stops
 * it); NULL with r filled when it cannot run. */
static olw_module *load_module(const runner_options *o, olw_store *store, bool timed, runner_result *r)
{
    olw_error err;
    memset(&err, 0, sizeof err);
    olw_load_options lo = {.interrupt = store, .engine = o->engine};
    uint64_t t0 = now_us();
    olw_module *module = olw_module_load_ex(o->wasm, o->wasm_len, &lo, &err);
    r->load_us = now_us() - t0;
    if (!module) {
        r->load_error = err;
        if (err.kind == OLW_ERR_TRAP && err.trap == OLW_TRAP_INTERRUPTED && timed) {
            r->status = RUNNER_TRAP;
            r->trap = OLW_TRAP_INTERRUPTED;
            r->limit = RUNNER_LIMIT_TIMEOUT;
        } else {
            r->status = RUNNER_LOAD_ERROR;
        }
        set_message(r, "%s", err.message);
        return NULL;
    }
    if (!find_start(module, r)) {
        r->status = RUNNER_LINK_ERROR;
        olw_module_release(module);
        return NULL;
    }
    return module;
}

runner_status runner_run(const runner_options *o, runner_result *r)
{
    memset(r, 0, sizeof *r);
    r->load_error.offset = SIZE_MAX;
    uint64_t t0 = now_us();

    uint32_t mb = o->max_memory_mb ? o->max_memory_mb : RUNNER_DEFAULT_MEMORY_MB;
    uint64_t pages = (uint64_t)mb * 16; /* 64 KiB pages */
    if (pages > 65536)
        pages = 65536;

    /* The store exists before the module: the watchdog interrupts it, and
     * loading polls its flag, so the wall-clock limit covers every phase
     * from the first byte decoded. */
    olw_limits limits = {
        .fuel = o->fuel ? o->fuel : RUNNER_DEFAULT_FUEL,
        .max_memory_pages = (uint32_t)(pages == 65536 ? 0 : pages),
    };
    wasi_config cfg = {
        .argv = o->argv,
        .argc = o->argc,
        .environ = o->env,
        .environ_count = o->env_count,
        .stdin_data = o->input,
        .stdin_len = o->input_len,
        .stdout_cap = o->stdout_cap ? o->stdout_cap : (size_t)mb << 20,
        .stderr_cap = o->stderr_cap ? o->stderr_cap : RUNNER_DEFAULT_STDERR_CAP,
        .stdout_sink = o->stdout_sink,
        .stderr_sink = o->stderr_sink,
        .sink_env = o->sink_env,
    };
    replay_state replay;
    if (o->replay) {
        replay_state_init(&replay, o->replay);
        cfg.clock = replay_clock;
        cfg.sleep = replay_sleep;
        cfg.clock_env = &replay;
        cfg.random = replay_random;
        cfg.random_env = &replay;
    }
    olw_store *store = olw_store_new(&limits);
    wasi_ctx *ctx = wasi_ctx_new(&cfg);
    olw_linker *linker = store ? olw_linker_new(store) : NULL;
    olw_module *module = NULL;
    if (!store || !ctx || !linker || !wasi_define(linker, ctx) || (o->hostapi && !hostapi_define(linker, o->hostapi))) {
        r->status = RUNNER_INTERNAL;
        set_message(r, "out of host memory while preparing the run");
        goto done;
    }
    watchdog dog;
    if (o->hostapi && o->timeout_ms > 0)
        hostapi_ctx_set_deadline(o->hostapi, t0 + o->timeout_ms * 1000);
    bool dog_running = o->timeout_ms > 0 && watchdog_start(&dog, o->timeout_ms, store, ctx, o->hostapi);
    if (o->timeout_ms > 0 && !dog_running) {
        r->status = RUNNER_INTERNAL;
        set_message(r, "cannot start the timeout watchdog thread");
        goto done;
    }
    module = load_module(o, store, dog_running, r);
    if (module) {
        uint64_t t1 = now_us();
        run_instance(store, module, linker, ctx, r);
        r->run_us = now_us() - t1;
    }
    bool fired = dog_running && watchdog_stop(&dog);
    if (fired && r->status == RUNNER_TRAP && r->trap == OLW_TRAP_INTERRUPTED)
        set_message(r, "interrupted: wall-clock timeout of %llu ms reached%s", (unsigned long long)o->timeout_ms,
                    module ? "" : " while loading the module");
    if (!module)
        goto done;
    if (r->status == RUNNER_TRAP && r->limit == RUNNER_LIMIT_FUEL)
        set_message(r, "out of fuel: the instruction limit of %llu was reached", (unsigned long long)limits.fuel);
    r->instructions = olw_store_fuel_used(store);
    r->peak_memory_bytes = olw_store_peak_memory_bytes(store);
    {
        /* handed over, not copied: stdout may be as big as its cap */
        size_t len;
        if (!o->stdout_sink) {
            r->stdout_data = wasi_ctx_take_stdout(ctx, &len);
            r->stdout_len = r->stdout_data ? len : 0;
        }
        if (!o->stderr_sink) {
            r->stderr_data = wasi_ctx_take_stderr(ctx, &len);
            r->stderr_len = r->stderr_data ? len : 0;
        }
        r->stdout_bytes = wasi_ctx_stdout_bytes(ctx);
        r->stderr_bytes = wasi_ctx_stderr_bytes(ctx);
        r->stderr_truncated = wasi_ctx_stderr_truncated(ctx);
    }
done:
    if (linker)
        olw_linker_free(linker);
    if (store)
        olw_store_free(store);
    wasi_ctx_free(ctx);
    olw_module_release(module);
    r->wall_us = now_us() - t0;
    return r->status;
}

void runner_result_free(runner_result *r)
{
    if (!r)
        return;
    free(r->stdout_data);
    free(r->stderr_data);
    r->stdout_data = r->stderr_data = NULL;
    r->stdout_len = r->stderr_len = 0;
}

const char *runner_status_name(runner_status s)
{
    switch (s) {
    case RUNNER_OK: return "ok";
    case RUNNER_EXIT: return "exit";
    case RUNNER_TRAP: return "trap";
    case RUNNER_LOAD_ERROR: return "load_error";
    case RUNNER_LINK_ERROR: return "link_error";
    case RUNNER_INTERNAL: return "internal_error";
    }
    return "unknown";
}

const char *runner_limit_name(runner_limit l)
{
    switch (l) {
    case RUNNER_LIMIT_NONE: return NULL;
    case RUNNER_LIMIT_FUEL: return "fuel";
    case RUNNER_LIMIT_MEMORY: return "memory";
    case RUNNER_LIMIT_TIMEOUT: return "timeout";
    case RUNNER_LIMIT_OUTPUT: return "output";
    case RUNNER_LIMIT_STACK: return "stack";
    }
    return NULL;
}
