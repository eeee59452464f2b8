/* request.c — see request.h. */
#include "coordinator/request.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const JOB_STATUSES[] = {"pending",       "in_progress",          "completed",
                                           "failed",        "compilation_failed",   "execution_failed",
                                           "access_denied", "insufficient_payment", "custom"};

int cr_is_job_status(const char *s)
{
    for (size_t i = 0; s && i < sizeof JOB_STATUSES / sizeof *JOB_STATUSES; i++)
        if (strcmp(s, JOB_STATUSES[i]) == 0)
            return 1;
    return 0;
}

int cr_is_hex(const char *s, size_t n)
{
    if (!s || strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

int cr_is_commit_id(const char *s) { return cr_is_hex(s, 40) || cr_is_hex(s, 64); }

void cr_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

/* ---- typed field access with messages that name the field ---- */

static int get_str(json_t *o, const char *key, int required, const char **out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = NULL;
        if (required)
            snprintf(err, n, "missing required field '%s'", key);
        return required ? -1 : 0;
    }
    if (!json_is_string(v)) {
        snprintf(err, n, "field '%s' must be a string", key);
        return -1;
    }
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v)) {
        snprintf(err, n, "field '%s' must not contain NUL characters", key);
        return -1;
    }
    return 0;
}

static int get_u64(json_t *o, const char *key, int required, int64_t def, int64_t *out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = def;
        if (required)
            snprintf(err, n, "missing required field '%s'", key);
        return required ? -1 : 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(err, n, "field '%s' must be a non-negative integer", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int get_i64(json_t *o, const char *key, int required, int64_t *out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = 0;
        if (required)
            snprintf(err, n, "missing required field '%s'", key);
        return required ? -1 : 0;
    }
    if (!json_is_integer(v)) {
        snprintf(err, n, "field '%s' must be an integer", key);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int get_bool(json_t *o, const char *key, int def, int *out, char *err, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v)) {
        snprintf(err, n, "field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int cr_parse_code_source(json_t *j, cr_code_source *out, char *err, size_t n)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j)) {
        snprintf(err, n, "field 'code_source' must be an object");
        return -1;
    }
    const char *type;
    if (get_str(j, "type", 1, &type, err, n)) {
        snprintf(err, n, "field 'code_source.type' must be \"GitHub\" or \"WasmUrl\"");
        return -1;
    }
    if (get_str(j, "build_target", 0, &out->build_target, err, n))
        return -1;
    if (!out->build_target)
        out->build_target = CR_DEFAULT_TARGET;
    if (strcmp(type, "GitHub") == 0) {
        out->is_github = 1;
        if (get_str(j, "repo", 1, &out->repo, err, n) || get_str(j, "commit", 1, &out->commit, err, n))
            return -1;
        if (!*out->repo || !*out->commit) {
            snprintf(err, n, "code_source.repo and code_source.commit must not be empty");
            return -1;
        }
    } else if (strcmp(type, "WasmUrl") == 0) {
        if (get_str(j, "url", 1, &out->url, err, n) || get_str(j, "hash", 1, &out->hash, err, n))
            return -1;
    } else {
        snprintf(err, n, "field 'code_source.type' must be \"GitHub\" or \"WasmUrl\"");
        return -1;
    }
    return 0;
}

void cr_normalize_repo(const char *repo, char *buf, size_t size)
{
    if (strncmp(repo, "https://", 8) == 0 || strncmp(repo, "http://", 7) == 0 || !strchr(repo, '/'))
        snprintf(buf, size, "%s", repo);
    else if (strncmp(repo, "github.com/", 11) == 0)
        snprintf(buf, size, "https://%s", repo);
    else
        snprintf(buf, size, "https://github.com/%s", repo);
}

static json_t *copy_or_null(json_t *o, const char *key) { return json_deep_copy(json_object_get(o, key)); }

json_t *cr_parse_execution_request(json_t *b, char *err, size_t n)
{
    int64_t request_id;
    const char *data_id, *input_data, *s;
    if (get_u64(b, "request_id", 1, 0, &request_id, err, n) || get_str(b, "data_id", 1, &data_id, err, n) ||
        get_str(b, "input_data", 1, &input_data, err, n))
        return NULL;
    cr_code_source cs;
    json_t *csj = json_object_get(b, "code_source");
    if (!csj) {
        snprintf(err, n, "missing required field 'code_source'");
        return NULL;
    }
    if (cr_parse_code_source(csj, &cs, err, n))
        return NULL;
    json_t *rl = json_object_get(b, "resource_limits");
    if (!json_is_object(rl)) {
        snprintf(err, n, rl ? "field 'resource_limits' must be an object" : "missing required field 'resource_limits'");
        return NULL;
    }
    int64_t mi, mm, ms;
    if (get_u64(rl, "max_instructions", 1, 0, &mi, err, n) || get_u64(rl, "max_memory_mb", 1, 0, &mm, err, n) ||
        get_u64(rl, "max_execution_seconds", 1, 0, &ms, err, n))
        return NULL;
    if (mm > UINT32_MAX) {
        snprintf(err, n, "field 'max_memory_mb' is too large");
        return NULL;
    }
    json_t *sr = json_object_get(b, "secrets_ref");
    const char *profile = NULL, *account = NULL;
    if (sr && !json_is_null(sr)) {
        if (!json_is_object(sr) || get_str(sr, "profile", 1, &profile, err, n) ||
            get_str(sr, "account_id", 1, &account, err, n)) {
            if (!json_is_object(sr))
                snprintf(err, n, "field 'secrets_ref' must be an object");
            return NULL;
        }
    }
    const char *rf = "Text";
    if (get_str(b, "response_format", 0, &s, err, n))
        return NULL;
    if (s) {
        if (strcmp(s, "Bytes") && strcmp(s, "Text") && strcmp(s, "Json")) {
            snprintf(err, n, "field 'response_format' must be \"Bytes\", \"Text\" or \"Json\"");
            return NULL;
        }
        rf = s;
    }
    json_t *ctx = json_object_get(b, "context");
    static const char *const CTX_STR[] = {"sender_id",  "contract_id",    "transaction_hash",
                                          "receipt_id", "predecessor_id", "signer_public_key"};
    static const char *const CTX_NUM[] = {"block_height", "block_timestamp", "gas_burnt"};
    if (ctx && !json_is_null(ctx) && !json_is_object(ctx)) {
        snprintf(err, n, "field 'context' must be an object");
        return NULL;
    }
    for (size_t i = 0; ctx && json_is_object(ctx) && i < 6; i++)
        if (get_str(ctx, CTX_STR[i], 0, &s, err, n))
            return NULL;
    int64_t dummy;
    for (size_t i = 0; ctx && json_is_object(ctx) && i < 3; i++)
        if (get_u64(ctx, CTX_NUM[i], 0, 0, &dummy, err, n))
            return NULL;
    const char *user, *pay, *txh, *cres;
    int compile_only, force_rebuild, fastfs;
    if (get_str(b, "user_account_id", 0, &user, err, n) || get_str(b, "near_payment_yocto", 0, &pay, err, n) ||
        get_str(b, "transaction_hash", 0, &txh, err, n) || get_str(b, "compile_result", 0, &cres, err, n) ||
        get_bool(b, "compile_only", 0, &compile_only, err, n) ||
        get_bool(b, "force_rebuild", 0, &force_rebuild, err, n) || get_bool(b, "store_on_fastfs", 0, &fastfs, err, n))
        return NULL;
    /* The request's narrowing of the worker's HTTP allow-list (contract
     * request_execution's http_allow): carried to the worker, which parses
     * it (docs/program-api.md, "Policy"); only its type and size are checked here. */
    const char *http_allow;
    if (get_str(b, "http_allow", 0, &http_allow, err, n))
        return NULL;
    if (http_allow && strlen(http_allow) > 1024) {
        snprintf(err, n, "field 'http_allow' is longer than 1024 bytes");
        return NULL;
    }
    if (pay) {
        for (const char *p = pay; *p; p++)
            if (!isdigit((unsigned char)*p) || p - pay > 40) {
                snprintf(err, n, "field 'near_payment_yocto' must be a decimal string");
                return NULL;
            }
    }

    json_t *out = json_object();
    json_object_set_new(out, "request_id", json_integer(request_id));
    json_object_set_new(out, "data_id", json_string(data_id));
    json_t *csout = json_object();
    if (cs.is_github) {
        char repo[2048];
        cr_normalize_repo(cs.repo, repo, sizeof repo);
        json_object_set_new(csout, "type", json_string("GitHub"));
        json_object_set_new(csout, "repo", json_string(repo));
        json_object_set_new(csout, "commit", json_string(cs.commit));
    } else {
        json_object_set_new(csout, "type", json_string("WasmUrl"));
        json_object_set_new(csout, "url", json_string(cs.url));
        json_object_set_new(csout, "hash", json_string(cs.hash));
    }
    json_object_set_new(csout, "build_target", json_string(cs.build_target));
    json_object_set_new(out, "code_source", csout);
    json_object_set_new(out, "resource_limits",
                        json_pack("{s:I, s:I, s:I}", "max_instructions", (json_int_t)mi, "max_memory_mb",
                                  (json_int_t)mm, "max_execution_seconds", (json_int_t)ms));
    json_object_set_new(out, "input_data", json_string(input_data));
    if (profile)
        json_object_set_new(out, "secrets_ref", json_pack("{s:s, s:s}", "profile", profile, "account_id", account));
    json_object_set_new(out, "response_format", json_string(rf));
    json_t *cout = json_object();
    static const char *const CTX_ORDER[] = {"sender_id",      "block_height",      "block_timestamp",
                                            "contract_id",    "transaction_hash",  "receipt_id",
                                            "predecessor_id", "signer_public_key", "gas_burnt"};
    for (size_t i = 0; i < 9; i++) {
        json_t *v = json_is_object(ctx) ? copy_or_null(ctx, CTX_ORDER[i]) : NULL;
        json_object_set_new(cout, CTX_ORDER[i], v ? v : json_null());
    }
    json_object_set_new(out, "context", cout);
    if (user)
        json_object_set_new(out, "user_account_id", json_string(user));
    if (pay)
        json_object_set_new(out, "near_payment_yocto", json_string(pay));
    if (txh)
        json_object_set_new(out, "transaction_hash", json_string(txh));
    json_object_set_new(out, "compile_only", json_boolean(compile_only));
    json_object_set_new(out, "force_rebuild", json_boolean(force_rebuild));
    json_object_set_new(out, "store_on_fastfs", json_boolean(fastfs));
    if (cres)
        json_object_set_new(out, "compile_result", json_string(cres));
    if (http_allow)
        json_object_set_new(out, "http_allow", json_string(http_allow));
    return out;
}

int cr_parse_capabilities(const char *list, char *err, size_t n)
{
    int caps = 0;
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && t[-1] == ' ')
            t--;
        size_t l = (size_t)(t - p);
        if (l == 11 && strncmp(p, "compilation", 11) == 0)
            caps |= CR_CAP_COMPILE;
        else if (l == 9 && strncmp(p, "execution", 9) == 0)
            caps |= CR_CAP_EXECUTE;
        else if (l) {
            snprintf(err, n, "unknown capability '%.*s' (expected compilation, execution)", (int)(l > 40 ? 40 : l), p);
            return -1;
        }
        p = e;
    }
    return caps;
}

