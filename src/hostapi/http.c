/*
 * http.c — one outlayer_v1.http_request through libcurl.
 *
 * Redirects are followed here, not by curl, so each hop's scheme and host
 * go through the allow-list again; each connection's resolved address goes
 * through netpolicy.h (curl's open-socket callback), so neither a name nor
 * a redirect can point inside. Time is bounded by the smaller of the job's
 * remaining HTTP budget and its wall-clock deadline; bytes by the job's
 * remaining caps. No proxy from the environment, no cookies, no protocols
 * other than http and https.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hostapi/internal.h"
#include "hostapi/netpolicy.h"

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static bool buf_put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return false;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

static bool buf_u32(buf *b, uint32_t v)
{
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return buf_put(b, le, 4);
}

typedef struct hop {
    hostapi_ctx *h;
    bool allow_private; /* this hop's host was an IP-literal pattern, or the config says so */
    bool refused;
    bool too_big;
    bool oom;
    uint64_t budget; /* bytes this request may still receive */
    uint64_t received;
    buf headers; /* u32 len + "Name: value" each */
    uint32_t nheaders;
    buf body;
} hop;

static curl_socket_t open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    hop *x = ud;
    (void)purpose;
    net_addr_class c = net_addr_classify(&a->addr);
    if (!net_addr_allowed(c, x->allow_private)) {
        char ip[INET6_ADDRSTRLEN] = "?";
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&a->addr)->sin_addr, ip, sizeof ip);
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->addr)->sin6_addr, ip, sizeof ip);
        snprintf(x->h->last_error, sizeof x->h->last_error, "the address %s is %s", ip, net_addr_class_name(c));
        x->refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static bool count(hop *x, size_t n)
{
    x->received += n;
    if (x->received > x->budget) {
        x->too_big = true;
        return false;
    }
    return true;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
    hop *x = ud;
    size_t n = size * nmemb;
    if (!count(x, n))
        return 0;
    size_t m = n;
    while (m > 0 && (p[m - 1] == '\r' || p[m - 1] == '\n'))
        m--;
    if (m == 0 || (m >= 5 && memcmp(p, "HTTP/", 5) == 0))
        return n; /* blank line, status line */
    if (x->nheaders >= 256)
        return n; /* counted, not kept */
    if (!buf_u32(&x->headers, (uint32_t)m) || !buf_put(&x->headers, p, m)) {
        x->oom = true;
        return 0;
    }
    x->nheaders++;
    return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    hop *x = ud;
    size_t n = size * nmemb;
    if (!count(x, n))
        return 0;
    if (!buf_put(&x->body, p, n)) {
        x->oom = true;
        return 0;
    }
    return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    hop *x = ud;
    return atomic_load(&x->h->cancelled) ? 1 : 0;
}

/* Checks the scheme and host of url against the policy; the hop's private flag follows the match. */
static int check_url(hostapi_ctx *h, const char *url, hop *x)
{
    CURLU *u = curl_url();
    if (!u)
        return HOSTAPI_ENETWORK;
    char *scheme = NULL, *host = NULL;
    int code = HOSTAPI_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
        snprintf(h->last_error, sizeof h->last_error, "not a URL");
        code = HOSTAPI_EINVAL;
    } else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        snprintf(h->last_error, sizeof h->last_error, "scheme %.32s is not http or https", scheme);
        code = HOSTAPI_ESCHEME;
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(h->last_error, sizeof h->last_error, "the URL has no host");
        code = HOSTAPI_EINVAL;
    } else {
        bool explicit_ip = false;
        if (!hostapi_host_allowed(h->allow, host, &explicit_ip)) {
            snprintf(h->last_error, sizeof h->last_error, "the host %.200s is not on the allow-list", host);
            code = HOSTAPI_EHOST;
        } else if (h->request_narrows && !hostapi_host_allowed(h->request_allow, host, NULL)) {
            /* the intersection: the request can only narrow the operator's list */
            snprintf(h->last_error, sizeof h->last_error, "the host %.200s is not on the request's http_allow", host);
            code = HOSTAPI_EHOST;
        }
        /* Only the operator's list (an IP-literal pattern there) or its
         * allow_private admits private addresses, never the request's. */
        x->allow_private = h->allow_private || explicit_ip;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return code;
}

/* Milliseconds this request may still take: the smaller of the job's HTTP
 * budget and its wall-clock deadline; 0 when nothing is left. */
static long time_left_ms(const hostapi_ctx *h)
{
    uint64_t now = hostapi_now_us();
    uint64_t budget_us = h->time_ms * 1000;
    uint64_t left = h->spent_us >= budget_us ? 0 : budget_us - h->spent_us;
    if (h->deadline_us) {
        uint64_t d = h->deadline_us > now ? h->deadline_us - now : 0;
        if (d < left)
            left = d;
    }
    return (long)(left / 1000);
}

