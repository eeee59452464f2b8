/*
 * rpc_server.c — HTTP on --port with libmicrohttpd: JSON-RPC 2.0 on
 * POST /, GET /status and /health, and the block feed under GET /v0/.
 *
 * A thread per connection: a call that waits for a transaction's result (or
 * a feed request for a block not produced yet) simply sleeps on the chain's
 * block condition without holding up other clients.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <microhttpd.h>

#include "devnet/devnet.h"
#include "devnet/rpc_internal.h"

#define MAX_BODY (8u << 20)
/* One client must not lock the others out: at most this many connections
 * per client address (the rest are refused at accept), an idle connection
 * is closed after IDLE_TIMEOUT_S, and a request body must arrive within
 * BODY_DEADLINE_S however slowly its bytes trickle in. */
#define PER_ADDRESS_CONNECTIONS 128u
#define IDLE_TIMEOUT_S 30u
#define BODY_DEADLINE_S 30u

struct devnet_server {
    struct MHD_Daemon *d;
    devnet_chain *chain;
};

typedef struct request {
    char *body;
    size_t len;
    bool too_large;
    uint64_t started_ns;
} request;

/* Takes body (malloc'd; NULL, when memory ran out, drops the connection). */
static enum MHD_Result reply(struct MHD_Connection *conn, int status, char *body)
{
    if (!body)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *conn, int status, json_t *j)
{
    char *body = devnet_json_dumps(j);
    json_decref(j);
    if (!body)
        return MHD_NO;
    return reply(conn, status, body);
}

/* A request nearcore would not parse: PARSE_ERROR, HTTP 400. Steals id. */
static enum MHD_Result reply_parse_error(struct MHD_Connection *conn, const char *what, json_t *id)
{
    int http = 400;
    json_t *error = devnet_rpc_request_error(&http, what);
    return reply_json(conn, http, json_pack("{s:s,s:o,s:o}", "jsonrpc", "2.0", "error", error, "id", id));
}

static enum MHD_Result handle_rpc(devnet_server *s, struct MHD_Connection *conn, request *req)
{
    json_error_t jerr;
    json_t *body = req->too_large ? NULL : json_loadb(req->body ? req->body : "", req->len, 0, &jerr);
    json_t *id = json_null();
    if (!body || !json_is_object(body)) {
        json_decref(body);
        return reply_parse_error(conn, req->too_large ? "request body too large" : "invalid JSON", id);
    }
    json_t *jid = json_object_get(body, "id");
    if (jid)
        id = json_incref(jid);
    const char *method = json_string_value(json_object_get(body, "method"));
    if (!method) {
        json_decref(body);
        return reply_parse_error(conn, "missing method", id);
    }
    json_t *error = NULL;
    int status = 200;
    json_t *result = devnet_rpc_dispatch(s->chain, method, json_object_get(body, "params"), &error, &status);
    json_decref(body);
    if (result)
        return reply_json(conn, 200, json_pack("{s:s,s:o,s:o}", "jsonrpc", "2.0", "result", result, "id", id));
    return reply_json(
        conn, status,
        json_pack("{s:s,s:o,s:o}", "jsonrpc", "2.0", "error", error ? error : json_string("internal error"), "id", id));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    devnet_server *s = cls;
    if (!strcmp(method, "POST")) {
        request *req = *con_cls;
        if (!req) {
            req = calloc(1, sizeof *req);
            if (!req)
                return MHD_NO;
            req->started_ns = devnet_now_ns();
            *con_cls = req;
            return MHD_YES;
        }
        if (devnet_now_ns() - req->started_ns > BODY_DEADLINE_S * 1000000000ull)
            return MHD_NO; /* a body trickling in too slowly: drop the connection */
        if (*upload_size) {
            if (req->len + *upload_size > MAX_BODY) {
                req->too_large = true;
            } else {
                char *b = realloc(req->body, req->len + *upload_size + 1);
                if (!b)
                    return MHD_NO;
                memcpy(b + req->len, upload_data, *upload_size);
                req->body = b;
                req->len += *upload_size;
            }
            *upload_size = 0;
            return MHD_YES;
        }
        return handle_rpc(s, conn, req);
    }
    if (!strcmp(method, "OPTIONS")) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "Content-Type");
        enum MHD_Result ret = MHD_queue_response(conn, 204, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(method, "GET") != 0)
        return reply(conn, 405, strdup("{\"error\":\"method not allowed\"}"));
    if (!strcmp(url, "/health"))
        return reply(conn, 200, strdup(""));
    if (!strcmp(url, "/status")) {
        json_t *error = NULL;
        int status = 200;
        json_t *r = devnet_rpc_dispatch(s->chain, "status", NULL, &error, &status);
        if (!r)
            return reply_json(conn, status, error ? error : json_null());
        return reply_json(conn, 200, r);
    }
    int status = 404;
    char *body = devnet_feed_get(s->chain, url, &status);
    if (!body)
        return reply(conn, 404, strdup("{\"error\":\"not found\"}"));
    return reply(conn, status, body);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    request *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

devnet_server *devnet_server_start(devnet_chain *c, int port, char *err, size_t errlen)
{
    devnet_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->chain = c;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    const char *bind_all = getenv("DEVNET_BIND_ALL");
    addr.sin_addr.s_addr = htonl(bind_all && !strcmp(bind_all, "1") ? INADDR_ANY : INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
                            (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)IDLE_TIMEOUT_S, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                            (unsigned)PER_ADDRESS_CONNECTIONS, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on 127.0.0.1:%d (port in use?)", port);
        free(s);
        return NULL;
    }
    return s;
}

int devnet_server_port(devnet_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return info ? (int)info->port : -1;
}

void devnet_server_stop(devnet_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
