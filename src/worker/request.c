/*
 * request.c — the coordinator's ExecutionRequest (coordinator spec §5.6 plus
 * the lease extensions) parsed into a wk_request, strictly: a wrong type is
 * an error naming the field, never a crash or a silent default.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

static int str_field(json_t *obj, const char *key, bool required, char **out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(err, errlen, "missing field %s", key);
            return -1;
        }
        *out = NULL;
        return 0;
    }
    if (!json_is_string(v)) {
        snprintf(err, errlen, "field %s must be a string", key);
        return -1;
    }
    *out = strndup(json_string_value(v), json_string_length(v));
    return *out ? 0 : -1;
}

static int u64_field(json_t *obj, const char *key, bool required, uint64_t *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(err, errlen, "missing field %s", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(err, errlen, "field %s must be a non-negative integer", key);
        return -1;
    }
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int bool_field(json_t *obj, const char *key, bool *out, char *err, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "field %s must be a boolean", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int parse_source(json_t *cs, wk_code_source *s, char *err, size_t errlen)
{
    if (!json_is_object(cs)) {
        snprintf(err, errlen, "code_source must be an object");
        return -1;
    }
    const char *type = json_string_value(json_object_get(cs, "type"));
    /* Also accept the contract's externally tagged form {"GitHub":{..}}. */
    json_t *inner = cs;
    if (!type) {
        if ((inner = json_object_get(cs, "GitHub")))
            type = "GitHub";
        else if ((inner = json_object_get(cs, "WasmUrl")))
            type = "WasmUrl";
        if (!inner || !json_is_object(inner)) {
            snprintf(err, errlen, "code_source has no type");
            return -1;
        }
    }
    if (strcmp(type, "GitHub") == 0) {
        s->is_git = true;
        if (str_field(inner, "repo", true, &s->repo, err, errlen) ||
            str_field(inner, "commit", true, &s->commit, err, errlen))
            return -1;
    } else if (strcmp(type, "WasmUrl") == 0) {
        s->is_git = false;
        if (str_field(inner, "url", true, &s->url, err, errlen) ||
            str_field(inner, "hash", true, &s->hash, err, errlen))
            return -1;
    } else {
        snprintf(err, errlen, "unknown code_source type");
        return -1;
    }
    if (str_field(inner, "build_target", false, &s->build_target, err, errlen))
        return -1;
    if (!s->build_target)
        s->build_target = strdup("wasm32-wasip1");
    return 0;
}

