/* credentials.c — read and write near-cli credential files. */
#include "near/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "near/account_id.h"

static near_status fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static near_status fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return NEAR_ERR_IO;
}

/* The network name becomes a directory name: keep it to a safe alphabet so
 * it cannot escape dir. Account ids are already safe once valid. */
static int safe_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_' || *p == '.'))
            return 0;
    return 1;
}

near_status near_credentials_read_file(const char *path, near_credentials *out, char *err, size_t errlen)
{
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        /* A parse error's text quotes the token it failed at, which may be
         * part of the private key: report only where it failed. */
        if (jerr.line > 0)
            return fail(err, errlen, "cannot parse credentials %s: not JSON (line %d, column %d)", path, jerr.line,
                        jerr.column),
                   NEAR_ERR_INVALID;
        return fail(err, errlen, "cannot read credentials %s: %s", path, jerr.text);
    }
    near_status rc = NEAR_ERR_INVALID;
    const char *account = json_string_value(json_object_get(root, "account_id"));
    const char *priv = json_string_value(json_object_get(root, "private_key"));
    if (!priv) /* some older tools wrote "secret_key" */
        priv = json_string_value(json_object_get(root, "secret_key"));
    const char *pub = json_string_value(json_object_get(root, "public_key"));
    if (!account || !near_account_id_valid(account, NULL, 0)) {
        fail(err, errlen, "credentials %s: missing or invalid account_id", path);
    } else if (!priv || near_keypair_parse_secret(priv, &out->keypair) != 0) {
        fail(err, errlen, "credentials %s: missing or invalid private_key", path);
    } else {
        near_public_key pk;
        if (pub && (near_public_key_parse(pub, &pk) != 0 || !near_public_key_equal(&pk, &out->keypair.public_key))) {
            fail(err, errlen, "credentials %s: public_key does not match private_key", path);
        } else {
            snprintf(out->account_id, sizeof out->account_id, "%s", account);
            rc = NEAR_OK;
        }
    }
    if (rc)
        near_keypair_wipe(&out->keypair);
    json_decref(root);
    return rc;
}

static near_status cred_path(char *buf, size_t cap, const char *dir, const char *network, const char *account_id,
                             char *err, size_t errlen)
{
    if (!safe_name(network))
        return fail(err, errlen, "invalid network name \"%s\"", network ? network : ""), NEAR_ERR_ARG;
    if (!near_account_id_valid(account_id, NULL, 0))
        return fail(err, errlen, "invalid account id \"%s\"", account_id ? account_id : ""), NEAR_ERR_ARG;
    int n = snprintf(buf, cap, "%s/%s/%s.json", dir, network, account_id);
    if (n < 0 || (size_t)n >= cap)
        return fail(err, errlen, "credentials path too long under %s", dir), NEAR_ERR_ARG;
    return NEAR_OK;
}

near_status near_credentials_read(const char *dir, const char *network, const char *account_id, near_credentials *out,
                                  char *err, size_t errlen)
{
    char path[4096];
    near_status st = cred_path(path, sizeof path, dir, network, account_id, err, errlen);
    if (st != NEAR_OK)
        return st;
    st = near_credentials_read_file(path, out, err, errlen);
    if (st != NEAR_OK)
        return st;
    if (strcmp(out->account_id, account_id) != 0) {
        near_keypair_wipe(&out->keypair);
        return fail(err, errlen, "credentials %s are for account %s", path, out->account_id), NEAR_ERR_INVALID;
    }
    return NEAR_OK;
}

static int mkdir_p(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return (mkdir(buf, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

near_status near_credentials_write(const char *dir, const char *network, const near_credentials *cred, char *err,
                                   size_t errlen)
{
    char path[4096], tmp[4200], netdir[4096];
    near_status st = cred_path(path, sizeof path, dir, network, cred->account_id, err, errlen);
    if (st != NEAR_OK)
        return st;
    snprintf(netdir, sizeof netdir, "%s/%s", dir, network);
    if (mkdir_p(netdir) != 0)
        return fail(err, errlen, "cannot create %s: %s", netdir, strerror(errno));
    char pub[NEAR_KEY_TEXT_MAX], priv[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&cred->keypair.public_key, pub);
    near_keypair_format_secret(&cred->keypair, priv);
    json_t *root = json_pack("{s:s, s:s, s:s}", "account_id", cred->account_id, "public_key", pub, "private_key", priv);
    char *text = root ? json_dumps(root, JSON_INDENT(0)) : NULL;
    json_decref(root);
    sodium_memzero(priv, sizeof priv);
    if (!text)
        return fail(err, errlen, "out of memory writing %s", path), NEAR_ERR_NOMEM;
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    near_status rc = NEAR_ERR_IO;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    } else {
        size_t len = strlen(text), off = 0;
        while (off < len) {
            ssize_t w = write(fd, text + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
        int ok = off == len && fsync(fd) == 0;
        if (close(fd) != 0)
            ok = 0;
        if (!ok || rename(tmp, path) != 0) {
            fail(err, errlen, "cannot write %s: %s", path, strerror(errno));
            unlink(tmp);
        } else {
            rc = NEAR_OK;
        }
    }
    sodium_memzero(text, strlen(text));
    free(text);
    return rc;
}
