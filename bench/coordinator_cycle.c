/* coordinator_cycle.c — load driver for the coordinator's job cycle.
 *
 *   coordinator_cycle BASE_URL TOKEN WASM_SHA256 SECONDS THREADS
 *
 * Each thread, with its own keep-alive connection, repeats one job cycle:
 * create (a WasmUrl request whose WASM is cached, so it goes straight to the
 * execute queue) -> poll -> claim -> complete, and records how long each
 * cycle took. Prints one line: cycles, jobs/s, p50 and p99 cycle latency. */
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#include "base/http_client.h"

static const char *g_base, *g_token, *g_sha;
static int64_t g_deadline, g_rid_base;
static atomic_long g_errors;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct {
    int id;
    int64_t *lat;
    size_t n, cap;
} worker;

static long post(hc_client *c, const char *path, const char *body, json_t **out)
{
    char url[256], err[256];
    snprintf(url, sizeof url, "%s%s", g_base, path);
    hc_options o = {.bearer = g_token, .timeout_ms = 30000};
    hc_response r;
    if (hc_client_request(c, body ? "POST" : "GET", url, body ? "application/json" : NULL, body,
                          body ? strlen(body) : 0, &o, &r, err, sizeof err))
        return -1;
    long st = r.status;
    if (out)
        *out = r.len ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    hc_response_free(&r);
    return st;
}

static void *run(void *arg)
{
    worker *w = arg;
    hc_client *c = hc_client_new();
    char wid[32], path[256];
    snprintf(wid, sizeof wid, "bench-%d", w->id);
    snprintf(path, sizeof path, "/executions/poll?timeout=5&capabilities=execution&worker_id=%s", wid);
    int64_t seq = 0;
    while (now_us() < g_deadline) {
        int64_t t0 = now_us();
        char body[1024];
        /* unique across threads (< 100) and runs on one database (a run
         * starting a second later has a disjoint range) */
        int64_t rid = g_rid_base + (int64_t)w->id * 10000000 + seq++;
        snprintf(body, sizeof body,
                 "{\"request_id\":%lld,\"data_id\":\"b%lld\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":"
                 "\"https://example.com/a.wasm\",\"hash\":\"%s\"},\"resource_limits\":{\"max_instructions\":1000,"
                 "\"max_memory_mb\":16,\"max_execution_seconds\":1},\"input_data\":\"\"}",
                 (long long)rid, (long long)rid, g_sha);
        json_t *task = NULL, *cl = NULL;
        long st;
        const char *step = "create";
        if ((st = post(c, "/executions/create", body, NULL)) != 201)
            goto fail;
        step = "poll";
        if ((st = post(c, path, NULL, &task)) != 200 || !task)
            goto fail;
        json_object_set_new(task, "worker_id", json_string(wid));
        json_object_set_new(task, "capabilities", json_pack("[s]", "execution"));
        char *cb = json_dumps(task, JSON_COMPACT);
        step = "claim";
        st = post(c, "/jobs/claim", cb, &cl);
        free(cb);
        json_t *job = json_array_get(json_object_get(cl, "jobs"), 0);
        if (st != 200 || !job)
            goto fail;
        snprintf(body, sizeof body,
                 "{\"job_id\":%lld,\"success\":true,\"time_ms\":1,\"instructions\":10,\"worker_id\":\"%s\"}",
                 (long long)json_integer_value(json_object_get(job, "job_id")), wid);
        step = "complete";
        if ((st = post(c, "/jobs/complete", body, NULL)) != 200)
            goto fail;
        json_decref(task);
        json_decref(cl);
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
        }
        w->lat[w->n++] = now_us() - t0;
        continue;
    fail:
        if (getenv("CYCLE_DEBUG"))
            fprintf(stderr, "%s: HTTP %ld\n", step, st);
        json_decref(task);
        json_decref(cl);
        atomic_fetch_add(&g_errors, 1);
    }
    hc_client_free(c);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: coordinator_cycle BASE_URL TOKEN WASM_SHA256 SECONDS THREADS\n");
        return 2;
    }
    g_base = argv[1];
    g_token = argv[2];
    g_sha = argv[3];
    double secs = atof(argv[4]);
    int nt = atoi(argv[5]);
    if (nt < 1 || nt > 99 || secs <= 0)
        return 2;
    hc_global_init();
    mallopt(M_TRIM_THRESHOLD, 64 << 20); /* as the coordinator does: no arena shrinking per request */
    worker *w = calloc((size_t)nt, sizeof *w);
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    int64_t start = now_us();
    g_deadline = start + (int64_t)(secs * 1e6);
    g_rid_base = ((int64_t)time(NULL) % 1000000) * 1000000000;
    for (int i = 0; i < nt; i++) {
        w[i].id = i;
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    size_t total = 0;
    for (int i = 0; i < nt; i++) {
        pthread_join(th[i], NULL);
        total += w[i].n;
    }
    double elapsed = (double)(now_us() - start) / 1e6;
    int64_t *all = malloc((total ? total : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < nt; i++) {
        memcpy(all + k, w[i].lat, w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, total, sizeof *all, cmp);
    /* this driver's own CPU per job: it shares the cores with the server */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    printf("cycles %zu seconds %.2f jobs_per_s %.0f p50_ms %.2f p99_ms %.2f errors %ld client_cpu_ms_per_job %.3f\n",
           total, elapsed, (double)total / elapsed, total ? (double)all[total / 2] / 1000 : 0,
           total ? (double)all[(size_t)((double)total * 0.99)] / 1000 : 0, atomic_load(&g_errors),
           total ? cpu_ms / (double)total : 0);
    free(all);
    free(w);
    free(th);
    return total ? 0 : 1;
}