int wk_request_parse(json_t *obj, wk_request *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "request must be a JSON object");
        return -1;
    }
    r->raw = json_incref(obj);
    if (u64_field(obj, "request_id", true, &r->request_id, err, errlen) ||
        str_field(obj, "data_id", true, &r->data_id, err, errlen))
        goto fail;
    if (parse_source(json_object_get(obj, "code_source"), &r->source, err, errlen))
        goto fail;
    json_t *lim = json_object_get(obj, "resource_limits");
    if (!json_is_object(lim)) {
        snprintf(err, errlen, "missing field resource_limits");
        goto fail;
    }
    uint64_t mem = 0;
    if (u64_field(lim, "max_instructions", true, &r->max_instructions, err, errlen) ||
        u64_field(lim, "max_memory_mb", true, &mem, err, errlen) ||
        u64_field(lim, "max_execution_seconds", true, &r->max_execution_seconds, err, errlen))
        goto fail;
    if (mem > 65536) {
        snprintf(err, errlen, "max_memory_mb too large");
        goto fail;
    }
    r->max_memory_mb = (uint32_t)mem;
    json_t *in = json_object_get(obj, "input_data");
    if (in && !json_is_null(in)) {
        if (!json_is_string(in)) {
            snprintf(err, errlen, "field input_data must be a string");
            goto fail;
        }
        r->input_len = json_string_length(in);
        r->input = malloc(r->input_len + 1);
        if (!r->input)
            goto fail;
        memcpy(r->input, json_string_value(in), r->input_len + 1);
    } else {
        r->input = strdup("");
    }
    json_t *sr = json_object_get(obj, "secrets_ref");
    if (sr && !json_is_null(sr)) {
        if (!json_is_object(sr) || str_field(sr, "profile", true, &r->secrets_profile, err, errlen) ||
            str_field(sr, "account_id", true, &r->secrets_owner, err, errlen)) {
            if (!err[0])
                snprintf(err, errlen, "secrets_ref must be an object");
            goto fail;
        }
        r->has_secrets = true;
    }
    const char *fmt = json_string_value(json_object_get(obj, "response_format"));
    r->format = WK_FMT_TEXT;
    if (fmt) {
        if (strcmp(fmt, "Json") == 0)
            r->format = WK_FMT_JSON;
        else if (strcmp(fmt, "Bytes") == 0)
            r->format = WK_FMT_BYTES;
        else if (strcmp(fmt, "Text") != 0) {
            snprintf(err, errlen, "unknown response_format");
            goto fail;
        }
    }
    json_t *ctx = json_object_get(obj, "context");
    r->context = json_is_object(ctx) ? json_incref(ctx) : json_object();
    if (str_field(obj, "user_account_id", false, &r->user_account_id, err, errlen) ||
        str_field(obj, "near_payment_yocto", false, &r->payment, err, errlen) ||
        str_field(obj, "transaction_hash", false, &r->transaction_hash, err, errlen) ||
        bool_field(obj, "compile_only", &r->compile_only, err, errlen) ||
        bool_field(obj, "force_rebuild", &r->force_rebuild, err, errlen) ||
        str_field(obj, "compile_result", false, &r->compile_result, err, errlen) ||
        str_field(obj, "http_allow", false, &r->http_allow, err, errlen) ||
        str_field(obj, "lease_id", false, &r->lease_id, err, errlen) ||
        u64_field(obj, "lease_seconds", false, &r->lease_seconds, err, errlen) ||
        u64_field(obj, "attempt", false, &r->attempt, err, errlen) ||
        str_field(obj, "abandoned_reason", false, &r->abandoned_reason, err, errlen))
        goto fail;
    if (!r->transaction_hash) {
        const char *th = json_string_value(json_object_get(r->context, "transaction_hash"));
        if (th)
            r->transaction_hash = strdup(th);
    }
    return 0;
fail:
    wk_request_free(r);
    return -1;
}

void wk_request_free(wk_request *r)
{
    free(r->data_id);
    free(r->source.repo);
    free(r->source.commit);
    free(r->source.url);
    free(r->source.hash);
    free(r->source.build_target);
    free(r->input);
    free(r->secrets_profile);
    free(r->secrets_owner);
    json_decref(r->context);
    free(r->user_account_id);
    free(r->payment);
    free(r->transaction_hash);
    free(r->compile_result);
    free(r->http_allow);
    free(r->lease_id);
    free(r->abandoned_reason);
    json_decref(r->raw);
    memset(r, 0, sizeof *r);
}

const char *wk_format_name(wk_format f) { return f == WK_FMT_JSON ? "Json" : f == WK_FMT_BYTES ? "Bytes" : "Text"; }

json_t *wk_code_source_json(const wk_code_source *s)
{
    if (s->is_git)
        return json_pack("{s:s, s:s, s:s, s:s}", "type", "GitHub", "repo", s->repo, "commit", s->commit, "build_target",
                         s->build_target);
    return json_pack("{s:s, s:s, s:s, s:s}", "type", "WasmUrl", "url", s->url, "hash", s->hash, "build_target",
                     s->build_target);
}

json_t *wk_limits_json(const wk_request *r)
{
    return json_pack("{s:I, s:I, s:I}", "max_instructions", (json_int_t)r->max_instructions, "max_memory_mb",
                     (json_int_t)r->max_memory_mb, "max_execution_seconds", (json_int_t)r->max_execution_seconds);
}
