/*
 * jobs.c — the job loop: long-poll the coordinator, claim the request under
 * its lease, do the job (a compile job fetches or builds the WASM and puts
 * it in the coordinator's cache; an execute job runs it), put the result
 * on chain and report it. N threads run this loop (--jobs N); a heartbeat
 * thread keeps their leases alive.
 *
 * What makes a job safe to lose: the chain resolves a request at most once
 * (a second resolve fails with "Unable to resume execution promise", which
 * we count as done), and a job whose worker dies is handed to another after
 * its lease expires. So every step may be repeated; none may be skipped.
 * A failure the program caused (or a bad download, or a compile error)
 * resolves at once with success:false, so the caller is refunded without
 * waiting 200 blocks for the yield timeout.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "worker/worker.h"

static void slot_lease(wk_slot *s, const char *lease_id)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->lease_id, sizeof s->lease_id, "%s", lease_id ? lease_id : "");
    pthread_mutex_unlock(&s->mu);
}

static void release_lease(wk_worker *w, wk_slot *slot, const char *lease_id)
{
    if (!lease_id || !lease_id[0])
        return;
    char err[WK_ERR];
    if (wk_coord_release(&w->coord, lease_id, err, sizeof err))
        WK_WARN("release lease: %s", err);
    slot_lease(slot, NULL);
}

static json_t *complete_body(const wk_request *r, int64_t job_id, const wk_result *res, const char *checksum)
{
    json_t *b =
        json_pack("{s:I, s:b, s:O?, s:s?, s:I, s:I, s:s?, s:n, s:n}", "job_id", (json_int_t)job_id, "success",
                  res->success, "output", res->success ? res->output : NULL, "error", res->success ? NULL : res->error,
                  "time_ms", (json_int_t)res->time_ms, "instructions", (json_int_t)res->instructions, "wasm_checksum",
                  checksum, "actual_cost_yocto", "compile_cost_yocto");
    if (!res->success && res->category[0])
        json_object_set_new(b, "error_category", json_string(res->category));
    if (r->lease_id)
        json_object_set_new(b, "lease_id", json_string(r->lease_id));
    return b;
}

/* /jobs/complete, retried on transient errors (it is idempotent). */
static void complete_job(wk_worker *w, const wk_request *r, int64_t job_id, const wk_result *res, const char *checksum)
{
    json_t *body = complete_body(r, job_id, res, checksum);
    char err[WK_ERR] = "";
    long delay = 200;
    for (int attempt = 0; attempt < 8; attempt++) {
        int rc = wk_coord_complete(&w->coord, body, err, sizeof err);
        if (rc == 0)
            break;
        if (rc == 1) {
            WK_WARN("request %" PRIu64 " job %" PRId64 ": lease lost before completion (another worker has it)",
                    r->request_id, job_id);
            break;
        }
        if (rc == 2) {
            WK_ERROR("request %" PRIu64 " job %" PRId64 ": completion refused: %s", r->request_id, job_id, err);
            break;
        }
        WK_WARN("request %" PRIu64 " job %" PRId64 ": complete failed (%s), retrying", r->request_id, job_id, err);
        if (attempt == 7)
            break;
        usleep((useconds_t)delay * 1000);
        if (delay < 5000)
            delay *= 2;
    }
    json_decref(body);
}

