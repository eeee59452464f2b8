/* http_client.h — small blocking HTTP client on libcurl.
 *
 * One call, one request: no handle to manage. Every call has a total
 * timeout and a cap on the response body (a larger answer fails with an
 * error instead of growing memory). A bearer token, when given, is sent as
 * "Authorization: Bearer ..." and never appears in error messages.
 *
 * Call hc_global_init() once before starting threads (it is idempotent). */
#ifndef OUTLAYER_BASE_HTTP_CLIENT_H
#define OUTLAYER_BASE_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

typedef struct {
    long timeout_ms;            /* total time for the request; 0 = 30000 */
    long connect_timeout_ms;    /* 0 = 5000 */
    size_t max_response;        /* cap on the body in bytes; 0 = 8 MiB */
    const char *bearer;         /* NULL = no Authorization header */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; may be NULL */
} hc_options;

typedef struct {
    long status; /* HTTP status */
    char *body;  /* NUL-terminated (len bytes before the NUL); free with hc_response_free */
    size_t len;
    char *content_type; /* NULL when absent */
    char *headers;      /* the raw response header lines of the last response */
} hc_response;

int hc_global_init(void);

/* Sends one request. Returns 0 when an HTTP answer arrived (any status) and
 * fills resp; -1 on transport failure, timeout or an oversized answer, with
 * err filled. body may be NULL (len 0). */
int hc_request(const char *method, const char *url, const char *content_type, const void *body, size_t len,
               const hc_options *opt, hc_response *resp, char *err, size_t err_size);
void hc_response_free(hc_response *resp);
/* Copies the value of response header `name` (case-insensitive) into buf;
 * returns 0, or -1 when absent. */
int hc_header(const hc_response *resp, const char *name, char *buf, size_t size);

/* A client that keeps its connections open between requests (keep-alive).
 * One per thread: a client is not thread-safe. */
typedef struct hc_client hc_client;
hc_client *hc_client_new(void);
void hc_client_free(hc_client *c);
int hc_client_request(hc_client *c, const char *method, const char *url, const char *content_type, const void *body,
                      size_t len, const hc_options *opt, hc_response *resp, char *err, size_t err_size);

/* GET url; *out receives the parsed JSON (or NULL when the body is empty or
 * not JSON). Returns 0 when an answer arrived, with *status set. */
int hc_get_json(const char *url, const hc_options *opt, long *status, json_t **out, char *err, size_t err_size);
/* POST body (not stolen) as application/json. */
int hc_post_json(const char *url, const json_t *body, const hc_options *opt, long *status, json_t **out, char *err,
                 size_t err_size);

#endif