int cr_parse_claim(json_t *b, cr_claim *c, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    int64_t rid;
    if (get_u64(b, "request_id", 1, 0, &rid, err, n) || get_str(b, "data_id", 1, &c->data_id, err, n) ||
        get_str(b, "worker_id", 1, &c->worker_id, err, n) || get_str(b, "lease_id", 0, &c->lease_id, err, n))
        return -1;
    c->request_id = rid;
    if (!*c->worker_id) {
        snprintf(err, n, "field 'worker_id' must not be empty");
        return -1;
    }
    json_t *csj = json_object_get(b, "code_source");
    if (!csj) {
        snprintf(err, n, "missing required field 'code_source'");
        return -1;
    }
    if (cr_parse_code_source(csj, &c->cs, err, n))
        return -1;
    if (get_str(b, "user_account_id", 0, &c->user_account_id, err, n) ||
        get_str(b, "near_payment_yocto", 0, &c->near_payment_yocto, err, n) ||
        get_str(b, "transaction_hash", 0, &c->transaction_hash, err, n) ||
        get_bool(b, "compile_only", 0, &c->compile_only, err, n) ||
        get_bool(b, "force_rebuild", 0, &c->force_rebuild, err, n) ||
        get_bool(b, "has_compile_result", 0, &c->has_compile_result, err, n))
        return -1;
    json_t *caps = json_object_get(b, "capabilities");
    if (caps && !json_is_null(caps)) {
        if (!json_is_array(caps)) {
            snprintf(err, n, "field 'capabilities' must be an array of strings");
            return -1;
        }
        size_t i;
        json_t *v;
        json_array_foreach(caps, i, v)
        {
            if (!json_is_string(v)) {
                snprintf(err, n, "field 'capabilities' must be an array of strings");
                return -1;
            }
            if (strcmp(json_string_value(v), "compilation") == 0)
                c->can_compile = 1;
            if (strcmp(json_string_value(v), "execution") == 0)
                c->can_execute = 1;
        }
    }
    return 0;
}

