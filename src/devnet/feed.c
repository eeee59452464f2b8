/*
 * feed.c — a neardata-style block feed, so event monitors read the devnet
 * exactly as they read a real network (spec worker.md §4):
 *
 *   GET /v0/block/{height}     the block with shards[].receipt_execution_outcomes[]
 *   GET /v0/last_block/final   the latest block
 *   GET /v0/status             {"sync_block_height": N} (what FASTNEAR_API_URL gives)
 *
 * A height a little ahead of the head is waited for (up to 8 s, under the
 * worker's 10 s client timeout) instead of answered with 404, because the
 * worker skips a height it gets a 404 for. A height before genesis gives
 * `null`, as neardata does for skipped heights.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devnet/devnet.h"

#define FEED_WAIT_MS 8000
#define FEED_WAIT_AHEAD 1000 /* further ahead than this: 404 at once */

static char *dump(json_t *j)
{
    char *s = devnet_json_dumps(j);
    json_decref(j);
    return s;
}

char *devnet_feed_get(devnet_chain *c, const char *url, int *http_status)
{
    *http_status = 200;
    if (!strcmp(url, "/v0/status") || !strcmp(url, "/v1/status")) {
        pthread_mutex_lock(&c->lock);
        json_t *j = json_pack("{s:I}", "sync_block_height", (json_int_t)c->head_height);
        pthread_mutex_unlock(&c->lock);
        return dump(j);
    }
    if (!strcmp(url, "/v0/last_block/final") || !strcmp(url, "/v0/last_block/optimistic")) {
        pthread_mutex_lock(&c->lock);
        json_t *j = devnet_feed_block(c, c->head_height);
        pthread_mutex_unlock(&c->lock);
        return dump(j);
    }
    const char *prefix = "/v0/block/";
    if (strncmp(url, prefix, strlen(prefix)) != 0) {
        *http_status = 404;
        return strdup("{\"error\":\"not found\"}");
    }
    const char *num = url + strlen(prefix);
    char *end = NULL;
    errno = 0;
    unsigned long long h = strtoull(num, &end, 10);
    if (!*num || errno || (end && *end)) {
        *http_status = 400;
        return strdup("{\"error\":\"block height expected\"}");
    }
    pthread_mutex_lock(&c->lock);
    if (h < c->genesis_height) {
        pthread_mutex_unlock(&c->lock);
        return strdup("null");
    }
    if (h > c->head_height + FEED_WAIT_AHEAD) {
        pthread_mutex_unlock(&c->lock);
        *http_status = 404;
        return strdup("{\"error\":\"block not produced yet\"}");
    }
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += FEED_WAIT_MS / 1000;
    while (h > c->head_height && !c->stop)
        if (devnet_chain_wait(c, &deadline))
            break;
    json_t *j = h <= c->head_height ? devnet_feed_block(c, h) : NULL;
    pthread_mutex_unlock(&c->lock);
    if (!j) {
        *http_status = 404;
        return strdup("{\"error\":\"block not produced yet\"}");
    }
    return dump(j);
}
