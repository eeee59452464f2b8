/*
 * engine_bench.c — in-process measurements of our engine for `make bench`,
 * the ones a whole-process `outlayer run` cannot separate out.
 *
 *   engine_bench load FILE.wasm [REPS]
 *       Times, each the median of REPS (default 5) interleaved rounds:
 *       validate only, load = decode + validate + compile with fuel metering
 *       on and off, and instantiate (WASI imports linked, memory allocated,
 *       data segments applied). Prints one JSON object.
 *
 *   engine_bench run [--no-metering] FILE.wasm [ARGS...]
 *       Runs a WASI command's _start with ARGS (stdin empty, stdout to our
 *       stdout) and prints one JSON line on stderr with load, instantiate and
 *       run times (run also as CPU time) and the instructions counted. With --no-metering the
 *       module is compiled without fuel accounting: the driver compares the
 *       two to price metering.
 *
 * Exit status: 0 on success, 1 when the module fails to load, link or run.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wasi/wasi.h"
#include "wasm/olw.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time of this process: unlike the wall clock it does not count the
 * time other programs on a busy machine hold the CPU. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return buf;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void stdout_sink(void *env, const uint8_t *data, size_t len) { fwrite(data, 1, len, (FILE *)env); }

/* One store + WASI context + linker: what instantiating a WASI command needs. */
typedef struct {
    olw_store *store;
    wasi_ctx *wasi;
    olw_linker *linker;
} world;

static bool world_new(world *w, const char *const *argv, size_t argc, FILE *out)
{
    olw_limits limits = {.fuel = UINT64_MAX};
    wasi_config cfg = {
        .argv = argv, .argc = argc, .stdout_sink = stdout_sink, .stderr_sink = stdout_sink, .sink_env = out};
    memset(w, 0, sizeof *w);
    w->store = olw_store_new(&limits);
    w->wasi = wasi_ctx_new(&cfg);
    w->linker = w->store ? olw_linker_new(w->store) : NULL;
    return w->store && w->wasi && w->linker && wasi_define(w->linker, w->wasi);
}

static void world_free(world *w)
{
    if (w->linker)
        olw_linker_free(w->linker);
    if (w->store)
        olw_store_free(w->store); /* frees the instances created in it */
    if (w->wasi)
        wasi_ctx_free(w->wasi);
}

static int cmd_load(const char *path, int reps)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "engine_bench: cannot read %s\n", path);
        return 1;
    }
    uint64_t *validate = calloc((size_t)reps, 8), *load_on = calloc((size_t)reps, 8);
    uint64_t *load_off = calloc((size_t)reps, 8), *inst = calloc((size_t)reps, 8);
    olw_error err;
    int rc = 0;
    const char *argv[] = {path};
    if (!validate || !load_on || !load_off || !inst) {
        fprintf(stderr, "engine_bench: out of memory\n");
        rc = 1;
    }
    for (int r = 0; r < reps && rc == 0; r++) {
        uint64_t t0 = now_ns();
        bool ok = olw_module_validate(bytes, len, &err);
        validate[r] = now_ns() - t0;
        if (!ok) {
            fprintf(stderr, "engine_bench: %s: invalid: %s\n", path, err.message);
            rc = 1;
            break;
        }
        for (int metering = 0; metering < 2; metering++) {
            olw_load_options opts = {.no_metering = !metering};
            t0 = now_ns();
            olw_module *m = olw_module_load_ex(bytes, len, &opts, &err);
            (metering ? load_on : load_off)[r] = now_ns() - t0;
            if (!m) {
                fprintf(stderr, "engine_bench: %s: load failed: %s\n", path, err.message);
                rc = 1;
                break;
            }
            if (metering) {
                world w;
                if (!world_new(&w, argv, 1, stdout)) {
                    fprintf(stderr, "engine_bench: out of memory\n");
                    rc = 1;
                } else {
                    t0 = now_ns();
                    olw_instance *in = olw_instantiate(w.store, m, w.linker, &err);
                    inst[r] = now_ns() - t0;
                    if (!in) {
                        fprintf(stderr, "engine_bench: %s: instantiate failed: %s\n", path, err.message);
                        rc = 1;
                    }
                }
                world_free(&w);
            }
            olw_module_release(m);
        }
    }
    if (rc == 0) {
        uint64_t v = median(validate, (size_t)reps), on = median(load_on, (size_t)reps);
        uint64_t off = median(load_off, (size_t)reps), in = median(inst, (size_t)reps);
        double mb = (double)len / 1e6;
        printf("{\"file\":\"%s\",\"bytes\":%zu,\"reps\":%d,"
               "\"validate_us\":%.1f,\"load_us\":%.1f,\"load_nometer_us\":%.1f,\"instantiate_us\":%.1f,"
               "\"validate_mb_s\":%.1f,\"load_mb_s\":%.1f,\"load_nometer_mb_s\":%.1f}\n",
               path, len, reps, v / 1e3, on / 1e3, off / 1e3, in / 1e3, mb / (v / 1e9), mb / (on / 1e9),
               mb / (off / 1e9));
    }
    free(validate);
    free(load_on);
    free(load_off);
    free(inst);
    free(bytes);
    return rc;
}