/* Puts res on chain. true when the request is finished (by us or anyone). */
static bool put_on_chain(wk_worker *w, near_rpc *rpc, const wk_request *r, const wk_result *res)
{
    char err[WK_ERR], tx[64];
    if (r->attempt > 1 || r->abandoned_reason || (!res->success && strcmp(res->category, "compilation_failed") == 0)) {
        /* A repeat (or a compile failure we may have resolved already when
         * the build failed): a view call is cheaper than a transaction. */
        if (!wk_request_pending(&w->chain, rpc, r->request_id)) {
            pthread_mutex_lock(&w->stat_mu);
            w->already_done++;
            pthread_mutex_unlock(&w->stat_mu);
            WK_INFO("request %" PRIu64 ": already resolved or timed out (no longer pending)", r->request_id);
            return true;
        }
    }
    uint64_t t0 = wk_now_ms();
    /* Off-chain latency: from the timestamp of the block holding the
     * request to the moment its resolve is sent (bench-worker reads it). */
    long long lag_ms = -1;
    json_t *bt = json_object_get(r->context, "block_timestamp");
    if (json_is_integer(bt) && json_integer_value(bt) > 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        lag_ms = ((long long)now.tv_sec * 1000000000LL + now.tv_nsec - (long long)json_integer_value(bt)) / 1000000;
    }
    wk_resolve_status st = wk_resolve(&w->chain, rpc, r->request_id, res, tx, err, sizeof err);
    pthread_mutex_lock(&w->stat_mu);
    if (st == WK_RESOLVED)
        w->resolved++;
    else if (st == WK_ALREADY_DONE)
        w->already_done++;
    else
        w->failed_resolves++;
    pthread_mutex_unlock(&w->stat_mu);
    if (st == WK_RESOLVED) {
        WK_INFO("request %" PRIu64 ": resolved success=%s in tx %s (sent %lld ms after the request's block; %" PRIu64
                " ms on chain)",
                r->request_id, res->success ? "true" : "false", tx, lag_ms, wk_now_ms() - t0);
        return true;
    }
    if (st == WK_ALREADY_DONE) {
        WK_INFO("request %" PRIu64 ": already resolved or timed out (%s)", r->request_id, err);
        return true;
    }
    WK_ERROR("request %" PRIu64 ": could not resolve on chain: %s", r->request_id, err);
    return false;
}

/* Resolve, then report; a resolve that could not get through hands the
 * job back (another attempt, maybe on another worker). */
bool wk_settle_now(wk_worker *w, near_rpc *rpc, const wk_request *r, int64_t job_id, const wk_result *res,
                   const char *checksum)
{
    if (!put_on_chain(w, rpc, r, res)) {
        char err[WK_ERR];
        if (r->lease_id && wk_coord_release(&w->coord, r->lease_id, err, sizeof err))
            WK_WARN("release lease: %s", err);
        return false;
    }
    complete_job(w, r, job_id, res, checksum);
    if (job_id >= 0 && res->has_output_hash) {
        json_t *att = wk_attestation(w, job_id, r, checksum, res);
        char err[WK_ERR];
        static int warned;
        if (att && wk_coord_attest(&w->coord, att, err, sizeof err) && !warned) {
            warned = 1; /* once: a coordinator without the route would flood the log */
            WK_WARN("request %" PRIu64 ": attestation not stored: %s", r->request_id, err);
        }
        json_decref(att);
    }
    return true;
}

/* The job's result goes to the settle stage (or is settled here). */
static void finish(wk_worker *w, near_rpc *rpc, wk_slot *slot, const wk_request *r, int64_t job_id,
                   const wk_result *res, const char *checksum)
{
    if (w->settler)
        wk_settle(w->settler, r, job_id, res, checksum);
    else
        wk_settle_now(w, rpc, r, job_id, res, checksum);
    slot_lease(slot, NULL);
}