int cr_parse_complete(json_t *b, cr_complete *c, char *err, size_t n)
{
    memset(c, 0, sizeof *c);
    json_t *sv = json_object_get(b, "success");
    if (get_i64(b, "job_id", 1, &c->job_id, err, n))
        return -1;
    if (!json_is_boolean(sv)) {
        snprintf(err, n, sv ? "field 'success' must be true or false" : "missing required field 'success'");
        return -1;
    }
    c->success = json_is_true(sv);
    if (get_u64(b, "time_ms", 1, 0, &c->time_ms, err, n) ||
        get_u64(b, "instructions", 0, 0, &c->instructions, err, n) || get_str(b, "error", 0, &c->error, err, n) ||
        get_str(b, "wasm_checksum", 0, &c->wasm_checksum, err, n) ||
        get_str(b, "actual_cost_yocto", 0, &c->actual_cost_yocto, err, n) ||
        get_str(b, "compile_cost_yocto", 0, &c->compile_cost_yocto, err, n) ||
        get_str(b, "error_category", 0, &c->error_category, err, n) ||
        get_str(b, "compile_result", 0, &c->compile_result, err, n) ||
        get_str(b, "worker_id", 0, &c->worker_id, err, n))
        return -1;
    if (c->error_category && !cr_is_job_status(c->error_category)) {
        snprintf(err, n,
                 "field 'error_category' is not a job status (pending, in_progress, completed, failed, "
                 "compilation_failed, execution_failed, access_denied, insufficient_payment, custom)");
        return -1;
    }
    json_t *out = json_object_get(b, "output");
    if (out && !json_is_null(out)) {
        const char *k = NULL;
        json_t *v;
        int ok = json_is_object(out) && json_object_size(out) == 1;
        json_object_foreach(out, k, v)
        {
            if (strcmp(k, "Text") == 0)
                ok = ok && json_is_string(v);
            else if (strcmp(k, "Bytes") == 0)
                ok = ok && json_is_array(v);
            else if (strcmp(k, "Json") != 0)
                ok = 0;
        }
        if (!ok) {
            snprintf(err, n, "field 'output' must be {\"Text\":...}, {\"Bytes\":[...]}, {\"Json\":...} or null");
            return -1;
        }
    }
    /* The digest covers what the result says, not who sent it. */
    json_t *d = json_object();
    json_object_set_new(d, "success", json_boolean(c->success));
    json_object_set(d, "output", out ? out : json_null());
    static const char *const KEYS[] = {"error",          "time_ms",           "instructions",
                                       "wasm_checksum",  "actual_cost_yocto", "compile_cost_yocto",
                                       "error_category", "compile_result"};
    for (size_t i = 0; i < sizeof KEYS / sizeof *KEYS; i++) {
        json_t *v = json_object_get(b, KEYS[i]);
        json_object_set(d, KEYS[i], v ? v : json_null());
    }
    char *s = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(d);
    if (!s) {
        snprintf(err, n, "cannot encode the result");
        return -1;
    }
    cr_sha256_hex(s, strlen(s), c->digest);
    free(s);
    return 0;
}

