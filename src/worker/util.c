/*
 * util.c — small helpers shared by the worker's modules: hashing, UTF-8
 * safe truncation, clocks, results.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker/worker.h"

void wk_sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, 32);
}

uint64_t wk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void wk_result_free(wk_result *r)
{
    json_decref(r->output);
    free(r->error);
    free(r->note);
    free(r->http_transcript_bytes);
    memset(r, 0, sizeof *r);
}

void wk_result_fail(wk_result *r, const char *category, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->success = false;
    json_decref(r->output);
    r->output = NULL;
    free(r->error);
    r->error = strdup(msg);
    snprintf(r->category, sizeof r->category, "%s", category);
}

void wk_nap(const atomic_int *stop, long ms)
{
    for (long t = 0; t < ms && !atomic_load(stop); t += 50)
        usleep(50 * 1000);
}