static char *lower_dup(const char *s)
{
    char *d = strdup(s ? s : "");
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* The checksum a source's WASM is cached under: for WasmUrl the hash the
 * request names (content addressed). */
static char *source_checksum(const wk_request *r, json_t *job)
{
    const char *c = json_string_value(json_object_get(job, "wasm_checksum"));
    if (!r->source.is_git)
        return lower_dup(r->source.hash);
    return c ? lower_dup(c) : NULL;
}

/* The program for a request: our memory cache, the coordinator's cache,
 * or (WasmUrl) the URL itself. Bytes are always checked against checksum. */
static int obtain_wasm(wk_worker *w, const wk_request *r, const char *checksum, bool *downloaded, uint8_t **bytes,
                       size_t *len, char *err, size_t errlen)
{
    *downloaded = false;
    if ((*bytes = wk_cache_get(w->cache, checksum, len)))
        return 0;
    char actual[65];
    char cerr[WK_ERR] = "";
    int rc = wk_coord_wasm_get(&w->coord, checksum, (size_t)w->cfg.max_wasm_bytes, bytes, len, cerr, sizeof cerr);
    if (rc == 0) {
        if (wk_hash_matches(*bytes, *len, checksum, actual)) {
            wk_cache_put(w->cache, checksum, *bytes, *len);
            return 0;
        }
        WK_WARN("request %" PRIu64 ": coordinator cache returned bytes with SHA-256 %s for %s; ignoring them",
                r->request_id, actual, checksum);
        free(*bytes);
        *bytes = NULL;
    } else if (rc < 0) {
        WK_WARN("request %" PRIu64 ": WASM cache: %s", r->request_id, cerr);
    }
    if (r->source.is_git) {
        /* Evicted from the cache since it was built: builds are
         * reproducible, so build it again here and check it is the same. */
        char built[41];
        if (!w->cfg.compile || wk_compile_source(w, r, bytes, len, built, err, errlen)) {
            if (!w->cfg.compile)
                snprintf(err, errlen, "Compiled WASM %s is not in the cache", checksum);
            return -1;
        }
        if (!wk_hash_matches(*bytes, *len, checksum, actual)) {
            snprintf(err, errlen, "Rebuilt WASM differs from the cached build (%s, expected %s)", actual, checksum);
            free(*bytes);
            *bytes = NULL;
            return -1;
        }
        *downloaded = true; /* put it back in the coordinator's cache */
        wk_cache_put(w->cache, checksum, *bytes, *len);
        return 0;
    }
    wk_fetch_opts fo = {.max_bytes = (size_t)w->cfg.max_wasm_bytes,
                        .timeout_ms = (long)w->cfg.download_timeout_ms,
                        .allow_file = w->cfg.allow_file_urls,
                        .allow_private = w->cfg.allow_private_urls};
    if (wk_fetch_wasm(r->source.url, r->source.hash, &fo, bytes, len, err, errlen))
        return -1;
    *downloaded = true;
    wk_cache_put(w->cache, checksum, *bytes, *len);
    return 0;
}

static void upload(wk_worker *w, const wk_request *r, const char *checksum, const uint8_t *bytes, size_t len,
                   const char *built_commit)
{
    char err[WK_ERR], repo[1100], commit[128];
    if (r->source.is_git) {
        snprintf(repo, sizeof repo, "%s", r->source.repo);
        snprintf(commit, sizeof commit, "%s", built_commit && built_commit[0] ? built_commit : r->source.commit);
    } else {
        snprintf(repo, sizeof repo, "url:%s", r->source.url);
        snprintf(commit, sizeof commit, "hash:%s", checksum);
    }
    if (wk_coord_wasm_upload(&w->coord, checksum, repo, commit, r->source.build_target, bytes, len, err, sizeof err))
        WK_WARN("request %" PRIu64 ": upload to the WASM cache failed: %s", r->request_id, err);
}

/* A branch names a commit that may have been built already (the
 * coordinator indexes builds by commit id): use that build. */
static bool cached_build(wk_worker *w, const wk_request *r, char commit[41], uint8_t **bytes, size_t *len)
{
    char err[WK_ERR], sum[65], actual[65];
    if (wk_source_commit(w, r, commit, err, sizeof err) ||
        wk_coord_build_lookup(&w->coord, r->source.repo, commit, r->source.build_target, sum, err, sizeof err) != 0)
        return false;
    if (!(*bytes = wk_cache_get(w->cache, sum, len)) &&
        wk_coord_wasm_get(&w->coord, sum, (size_t)w->cfg.max_wasm_bytes, bytes, len, err, sizeof err) != 0)
        return false;
    if (!wk_hash_matches(*bytes, *len, sum, actual)) {
        free(*bytes);
        *bytes = NULL;
        return false;
    }
    WK_INFO("request %" PRIu64 ": %s at %s (%s) was built before: %s", r->request_id, r->source.repo, commit,
            r->source.commit, sum);
    return true;
}

static void compile_job(wk_worker *w, near_rpc *rpc, wk_slot *slot, const wk_request *r, json_t *job, int64_t job_id)
{
    wk_result res = {0};
    uint64_t t0 = wk_now_ms();
    char err[WK_ERR] = "";
    char *checksum = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0;
    char built[41] = "";
    if (r->source.is_git && cached_build(w, r, built, &bytes, &len)) {
        char hex[65];
        wk_sha256_hex(bytes, len, hex);
        checksum = strdup(hex);
    } else if (r->source.is_git) {
        if (wk_compile_source(w, r, &bytes, &len, built, err, sizeof err) == 0) {
            char hex[65];
            wk_sha256_hex(bytes, len, hex);
            checksum = strdup(hex);
            wk_cache_put(w->cache, checksum, bytes, len);
        }
    } else {
        checksum = source_checksum(r, job);
        bool downloaded;
        if (obtain_wasm(w, r, checksum, &downloaded, &bytes, &len, err, sizeof err)) {
            free(checksum);
            checksum = NULL;
        }
    }
    res.time_ms = wk_now_ms() - t0;
    if (bytes) {
        upload(w, r, checksum, bytes, len, built);
        res.success = true;
        WK_INFO("request %" PRIu64 ": %s ready as %s (%zu bytes, %" PRIu64 " ms)", r->request_id,
                r->source.is_git ? "build" : "download", checksum, len, res.time_ms);
        complete_job(w, r, job_id, &res, checksum);
        slot_lease(slot, NULL);
    } else {
        WK_INFO("request %" PRIu64 ": %s failed: %s", r->request_id, r->source.is_git ? "compilation" : "download",
                err);
        wk_result_fail(&res, "compilation_failed", "%s", err);
        res.note = strdup("Compilation failed");
        /* Resolve now: the caller is refunded at once. A later execute job
         * for the same request finds it already resolved. */
        finish(w, rpc, slot, r, job_id, &res, NULL);
    }
    free(bytes);
    free(checksum);
    wk_result_free(&res);
}

/* --http-transcript-dir: DIR/JOB_ID.http holds the bytes whose SHA-256 is
 * the attested http_transcript_sha256 (docs/program-api.md), for
 * `outlayer verify --http-transcript`. Only jobs that made HTTP requests or
 * storage or view calls. */
static void save_transcript(wk_worker *w, const wk_request *r, int64_t job_id, const wk_result *res)
{
    if (!w->cfg.http_transcript_dir || res->transcript_calls == 0 || !res->http_transcript_bytes)
        return;
    char path[1024], tmp[1100];
    snprintf(path, sizeof path, "%s/%" PRId64 ".http", w->cfg.http_transcript_dir, job_id);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    bool ok = f && fwrite(res->http_transcript_bytes, 1, res->http_transcript_len, f) == res->http_transcript_len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        WK_WARN("request %" PRIu64 ": cannot write the HTTP transcript to %s", r->request_id, path);
        unlink(tmp);
    }
}

