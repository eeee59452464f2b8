/* fuzz_coordinator.c — libFuzzer target for what the coordinator parses
 * from untrusted clients: the JSON bodies of /executions/create,
 * /jobs/claim and /jobs/complete, the capability list of /executions/poll,
 * percent-decoding of path and query parameters, and the checksum check
 * that guards every cache path. Nothing may crash or leak; whatever the
 * create parser accepts must serialise, re-parse and be accepted again with
 * the same result (normalisation is idempotent); a checksum that passes
 * cache_norm_sha can only be 64 lowercase hex digits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/http_server.h"
#include "coordinator/cache.h"
#include "coordinator/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_create_idempotent(json_t *er)
{
    char err[256];
    char *s1 = json_dumps(er, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s1)
        abort();
    json_t *again = json_loads(s1, 0, NULL);
    if (!again)
        abort();
    json_t *er2 = cr_parse_execution_request(again, err, sizeof err);
    if (!er2)
        abort();
    char *s2 = json_dumps(er2, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!s2 || strcmp(s1, s2) != 0)
        abort();
    free(s1);
    free(s2);
    json_decref(er2);
    json_decref(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(j)) {
        json_t *er = cr_parse_execution_request(j, err, sizeof err);
        if (er) {
            check_create_idempotent(er);
            json_decref(er);
        }
        cr_claim cl;
        (void)cr_parse_claim(j, &cl, err, sizeof err);
        cr_complete cp;
        if (cr_parse_complete(j, &cp, err, sizeof err) == 0 && strlen(cp.digest) != 64)
            abort();
    }
    json_decref(j);

    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = 0;
    (void)cr_parse_capabilities(s, err, sizeof err);
    size_t len;
    char *d = hs_percent_decode(s, size, size & 1, &len);
    if (d && len > size)
        abort();
    free(d);
    char sha[65];
    if (cache_norm_sha(s, sha) == 0) {
        for (int i = 0; i < 64; i++)
            if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
                abort();
        if (sha[64] != 0)
            abort();
    }
    char repo[512];
    cr_normalize_repo(s, repo, sizeof repo);
    char gh[512];
    if (cr_parse_github_repo(s, gh, sizeof gh) == 0) {
        /* host/owner/repo: exactly two slashes, nothing empty */
        int slashes = 0;
        for (const char *p = gh; *p; p++)
            slashes += *p == '/';
        if (slashes != 2 || gh[0] == '/' || gh[strlen(gh) - 1] == '/' || strstr(gh, "//"))
            abort();
    }
    free(s);
    return 0;
}
