/*
 * compiler.c — a background thread that compiles contracts into the code
 * cache, so that compiling a large contract never holds the chain lock.
 *
 * Jobs come from two places: a DeployContract action applied in a block
 * (a contract deployed by another contract: the transaction path compiles
 * before the lock instead, see devnet_precompile_tx), and the contracts
 * already deployed when the devnet starts (the cache is empty after a
 * restart). The worker takes the chain lock only to look a code hash up and
 * to insert the result (devnet_contract_cache_insert). If a call needs a
 * contract before the worker is done, it compiles it itself, as before; the
 * worker then finds it cached and drops its copy.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "devnet/devnet.h"

typedef struct job {
    uint8_t hash[32];
    uint8_t *code;
    size_t len;
    struct job *next;
} job;

struct devnet_compiler {
    devnet_chain *chain;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    job *head, *tail;
    size_t queued;
    bool stop;
};

/* More pending jobs than this and new ones are dropped: the call compiles
 * its contract itself then, which is only slower. */
#define MAX_QUEUED 64

static void *worker(void *arg)
{
    devnet_compiler *k = arg;
    for (;;) {
        pthread_mutex_lock(&k->mu);
        while (!k->head && !k->stop)
            pthread_cond_wait(&k->cond, &k->mu);
        if (k->stop) {
            pthread_mutex_unlock(&k->mu);
            return NULL;
        }
        job *j = k->head;
        k->head = j->next;
        if (!k->head)
            k->tail = NULL;
        k->queued--;
        pthread_mutex_unlock(&k->mu);
        devnet_contract_compile_into_cache(k->chain, j->hash, j->code, j->len);
        free(j->code);
        free(j);
    }
}

devnet_compiler *devnet_compiler_start(devnet_chain *c)
{
    devnet_compiler *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->chain = c;
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cond, NULL);
    if (pthread_create(&k->thread, NULL, worker, k)) {
        pthread_mutex_destroy(&k->mu);
        pthread_cond_destroy(&k->cond);
        free(k);
        return NULL;
    }
    return k;
}

void devnet_compiler_enqueue(devnet_compiler *k, const uint8_t hash[32], const uint8_t *code, size_t len)
{
    if (!k || !len)
        return;
    job *j = calloc(1, sizeof *j);
    uint8_t *copy = j ? malloc(len) : NULL;
    if (!copy) {
        free(j);
        return;
    }
    memcpy(copy, code, len);
    memcpy(j->hash, hash, 32);
    j->code = copy;
    j->len = len;
    pthread_mutex_lock(&k->mu);
    if (k->stop || k->queued >= MAX_QUEUED) {
        pthread_mutex_unlock(&k->mu);
        free(copy);
        free(j);
        return;
    }
    if (k->tail)
        k->tail->next = j;
    else
        k->head = j;
    k->tail = j;
    k->queued++;
    pthread_cond_signal(&k->cond);
    pthread_mutex_unlock(&k->mu);
}

/* Must be called without the chain lock (the worker may be waiting for it). */
void devnet_compiler_stop(devnet_compiler *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = true;
    pthread_cond_signal(&k->cond);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    for (job *j = k->head, *next; j; j = next) {
        next = j->next;
        free(j->code);
        free(j);
    }
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->cond);
    free(k);
}
