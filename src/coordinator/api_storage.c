/* api_storage.c — programs' persistent key-value storage (worker token):
 * POST /storage/get, /storage/set, /storage/delete, /storage/list,
 * /storage/usage. The worker proxies a running program's outlayer_v1
 * storage_* calls here for the job's (owner, project); docs/coordinator.md
 * ("Program storage") and docs/program-api.md ("Persistent storage").
 *
 * Keys travel as lowercase hex (1..256 bytes), values as standard base64.
 * Every refusal is a JSON error with a machine-readable "code" the worker
 * maps to an outlayer_v1 error: invalid (400), too_large (413), quota
 * (409), not_found (404). */
#include <ctype.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/coord.h"
#include "coordinator/request.h"

#define KV_MAX_KEY 256 /* bytes; the ABI's limit (docs/program-api.md) */
#define KV_MAX_LIST 1000

static void kv_error(hs_request *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void kv_error(hs_request *req, int status, const char *code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hs_reply_json(req, status, json_pack("{s:s, s:s}", "error", msg, "code", code));
}

/* NEAR account ids: 2..64 of [a-z0-9._-] (the exact grammar is the chain's business). */
static int valid_owner(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || strchr("._-", s[i])))
            return 0;
    return 1;
}

static int valid_project(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 256)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return 0;
    return 1;
}

/* Even-length hex of at most max_bytes bytes (min_bytes..), lower-cased into out. */
static int norm_hex(const char *s, size_t min_bytes, size_t max_bytes, char *out)
{
    size_t n = s ? strlen(s) : 0;
    if (!s || n % 2 || n / 2 < min_bytes || n / 2 > max_bytes)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return 0;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[n] = 0;
    return 1;
}

typedef struct {
    json_t *body;
    const char *owner, *project;
    char key[2 * KV_MAX_KEY + 1];
    char owner_buf[65], project_buf[300]; /* derived from a lease */
} kv_args;

/* "https://github.com/Alice/Project.git/" -> "github.com/alice/project":
 * every commit and branch of a repository shares its store. */
static void repo_identity(const char *repo, char *out, size_t size)
{
    const char *p = repo;
    if (strncmp(p, "https://", 8) == 0)
        p += 8;
    else if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strncmp(p, "git://", 6) == 0)
        p += 6;
    size_t n = strlen(p);
    while (n > 0 && p[n - 1] == '/')
        n--;
    if (n > 4 && strncmp(p + n - 4, ".git", 4) == 0)
        n -= 4;
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if ((unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f)
            out[o++] = (char)tolower((unsigned char)p[i]);
    out[o] = 0;
}

/* Whose store a leased request's program uses (docs/program-api.md, "Whose
 * store"): owner = the caller (user_account_id, else context.sender_id),
 * project = the program's source (the repository, or "wasm:<sha256>").
 * 0, or -1 when the request names no usable caller or source. */
static int lease_identity(const char *payload, kv_args *a)
{
    json_t *p = json_loads(payload, 0, NULL);
    const char *who = json_string_value(json_object_get(p, "user_account_id"));
    if (!valid_owner(who))
        who = json_string_value(json_object_get(json_object_get(p, "context"), "sender_id"));
    cr_code_source cs;
    char err[200];
    int rc = -1;
    if (valid_owner(who) && cr_parse_code_source(json_object_get(p, "code_source"), &cs, err, sizeof err) == 0) {
        snprintf(a->owner_buf, sizeof a->owner_buf, "%s", who);
        if (cs.is_github && cs.repo)
            repo_identity(cs.repo, a->project_buf, sizeof a->project_buf);
        else if (cs.hash && cr_is_hex(cs.hash, 64)) {
            snprintf(a->project_buf, sizeof a->project_buf, "wasm:%s", cs.hash);
            for (char *c = a->project_buf; *c; c++)
                *c = (char)tolower((unsigned char)*c);
        }
        if (valid_project(a->project_buf)) {
            a->owner = a->owner_buf;
            a->project = a->project_buf;
            rc = 0;
        }
    }
    json_decref(p);
    return rc;
}