static void execute_job(wk_worker *w, near_rpc *rpc, wk_slot *slot, const wk_request *r, json_t *job, int64_t job_id)
{
    wk_result res = {0};
    const char *compile_error = json_string_value(json_object_get(job, "compile_error"));
    json_t *ctm = json_object_get(job, "compile_time_ms");
    char *checksum = source_checksum(r, job);
    uint8_t *bytes = NULL;
    size_t len = 0;
    char err[WK_ERR] = "", category[32] = "";
    bool downloaded = false;
    json_t *secrets = NULL;
    if (compile_error) {
        wk_result_fail(&res, "compilation_failed", "%s", compile_error);
        res.note = strdup("Compilation failed");
    } else if (!checksum) {
        wk_result_fail(&res, "failed", "Execute job without a WASM checksum");
    } else if (obtain_wasm(w, r, checksum, &downloaded, &bytes, &len, err, sizeof err)) {
        wk_result_fail(&res, "failed", "%s", err);
    } else {
        if (downloaded)
            upload(w, r, checksum, bytes, len, NULL);
        if (wk_fetch_secrets(w, r, &secrets, category, err, sizeof err)) {
            /* Before the program runs: resolved as a failure at once, so the
             * caller is refunded all but the base fee. */
            WK_INFO("request %" PRIu64 ": secrets (profile %s of %s) not provided: %s", r->request_id,
                    r->secrets_profile, r->secrets_owner, err);
            wk_result_fail(&res, category, "%s", err);
        } else {
            wk_exec_limits lim = {.max_output_bytes = (size_t)w->cfg.max_output_bytes,
                                  .http_allow = w->cfg.http_allow,
                                  /* issue 16: docs/program-api.md */
                                  .http_ca_file = w->cfg.http_ca_file,
                                  .vrf_seed = w->chain.keypair.secret,
                                  .vrf_contract_id = w->cfg.contract_id,
                                  .record_transcript = w->cfg.http_transcript_dir != NULL,
                                  .storage_url = w->cfg.program_storage ? w->cfg.coordinator_url : NULL,
                                  .storage_token = w->cfg.api_token,
                                  .views_rpc_url = w->cfg.program_views ? w->cfg.rpc_url : NULL};
            WK_INFO("request %" PRIu64 ": running %s (attempt %" PRIu64 "%s)", r->request_id, checksum, r->attempt,
                    secrets ? ", with secrets" : "");
            wk_execute(r, bytes, len, secrets, &lim, &res);
            save_transcript(w, r, job_id, &res);
            if (json_is_integer(ctm)) {
                res.has_compile_time = true;
                res.compile_time_ms = (uint64_t)json_integer_value(ctm);
                res.note = strdup("Freshly compiled");
            }
            WK_INFO("request %" PRIu64 ": ran %s: %s (%" PRIu64 " instructions, %" PRIu64 " ms)", r->request_id,
                    checksum, res.success ? "ok" : res.error, res.instructions, res.time_ms);
        }
    }
    wk_secrets_free(secrets);
    finish(w, rpc, slot, r, job_id, &res, checksum);
    free(bytes);
    free(checksum);
    wk_result_free(&res);
}

