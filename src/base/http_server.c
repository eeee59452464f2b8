/* http_server.c — see http_server.h. */
#include "base/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

typedef struct {
    char *method;
    char *pattern;
    char **segs; /* pattern split on '/' */
    size_t nsegs;
    hs_handler handler;
    void *ctx;
    int policy;
    size_t body_limit;
    int flags;
} route;

struct hs_server {
    hs_config cfg;
    char *host, *cors_origins, *cors_methods, *cors_headers;
    route *routes;
    size_t nroutes;
    struct MHD_Daemon *daemon;
    int port;
    pthread_mutex_t lock;
    pthread_cond_t timer_cond; /* signalled when the waiter list or the earliest deadline changes */
    pthread_t timer;
    int timer_running;
    struct hs_request_internal *waiters;
    uint64_t wake_gen;
    int stopping;
    atomic_int in_flight;
};

typedef struct hdr {
    char *name, *value;
    struct hdr *next;
} hdr;

struct hs_request_internal {
    hs_request pub;
    hs_server *srv;
    struct MHD_Connection *conn;
    const route *rt;
    int method_mismatch; /* path matched some route, method did not */
    char allow[96];
    char *body;
    size_t body_len, body_cap, limit;
    int too_large;
    hs_kv *query;
    size_t nquery;
    hs_kv *params;
    size_t nparams;
    int64_t start_ms;
    /* the reply */
    int status;
    struct MHD_Response *resp;
    hdr *headers;
    /* waiting */
    int waiting;
    int64_t deadline_ms;
    struct hs_request_internal *next_waiter;
    int suspended;
    int finished_handler;
};

int64_t hs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* percent decoding */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *hs_percent_decode(const char *s, size_t n, int plus_is_space, size_t *len)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n) {
                free(out);
                return NULL;
            }
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    if (len)
        *len = o;
    return out;
}

/* ------------------------------------------------------------------ */
/* server setup */

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

hs_server *hs_server_new(const hs_config *cfg)
{
    hs_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    s->host = dup_or_null(cfg->host);
    s->cors_origins = dup_or_null(cfg->cors_origins);
    s->cors_methods = strdup(cfg->cors_methods ? cfg->cors_methods : "GET, POST, DELETE, OPTIONS");
    s->cors_headers = strdup(cfg->cors_headers ? cfg->cors_headers : "content-type, authorization, x-api-key");
    if (!s->cfg.threads)
        s->cfg.threads = 4;
    if (!s->cfg.default_body_limit)
        s->cfg.default_body_limit = 1 << 20;
    if (!s->cfg.connection_timeout_s)
        s->cfg.connection_timeout_s = 130;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->timer_cond, &ca);
    pthread_condattr_destroy(&ca);
    return s;
}

static char **split_path(const char *p, size_t *n)
{
    size_t cap = 8, cnt = 0;
    char **v = malloc(cap * sizeof *v);
    if (!v)
        return NULL;
    if (*p == '/')
        p++;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        if (cnt == cap) {
            cap *= 2;
            char **nv = realloc(v, cap * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[cnt++] = strndup(p, l);
        if (!slash)
            break;
        p = slash + 1;
    }
    *n = cnt;
    return v;
}

static void free_segs(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int hs_route_add(hs_server *s, const hs_route_spec *r)
{
    route *nr = realloc(s->routes, (s->nroutes + 1) * sizeof *nr);
    if (!nr)
        return -1;
    s->routes = nr;
    route *x = &s->routes[s->nroutes++];
    memset(x, 0, sizeof *x);
    x->method = strdup(r->method);
    x->pattern = strdup(r->pattern);
    x->segs = split_path(r->pattern, &x->nsegs);
    x->handler = r->handler;
    x->ctx = r->ctx;
    x->policy = r->policy;
    x->body_limit = r->body_limit;
    x->flags = r->flags;
    return 0;
}

/* Matches a raw path against a pattern; fills decoded params on success.
 * Returns 1 match, 0 no match, -1 match but a parameter is unacceptable. */
static int match_route(const route *rt, char **segs, size_t n, hs_kv **params, size_t *np)
{
    if (n != rt->nsegs)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (rt->segs[i][0] != ':' && strcmp(rt->segs[i], segs[i]) != 0)
            return 0;
    if (!params)
        return 1;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (rt->segs[i][0] == ':')
            cnt++;
    hs_kv *p = calloc(cnt ? cnt : 1, sizeof *p);
    size_t k = 0;
    int bad = 0;
    for (size_t i = 0; i < n && p; i++) {
        if (rt->segs[i][0] != ':')
            continue;
        size_t len;
        char *v = hs_percent_decode(segs[i], strlen(segs[i]), 0, &len);
        if (!v || strlen(v) != len || len == 0)
            bad = 1;
        else if (!(rt->flags & HS_ROUTE_PARAM_ANY) &&
                 (strchr(v, '/') || strchr(v, '\\') || strstr(v, "..") || strcmp(v, ".") == 0))
            bad = 1;
        p[k].name = strdup(rt->segs[i] + 1);
        p[k].value = v ? v : strdup("");
        k++;
    }
    *params = p;
    *np = k;
    return bad ? -1 : 1;
}

static void free_kv(hs_kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].value);
    }
    free(v);
}