/* parse_github_repo of spec §11.1: -> host/owner/repo. */
int cr_parse_github_repo(const char *in, char *out, size_t size)
{
    char buf[1024];
    while (isspace((unsigned char)*in))
        in++;
    snprintf(buf, sizeof buf, "%s", in);
    size_t l = strlen(buf);
    while (l && isspace((unsigned char)buf[l - 1]))
        buf[--l] = 0;
    if (!l)
        return -1;
    char *s = buf;
    char host[256] = "";
    if (strncmp(s, "git@", 4) == 0) {
        char *colon = strchr(s + 4, ':');
        if (!colon || colon == s + 4)
            return -1;
        snprintf(host, sizeof host, "%.*s", (int)(colon - s - 4), s + 4);
        s = colon + 1;
    } else if (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) {
        s = strstr(s, "://") + 3;
        char *slash = strchr(s, '/');
        if (!slash || slash == s)
            return -1;
        snprintf(host, sizeof host, "%.*s", (int)(slash - s), s);
        s = slash + 1;
    } else {
        int slashes = 0;
        for (char *p = s; *p; p++)
            slashes += *p == '/';
        if (slashes == 2) {
            char *slash = strchr(s, '/');
            snprintf(host, sizeof host, "%.*s", (int)(slash - s), s);
            s = slash + 1;
        } else {
            snprintf(host, sizeof host, "github.com");
        }
    }
    l = strlen(s);
    if (l > 4 && strcmp(s + l - 4, ".git") == 0)
        s[l - 4] = 0;
    char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1] || strchr(slash + 1, '/') || strchr(host, '/') || !*host)
        return -1;
    int w = snprintf(out, size, "%s/%s", host, s);
    return w < 0 || (size_t)w >= size ? -1 : 0;
}
