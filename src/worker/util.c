/*
 * util.c — small helpers shared by the worker's modules: hashing, UTF-8
 * safe truncation, clocks, one-line logging, results.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "worker/worker.h"

void wk_sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    uint8_t h[32];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, 32);
}

void wk_utf8_truncate(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max) return;
    /* Step back over continuation bytes (10xxxxxx) to a character start. */
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    s[max] = 0;
}

uint64_t wk_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

void wk_log(const char *level, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One event per line: newlines inside a message become spaces. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    pthread_mutex_lock(&log_mu);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s worker: %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, level, line);
    fflush(stderr);
    pthread_mutex_unlock(&log_mu);
}

void wk_result_free(wk_result *r)
{
    json_decref(r->output);
    free(r->error);
    free(r->note);
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
