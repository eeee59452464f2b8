/*
 * fetch.c — a WasmUrl program's bytes (spec worker §14), verified against
 * the request's SHA-256 before anything else looks at them.
 *
 * http(s) through base/http_client (total timeout, body cap: a bigger
 * answer is refused while it streams, never buffered whole). file:// only
 * when the operator allowed it (--allow-file-urls, for tests and local
 * development): a request on chain must not be able to make a worker probe
 * its own files. Redirects are not followed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/http_client.h"
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
        if (n <= 0) break;
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
    if (strlen(expected) != 64) return 0;
    for (size_t i = 0; i < 64; i++)
        if (tolower((unsigned char)expected[i]) != actual[i]) return 0;
    return 1;
}

int wk_fetch_wasm(const char *url, const char *hash, size_t max_bytes, long timeout_ms, bool allow_file,
                  uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    if (strncmp(url, "file://", 7) == 0) {
        if (!allow_file) {
            snprintf(err, errlen, "Unsupported WASM URL scheme: file:// URLs are disabled on this worker");
            return -1;
        }
        if (read_file_capped(url + 7, max_bytes, &bytes, &len, err, errlen)) return -1;
    } else if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) {
        hc_options o = {.timeout_ms = timeout_ms, .max_response = max_bytes};
        hc_response r = {0};
        char herr[256];
        if (hc_request("GET", url, NULL, NULL, 0, &o, &r, herr, sizeof herr)) {
            if (strstr(herr, "exceeds"))
                snprintf(err, errlen, "WASM download too large: more than %zu bytes", max_bytes);
            else
                snprintf(err, errlen, "Download failed: %s", herr);
            return -1;
        }
        if (r.status < 200 || r.status > 299) {
            snprintf(err, errlen, "Download failed: HTTP %ld", r.status);
            hc_response_free(&r);
            return -1;
        }
        bytes = (uint8_t *)r.body;
        len = r.len;
        r.body = NULL;
        hc_response_free(&r);
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