/* Parses the body and its owner, project and (when need_key) key; replies
 * and returns -1 on bad input. */
static int kv_key(hs_request *req, kv_args *a, int need_key);

static int kv_parse(coord *c, hs_request *req, kv_args *a, int need_key)
{
    memset(a, 0, sizeof *a);
    a->body = hs_json_body(req);
    if (!a->body)
        return -1;
    if (!json_is_object(a->body)) {
        kv_error(req, 400, "invalid", "the body must be a JSON object");
        return -1;
    }
    json_t *lease = json_object_get(a->body, "lease_id");
    if (lease) {
        /* the store of the request this lease holds; the caller names neither */
        char *payload = NULL;
        st_status st =
            json_is_string(lease) && !json_object_get(a->body, "owner") && !json_object_get(a->body, "project")
                ? store_kv_lease_payload(c->st, json_string_value(lease), &payload)
                : ST_CONFLICT;
        int ok = st == ST_OK && lease_identity(payload, a) == 0;
        free(payload);
        if (st == ST_CONFLICT)
            kv_error(req, 400, "invalid", "'lease_id' must be a string, without 'owner' and 'project'");
        else if (st == ST_ERROR)
            kv_error(req, 500, "storage", "storage error while reading the lease");
        else if (!ok)
            kv_error(req, 403, "lease",
                     st == ST_NOT_FOUND ? "no live lease with this lease_id"
                                        : "the leased request names no caller account or program source");
        return ok ? kv_key(req, a, need_key) : -1;
    }
    if (c->cfg.storage_require_lease) {
        kv_error(req, 403, "lease", "this coordinator gives program storage only to a live lease: send 'lease_id'");
        return -1;
    }
    a->owner = json_string_value(json_object_get(a->body, "owner"));
    a->project = json_string_value(json_object_get(a->body, "project"));
    if (!valid_owner(a->owner)) {
        kv_error(req, 400, "invalid", "'owner' must be a NEAR account id (2..64 of a-z 0-9 . _ -)");
        return -1;
    }
    if (!valid_project(a->project)) {
        kv_error(req, 400, "invalid", "'project' must be 1..256 printable ASCII characters without spaces");
        return -1;
    }
    return kv_key(req, a, need_key);
}

static int kv_key(hs_request *req, kv_args *a, int need_key)
{
    if (need_key) {
        const char *k = json_string_value(json_object_get(a->body, "key"));
        if (k && strlen(k) / 2 > KV_MAX_KEY && strlen(k) % 2 == 0) {
            kv_error(req, 413, "too_large", "'key' is longer than %d bytes", KV_MAX_KEY);
            return -1;
        }
        if (!norm_hex(k, 1, KV_MAX_KEY, a->key)) {
            kv_error(req, 400, "invalid", "'key' must be 1..%d bytes as hex", KV_MAX_KEY);
            return -1;
        }
    }
    return 0;
}

void api_storage_get(hs_request *req, void *ctx)
{
    coord *c = ctx;
    kv_args a;
    if (kv_parse(c, req, &a, 1) == 0) {
        char *v = NULL;
        st_status st = store_kv_get(c->st, a.owner, a.project, a.key, &v);
        if (st == ST_OK)
            hs_reply_json(req, 200, json_pack("{s:s}", "value", v));
        else if (st == ST_NOT_FOUND)
            kv_error(req, 404, "not_found", "no such key");
        else
            kv_error(req, 500, "storage", "storage error while reading the key");
        free(v);
    }
    json_decref(a.body);
}

