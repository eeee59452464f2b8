/*
 * monitor.c — the event monitor: reads finalized blocks from the feed one
 * height at a time and turns the OutLayer contract's execution_requested
 * events into /executions/create calls (spec worker §4).
 *
 * Unlike the reference it never skips: a feed error, a block it cannot
 * parse or a coordinator that does not answer is retried (with backoff)
 * until it works, and the cursor file — the next height to read, written
 * atomically after every event of a block was accepted — makes a restart
 * resume exactly there. Two monitors, or one that re-reads a block after a
 * crash, are harmless: create is idempotent per (request_id, data_id).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/http_client.h"
#include "worker/worker.h"

char *wk_feed_block_url(const char *feed, uint64_t height)
{
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, height);
    const char *mark = strstr(feed, "{block_id}");
    char *url = NULL;
    if (mark) {
        if (asprintf(&url, "%.*s%s%s", (int)(mark - feed), feed, num, mark + strlen("{block_id}")) < 0)
            url = NULL;
    } else {
        size_t n = strlen(feed);
        while (n > 0 && feed[n - 1] == '/')
            n--;
        if (asprintf(&url, "%.*s/block/%s", (int)n, feed, num) < 0)
            url = NULL;
    }
    return url;
}

/* The feed's base (".../v0") for last_block/final; NULL for templates. */
static char *feed_final_url(const char *feed)
{
    char *url = NULL;
    const char *mark = strstr(feed, "/block/{block_id}");
    if (mark) {
        if (asprintf(&url, "%.*s/last_block/final", (int)(mark - feed), feed) < 0)
            url = NULL;
    } else if (!strstr(feed, "{block_id}")) {
        size_t n = strlen(feed);
        while (n > 0 && feed[n - 1] == '/')
            n--;
        if (asprintf(&url, "%.*s/last_block/final", (int)n, feed) < 0)
            url = NULL;
    }
    return url;
}

static int read_cursor(const char *path, uint64_t *h)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    unsigned long long v;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    if (!ok)
        return -1;
    *h = v;
    return 0;
}

static int write_cursor(const char *path, uint64_t h)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    char line[32];
    int n = snprintf(line, sizeof line, "%" PRIu64 "\n", h);
    int ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0)
        return -1;
    return 0;
}

/* Latest final height from the feed, retried until it answers. */
static int latest_height(wk_worker *w, uint64_t *h)
{
    char *url = feed_final_url(w->cfg.feed_url);
    if (!url)
        return -1;
    long delay = 500;
    while (!w->stop) {
        hc_options o = {.timeout_ms = 15000};
        long status = 0;
        json_t *b = NULL;
        char err[256] = "";
        if (hc_get_json(url, &o, &status, &b, err, sizeof err) == 0 && status == 200) {
            json_t *hh = json_object_get(json_object_get(json_object_get(b, "block"), "header"), "height");
            if (json_is_integer(hh)) {
                *h = (uint64_t)json_integer_value(hh);
                json_decref(b);
                free(url);
                return 0;
            }
        }
        json_decref(b);
        WK_WARN("monitor: cannot read the latest block from the feed (%s), retrying", err[0] ? err : "bad answer");
        wk_nap(&w->stop, delay);
        if (delay < 10000)
            delay *= 2;
    }
    free(url);
    return -1;
}

/* One block: 1 = not there yet, 0 = handled, -1 = error (retry). */
static int scan_block(wk_worker *w, uint64_t h, int *events)
{
    char *url = wk_feed_block_url(w->cfg.feed_url, h);
    if (!url)
        return -1;
    hc_options o = {.timeout_ms = 15000, .max_response = 64u << 20};
    hc_response r = {0};
    char err[WK_ERR] = "";
    int rc = hc_request("GET", url, NULL, NULL, 0, &o, &r, err, sizeof err);
    free(url);
    if (rc) {
        WK_WARN("monitor: block %" PRIu64 ": %s", h, err);
        return -1;
    }
    if (r.status == 404) {
        hc_response_free(&r);
        return 1;
    }
    if (r.status != 200) {
        WK_WARN("monitor: block %" PRIu64 ": HTTP %ld", h, r.status);
        hc_response_free(&r);
        return -1;
    }
    json_error_t je;
    json_t *block = json_loadb(r.body, r.len, JSON_DECODE_ANY, &je);
    hc_response_free(&r);
    if (!block) {
        WK_WARN("monitor: block %" PRIu64 " is not JSON: %s", h, je.text);
        return -1;
    }
    json_t *creates = NULL;
    rc = wk_block_events(block, h, w->cfg.contract_id, &creates, err, sizeof err);
    json_decref(block);
    if (rc) {
        WK_WARN("monitor: %s", err);
        return -1;
    }
    size_t i;
    json_t *body;
    json_array_foreach(creates, i, body)
    {
        long delay = 200;
        for (;;) {
            bool created = false;
            int crc = wk_coord_create(&w->coord, body, &created, err, sizeof err);
            uint64_t id = (uint64_t)json_integer_value(json_object_get(body, "request_id"));
            if (crc == 0) {
                WK_INFO("monitor: block %" PRIu64 ": request %" PRIu64 " %s", h, id,
                        created ? "queued" : "was already queued");
                (*events)++;
                break;
            }
            if (crc == 1) {
                WK_ERROR("monitor: block %" PRIu64 ": the coordinator refuses request %" PRIu64 ": %s", h, id, err);
                break;
            }
            WK_WARN("monitor: block %" PRIu64 ": create request %" PRIu64 ": %s; retrying", h, id, err);
            wk_nap(&w->stop, delay);
            if (w->stop) {
                json_decref(creates);
                return -1;
            }
            if (delay < 10000)
                delay *= 2;
        }
    }
    json_decref(creates);
    return 0;
}

void *wk_monitor_thread(void *arg)
{
    wk_worker *w = arg;
    uint64_t h = 0;
    if (w->cfg.cursor_file && read_cursor(w->cfg.cursor_file, &h) == 0) {
        WK_INFO("monitor: resuming at block %" PRIu64 " (cursor %s)", h, w->cfg.cursor_file);
    } else if (w->cfg.start_block > 0) {
        h = (uint64_t)w->cfg.start_block;
    } else if (latest_height(w, &h)) {
        return NULL;
    }
    WK_INFO("monitor: reading blocks from %" PRIu64, h);
    long delay = 200;
    while (!w->stop) {
        int events = 0;
        int rc = scan_block(w, h, &events);
        if (rc == 0) {
            h++;
            delay = 200;
            if (w->cfg.cursor_file && write_cursor(w->cfg.cursor_file, h))
                WK_ERROR("monitor: cannot write the cursor file %s: %s", w->cfg.cursor_file, strerror(errno));
            continue;
        }
        if (rc == 1) { /* not produced yet */
            wk_nap(&w->stop, 100);
            continue;
        }
        wk_nap(&w->stop, delay);
        if (delay < 10000)
            delay *= 2;
    }
    return NULL;
}
