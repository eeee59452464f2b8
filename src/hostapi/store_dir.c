/*
 * store_dir.c — the storage backend of `outlayer run --storage DIR`: one
 * file per key in DIR, named by the key's lowercase hex, holding the value.
 * Writes go to a temporary file renamed over the old one, under an
 * exclusive flock on DIR/.lock, so a set is atomic even with several local
 * runs at once. Quotas (keys, bytes = key + value bytes) are checked here
 * the way the coordinator checks them. Meant for trying programs locally.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostapi/kv.h"

typedef struct {
    hostapi_store base;
    char *dir;
    uint32_t max_keys, max_value;
    uint64_t max_bytes;
} dir_store;

static int lock_dir(dir_store *s)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/.lock", s->dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        fd = -1;
    }
    if (fd < 0)
        snprintf(s->base.err, sizeof s->base.err, "cannot lock %.150s: %.60s", p, strerror(errno));
    return fd;
}

static void unlock_dir(int fd)
{
    flock(fd, LOCK_UN);
    close(fd);
}

static void path_of(dir_store *s, const uint8_t *key, uint32_t klen, char *out, size_t cap)
{
    char hex[2 * HOSTAPI_KV_MAX_KEY + 1];
    sodium_bin2hex(hex, sizeof hex, key, klen);
    snprintf(out, cap, "%s/%s", s->dir, hex);
}

static bool is_key_name(const char *n)
{
    size_t l = strlen(n);
    if (l == 0 || l % 2 || l > 2 * HOSTAPI_KV_MAX_KEY)
        return false;
    for (size_t i = 0; i < l; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
            return false;
    return true;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }
static int key_filter(const struct dirent *d) { return is_key_name(d->d_name); }

/* The store's usage: keys and key + value bytes. */
static int usage(dir_store *s, uint64_t *keys, uint64_t *bytes)
{
    struct dirent **list = NULL;
    int n = scandir(s->dir, &list, key_filter, NULL);
    if (n < 0)
        return -1;
    *keys = 0;
    *bytes = 0;
    for (int i = 0; i < n; i++) {
        char p[4200];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", s->dir, list[i]->d_name);
        if (stat(p, &st) == 0) {
            (*keys)++;
            *bytes += strlen(list[i]->d_name) / 2 + (uint64_t)st.st_size;
        }
        free(list[i]);
    }
    free(list);
    return 0;
}

static int d_get(hostapi_store *b, const uint8_t *key, uint32_t klen, uint8_t **val, size_t *vlen)
{
    dir_store *s = (dir_store *)b;
    char p[4200];
    path_of(s, key, klen, p, sizeof p);
    FILE *f = fopen(p, "rb");
    if (!f)
        return errno == ENOENT ? HOSTAPI_ENOT_FOUND : HOSTAPI_EUNAVAILABLE;
    uint8_t *buf = malloc((size_t)s->max_value + 1);
    size_t n = buf ? fread(buf, 1, (size_t)s->max_value + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return HOSTAPI_EUNAVAILABLE;
    }
    *val = buf;
    *vlen = n;
    return HOSTAPI_OK;
}

static int d_set(hostapi_store *b, const uint8_t *key, uint32_t klen, const uint8_t *val, uint32_t vlen)
{
    dir_store *s = (dir_store *)b;
    if (vlen > s->max_value)
        return HOSTAPI_ETOO_BIG;
    int lk = lock_dir(s);
    if (lk < 0)
        return HOSTAPI_EUNAVAILABLE;
    int code = HOSTAPI_EUNAVAILABLE;
    char p[4200], tmp[4300];
    path_of(s, key, klen, p, sizeof p);
    struct stat st;
    bool exists = stat(p, &st) == 0;
    uint64_t keys, bytes, old = exists ? klen + (uint64_t)st.st_size : 0;
    if (usage(s, &keys, &bytes) != 0)
        goto out;
    uint64_t nbytes = bytes - old + klen + vlen;
    if (!exists && keys + 1 > s->max_keys) {
        code = HOSTAPI_EQUOTA;
        goto out;
    }
    if (nbytes > s->max_bytes && nbytes > bytes) {
        code = HOSTAPI_EQUOTA;
        goto out;
    }
    snprintf(tmp, sizeof tmp, "%s/.tmp-%ld", s->dir, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f)
        goto out;
    bool ok = fwrite(val, 1, vlen, f) == vlen;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, p) == 0)
        code = HOSTAPI_OK;
    else
        unlink(tmp);
