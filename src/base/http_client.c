/* http_client.c — see http_client.h. */
#include "base/http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static int g_init_rc;

static void do_init(void) { g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

int hc_global_init(void)
{
    pthread_once(&g_once, do_init);
    return g_init_rc;
}

typedef struct {
    char *data;
    size_t len, cap, max;
    int overflow;
} sink;

/* Appends [p, p+n) to s, kept NUL-terminated, growing it by doubling from
 * first_cap. False when out of memory. */
static bool sink_append(sink *s, const char *p, size_t n, size_t first_cap)
{
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : first_cap;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *nd = realloc(s->data, cap);
        if (!nd)
            return false;
        s->data = nd;
        s->cap = cap;
    }
    memcpy(s->data + s->len, p, n);
    s->len += n;
    s->data[s->len] = 0;
    return true;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    if (s->len + n > s->max) {
        s->overflow = 1;
        return 0; /* aborts the transfer */
    }
    return sink_append(s, p, n, 4096) ? n : 0;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    /* A new status line (after a redirect or 100-continue) starts over. */
    if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
        s->len = 0;
    if (s->len + n > 64 * 1024)
        return n; /* keep the first 64 KiB of headers */
    return sink_append(s, p, n, 1024) ? n : 0;
}

struct hc_client {
    CURL *curl;
};

hc_client *hc_client_new(void)
{
    if (hc_global_init() != 0)
        return NULL;
    hc_client *c = calloc(1, sizeof *c);
    if (c && !(c->curl = curl_easy_init())) {
        free(c);
        return NULL;
    }
    return c;
}

void hc_client_free(hc_client *c)
{
    if (!c)
        return;
    curl_easy_cleanup(c->curl);
    free(c);
}

static int do_request(CURL *reuse, const char *method, const char *url, const char *content_type, const void *body,
                      size_t len, const hc_options *opt, hc_response *resp, char *err, size_t err_size);

int hc_request(const char *method, const char *url, const char *content_type, const void *body, size_t len,
               const hc_options *opt, hc_response *resp, char *err, size_t err_size)
{
    return do_request(NULL, method, url, content_type, body, len, opt, resp, err, err_size);
}

int hc_client_request(hc_client *cl, const char *method, const char *url, const char *content_type, const void *body,
                      size_t len, const hc_options *opt, hc_response *resp, char *err, size_t err_size)
{
    curl_easy_reset(cl->curl); /* options reset; connections and DNS cache stay */
    return do_request(cl->curl, method, url, content_type, body, len, opt, resp, err, err_size);
}

static int do_request(CURL *reuse, const char *method, const char *url, const char *content_type, const void *body,
                      size_t len, const hc_options *opt, hc_response *resp, char *err, size_t err_size)
{
    static const hc_options defaults = {0};
    if (!opt)
        opt = &defaults;
    memset(resp, 0, sizeof *resp);
    if (hc_global_init() != 0) {
        snprintf(err, err_size, "libcurl initialisation failed");
        return -1;
    }
    CURL *c = reuse ? reuse : curl_easy_init();
    if (!c) {
        snprintf(err, err_size, "libcurl: cannot create a handle");
        return -1;
    }
    sink hs = {0};
    sink s = {.max = opt->max_response ? opt->max_response : (size_t)8 << 20};
    struct curl_slist *h = NULL;
    char line[1024];
    if (content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        h = curl_slist_append(h, line);
    }
    if (opt->bearer) {
        size_t bl = strlen(opt->bearer) + 32;
        char *auth = malloc(bl);
        if (auth) {
            snprintf(auth, bl, "Authorization: Bearer %s", opt->bearer);
            h = curl_slist_append(h, auth);
            free(auth);
        }
    }
    for (const char *const *x = opt->headers; x && *x; x++)
        h = curl_slist_append(h, *x);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opt->timeout_ms ? opt->timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms ? opt->connect_timeout_ms : 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    int ret = 0;
    if (s.overflow) {
        snprintf(err, err_size, "response body from %s exceeds %zu bytes", method, s.max);
        ret = -1;
    } else if (rc != CURLE_OK) {
        /* curl's message names the host and the failure, never the headers. */
        snprintf(err, err_size, "%s request failed: %s", method, curl_easy_strerror(rc));
        ret = -1;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        resp->content_type = ct ? strdup(ct) : NULL;
        resp->body = s.data ? s.data : strdup("");
        resp->len = s.len;
        resp->headers = hs.data ? hs.data : strdup("");
        s.data = NULL;
        hs.data = NULL;
    }
    free(s.data);
    free(hs.data);
    curl_slist_free_all(h);
    if (!reuse)
        curl_easy_cleanup(c);
    return ret;
}

int hc_header(const hc_response *resp, const char *name, char *buf, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = resp->headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t ll = eol ? (size_t)(eol - p) : strlen(p);
        if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t vl = (size_t)(p + ll - v);
            while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
                vl--;
            if (vl >= size)
                vl = size ? size - 1 : 0;
            if (size) {
                memcpy(buf, v, vl);
                buf[vl] = 0;
            }
            return 0;
        }
        p = eol ? eol + 1 : p + ll;
    }
    return -1;
}

void hc_response_free(hc_response *resp)
{
    if (!resp)
        return;
    free(resp->headers);
    free(resp->body);
    free(resp->content_type);
    memset(resp, 0, sizeof *resp);
}

static int finish_json(hc_response *r, long *status, json_t **out)
{
    if (status)
        *status = r->status;
    if (out)
        *out = r->len ? json_loadb(r->body, r->len, 0, NULL) : NULL;
    hc_response_free(r);
    return 0;
}

int hc_get_json(const char *url, const hc_options *opt, long *status, json_t **out, char *err, size_t err_size)
{
    hc_response r;
    if (out)
        *out = NULL;
    if (hc_request("GET", url, NULL, NULL, 0, opt, &r, err, err_size))
        return -1;
    return finish_json(&r, status, out);
}

int hc_post_json(const char *url, const json_t *body, const hc_options *opt, long *status, json_t **out, char *err,
                 size_t err_size)
{
    if (out)
        *out = NULL;
    char *s = json_dumps(body, JSON_COMPACT);
    if (!s) {
        snprintf(err, err_size, "cannot encode JSON body");
        return -1;
    }
    hc_response r;
    int rc = hc_request("POST", url, "application/json", s, strlen(s), opt, &r, err, err_size);
    free(s);
    if (rc)
        return -1;
    return finish_json(&r, status, out);
}