/* The job could not be done within the coordinator's attempts: end it on
 * chain with that reason, then close whatever job the claim hands us. */
static void abandon(wk_worker *w, near_rpc *rpc, wk_slot *slot, const wk_request *r)
{
    wk_result res = {0};
    wk_result_fail(&res, "failed", "%s", r->abandoned_reason);
    WK_WARN("request %" PRIu64 ": abandoned by the coordinator: %s", r->request_id, r->abandoned_reason);
    if (!put_on_chain(w, rpc, r, &res)) {
        release_lease(w, slot, r->lease_id);
        wk_result_free(&res);
        return;
    }
    json_t *jobs = NULL;
    char err[WK_ERR] = "";
    int rc = wk_coord_claim(&w->coord, r, &jobs, err, sizeof err);
    if (rc != 0)
        WK_WARN("request %" PRIu64 ": claim of the abandoned job: %s", r->request_id, rc == 1 ? "lease lost" : err);
    if (rc == 0 && json_array_size(jobs) > 0) {
        size_t i;
        json_t *job;
        json_array_foreach(jobs, i, job)
            complete_job(w, r, json_integer_value(json_object_get(job, "job_id")), &res, NULL);
        slot_lease(slot, NULL);
    } else if (rc == 0) {
        slot_lease(slot, NULL); /* nothing left to report: the coordinator closed the task */
    } else {
        release_lease(w, slot, r->lease_id);
    }
    json_decref(jobs);
    wk_result_free(&res);
}

