/* http_server.h — a small HTTP server on GNU libmicrohttpd.
 *
 * What it adds to MHD: a route table (method + pattern with ":param"
 * segments), a request object (method, path, decoded query, headers, body,
 * decoded path parameters), per-route body limits (413), JSON replies with
 * jansson and JSON error bodies {"error": "..."}, CORS for a list of exact
 * origins, an auth "guard" called before every handler with the route's
 * policy number, an observer for metrics, graceful shutdown, and long polls
 * that do not hold a thread (hs_wait).
 *
 * Threads: MHD's internal epoll thread pool (`threads` threads); connections
 * are kept alive. Handlers run on pool threads and must not block for long.
 *
 * Long polls: a handler that has nothing to return yet calls
 * hs_wait(req, deadline). The connection is suspended (MHD suspend/resume:
 * no thread is held, nothing polls) and the handler is called again — with
 * req->resumed incremented — when hs_server_wake() is called (by whatever
 * makes new work available) or when the deadline passes (req->wait_timed_out
 * is then 1). A wake that happens between the handler's check and its
 * hs_wait() is not lost: hs_wait() then returns the handler to the run queue
 * at once. During shutdown every waiting request is resumed with
 * wait_timed_out = 1 so it can answer.
 *
 * Path parameters are percent-decoded; a parameter that decodes to a string
 * containing NUL, '/', '\\' or "..", or to "." , is refused with 400 unless the
 * route has HS_ROUTE_PARAM_ANY (then only NUL is refused); the raw path is
 * never decoded before matching, so "%2e%2e" cannot change which route
 * matches. Unknown path: 404; known path, other method: 405 with Allow. */
#ifndef OUTLAYER_BASE_HTTP_SERVER_H
#define OUTLAYER_BASE_HTTP_SERVER_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hs_server hs_server;
typedef struct hs_request hs_request;

typedef struct {
    char *name;
    char *value;
} hs_kv;

struct hs_request {
    const char *method; /* "GET", "POST", ... */
    const char *path;   /* raw path, without the query string */
    const char *route;  /* the matched route pattern, e.g. "/wasm/:checksum" */
    const hs_kv *query; /* percent-decoded query parameters, in order */
    size_t query_count;
    const hs_kv *params; /* percent-decoded path parameters */
    size_t param_count;
    const char *body; /* NUL-terminated copy of the body (body_len bytes before the NUL) */
    size_t body_len;
    int policy;      /* the route's policy number (for the guard) */
    void *route_ctx; /* the route's ctx */
    void *auth;      /* free for the guard to attach an identity (freed with auth_free) */
    void (*auth_free)(void *);
    void *state; /* free for a waiting handler to keep state between calls */
    void (*state_free)(void *);
    int resumed;        /* how many times this request was resumed after hs_wait */
    int wait_timed_out; /* 1 when resumed because the deadline passed or the server stops */
    struct hs_request_internal *in;
};

typedef void (*hs_handler)(hs_request *req, void *ctx);
/* Returns 0 to let the handler run, or non-zero after replying (e.g. 401). */
typedef int (*hs_guard)(hs_request *req, int policy, void *ctx);
/* Called once per finished request. route is NULL when nothing matched. */
typedef void (*hs_observer)(const char *method, const char *route, int status, double seconds, void *ctx);

enum {
    HS_ROUTE_PARAM_ANY = 1, /* path parameters may contain '/' and ".." (never used as paths) */
    HS_ROUTE_RAW_BODY = 2,  /* do not insist on Content-Type: application/json for hs_json_body */
};

typedef struct {
    const char *method;
    const char *pattern; /* "/jobs/claim", "/wasm/:checksum" */
    hs_handler handler;
    void *ctx;
    int policy;        /* passed to the guard */
    size_t body_limit; /* 0 = the server default */
    int flags;
} hs_route_spec;