/* ------------------------------------------------------------------ */
/* replies */

static void set_response(hs_request *req, int status, struct MHD_Response *r)
{
    struct hs_request_internal *in = req->in;
    if (in->resp)
        MHD_destroy_response(in->resp);
    in->resp = r;
    in->status = status;
}

void hs_reply_text(hs_request *req, int status, const char *content_type, const char *body, size_t len)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return;
    if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    set_response(req, status, r);
}

void hs_reply_json(hs_request *req, int status, json_t *body)
{
    char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!s) {
        hs_reply_text(req, 500, "application/json", "{\"error\":\"out of memory\"}", 25);
        return;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(s);
        return;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    set_response(req, status, r);
}

void hs_reply_error(hs_request *req, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_t *o = json_object();
    json_t *m = json_string(msg);
    json_object_set_new(o, "error", m ? m : json_string("(message is not valid UTF-8)"));
    hs_reply_json(req, status, o);
}

void hs_reply_empty(hs_request *req, int status)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (r)
        set_response(req, status, r);
}

void hs_reply_fd(hs_request *req, int status, int fd, uint64_t size, const char *content_type)
{
    struct MHD_Response *r = MHD_create_response_from_fd64(size, fd);
    if (!r) {
        close(fd);
        hs_reply_error(req, 500, "cannot stream file");
        return;
    }
    if (content_type)
        MHD_add_response_header(r, "Content-Type", content_type);
    set_response(req, status, r);
}

void hs_add_header(hs_request *req, const char *name, const char *value)
{
    hdr *h = calloc(1, sizeof *h);
    if (!h)
        return;
    h->name = strdup(name);
    h->value = strdup(value);
    h->next = req->in->headers;
    req->in->headers = h;
}

int hs_replied(const hs_request *req) { return req->in->resp != NULL; }

/* ------------------------------------------------------------------ */
/* request accessors */

const char *hs_header(hs_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->in->conn, MHD_HEADER_KIND, name);
}

const char *hs_query(hs_request *req, const char *name)
{
    for (size_t i = 0; i < req->query_count; i++)
        if (strcmp(req->query[i].name, name) == 0)
            return req->query[i].value;
    return NULL;
}