void wk_handle_request(wk_worker *w, near_rpc *rpc, wk_slot *slot, json_t *request)
{
    wk_request r;
    char err[WK_ERR] = "";
    const char *lease = json_string_value(json_object_get(request, "lease_id"));
    if (wk_request_parse(request, &r, err, sizeof err)) {
        WK_ERROR("unusable request from the coordinator: %s", err);
        release_lease(w, slot, lease);
        return;
    }
    slot_lease(slot, r.lease_id);
    static int warned_lease;
    if (r.lease_seconds && w->cfg.heartbeat_ms > (int64_t)r.lease_seconds * 1000 / 2 && !warned_lease) {
        warned_lease = 1;
        WK_WARN("--heartbeat %" PRId64 " ms is too slow for the coordinator's %" PRIu64
                " s leases: long jobs will be handed to other workers",
                w->cfg.heartbeat_ms, r.lease_seconds);
    }
    if (r.abandoned_reason) {
        abandon(w, rpc, slot, &r);
        wk_request_free(&r);
        return;
    }
    json_t *jobs = NULL;
    int rc = wk_coord_claim(&w->coord, &r, &jobs, err, sizeof err);
    if (rc == 1) {
        WK_INFO("request %" PRIu64 ": claimed by another worker", r.request_id);
        slot_lease(slot, NULL);
    } else if (rc < 0) {
        WK_WARN("request %" PRIu64 ": claim failed: %s", r.request_id, err);
        release_lease(w, slot, r.lease_id);
    } else if (json_array_size(jobs) == 0) {
        slot_lease(slot, NULL);
    } else {
        size_t i;
        json_t *job;
        json_array_foreach(jobs, i, job)
        {
            const char *type = json_string_value(json_object_get(job, "job_type"));
            int64_t job_id = json_integer_value(json_object_get(job, "job_id"));
            if (json_is_false(json_object_get(job, "allowed")))
                continue;
            if (type && strcmp(type, "compile") == 0)
                compile_job(w, rpc, slot, &r, job, job_id);
            else if (type && strcmp(type, "execute") == 0)
                execute_job(w, rpc, slot, &r, job, job_id);
            else
                WK_WARN("request %" PRIu64 ": unknown job type %s", r.request_id, type ? type : "(none)");
        }
    }
    json_decref(jobs);
    wk_request_free(&r);
}

void *wk_job_thread(void *arg)
{
    wk_slot *slot = arg;
    wk_worker *w = slot->owner;
    near_rpc *rpc = near_rpc_new(w->cfg.rpc_url);
    long backoff = 500;
    while (!w->stop && rpc) {
        json_t *req = NULL;
        char err[WK_ERR] = "";
        if (wk_coord_poll(&w->coord, (int)w->cfg.poll_timeout_s, &req, err, sizeof err)) {
            WK_WARN("poll: %s", err);
            wk_nap(&w->stop, backoff);
            if (backoff < 5000)
                backoff *= 2;
            continue;
        }
        backoff = 500;
        if (!req)
            continue;
        if (w->stop) { /* shutting down: hand it straight back */
            release_lease(w, slot, json_string_value(json_object_get(req, "lease_id")));
            json_decref(req);
            break;
        }
        pthread_mutex_lock(&slot->mu);
        slot->busy = true;
        pthread_mutex_unlock(&slot->mu);
        wk_handle_request(w, rpc, slot, req);
        pthread_mutex_lock(&slot->mu);
        slot->busy = false;
        pthread_mutex_unlock(&slot->mu);
        json_decref(req);
    }
    near_rpc_free(rpc);
    pthread_mutex_lock(&slot->mu);
    slot->exited = true;
    pthread_mutex_unlock(&slot->mu);
    return NULL;
}

void *wk_heartbeat_thread(void *arg)
{
    wk_worker *w = arg;
    bool failing = false;
    while (!w->stop) {
        char err[WK_ERR];
        int renewed = 0;
        if (wk_coord_heartbeat(&w->coord, &renewed, err, sizeof err)) {
            if (!failing)
                WK_WARN("heartbeat: %s", err);
            failing = true;
        } else {
            if (failing)
                WK_INFO("heartbeat: coordinator reachable again");
            failing = false;
        }
        wk_nap(&w->stop, (long)w->cfg.heartbeat_ms);
    }
    return NULL;
}