int hostapi_http_perform(hostapi_ctx *h, const hostapi_request *rq, uint8_t **resp, size_t *resp_len)
{
    char method[17];
    memcpy(method, rq->method.p, rq->method.len);
    method[rq->method.len] = 0;
    char *url = strndup((const char *)rq->url.p, rq->url.len);
    struct curl_slist *hdrs = NULL;
    for (uint32_t i = 0; i < rq->nheaders; i++) {
        char *line = strndup((const char *)rq->headers[i].p, rq->headers[i].len);
        struct curl_slist *n = line ? curl_slist_append(hdrs, line) : NULL;
        free(line);
        if (!n) {
            free(url);
            curl_slist_free_all(hdrs);
            return HOSTAPI_ENETWORK;
        }
        hdrs = n;
    }
    h->sent_bytes += rq->method.len + rq->url.len + rq->body.len;
    for (uint32_t i = 0; i < rq->nheaders; i++)
        h->sent_bytes += rq->headers[i].len;

    bool send_body = rq->body.len > 0;
    int code = HOSTAPI_OK;
    hop x = {.h = h};
    long status = 0;
    for (unsigned redirects = 0;; redirects++) {
        free(x.headers.p), free(x.body.p);
        memset(&x, 0, sizeof x);
        x.h = h;
        x.budget = h->max_response_bytes - h->received_bytes;
        if (!url) {
            code = HOSTAPI_ENETWORK;
            break;
        }
        if ((code = check_url(h, url, &x)) != HOSTAPI_OK)
            break;
        long ms = time_left_ms(h);
        if (ms <= 0 || atomic_load(&h->cancelled)) {
            snprintf(h->last_error, sizeof h->last_error, "no HTTP time left for this job");
            code = HOSTAPI_ETIMEOUT;
            break;
        }
        CURL *c = curl_easy_init();
        if (!c) {
            code = HOSTAPI_ENETWORK;
            break;
        }
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_PROXY, "");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (h->ca_file)
            curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
        curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &x);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0)
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        if (send_body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)rq->body.p);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body.len);
        }
        uint64_t t0 = hostapi_now_us();
        CURLcode rc = curl_easy_perform(c);
        h->spent_us += hostapi_now_us() - t0;
        h->received_bytes += x.received > x.budget ? x.budget : x.received;
        char *next = NULL;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            char *loc = NULL;
            if (status >= 300 && status < 400 && curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
                next = strdup(loc);
        } else if (x.refused) {
            code = HOSTAPI_EADDR;
        } else if (x.too_big) {
            snprintf(h->last_error, sizeof h->last_error, "the response exceeds the job's cap of %llu bytes",
                     (unsigned long long)h->max_response_bytes);
            code = HOSTAPI_ERESPONSE_TOO_LARGE;
        } else if (rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_ABORTED_BY_CALLBACK) {
            snprintf(h->last_error, sizeof h->last_error, "the request ran out of time");
            code = HOSTAPI_ETIMEOUT;
        } else {
            snprintf(h->last_error, sizeof h->last_error, "%s", curl_easy_strerror(rc));
            code = HOSTAPI_ENETWORK;
        }
        curl_easy_cleanup(c);
        if (code != HOSTAPI_OK || !next) {
            free(next);
            break;
        }
        if (redirects >= HOSTAPI_MAX_REDIRECTS) {
            free(next);
            snprintf(h->last_error, sizeof h->last_error, "more than %u redirects", HOSTAPI_MAX_REDIRECTS);
            code = HOSTAPI_EREDIRECTS;
            break;
        }
        free(url);
        url = next;
        if (status == 303 || ((status == 301 || status == 302) && strcmp(method, "POST") == 0)) {
            strcpy(method, "GET"); /* what browsers do; 307/308 keep method and body */
            send_body = false;
        }
    }
    if (code == HOSTAPI_OK) {
        buf out = {0};
        if (!buf_u32(&out, (uint32_t)status) || !buf_u32(&out, x.nheaders) ||
            (x.headers.len && !buf_put(&out, x.headers.p, x.headers.len)) || !buf_u32(&out, (uint32_t)x.body.len) ||
            (x.body.len && !buf_put(&out, x.body.p, x.body.len))) {
            free(out.p);
            code = HOSTAPI_ENETWORK;
        } else {
            *resp = out.p;
            *resp_len = out.len;
        }
    }
    free(x.headers.p);
    free(x.body.p);
    free(url);
    curl_slist_free_all(hdrs);
    return code;
}
