/* cache.c — see cache.h. */
#include "coordinator/cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cache_norm_sha(const char *s, char out[65])
{
    if (!s || strlen(s) != 64)
        return -1;
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c + 32);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return -1;
        out[i] = c;
    }
    out[64] = 0;
    return 0;
}

static int path_of(const char *dir, const char *sha, char *buf, size_t size)
{
    char norm[65];
    if (cache_norm_sha(sha, norm))
        return -1;
    int n = snprintf(buf, size, "%s/%.2s/%s.wasm", dir, norm, norm);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int mkdir_p(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0700) && errno != EEXIST ? -1 : 0;
}

int cache_init(const char *dir, char *err, size_t n)
{
    if (mkdir_p(dir)) {
        snprintf(err, n, "cannot create WASM cache directory %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int cache_write(const char *dir, const char *sha, const void *data, size_t len, char *err, size_t n)
{
    char path[4096], sub[4000], tmp[4096];
    if (path_of(dir, sha, path, sizeof path)) {
        snprintf(err, n, "invalid checksum");
        return -1;
    }
    if (snprintf(sub, sizeof sub, "%s/%.2s", dir, path + strlen(dir) + 1) >= (int)sizeof sub) {
        snprintf(err, n, "cache directory path too long");
        return -1;
    }
    if (mkdir(sub, 0700) && errno != EEXIST) {
        snprintf(err, n, "cannot create cache directory: %s", strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s/.upload-XXXXXX", sub);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, n, "cannot create a temporary file: %s", strerror(errno));
        return -1;
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, n, "cannot write the WASM file: %s", strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) || close(fd)) {
        snprintf(err, n, "cannot flush the WASM file: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        snprintf(err, n, "cannot move the WASM file into place: %s", strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int cache_open(const char *dir, const char *sha, uint64_t *size)
{
    char path[4096];
    if (path_of(dir, sha, path, sizeof path))
        return -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return -1;
    }
    *size = (uint64_t)st.st_size;
    return fd;
}

int cache_exists(const char *dir, const char *sha)
{
    char path[4096];
    struct stat st;
    return path_of(dir, sha, path, sizeof path) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void cache_remove(const char *dir, const char *sha)
{
    char path[4096];
    if (path_of(dir, sha, path, sizeof path) == 0)
        unlink(path);
}