static int cmd_run(bool metering, const char *path, int argc, char **argv)
{
    size_t len;
    uint8_t *bytes = read_file(path, &len);
    if (!bytes) {
        fprintf(stderr, "engine_bench: cannot read %s\n", path);
        return 1;
    }
    olw_error err;
    olw_load_options opts = {.no_metering = !metering};
    uint64_t t0 = now_ns();
    olw_module *m = olw_module_load_ex(bytes, len, &opts, &err);
    uint64_t t_load = now_ns() - t0;
    free(bytes);
    if (!m) {
        fprintf(stderr, "engine_bench: %s: load failed: %s\n", path, err.message);
        return 1;
    }
    /* argv[0] for the program is the file name, then ARGS. */
    const char **pargv = calloc((size_t)argc + 1, sizeof *pargv);
    if (!pargv) {
        fprintf(stderr, "engine_bench: out of memory\n");
        olw_module_release(m);
        return 1;
    }
    pargv[0] = path;
    for (int i = 0; i < argc; i++)
        pargv[i + 1] = argv[i];
    world w;
    int rc = 1;
    if (!world_new(&w, pargv, (size_t)argc + 1, stdout)) {
        fprintf(stderr, "engine_bench: out of memory\n");
        goto out;
    }
    t0 = now_ns();
    olw_instance *inst = olw_instantiate(w.store, m, w.linker, &err);
    uint64_t t_inst = now_ns() - t0;
    olw_func *start = inst ? olw_instance_func(inst, "_start") : NULL;
    if (!start) {
        fprintf(stderr, "engine_bench: %s: %s\n", path, inst ? "no _start export" : err.message);
        goto out;
    }
    uint64_t c0 = cpu_ns();
    t0 = now_ns();
    olw_trap_code trap = olw_func_call(w.store, start, NULL, 0, NULL, 0);
    uint64_t t_run = now_ns() - t0;
    uint64_t c_run = cpu_ns() - c0;
    fflush(stdout);
    if (trap == OLW_TRAP_NONE || (trap == OLW_TRAP_EXIT && olw_store_exit_code(w.store) == 0)) {
        rc = 0;
    } else {
        fprintf(stderr, "engine_bench: %s: %s\n", path,
                trap == OLW_TRAP_EXIT ? "non-zero exit" : olw_store_trap_message(w.store));
    }
    fprintf(stderr,
            "{\"metering\":%s,\"load_us\":%.1f,\"instantiate_us\":%.1f,\"run_us\":%.1f,"
            "\"run_cpu_us\":%.1f,\"instructions\":%" PRIu64 "}\n",
            metering ? "true" : "false", t_load / 1e3, t_inst / 1e3, t_run / 1e3, c_run / 1e3,
            olw_store_fuel_used(w.store));
out:
    world_free(&w);
    olw_module_release(m);
    free(pargv);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: engine_bench load FILE.wasm [REPS]\n"
                    "       engine_bench run [--no-metering] FILE.wasm [ARGS...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "load") == 0) {
        int reps = argc > 3 ? atoi(argv[3]) : 5;
        return reps > 0 ? cmd_load(argv[2], reps) : usage();
    }
    if (argc >= 3 && strcmp(argv[1], "run") == 0) {
        bool metering = strcmp(argv[2], "--no-metering") != 0;
        int first = metering ? 2 : 3;
        if (first >= argc)
            return usage();
        return cmd_run(metering, argv[first], argc - first - 1, argv + first + 1);
    }
    return usage();
}
