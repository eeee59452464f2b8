/*
 * cache.c — a small in-memory cache of WASM bytes by checksum, so the
 * execute job after a download (or the next request for the same program)
 * does not fetch it again. Least recently used entries go first once the
 * total passes max_bytes. Content addressed: callers only put bytes whose
 * SHA-256 they checked.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

typedef struct entry {
    char checksum[65];
    uint8_t *bytes;
    size_t len;
    uint64_t used;
    struct entry *next;
} entry;

struct wk_cache {
    pthread_mutex_t mu;
    entry *head;
    size_t total, max;
    uint64_t clock;
};

wk_cache *wk_cache_new(size_t max_bytes)
{
    wk_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->max = max_bytes;
    return c;
}

void wk_cache_free(wk_cache *c)
{
    if (!c)
        return;
    for (entry *e = c->head, *n; e; e = n) {
        n = e->next;
        free(e->bytes);
        free(e);
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

uint8_t *wk_cache_get(wk_cache *c, const char *checksum, size_t *len)
{
    uint8_t *copy = NULL;
    pthread_mutex_lock(&c->mu);
    for (entry *e = c->head; e; e = e->next) {
        if (strcasecmp(e->checksum, checksum) == 0) {
            e->used = ++c->clock;
            copy = malloc(e->len ? e->len : 1);
            if (copy) {
                memcpy(copy, e->bytes, e->len);
                *len = e->len;
            }
            break;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return copy;
}

static void evict_one(wk_cache *c)
{
    entry **victim = NULL;
    for (entry **p = &c->head; *p; p = &(*p)->next)
        if (!victim || (*p)->used < (*victim)->used)
            victim = p;
    if (!victim)
        return;
    entry *e = *victim;
    *victim = e->next;
    c->total -= e->len;
    free(e->bytes);
    free(e);
}

void wk_cache_put(wk_cache *c, const char *checksum, const uint8_t *bytes, size_t len)
{
    if (len > c->max || strlen(checksum) > 64)
        return;
    entry *e = calloc(1, sizeof *e);
    if (!e || !(e->bytes = malloc(len ? len : 1))) {
        free(e);
        return;
    }
    memcpy(e->bytes, bytes, len);
    e->len = len;
    strcpy(e->checksum, checksum);
    for (char *p = e->checksum; *p; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    pthread_mutex_lock(&c->mu);
    for (entry *x = c->head; x; x = x->next) {
        if (strcmp(x->checksum, e->checksum) == 0) { /* already there */
            pthread_mutex_unlock(&c->mu);
            free(e->bytes);
            free(e);
            return;
        }
    }
    while (c->head && c->total + len > c->max)
        evict_one(c);
    e->used = ++c->clock;
    e->next = c->head;
    c->head = e;
    c->total += len;
    pthread_mutex_unlock(&c->mu);
}
