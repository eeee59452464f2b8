/* api_queue.c — the job queue routes: create, poll, claim, complete,
 * heartbeat, release (see docs/coordinator.md, "Queue and leases"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"

void api_create(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *body = hs_json_body(req);
    if (!body)
        return;
    char err[256];
    json_t *er = cr_parse_execution_request(body, err, sizeof err);
    json_decref(body);
    if (!er) {
        hs_reply_error(req, 422, "%s", err);
        return;
    }
    int compile = 0;
    int64_t rid = json_integer_value(json_object_get(er, "request_id"));
    st_status s = store_create_execution(c->st, er, &compile, err, sizeof err);
    json_decref(er);
    if (s == ST_EXISTS) {
        hs_reply_json(req, 200, json_pack("{s:I, s:b}", "request_id", (json_int_t)rid, "created", 0));
    } else if (s == ST_OK) {
        atomic_fetch_add(&c->m.jobs_created, 1);
        log_info("queue", "request %lld queued for %s", (long long)rid, compile ? "compilation" : "execution");
        coord_notify(c);
        hs_reply_json(req, 201, json_pack("{s:I, s:b}", "request_id", (json_int_t)rid, "created", 1));
    } else {
        hs_reply_error(req, 500, "storage error while queueing the request");
    }
}

typedef struct {
    int caps;
    int64_t deadline;
    char worker[128];
} poll_state;

void api_poll(hs_request *req, void *ctx)
{
    coord *c = ctx;
    poll_state *ps = req->state;
    if (!ps) {
        char err[160];
        int64_t timeout_ms = 60000;
        const char *t = hs_query(req, "timeout");
        if (t) {
            char *end;
            long long v = strtoll(t, &end, 10);
            if (!*t || *end || v < 0) {
                hs_reply_error(req, 400, "query parameter 'timeout' must be a non-negative integer (seconds)");
                return;
            }
            timeout_ms = v > 100000 ? 100000000 : v * 1000;
        }
        if (timeout_ms > c->cfg.poll_max_ms)
            timeout_ms = c->cfg.poll_max_ms;
        int caps = cr_parse_capabilities(hs_query(req, "capabilities"), err, sizeof err);
        if (caps < 0) {
            hs_reply_error(req, 400, "%s", err);
            return;
        }
        const char *q = hs_query(req, "queue");
        if (q) {
            if (strcmp(q, "compile") == 0)
                caps = caps ? caps & CR_CAP_COMPILE : CR_CAP_COMPILE;
            else if (strcmp(q, "execute") == 0)
                caps = caps ? caps & CR_CAP_EXECUTE : CR_CAP_EXECUTE;
            else {
                hs_reply_error(req, 400, "query parameter 'queue' must be compile or execute");
                return;
            }
        }
        if (!caps) {
            hs_reply_error(req, 400, "no usable capability: pass capabilities=compilation,execution (or queue=)");
            return;
        }
        const char *w = hs_query(req, "worker_id");
        if (w && (!*w || strlen(w) >= sizeof ps->worker)) {
            hs_reply_error(req, 400, "query parameter 'worker_id' must be 1-127 characters");
            return;
        }
        ps = calloc(1, sizeof *ps);
        if (!ps) {
            hs_reply_error(req, 500, "out of memory");
            return;
        }
        ps->caps = caps;
        ps->deadline = hs_now_ms() + timeout_ms;
        snprintf(ps->worker, sizeof ps->worker, "%s", w ? w : "anonymous");
        req->state = ps;
        req->state_free = free;
    }
    json_t *task = NULL;
    char err[256];
    st_status s = store_lease_next(c->st, ps->caps, ps->worker, &task, err, sizeof err);
    if (s == ST_OK) {
        atomic_fetch_add(&c->m.jobs_leased, 1);
        /* no need to wake the sweeper: a new lease expires after every older one */
        hs_reply_json(req, 200, task);
    } else if (s == ST_EMPTY) {
        atomic_fetch_add(&c->m.polls_empty, 1);
        if (req->wait_timed_out || hs_now_ms() >= ps->deadline)
            hs_reply_empty(req, 204);
        else
            hs_wait(req, ps->deadline);
    } else {
        hs_reply_error(req, 500, "storage error while leasing a task");
    }
}

void api_claim(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *body = hs_json_body(req);
    if (!body)
        return;
    cr_claim cl;
    char err[256];
    if (cr_parse_claim(body, &cl, err, sizeof err)) {
        hs_reply_error(req, 422, "%s", err);
        json_decref(body);
        return;
    }
    if (!cl.can_compile && !cl.can_execute) {
        hs_reply_error(req, 400, "the worker has neither the compilation nor the execution capability");
        json_decref(body);
        return;
    }
    json_t *jobs = NULL;
    st_status s = store_claim(c->st, &cl, &jobs, err, sizeof err);
    json_decref(body);
    if (s == ST_OK) {
        json_t *o = json_object();
        json_object_set_new(o, "jobs", jobs);
        json_object_set_new(o, "pricing", coord_pricing(c));
        hs_reply_json(req, 200, o);
    } else if (s == ST_CONFLICT) {
        hs_reply_error(req, 409, "%s", err);
    } else {
        hs_reply_error(req, 500, "storage error while claiming");
    }
}

