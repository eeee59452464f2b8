/*
 * settle.c — the second stage of a job: put the result on chain, wait for
 * the transaction's outcome, report to the coordinator, store the
 * attestation. A job thread hands its result here and goes back to
 * polling, so one thread is not held for the ~3 blocks a resolve takes.
 *
 * The lease stays with the item until it is settled (the heartbeat renews
 * every lease of this worker); at shutdown, items that could not be
 * settled in time have their leases released. At most WK_SETTLE_MAX items
 * wait at once: a job thread blocks when the chain is that far behind.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

#define WK_SETTLE_MAX 256

typedef struct settle_item {
    json_t *raw; /* the ExecutionRequest as polled */
    int64_t job_id;
    wk_result res;
    char *checksum;
    char lease_id[128];
    bool taken;
    struct settle_item *next, *prev;
} settle_item;

struct wk_settler {
    wk_worker *w;
    pthread_mutex_t mu;
    pthread_cond_t ready, space;
    settle_item *head, *tail; /* every item not yet settled, oldest first */
    size_t count, queued;
    int stop;
    size_t n_threads;
    pthread_t *threads;
};

static void result_copy(wk_result *dst, const wk_result *src)
{
    *dst = *src;
    dst->output = json_incref(src->output);
    dst->error = src->error ? strdup(src->error) : NULL;
    dst->note = src->note ? strdup(src->note) : NULL;
    dst->http_transcript_bytes = NULL; /* written by the job thread (jobs.c), not settled */
    dst->http_transcript_len = 0;
}

void wk_settle(wk_settler *s, const wk_request *r, int64_t job_id, const wk_result *res, const char *checksum)
{
    settle_item *it = calloc(1, sizeof *it);
    if (!it)
        return; /* the lease expires and the job is done again */
    it->raw = json_incref(r->raw);
    it->job_id = job_id;
    result_copy(&it->res, res);
    it->checksum = checksum ? strdup(checksum) : NULL;
    snprintf(it->lease_id, sizeof it->lease_id, "%s", r->lease_id ? r->lease_id : "");
    pthread_mutex_lock(&s->mu);
    while (s->count >= WK_SETTLE_MAX && !s->stop)
        pthread_cond_wait(&s->space, &s->mu);
    it->prev = s->tail;
    if (s->tail)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    s->count++;
    s->queued++;
    pthread_cond_signal(&s->ready);
    pthread_mutex_unlock(&s->mu);
}

static void item_free(settle_item *it)
{
    json_decref(it->raw);
    wk_result_free(&it->res);
    free(it->checksum);
    free(it);
}

static void *settle_thread(void *arg)
{
    wk_settler *s = arg;
    near_rpc *rpc = near_rpc_new(s->w->cfg.rpc_url);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        settle_item *it = NULL;
        while (!s->stop) {
            for (it = s->head; it && it->taken; it = it->next) {
            }
            if (it)
                break;
            pthread_cond_wait(&s->ready, &s->mu);
        }
        if (!it) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        it->taken = true;
        s->queued--;
        pthread_mutex_unlock(&s->mu);

        wk_request r;
        char err[WK_ERR];
        if (rpc && wk_request_parse(it->raw, &r, err, sizeof err) == 0) {
            wk_settle_now(s->w, rpc, &r, it->job_id, &it->res, it->checksum);
            wk_request_free(&r);
        }

        pthread_mutex_lock(&s->mu);
        if (it->prev)
            it->prev->next = it->next;
        else
            s->head = it->next;
        if (it->next)
            it->next->prev = it->prev;
        else
            s->tail = it->prev;
        s->count--;
        pthread_cond_signal(&s->space);
        pthread_mutex_unlock(&s->mu);
        item_free(it);
    }
    near_rpc_free(rpc);
    return NULL;
}

wk_settler *wk_settler_start(wk_worker *w, size_t threads)
{
    wk_settler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->w = w;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->ready, NULL);
    pthread_cond_init(&s->space, NULL);
    s->threads = calloc(threads, sizeof *s->threads);
    for (size_t i = 0; s->threads && i < threads; i++)
        if (pthread_create(&s->threads[i], NULL, settle_thread, s) == 0)
            s->n_threads++;
    return s;
}

size_t wk_settler_pending(wk_settler *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->count;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t wk_settler_release_all(wk_settler *s)
{
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    for (settle_item *it = s->head; it; it = it->next) {
        char err[WK_ERR];
        if (it->lease_id[0] && wk_coord_release(&s->w->coord, it->lease_id, err, sizeof err) == 0)
            n++;
    }
    s->stop = 1;
    pthread_cond_broadcast(&s->ready);
    pthread_cond_broadcast(&s->space);
    pthread_mutex_unlock(&s->mu);
    return n;
}
