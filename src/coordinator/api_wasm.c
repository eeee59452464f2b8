/* api_wasm.c — the content-addressed WASM cache routes: upload, download
 * (with ETag), exists, and lookup by build (repo, commit, target). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "coordinator/cache.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"
#include "coordinator/timefmt.h"

static const char *part_text(const hs_part *parts, size_t n, const char *name)
{
    const hs_part *p = hs_part_find(parts, n, name);
    if (!p || p->filename)
        return NULL;
    /* text fields are NUL-terminated by hs_multipart; refuse embedded NULs */
    if (p->data && strlen((const char *)p->data) != p->len)
        return NULL;
    return p->data ? (const char *)p->data : "";
}

void coord_evict(coord *c, const char *keep)
{
    pthread_mutex_lock(&c->cache_mu);
    int64_t total = store_wasm_total(c->st, NULL);
    while (total > c->cache_max_bytes) {
        store_wasm w;
        if (store_wasm_oldest(c->st, keep, &w) != ST_OK)
            break;
        cache_remove(c->cfg.wasm_dir, w.sha256);
        if (store_wasm_delete(c->st, w.sha256) != ST_OK)
            break;
        total -= w.size;
        log_info("cache", "evicted %s (%lld bytes, least recently used)", w.sha256, (long long)w.size);
    }
    pthread_mutex_unlock(&c->cache_mu);
}

void api_wasm_upload(hs_request *req, void *ctx)
{
    coord *c = ctx;
    hs_part *parts = NULL;
    size_t n = 0;
    char err[256];
    if (hs_multipart(req, &parts, &n, err, sizeof err)) {
        hs_reply_error(req, 400, "%s", err);
        return;
    }
    const hs_part *file = hs_part_find(parts, n, "wasm_file");
    const char *checksum = part_text(parts, n, "checksum"), *repo = part_text(parts, n, "repo_url"),
               *commit = part_text(parts, n, "commit_hash"), *target = part_text(parts, n, "build_target");
    char sha[65], actual[65];
    if (!file || !file->len)
        hs_reply_error(req, 400, "missing or empty field 'wasm_file'");
    else if (!checksum || !*checksum)
        hs_reply_error(req, 400, "missing field 'checksum'");
    else if (cache_norm_sha(checksum, sha))
        hs_reply_error(req, 400, "field 'checksum' must be 64 hex characters (SHA-256 of wasm_file)");
    else if (!repo || !*repo)
        hs_reply_error(req, 400, "missing field 'repo_url'");
    else if (!commit || !*commit)
        hs_reply_error(req, 400, "missing field 'commit_hash'");
    else if ((int64_t)file->len > c->cfg.max_wasm_bytes)
        hs_reply_error(req, 413, "wasm_file is larger than the limit of %lld bytes", (long long)c->cfg.max_wasm_bytes);
    else {
        cr_sha256_hex(file->data, file->len, actual);
        if (strcmp(actual, sha) != 0) {
            hs_reply_error(req, 400, "checksum does not match: the SHA-256 of wasm_file is %s", actual);
        } else if (cache_write(c->cfg.wasm_dir, sha, file->data, file->len, err, sizeof err)) {
            log_error("cache", "%s", err);
            hs_reply_error(req, 500, "cannot store the file");
        } else {
            int indexed = 0;
            if (store_wasm_put(c->st, sha, (int64_t)file->len, repo, commit,
                               target && *target ? target : CR_DEFAULT_TARGET, &indexed) != ST_OK) {
                hs_reply_error(req, 500, "storage error while indexing the file");
            } else {
                coord_evict(c, sha);
                log_info("cache", "stored %s (%zu bytes)%s", sha, file->len, indexed ? ", indexed by commit" : "");
                hs_reply_json(
                    req, 201,
                    json_pack("{s:s, s:I, s:b}", "checksum", sha, "size", (json_int_t)file->len, "indexed", indexed));
            }
        }
    }
    hs_parts_free(parts, n);
}

void api_wasm_get(hs_request *req, void *ctx)
{
    coord *c = ctx;
    char sha[65];
    if (cache_norm_sha(hs_param(req, "checksum"), sha)) {
        hs_reply_error(req, 400, "checksum must be 64 hex characters");
        return;
    }
    store_wasm w;
    st_status s = store_wasm_get(c->st, sha, 1, &w);
    if (s == ST_ERROR) {
        hs_reply_error(req, 500, "storage error");
        return;
    }
    uint64_t size = 0;
    int fd = s == ST_OK ? cache_open(c->cfg.wasm_dir, sha, &size) : -1;
    if (fd < 0) {
        if (s == ST_OK)
            store_wasm_delete(c->st, sha); /* the file vanished: forget it */
        atomic_fetch_add(&c->m.cache_misses, 1);
        hs_reply_error(req, 404, "unknown checksum %s", sha);
        return;
    }
    atomic_fetch_add(&c->m.cache_hits, 1);
    char etag[72];
    snprintf(etag, sizeof etag, "\"%s\"", sha);
    const char *inm = hs_header(req, "If-None-Match");
    hs_add_header(req, "ETag", etag);
    hs_add_header(req, "Cache-Control", "public, max-age=31536000, immutable");
    if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, "*") == 0)) {
        close(fd);
        hs_reply_empty(req, 304);
        return;
    }
    hs_reply_fd(req, 200, fd, size, "application/octet-stream");
}

void api_wasm_exists(hs_request *req, void *ctx)
{
    coord *c = ctx;
    char sha[65];
    if (cache_norm_sha(hs_param(req, "checksum"), sha)) {
        hs_reply_error(req, 400, "checksum must be 64 hex characters");
        return;
    }
    store_wasm w;
    st_status s = store_wasm_get(c->st, sha, 0, &w);
    if (s == ST_ERROR) {
        hs_reply_error(req, 500, "storage error");
        return;
    }
    int on_disk = cache_exists(c->cfg.wasm_dir, sha);
    if (s == ST_OK && !on_disk)
        store_wasm_delete(c->st, sha);
    json_t *o = json_object();
    json_object_set_new(o, "exists", json_boolean(s == ST_OK && on_disk));
    if (s == ST_OK && on_disk) {
        char ts[48];
        tf_f2(w.created_ms, ts, sizeof ts);
        json_object_set_new(o, "created_at", json_string(ts));
    } else {
        json_object_set_new(o, "created_at", json_null());
    }
    hs_reply_json(req, 200, o);
}

void api_wasm_info(hs_request *req, void *ctx)
{
    coord *c = ctx;
    const char *repo = hs_query(req, "repo_url"), *commit = hs_query(req, "commit_hash"),
               *target = hs_query(req, "build_target");
    if (!repo || !*repo || !commit || !*commit) {
        hs_reply_error(req, 400, "query parameters 'repo_url' and 'commit_hash' are required");
        return;
    }
    store_wasm w;
    st_status s = store_wasm_lookup_build(c->st, repo, commit, target ? target : CR_DEFAULT_TARGET, &w);
    if (s == ST_ERROR) {
        hs_reply_error(req, 500, "storage error");
        return;
    }
    if (s == ST_OK) {
        char ts[48];
        tf_f3(w.created_ms, ts, sizeof ts);
        hs_reply_json(req, 200,
                      json_pack("{s:b, s:s, s:I, s:s}", "exists", 1, "checksum", w.sha256, "file_size",
                                (json_int_t)w.size, "created_at", ts));
    } else {
        hs_reply_json(req, 200, json_pack("{s:b, s:n, s:n, s:n}", "exists", 0, "checksum", "file_size", "created_at"));
    }
}