void api_complete(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *body = hs_json_body(req);
    if (!body)
        return;
    cr_complete cp;
    char err[256];
    if (cr_parse_complete(body, &cp, err, sizeof err)) {
        hs_reply_error(req, 422, "%s", err);
        json_decref(body);
        return;
    }
    int enqueued = 0;
    st_status s = store_complete(c->st, &cp, &enqueued, err, sizeof err);
    json_decref(body);
    if (s == ST_OK) {
        atomic_fetch_add(&c->m.jobs_completed, 1);
        if (enqueued)
            coord_notify(c);
        hs_reply_json(req, 200, json_pack("{s:I, s:b}", "job_id", (json_int_t)cp.job_id, "accepted", 1));
    } else if (s == ST_NOT_FOUND) {
        hs_reply_error(req, 404, "%s", err);
    } else if (s == ST_CONFLICT) {
        hs_reply_error(req, 409, "%s", err);
    } else {
        hs_reply_error(req, 500, "storage error while completing the job");
    }
}

static const char *str_field(json_t *o, const char *key, int required, hs_request *req, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        if (required) {
            hs_reply_error(req, 422, "missing required field '%s'", key);
            *bad = 1;
        }
        return NULL;
    }
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
        hs_reply_error(req, 422, "field '%s' must be a string", key);
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

void api_heartbeat(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    int bad = 0;
    const char *wid = str_field(b, "worker_id", 1, req, &bad);
    const char *name = bad ? NULL : str_field(b, "worker_name", 0, req, &bad);
    const char *status = bad ? NULL : str_field(b, "status", 0, req, &bad);
    json_t *ct = json_object_get(b, "current_task_id");
    if (!bad && wid && !*wid) {
        hs_reply_error(req, 422, "field 'worker_id' must not be empty");
        bad = 1;
    }
    if (!bad && status && strcmp(status, "online") && strcmp(status, "busy") && strcmp(status, "offline")) {
        hs_reply_error(req, 422, "field 'status' must be online, busy or offline");
        bad = 1;
    }
    if (!bad && ct && !json_is_null(ct) && !json_is_integer(ct)) {
        hs_reply_error(req, 422, "field 'current_task_id' must be an integer or null");
        bad = 1;
    }
    if (bad) {
        json_decref(b);
        return;
    }
    char defname[200];
    snprintf(defname, sizeof defname, "worker-%s", wid);
    int64_t task = json_integer_value(ct);
    int renewed = 0;
    char err[128];
    st_status s = store_heartbeat(c->st, wid, name ? name : defname, status ? status : "online",
                                  json_is_integer(ct) ? &task : NULL, &renewed, err, sizeof err);
    json_decref(b);
    if (s != ST_OK) {
        hs_reply_error(req, 500, "storage error while recording the heartbeat");
        return;
    }
    hs_reply_json(req, 200, json_pack("{s:i}", "leases_renewed", renewed));
}

void api_release(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    int bad = 0;
    const char *wid = str_field(b, "worker_id", 1, req, &bad);
    const char *lease = bad ? NULL : str_field(b, "lease_id", 1, req, &bad);
    if (bad) {
        json_decref(b);
        return;
    }
    char err[256];
    st_status s = store_release(c->st, wid, lease, err, sizeof err);
    json_decref(b);
    if (s == ST_OK) {
        coord_notify(c);
        hs_reply_json(req, 200, json_pack("{s:b}", "released", 1));
    } else if (s == ST_CONFLICT) {
        hs_reply_error(req, 409, "%s", err);
    } else {
        hs_reply_error(req, 500, "storage error while releasing the lease");
    }
}

/* A worker starting under an id it used before hands back that id's
 * leases at once instead of leaving them to expire. */
void api_release_worker(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    int bad = 0;
    const char *wid = str_field(b, "worker_id", 1, req, &bad);
    if (!bad && !*wid) {
        hs_reply_error(req, 422, "field 'worker_id' must not be empty");
        bad = 1;
    }
    if (bad) {
        json_decref(b);
        return;
    }
    int n = 0;
    st_status s = store_release_worker(c->st, wid, &n);
    if (s == ST_OK) {
        if (n) {
            log_info("queue", "worker %s restarted: %d lease(s) of its previous run requeued", wid, n);
            coord_notify(c);
        }
        hs_reply_json(req, 200, json_pack("{s:i}", "leases_released", n));
    } else {
        hs_reply_error(req, 500, "storage error while releasing the worker's leases");
    }
    json_decref(b);
}

void api_task_completion(hs_request *req, void *ctx)
{
    coord *c = ctx;
    json_t *b = hs_json_body(req);
    if (!b)
        return;
    int bad = 0;
    const char *wid = str_field(b, "worker_id", 1, req, &bad);
    json_t *sv = json_object_get(b, "success");
    if (!bad && !json_is_boolean(sv)) {
        hs_reply_error(req, 422, "field 'success' must be true or false");
        bad = 1;
    }
    if (!bad) {
        if (store_task_completion(c->st, wid, json_is_true(sv)) == ST_OK)
            hs_reply_json(req, 200, json_object());
        else
            hs_reply_error(req, 500, "storage error");
    }
    json_decref(b);
}