const char *hs_param(hs_request *req, const char *name)
{
    for (size_t i = 0; i < req->param_count; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}

json_t *hs_json_body(hs_request *req)
{
    const char *ct = hs_header(req, "Content-Type");
    if (!(req->in->rt && (req->in->rt->flags & HS_ROUTE_RAW_BODY)) &&
        (!ct || strncasecmp(ct, "application/json", 16) != 0)) {
        hs_reply_error(req, 415, "expected Content-Type: application/json");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        hs_reply_error(req, 400, "malformed JSON body: %s (line %d, column %d)", je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        hs_reply_error(req, 400, "JSON body must be an object");
        return NULL;
    }
    return j;
}

/* multipart via MHD's post processor */
typedef struct {
    hs_part *parts;
    size_t n;
    size_t total;
    size_t limit;
    int failed;
} mp_state;

static enum MHD_Result mp_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    mp_state *st = cls;
    if (!key)
        return MHD_YES;
    hs_part *last = st->n ? &st->parts[st->n - 1] : NULL;
    /* MHD delivers a field in pieces with increasing offsets; off == 0 starts a new one. */
    if (!last || off == 0) {
        hs_part *np = realloc(st->parts, (st->n + 1) * sizeof *np);
        if (!np) {
            st->failed = 1;
            return MHD_NO;
        }
        st->parts = np;
        last = &st->parts[st->n++];
        memset(last, 0, sizeof *last);
        last->name = strdup(key);
        last->filename = filename ? strdup(filename) : NULL;
    }
    if (size) {
        st->total += size;
        if (st->total > st->limit) {
            st->failed = 1;
            return MHD_NO;
        }
        unsigned char *nd = realloc(last->data, last->len + size + 1);
        if (!nd) {
            st->failed = 1;
            return MHD_NO;
        }
        memcpy(nd + last->len, data, size);
        last->data = nd;
        last->len += size;
        last->data[last->len] = 0;
    }
    return MHD_YES;
}

void hs_parts_free(hs_part *parts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        free(parts[i].name);
        free(parts[i].filename);
        free(parts[i].data);
    }
    free(parts);
}

int hs_multipart(hs_request *req, hs_part **parts, size_t *count, char *err, size_t err_size)
{
    mp_state st = {.limit = req->body_len + 1};
    const char *ct = hs_header(req, "Content-Type");
    if (!ct || (strncasecmp(ct, "multipart/form-data", 19) != 0 &&
                strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)) {
        snprintf(err, err_size, "expected Content-Type: multipart/form-data");
        return -1;
    }
    struct MHD_PostProcessor *pp = MHD_create_post_processor(req->in->conn, 64 * 1024, mp_iter, &st);
    if (!pp) {
        snprintf(err, err_size, "malformed multipart body (no boundary?)");
        return -1;
    }
    enum MHD_Result r = MHD_post_process(pp, req->body ? req->body : "", req->body_len);
    enum MHD_Result r2 = MHD_destroy_post_processor(pp);
    if (r != MHD_YES || r2 != MHD_YES || st.failed) {
        hs_parts_free(st.parts, st.n);
        snprintf(err, err_size, "malformed multipart body");
        return -1;
    }
    *parts = st.parts;
    *count = st.n;
    return 0;
}