typedef struct {
    const char *host;              /* bind address; NULL = 0.0.0.0 */
    int port;                      /* 0 = let the OS choose (see hs_server_port) */
    unsigned threads;              /* thread pool size; 0 = 4 */
    size_t default_body_limit;     /* 0 = 1 MiB */
    const char *cors_origins;      /* comma-separated exact origins; NULL = none */
    const char *cors_methods;      /* NULL = "GET, POST, DELETE, OPTIONS" */
    const char *cors_headers;      /* NULL = "content-type, authorization, x-api-key" */
    unsigned connection_timeout_s; /* idle keep-alive timeout; 0 = 130 */
    hs_guard guard;
    void *guard_ctx;
    hs_observer observer;
    void *observer_ctx;
} hs_config;

hs_server *hs_server_new(const hs_config *cfg);
int hs_route_add(hs_server *s, const hs_route_spec *route);
/* Binds and starts serving. Returns 0 or -1 with err filled. */
int hs_server_start(hs_server *s, char *err, size_t err_size);
int hs_server_port(const hs_server *s);
/* Resume every waiting request (new work may be there). Thread-safe, cheap. */
void hs_server_wake(hs_server *s);
/* Graceful stop: stop accepting, resume waiters, wait up to grace_ms for
 * requests in flight, then close. */
void hs_server_stop(hs_server *s, int grace_ms);
void hs_server_free(hs_server *s);
/* Requests being processed now (for tests and shutdown). */
int hs_server_in_flight(const hs_server *s);

/* ---- request accessors ---- */
const char *hs_header(hs_request *req, const char *name); /* case-insensitive */
const char *hs_query(hs_request *req, const char *name);  /* NULL when absent */
const char *hs_param(hs_request *req, const char *name);
/* Parses the body as a JSON object. On failure replies (415 without a JSON
 * content type, 400 on a syntax error, 400 when not an object) and returns NULL. */
json_t *hs_json_body(hs_request *req);

typedef struct {
    char *name;
    char *filename; /* NULL for plain fields */
    unsigned char *data;
    size_t len;
} hs_part;
/* Parses a multipart/form-data (or urlencoded) body with MHD's post
 * processor. Returns 0 and an array to free with hs_parts_free, or -1. */
int hs_multipart(hs_request *req, hs_part **parts, size_t *count, char *err, size_t err_size);
void hs_parts_free(hs_part *parts, size_t count);
const hs_part *hs_part_find(const hs_part *parts, size_t count, const char *name);

/* ---- replies (the last reply set before the handler returns is sent) ---- */
void hs_reply_json(hs_request *req, int status, json_t *body); /* steals body */
void hs_reply_error(hs_request *req, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void hs_reply_text(hs_request *req, int status, const char *content_type, const char *body, size_t len);
void hs_reply_empty(hs_request *req, int status);
/* Streams size bytes from fd (which the server closes). */
void hs_reply_fd(hs_request *req, int status, int fd, uint64_t size, const char *content_type);
void hs_add_header(hs_request *req, const char *name, const char *value);
int hs_replied(const hs_request *req);
/* Suspend until hs_server_wake() or deadline (CLOCK_MONOTONIC milliseconds). */
void hs_wait(hs_request *req, int64_t deadline_ms);
int64_t hs_now_ms(void); /* CLOCK_MONOTONIC milliseconds */

/* ---- stopping from a signal handler ---- */
/* Set by hs_install_stop_signals() handlers on SIGINT/SIGTERM. */
extern volatile sig_atomic_t hs_stop_flag;
int hs_install_stop_signals(void);
/* Blocks (without polling) until a stop signal arrives or hs_request_stop(). */
void hs_wait_for_stop(void);
void hs_request_stop(void);

/* Percent-decoding as used for query and path parameters ('+' -> ' ' only
 * when plus_is_space). Returns a malloc'd string or NULL on a bad escape;
 * *len receives the decoded length (which may include NULs). */
char *hs_percent_decode(const char *s, size_t n, int plus_is_space, size_t *len);

#endif
