/* master.c — the master secret and the default token file (keystore.h). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore/keystore.h"

/* mkdir -p with mode 0700 for the directories we create. */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, errlen, "data directory path is too long");
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

/* Reads a 64-hex-digit secret file (optionally newline-terminated) into 32
 * bytes, refusing files that others can read. 1 = no file, 0 = read, -1. */
static int read_secret_file(const char *path, uint8_t out[32], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    char text[80];
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077)) {
        close(fd);
        snprintf(err, errlen, "%s is readable by group or others (mode %03o); run chmod 600 on it", path,
                 (unsigned)(st.st_mode & 0777));
        return -1;
    }
    n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 64) {
        snprintf(err, errlen, "%s does not hold a 64-hex-digit secret", path);
        return -1;
    }
    text[n] = 0;
    while (n > 64 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = 0;
    int rc = n == 64 && sec_unhex(text, out, 32) == 0 ? 0 : -1;
    sodium_memzero(text, sizeof text);
    if (rc)
        snprintf(err, errlen, "%s does not hold a 64-hex-digit secret", path);
    return rc;
}

/* Creates path with 32 fresh random bytes as hex, mode 0600. The file is
 * written under a temporary name and linked into place, so a reader never
 * sees half a key; if another process won the race, its key is used.
 * 0 = created (out filled), 1 = someone else created it, -1 = error. */
static int write_secret_file(const char *path, uint8_t out[32], char *err, size_t errlen)
{
    char text[66], tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    randombytes_buf(out, 32);
    sec_hex(out, 32, text);
    text[64] = '\n';
    text[65] = 0;
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(text, sizeof text);
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    ssize_t w = write(fd, text, 65);
    sodium_memzero(text, sizeof text);
    int synced = w == 65 && fsync(fd) == 0;
    close(fd);
    if (!synced) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    int linked = link(tmp, path);
    int saved = errno;
    unlink(tmp);
    if (linked == 0)
        return 0;
    sodium_memzero(out, 32);
    if (saved == EEXIST)
        return 1;
    snprintf(err, errlen, "cannot create %s: %s", path, strerror(saved));
    return -1;
}

static int load_or_create(const char *data_dir, const char *name, uint8_t out[32], char *err, size_t errlen)
{
    char path[1100];
    if (!data_dir || !*data_dir) {
        snprintf(err, errlen, "no data directory configured");
        return -1;
    }
    if (make_dirs(data_dir, err, errlen))
        return -1;
    snprintf(path, sizeof path, "%s/%s", data_dir, name);
    int r = read_secret_file(path, out, err, errlen);
    if (r <= 0)
        return r;
    r = write_secret_file(path, out, err, errlen);
    if (r == 1)
        r = read_secret_file(path, out, err, errlen); /* another process made it first */
    return r == 0 ? 0 : -1;
}

int ks_master_load(const char *data_dir, const char *hex, uint8_t master[SEC_MASTER_LEN], char *err, size_t errlen)
{
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    if (hex && *hex) {
        if (sec_unhex(hex, master, SEC_MASTER_LEN) != 0) {
            snprintf(err, errlen, "OUTLAYER_KEYSTORE_MASTER must be exactly 64 hex digits (32 bytes)");
            return -1;
        }
        return 0;
    }
    return load_or_create(data_dir, "master.key", master, err, errlen);
}

int ks_token_file(const char *data_dir, char token[65], char *err, size_t errlen)
{
    uint8_t raw[32];
    if (load_or_create(data_dir, "auth-token", raw, err, errlen))
        return -1;
    sec_hex(raw, 32, token);
    sodium_memzero(raw, sizeof raw);
    return 0;
}