const hs_part *hs_part_find(const hs_part *parts, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (parts[i].name && strcmp(parts[i].name, name) == 0)
            return &parts[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* long polls */

void hs_wait(hs_request *req, int64_t deadline_ms)
{
    req->in->waiting = 1;
    req->in->deadline_ms = deadline_ms;
}

static void resume_locked(hs_server *s, struct hs_request_internal *in, int timed_out)
{
    in->pub.wait_timed_out = timed_out;
    in->suspended = 0;
    MHD_resume_connection(in->conn);
}

void hs_server_wake(hs_server *s)
{
    pthread_mutex_lock(&s->lock);
    s->wake_gen++;
    struct hs_request_internal *w = s->waiters;
    s->waiters = NULL;
    while (w) {
        struct hs_request_internal *next = w->next_waiter;
        w->next_waiter = NULL;
        resume_locked(s, w, 0);
        w = next;
    }
    pthread_cond_signal(&s->timer_cond);
    pthread_mutex_unlock(&s->lock);
}

static void *timer_main(void *arg)
{
    hs_server *s = arg;
    pthread_mutex_lock(&s->lock);
    while (s->timer_running) {
        int64_t now = hs_now_ms(), earliest = INT64_MAX;
        struct hs_request_internal **pp = &s->waiters;
        while (*pp) {
            struct hs_request_internal *w = *pp;
            if (w->deadline_ms <= now || s->stopping) {
                *pp = w->next_waiter;
                w->next_waiter = NULL;
                resume_locked(s, w, 1);
            } else {
                if (w->deadline_ms < earliest)
                    earliest = w->deadline_ms;
                pp = &w->next_waiter;
            }
        }
        if (earliest == INT64_MAX) {
            pthread_cond_wait(&s->timer_cond, &s->lock);
        } else {
            struct timespec ts = {.tv_sec = earliest / 1000, .tv_nsec = (earliest % 1000) * 1000000};
            pthread_cond_timedwait(&s->timer_cond, &s->lock, &ts);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

/* ------------------------------------------------------------------ */
/* MHD callbacks */

static size_t keep_raw(void *cls, struct MHD_Connection *c, char *s)
{
    /* Paths are matched raw and decoded per parameter; query values are
     * decoded by collect_query. */
    return strlen(s);
}

static enum MHD_Result collect_query_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct hs_request_internal *in = cls;
    hs_kv *nq = realloc(in->query, (in->nquery + 1) * sizeof *nq);
    if (!nq)
        return MHD_NO;
    in->query = nq;
    size_t l;
    char *k = hs_percent_decode(key, strlen(key), 1, &l);
    char *v = value ? hs_percent_decode(value, strlen(value), 1, &l) : strdup("");
    if (!k || !v) {
        free(k);
        free(v);
        return MHD_YES; /* a malformed escape: the parameter is dropped */
    }
    in->query[in->nquery].name = k;
    in->query[in->nquery].value = v;
    in->nquery++;
    return MHD_YES;
}

static int origin_allowed(hs_server *s, const char *origin)
{
    if (!origin || !s->cors_origins)
        return 0;
    size_t ol = strlen(origin);
    const char *p = s->cors_origins;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        if ((size_t)(t - p) == ol && ol && strncmp(p, origin, ol) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static enum MHD_Result send_reply(struct hs_request_internal *in)
{
    if (!in->resp) {
        in->resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!in->status)
            in->status = 500;
    }
    for (hdr *h = in->headers; h; h = h->next)
        MHD_add_response_header(in->resp, h->name, h->value);
    const char *origin = MHD_lookup_connection_value(in->conn, MHD_HEADER_KIND, "Origin");
    if (origin_allowed(in->srv, origin)) {
        MHD_add_response_header(in->resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(in->resp, "Vary", "Origin");
    }
    enum MHD_Result r = MHD_queue_response(in->conn, (unsigned)in->status, in->resp);
    MHD_destroy_response(in->resp);
    in->resp = NULL;
    return r;
}

static void request_free(struct hs_request_internal *in)
{
    if (!in)
        return;
    if (in->pub.auth_free && in->pub.auth)
        in->pub.auth_free(in->pub.auth);
    if (in->pub.state_free && in->pub.state)
        in->pub.state_free(in->pub.state);
    free(in->body);
    free_kv(in->query, in->nquery);
    free_kv(in->params, in->nparams);
    if (in->resp)
        MHD_destroy_response(in->resp);
    for (hdr *h = in->headers; h;) {
        hdr *n = h->next;
        free(h->name);
        free(h->value);
        free(h);
        h = n;
    }
    free(in);
}

static void find_route(hs_server *s, struct hs_request_internal *in, const char *method, const char *url)
{
    size_t n;
    char **segs = split_path(url, &n);
    if (!segs)
        return;
    size_t alen = 0;
    for (size_t i = 0; i < s->nroutes; i++) {
        const route *rt = &s->routes[i];
        if (!match_route(rt, segs, n, NULL, NULL))
            continue;
        if (strcmp(rt->method, method) == 0 || (strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            if (!in->rt) {
                in->rt = rt;
                int m = match_route(rt, segs, n, &in->params, &in->nparams);
                if (m < 0)
                    in->method_mismatch = 2; /* bad parameter */
            }
        } else {
            in->method_mismatch = in->method_mismatch ? in->method_mismatch : 1;
            if (!strstr(in->allow, rt->method) && alen + strlen(rt->method) + 3 < sizeof in->allow) {
                if (alen) {
                    strcat(in->allow, ", ");
                    alen += 2;
                }
                strcat(in->allow, rt->method);
                alen += strlen(rt->method);
            }
        }
    }
    free_segs(segs, n);
}

static void run_handler(struct hs_request_internal *in)
{
    hs_server *s = in->srv;
    in->waiting = 0;
    if (in->pub.resumed == 0 && s->cfg.guard) {
        if (s->cfg.guard(&in->pub, in->rt->policy, s->cfg.guard_ctx) != 0) {
            if (!in->resp)
                hs_reply_error(&in->pub, 401, "unauthorized");
            return;
        }
    }
    in->rt->handler(&in->pub, in->rt->ctx);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    hs_server *s = cls;
    struct hs_request_internal *in = *con_cls;
    if (!in) {
        in = calloc(1, sizeof *in);
        if (!in)
            return MHD_NO;
        in->srv = s;
        in->conn = conn;
        in->pub.in = in;
        in->pub.method = method;
        in->pub.path = url;
        in->start_ms = hs_now_ms();
        atomic_fetch_add(&s->in_flight, 1);
        *con_cls = in;
        find_route(s, in, method, url);
        in->limit = in->rt && in->rt->body_limit ? in->rt->body_limit : s->cfg.default_body_limit;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > in->limit)
            in->too_large = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (in->too_large || in->body_len + n > in->limit) {
            in->too_large = 1;
            return MHD_YES;
        }
        if (in->body_len + n + 1 > in->body_cap) {
            size_t cap = in->body_cap ? in->body_cap : 4096;
            while (cap < in->body_len + n + 1)
                cap *= 2;
            char *nb = realloc(in->body, cap);
            if (!nb)
                return MHD_NO;
            in->body = nb;
            in->body_cap = cap;
        }
        memcpy(in->body + in->body_len, upload_data, n);
        in->body_len += n;
        in->body[in->body_len] = 0;
        return MHD_YES;
    }
    if (in->finished_handler)
        return MHD_YES;

    if (in->pub.resumed == 0 && !in->suspended && !in->waiting) {
        /* first complete call */
        in->pub.body = in->body ? in->body : "";
        in->pub.body_len = in->body_len;
        if (strcmp(method, "OPTIONS") == 0) {
            hs_reply_empty(&in->pub, 204);
            const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
            if (origin_allowed(s, origin)) {
                hs_add_header(&in->pub, "Access-Control-Allow-Methods", s->cors_methods);
                hs_add_header(&in->pub, "Access-Control-Allow-Headers", s->cors_headers);
                hs_add_header(&in->pub, "Access-Control-Max-Age", "600");
            }
            in->finished_handler = 1;
            return send_reply(in);
        }
        if (!in->rt) {
            if (in->method_mismatch) {
                hs_reply_error(&in->pub, 405, "method %s not allowed on %s", method, url);
                hs_add_header(&in->pub, "Allow", in->allow);
            } else {
                hs_reply_error(&in->pub, 404, "no such route");
            }
            in->finished_handler = 1;
            return send_reply(in);
        }
        in->pub.route = in->rt->pattern;
        in->pub.policy = in->rt->policy;
        in->pub.route_ctx = in->rt->ctx;
        if (in->method_mismatch == 2) {
            hs_reply_error(&in->pub, 400, "invalid path parameter (encoding, '/', '\\\\' or '..' are not allowed)");
            in->finished_handler = 1;
            return send_reply(in);
        }
        if (in->too_large) {
            hs_reply_error(&in->pub, 413, "request body too large (limit %zu bytes)", in->limit);
            in->finished_handler = 1;
            return send_reply(in);
        }
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query_cb, in);
        in->pub.query = in->query;
        in->pub.query_count = in->nquery;
        in->pub.params = in->params;
        in->pub.param_count = in->nparams;
    } else if (in->suspended) {
        return MHD_YES; /* spurious call while suspended */
    } else {
        in->pub.resumed++;
    }

    for (;;) {
        /* Remember the wake generation before looking, so a wake that
         * lands while the handler looks is seen below and not lost. */
        pthread_mutex_lock(&s->lock);
        uint64_t gen = s->wake_gen;
        pthread_mutex_unlock(&s->lock);
        run_handler(in);
        if (!in->waiting || in->resp)
            break;
        pthread_mutex_lock(&s->lock);
        if (s->stopping || hs_now_ms() >= in->deadline_ms) {
            pthread_mutex_unlock(&s->lock);
            in->pub.wait_timed_out = 1;
            in->pub.resumed++;
            continue;
        }
        if (gen != s->wake_gen) {
            /* a wake arrived while the handler was looking: look again */
            pthread_mutex_unlock(&s->lock);
            in->pub.resumed++;
            continue;
        }
        MHD_suspend_connection(conn);
        in->suspended = 1;
        in->next_waiter = s->waiters;
        s->waiters = in;
        pthread_cond_signal(&s->timer_cond);
        pthread_mutex_unlock(&s->lock);
        return MHD_YES;
    }
    in->finished_handler = 1;
    return send_reply(in);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    hs_server *s = cls;
    struct hs_request_internal *in = *con_cls;
    if (!in)
        return;
    if (s->cfg.observer) {
        double secs = (double)(hs_now_ms() - in->start_ms) / 1000.0;
        s->cfg.observer(in->pub.method, in->rt ? in->rt->pattern : NULL, in->status ? in->status : 500, secs,
                        s->cfg.observer_ctx);
    }
    /* A connection dropped while waiting must leave the waiter list. */
    pthread_mutex_lock(&s->lock);
    for (struct hs_request_internal **pp = &s->waiters; *pp; pp = &(*pp)->next_waiter)
        if (*pp == in) {
            *pp = in->next_waiter;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    request_free(in);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

int hs_server_start(hs_server *s, char *err, size_t err_size)
{
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)s->cfg.port);
    const char *host = s->host && *s->host ? s->host : "0.0.0.0";
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, err_size, "bind address '%s' is not an IPv4 address", host);
        return -1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    s->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
                         (unsigned int)s->cfg.connection_timeout_s, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4096,
                         MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1, MHD_OPTION_UNESCAPE_CALLBACK, keep_raw,
                         NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot listen on %s:%d: %s", host, s->cfg.port, strerror(errno));
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : s->cfg.port;
    s->timer_running = 1;
    if (pthread_create(&s->timer, NULL, timer_main, s) != 0) {
        s->timer_running = 0;
        MHD_stop_daemon(s->daemon);
        s->daemon = NULL;
        snprintf(err, err_size, "cannot start timer thread");
        return -1;
    }
    return 0;
}

int hs_server_port(const hs_server *s) { return s->port; }
int hs_server_in_flight(const hs_server *s) { return atomic_load(&((hs_server *)s)->in_flight); }

void hs_server_stop(hs_server *s, int grace_ms)
{
    if (!s->daemon)
        return;
    MHD_socket ls = MHD_quiesce_daemon(s->daemon);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->timer_cond);
    pthread_mutex_unlock(&s->lock);
    int64_t until = hs_now_ms() + grace_ms;
    while (atomic_load(&s->in_flight) > 0 && hs_now_ms() < until) {
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    pthread_mutex_lock(&s->lock);
    s->timer_running = 0;
    pthread_cond_signal(&s->timer_cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->timer, NULL);
}

void hs_server_free(hs_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        hs_server_stop(s, 0);
    for (size_t i = 0; i < s->nroutes; i++) {
        free(s->routes[i].method);
        free(s->routes[i].pattern);
        free_segs(s->routes[i].segs, s->routes[i].nsegs);
    }
    free(s->routes);
    free(s->host);
    free(s->cors_origins);
    free(s->cors_methods);
    free(s->cors_headers);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->timer_cond);
    free(s);
}

/* ------------------------------------------------------------------ */
/* stop signals: a self-pipe, so waiting needs no polling */

volatile sig_atomic_t hs_stop_flag = 0;
static int g_stop_pipe[2] = {-1, -1};

static void on_stop_signal(int sig)
{
    hs_stop_flag = 1;
    int saved = errno;
    if (g_stop_pipe[1] >= 0) {
        ssize_t w = write(g_stop_pipe[1], "x", 1);
        (void)w;
    }
    errno = saved;
}

int hs_install_stop_signals(void)
{
    if (g_stop_pipe[0] < 0 && pipe2(g_stop_pipe, O_CLOEXEC) != 0)
        return -1;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void hs_request_stop(void) { on_stop_signal(0); }

void hs_wait_for_stop(void)
{
    if (g_stop_pipe[0] < 0 && pipe2(g_stop_pipe, O_CLOEXEC) != 0)
        return;
    while (!hs_stop_flag) {
        char c;
        ssize_t r = read(g_stop_pipe[0], &c, 1);
        if (r < 0 && errno != EINTR)
            break;
    }
}
