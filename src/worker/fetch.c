/*
 * fetch.c — a WasmUrl program's bytes (spec worker §14), verified against
 * the request's SHA-256 before anything else looks at them.
 *
 * http(s) on libcurl: a total timeout, a body cap (a bigger answer is
 * refused while it streams, never buffered whole), at most
 * WK_FETCH_MAX_REDIRECTS redirects and only to http/https, no proxy from
 * the environment, and every connection — each redirect hop, each address
 * of a name — checked by src/hostapi/netpolicy.c on the resolved address curl is about
 * to connect to (CURLOPT_OPENSOCKETFUNCTION), so a name cannot point
 * inside and the socket goes to exactly the address that was checked.
 * file:// only when the operator allowed it (--allow-file-urls, for tests
 * and local development): a request on chain must not be able to make a
 * worker probe its own files or network.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "worker/worker.h"

static int read_file_capped(const char *path, size_t cap, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "Download failed: cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        snprintf(err, errlen, "Download failed: %s is not a regular file", path);
        return -1;
    }
    if ((uint64_t)st.st_size > cap) {
        close(fd);
        snprintf(err, errlen, "WASM download too large: %lld bytes (max %zu bytes)", (long long)st.st_size, cap);
        return -1;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t got = 0;
    while (buf && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    if (!buf || got != (size_t)st.st_size) {
        free(buf);
        snprintf(err, errlen, "Download failed: short read of %s", path);
        return -1;
    }
    *out = buf;
    *len = got;
    return 0;
}

int wk_hash_matches(const uint8_t *data, size_t len, const char *expected, char actual[65])
{
    wk_sha256_hex(data, len, actual);
    if (strlen(expected) != 64)
        return 0;
    for (size_t i = 0; i < 64; i++)
        if (tolower((unsigned char)expected[i]) != actual[i])
            return 0;
    return 1;
}

typedef struct {
    bool allow_private;
    char refused[200]; /* why a connection was refused, for the error */
    uint8_t *buf;
    size_t len, cap, max;
    bool too_big;
} fetch_ctx;

static curl_socket_t open_checked(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    fetch_ctx *f = ud;
    (void)purpose;
    net_addr_class c = net_addr_classify(&a->addr);
    if (!net_addr_allowed(c, f->allow_private)) {
        char ip[INET6_ADDRSTRLEN] = "?";
        if (a->family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&a->addr)->sin_addr, ip, sizeof ip);
        else if (a->family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&a->addr)->sin6_addr, ip, sizeof ip);
        snprintf(f->refused, sizeof f->refused, "the address %s is %s", ip,
                 c == NET_ADDR_LOOPBACK || c == NET_ADDR_PRIVATE || c == NET_ADDR_CGNAT
                     ? (c == NET_ADDR_LOOPBACK  ? "loopback (allowed only with --allow-private-urls)"
                        : c == NET_ADDR_PRIVATE ? "private (allowed only with --allow-private-urls)"
                                               : "carrier-grade NAT (allowed only with --allow-private-urls)")
                     : net_addr_class_name(c));
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    fetch_ctx *f = ud;
    size_t n = size * nmemb;
    if (n > f->max - f->len) {
        f->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 64 * 1024;
        while (cap < f->len + n)
            cap *= 2;
        if (cap > f->max)
            cap = f->max;
        uint8_t *b = realloc(f->buf, cap ? cap : 1);
        if (!b)
            return 0;
        f->buf = b;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, p, n);
    f->len += n;
    return n;
}

static int fetch_http(const char *url, const wk_fetch_opts *o, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    fetch_ctx f = {.allow_private = o->allow_private, .max = o->max_bytes};
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "Download failed: out of memory");
        return -1;
    }
    char cerr[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)WK_FETCH_MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* an environment proxy would be the address checked, not the target */
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &f);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_bytes);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "outlayer-worker");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK || status < 200 || status > 299) {
        free(f.buf);
        if (f.too_big || rc == CURLE_FILESIZE_EXCEEDED)
            snprintf(err, errlen, "WASM download too large: more than %zu bytes", o->max_bytes);
        else if (f.refused[0])
            snprintf(err, errlen, "WASM download refused: %s", f.refused);
        else if (rc == CURLE_TOO_MANY_REDIRECTS)
            snprintf(err, errlen, "WASM download refused: more than %d redirects", WK_FETCH_MAX_REDIRECTS);
        else if (rc == CURLE_UNSUPPORTED_PROTOCOL)
            snprintf(err, errlen, "WASM download refused: a redirect to a scheme other than http/https");
        else if (rc != CURLE_OK)
            snprintf(err, errlen, "Download failed: %s", cerr[0] ? cerr : curl_easy_strerror(rc));
        else
            snprintf(err, errlen, "Download failed: HTTP %ld", status);
        return -1;
    }
    *out = f.buf ? f.buf : malloc(1);
    *len = f.len;
    return *out ? 0 : -1;
}

int wk_fetch_wasm(const char *url, const char *hash, const wk_fetch_opts *o, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (strncmp(url, "file://", 7) == 0) {
        if (!o->allow_file) {
            snprintf(err, errlen, "Unsupported WASM URL scheme: file:// URLs are disabled on this worker");
            return -1;
        }
        if (read_file_capped(url + 7, o->max_bytes, &bytes, &len, err, errlen))
            return -1;
    } else if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0) {
        if (fetch_http(url, o, &bytes, &len, err, errlen))
            return -1;
    } else {
        snprintf(err, errlen, "Unsupported WASM URL scheme (use http:// or https://)");
        return -1;
    }
    char actual[65];
    if (!wk_hash_matches(bytes, len, hash, actual)) {
        snprintf(err, errlen, "WASM hash mismatch: expected %.64s, got %s", hash, actual);
        free(bytes);
        return -1;
    }
    *out = bytes;
    *out_len = len;
    return 0;
}