void api_storage_set(hs_request *req, void *ctx)
{
    coord *c = ctx;
    kv_args a;
    if (kv_parse(c, req, &a, 1) == 0) {
        const char *v = json_string_value(json_object_get(a.body, "value"));
        size_t vlen = v ? strlen(v) : 0, max = (size_t)c->cfg.storage_max_value;
        unsigned char *bin = v ? malloc(vlen / 4 * 3 + 3) : NULL;
        size_t blen = 0;
        if (!v || (vlen && !bin) ||
            sodium_base642bin(bin, vlen / 4 * 3 + 3, v, vlen, NULL, &blen, NULL, sodium_base64_VARIANT_ORIGINAL)) {
            kv_error(req, 400, "invalid", "'value' must be standard base64 (with padding)");
        } else if (blen > max) {
            kv_error(req, 413, "too_large", "'value' is %zu bytes, more than the %zu allowed", blen, max);
        } else {
            char err[200] = "";
            int64_t keys = 0, bytes = 0;
            store_kv_quota q = {c->cfg.storage_max_keys, c->cfg.storage_max_bytes};
            st_status st = store_kv_set(c->st, a.owner, a.project, a.key, v, (int64_t)(strlen(a.key) / 2 + blen), &q,
                                        &keys, &bytes, err, sizeof err);
            if (st == ST_OK)
                hs_reply_json(
                    req, 200,
                    json_pack("{s:b, s:I, s:I}", "stored", 1, "keys", (json_int_t)keys, "bytes", (json_int_t)bytes));
            else if (st == ST_CONFLICT)
                kv_error(req, 409, "quota", "%s", err);
            else
                kv_error(req, 500, "storage", "storage error while writing the key");
        }
        free(bin);
    }
    json_decref(a.body);
}

void api_storage_delete(hs_request *req, void *ctx)
{
    coord *c = ctx;
    kv_args a;
    if (kv_parse(c, req, &a, 1) == 0) {
        st_status st = store_kv_delete(c->st, a.owner, a.project, a.key);
        if (st == ST_OK)
            hs_reply_json(req, 200, json_pack("{s:b}", "deleted", 1));
        else if (st == ST_NOT_FOUND)
            kv_error(req, 404, "not_found", "no such key");
        else
            kv_error(req, 500, "storage", "storage error while deleting the key");
    }
    json_decref(a.body);
}

void api_storage_list(hs_request *req, void *ctx)
{
    coord *c = ctx;
    kv_args a;
    if (kv_parse(c, req, &a, 0) == 0) {
        char prefix[2 * KV_MAX_KEY + 1] = "", cursor[2 * KV_MAX_KEY + 1] = "";
        json_t *p = json_object_get(a.body, "prefix"), *cu = json_object_get(a.body, "cursor"),
               *l = json_object_get(a.body, "limit");
        json_int_t limit = l ? (json_is_integer(l) ? json_integer_value(l) : -1) : 100;
        if (p && !json_is_null(p) && !norm_hex(json_string_value(p), 0, KV_MAX_KEY, prefix))
            kv_error(req, 400, "invalid", "'prefix' must be 0..%d bytes as hex", KV_MAX_KEY);
        else if (cu && !json_is_null(cu) && !norm_hex(json_string_value(cu), 0, KV_MAX_KEY, cursor))
            kv_error(req, 400, "invalid", "'cursor' must be a key as hex (the last next_cursor)");
        else if (limit < 1 || limit > KV_MAX_LIST)
            kv_error(req, 400, "invalid", "'limit' must be an integer in 1..%d", KV_MAX_LIST);
        else {
            json_t *out = store_kv_list(c->st, a.owner, a.project, prefix, cursor, (int)limit);
            if (out)
                hs_reply_json(req, 200, out);
            else
                kv_error(req, 500, "storage", "storage error while listing keys");
        }
    }
    json_decref(a.body);
}

void api_storage_usage(hs_request *req, void *ctx)
{
    coord *c = ctx;
    kv_args a;
    if (kv_parse(c, req, &a, 0) == 0) {
        int64_t keys, bytes;
        if (store_kv_usage(c->st, a.owner, a.project, &keys, &bytes) == ST_OK)
            hs_reply_json(req, 200,
                          json_pack("{s:I, s:I, s:I, s:I, s:I}", "keys", (json_int_t)keys, "bytes", (json_int_t)bytes,
                                    "max_keys", (json_int_t)c->cfg.storage_max_keys, "max_bytes",
                                    (json_int_t)c->cfg.storage_max_bytes, "max_value_bytes",
                                    (json_int_t)c->cfg.storage_max_value));
        else
            kv_error(req, 500, "storage", "storage error while reading the usage");
    }
    json_decref(a.body);
}