out:
    unlock_dir(lk);
    return code;
}

static int d_del(hostapi_store *b, const uint8_t *key, uint32_t klen)
{
    dir_store *s = (dir_store *)b;
    char p[4200];
    path_of(s, key, klen, p, sizeof p);
    int lk = lock_dir(s);
    if (lk < 0)
        return HOSTAPI_EUNAVAILABLE;
    int code = unlink(p) == 0 ? HOSTAPI_OK : errno == ENOENT ? HOSTAPI_ENOT_FOUND : HOSTAPI_EUNAVAILABLE;
    unlock_dir(lk);
    return code;
}

static int d_list(hostapi_store *b, const uint8_t *prefix, uint32_t plen, const uint8_t *cursor, uint32_t clen,
                  uint32_t limit, uint8_t **out, size_t *out_len)
{
    dir_store *s = (dir_store *)b;
    char ph[2 * HOSTAPI_KV_MAX_KEY + 1], ch[2 * HOSTAPI_KV_MAX_KEY + 1];
    sodium_bin2hex(ph, sizeof ph, prefix, plen);
    sodium_bin2hex(ch, sizeof ch, cursor, clen);
    struct dirent **list = NULL;
    int n = scandir(s->dir, &list, key_filter, by_name); /* hex order = byte order */
    if (n < 0)
        return HOSTAPI_EUNAVAILABLE;
    uint8_t(*kb)[HOSTAPI_KV_MAX_KEY] = calloc(limit, sizeof *kb);
    const uint8_t **kp = calloc(limit, sizeof *kp);
    uint32_t *kl = calloc(limit, sizeof *kl), m = 0;
    bool more = false;
    int code = HOSTAPI_EUNAVAILABLE;
    if (kb && kp && kl) {
        for (int i = 0; i < n; i++) {
            const char *name = list[i]->d_name;
            if (strncmp(name, ph, strlen(ph)) != 0 || strcmp(name, ch) <= 0)
                continue;
            if (m == limit) {
                more = true;
                break;
            }
            size_t bl = 0;
            sodium_hex2bin(kb[m], HOSTAPI_KV_MAX_KEY, name, strlen(name), NULL, &bl, NULL);
            kp[m] = kb[m];
            kl[m] = (uint32_t)bl;
            m++;
        }
        code = hostapi_kv_list_encode(kp, kl, m, more ? kp[m - 1] : NULL, more ? kl[m - 1] : 0, out, out_len);
    }
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    free(kb);
    free(kp);
    free(kl);
    return code;
}

static void d_destroy(hostapi_store *b)
{
    dir_store *s = (dir_store *)b;
    free(s->dir);
    free(s);
}

hostapi_store *hostapi_store_dir(const char *dir, uint32_t max_keys, uint64_t max_bytes, uint32_t max_value, char *err,
                                 size_t errlen)
{
    if (!dir || !*dir || strlen(dir) > 3000) {
        snprintf(err, errlen, "storage directory name is empty or too long");
        return NULL;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return NULL;
    }
    dir_store *s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(dir))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->base = (hostapi_store){.get = d_get, .set = d_set, .del = d_del, .list = d_list, .destroy = d_destroy};
    s->max_keys = max_keys ? max_keys : HOSTAPI_KV_DEFAULT_MAX_KEYS;
    s->max_bytes = max_bytes ? max_bytes : HOSTAPI_KV_DEFAULT_MAX_BYTES;
    s->max_value = max_value ? max_value : HOSTAPI_KV_DEFAULT_MAX_VALUE;
    return &s->base;
}
