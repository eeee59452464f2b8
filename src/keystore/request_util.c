/* request_util.c — what the request handlers share: the error reply, optional
 * string fields and the accessor of a request (request_util.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"
#include "keystore/request_util.h"
#include "near/utf8.h"
#include "secrets/seed.h"

void ks_error(ks_reply *r, int status, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages quote the request's own strings, cut to a length that can
     * split a character (or that were never valid text): JSON needs UTF-8,
     * so bytes outside ASCII become '?' rather than losing the reply. */
    if (!near_utf8_valid((const uint8_t *)msg, strlen(msg)))
        for (char *p = msg; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
    r->status = status;
    r->body = json_pack("{s:s}", "error", msg);
}

const char *ks_opt_string(const json_t *req, const char *key, bool *bad)
{
    const json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v))
        *bad = true;
    return json_string_value(v);
}

/* The accessor of a request, internally tagged ({"type":"Repo",...}, as the
 * reference's worker sends it) or externally tagged ({"Repo":{...}}, as the
 * contract writes it). The repo is normalised, the hash lower-cased. */
int ks_parse_accessor(const json_t *j, sec_accessor *a, char *err, size_t errlen)
{
    const char *type = json_string_value(json_object_get(j, "type"));
    const json_t *body = j;
    if (!json_is_object(j))
        return snprintf(err, errlen, "accessor must be an object"), -1;
    if (!type) {
        if ((body = json_object_get(j, "Repo")))
            type = "Repo";
        else if ((body = json_object_get(j, "WasmHash")))
            type = "WasmHash";
        else
            return snprintf(err, errlen, "accessor must be {\"type\":\"Repo\",...} or {\"type\":\"WasmHash\",...}"), -1;
    }
    bool bad = false;
    if (strcmp(type, "Repo") == 0) {
        const char *repo = ks_opt_string(body, "repo", &bad), *branch = ks_opt_string(body, "branch", &bad);
        if (bad || !repo)
            return snprintf(err, errlen, "accessor.repo must be a string (branch a string or null)"), -1;
        return sec_accessor_make(a, repo, branch, NULL, err, errlen);
    }
    if (strcmp(type, "WasmHash") == 0) {
        const char *hash = ks_opt_string(body, "hash", &bad);
        if (bad || !hash)
            return snprintf(err, errlen, "accessor.hash must be a string"), -1;
        return sec_accessor_make(a, NULL, NULL, hash, err, errlen);
    }
    return snprintf(err, errlen, "accessor type must be Repo or WasmHash, not '%.20s'", type), -1;
}
