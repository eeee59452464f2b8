/*
 * runner.h — run one WASI command (a module exporting `_start`) with the
 * limits of an OutLayer job: the piece `outlayer run` and the worker share.
 *
 * One call does everything a job needs: load (decode, validate, compile),
 * create a store with the fuel and memory limits, build the WASI context
 * (stdin bytes, argv, environment, capped stdout/stderr), instantiate, call
 * `_start`, all under one wall-clock watchdog started before the first byte
 * is decoded, and measure. The outcome is always a
 * filled runner_result, never a crash: a bad module, a trap, a timeout and
 * a clean exit are all just different statuses.
 *
 * Limits (the contract defaults, which outlayer run uses, in brackets):
 *   fuel            instructions that may execute [1e9]
 *   max_memory_mb   cap on all host memory the program holds in the engine
 *                   (linear memories, tables, globals, instance, segments),
 *                   and the stdout cap in MiB, as in the reference worker [128]
 *   timeout_ms      wall clock for load + instantiate + _start [60000]; 0 = none
 */
#ifndef OUTLAYER_RUNNER_H
#define OUTLAYER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostapi/hostapi.h"
#include "wasi/wasi.h"
#include "wasm/olw.h"

#define RUNNER_DEFAULT_FUEL UINT64_C(1000000000)
#define RUNNER_DEFAULT_MEMORY_MB 128u
#define RUNNER_DEFAULT_TIMEOUT_MS UINT64_C(60000)
#define RUNNER_DEFAULT_STDERR_CAP ((size_t)1 << 20)

/* Deterministic sources for a run that must be repeatable (the worker's
 * runs, `outlayer verify`, docs/verify.md):
 *   random_get      the ChaCha20 keystream of `seed` (nonce 0), read in
 *                   order: the n-th byte asked for is keystream byte n;
 *   clocks          virtual: a counter t that starts at 0 and advances
 *                   1 µs per clock_time_get, and jumps to the deadline of a
 *                   poll_oneoff sleep (which returns at once); realtime
 *                   reads realtime_base_ns + t, the others read t.
 * Without it (NULL) the host's clocks and CSPRNG are used (`outlayer run`). */
typedef struct runner_replay {
    uint8_t seed[32];
    uint64_t realtime_base_ns; /* the realtime clock at the start (the request's block timestamp) */
} runner_replay;

#define RUNNER_REPLAY_CLOCK_STEP_NS UINT64_C(1000)

typedef struct runner_options {
    const uint8_t *wasm;
    size_t wasm_len;
    const uint8_t *input; /* stdin */
    size_t input_len;
    const char *const *argv; /* argv[0] is the program name by convention; may be empty */
    size_t argc;
    const char *const *env; /* "KEY=VALUE" */
    size_t env_count;

    uint64_t fuel;          /* 0 = RUNNER_DEFAULT_FUEL */
    uint32_t max_memory_mb; /* 0 = RUNNER_DEFAULT_MEMORY_MB */
    uint64_t timeout_ms;    /* 0 = no wall-clock limit */
    size_t stdout_cap;      /* 0 = max_memory_mb MiB */
    size_t stderr_cap;      /* 0 = RUNNER_DEFAULT_STDERR_CAP */

    const runner_replay *replay; /* NULL = host clocks and random */

    /* NULL = capture into the result; otherwise stream (see wasi_sink_fn). */
    wasi_sink_fn stdout_sink;
    wasi_sink_fn stderr_sink;
    void *sink_env;

    /* The outlayer_v1 host API (src/hostapi/, docs/program-api.md), or NULL
     * for none (a program importing it then fails to link). The runner sets
     * its deadline to the job's wall-clock deadline and cancels it with the
     * watchdog, so time spent in HTTP counts toward timeout_ms. The caller
     * keeps it and reads the transcript afterwards. */
    hostapi_ctx *hostapi;

    olw_engine engine; /* the engine's tier; OLW_ENGINE_DEFAULT (0) = the compiled tier where it exists */
} runner_options;

typedef enum runner_status {
    RUNNER_OK,         /* _start returned, or the program exited with code 0 */
    RUNNER_EXIT,       /* the program exited with a non-zero code (exit_code) */
    RUNNER_TRAP,       /* the program trapped; trap + message say why */
    RUNNER_LOAD_ERROR, /* not a valid module: load_error has kind, offset, message */
    RUNNER_LINK_ERROR, /* valid, but cannot run as a WASI command (imports, no _start, instantiation) */
    RUNNER_INTERNAL,   /* the host ran out of memory */
} runner_status;

/* Why a trap happened, as the CLI and the worker classify it. */
typedef enum runner_limit {
    RUNNER_LIMIT_NONE,
    RUNNER_LIMIT_FUEL,    /* out of fuel */
    RUNNER_LIMIT_MEMORY,  /* memory limit exceeded */
    RUNNER_LIMIT_TIMEOUT, /* wall-clock timeout (interrupted) */
    RUNNER_LIMIT_OUTPUT,  /* stdout cap exceeded */
    RUNNER_LIMIT_STACK,   /* call stack exhausted */
} runner_limit;

typedef struct runner_result {
    runner_status status;
    int32_t exit_code;    /* the program's code for RUNNER_OK/RUNNER_EXIT, else 0 */
    olw_trap_code trap;   /* RUNNER_TRAP, or a trap during instantiation */
    runner_limit limit;   /* which limit ended the run, if any */
    olw_error load_error; /* RUNNER_LOAD_ERROR / RUNNER_LINK_ERROR details (offset may be SIZE_MAX) */
    char message[512];    /* one line: trap message or error; empty on success */

    uint64_t instructions;      /* fuel consumed (also on failure) */
    uint64_t peak_memory_bytes; /* most host memory held at once (see max_memory_mb) */
    uint64_t load_us;           /* decode + validate + compile */
    uint64_t run_us;            /* instantiate + _start */
    uint64_t wall_us;           /* whole call */

    uint8_t *stdout_data; /* captured output (NULL when a sink was given); owned */
    size_t stdout_len;
    uint8_t *stderr_data;
    size_t stderr_len;
    size_t stdout_bytes; /* bytes the program wrote within the caps (captured or streamed) */
    size_t stderr_bytes;
    bool stderr_truncated;
} runner_result;

/* Fills *r (always; free it with runner_result_free). Returns r->status. */
runner_status runner_run(const runner_options *opts, runner_result *r);
void runner_result_free(runner_result *r);

/* Stable lower-case names for reports: "ok", "exit", "trap", "load_error", ... */
const char *runner_status_name(runner_status s);
const char *runner_limit_name(runner_limit l); /* "fuel", "memory", "timeout", "output", "stack", NULL */

#endif
