/* Fuzzes what outlayer_v1 decodes from a program: the http_request
 * encoding (hostapi_decode_request) and the allow-list match of a host
 * name (hostapi_host_allowed), and a request's http_allow
 * (hostapi_allow_validate). Every span must lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/hostapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hostapi_request rq;
    char err[128];
    if (hostapi_decode_request(data, size, &rq, err, sizeof err) == HOSTAPI_OK) {
        const hostapi_span *spans[3 + HOSTAPI_MAX_HEADERS] = {&rq.method, &rq.url, &rq.body};
        size_t n = 3;
        if (rq.nheaders > HOSTAPI_MAX_HEADERS)
            abort();
        for (uint32_t i = 0; i < rq.nheaders; i++)
            spans[n++] = &rq.headers[i];
        for (size_t i = 0; i < n; i++)
            if (spans[i]->len && (spans[i]->p < data || spans[i]->p + spans[i]->len > data + size))
                abort();
    }
    /* the first NUL splits the input into an allow-list and a host */
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        char *allow = strndup((const char *)data, (size_t)(nul - data));
        char *host = strndup((const char *)nul + 1, size - (size_t)(nul - data) - 1);
        bool ip;
        if (allow && host) {
            (void)hostapi_host_allowed(allow, host, &ip);
            char why[200] = "";
            /* a valid list is under the cap; an invalid one says why */
            if (hostapi_allow_validate(allow, why, sizeof why)) {
                if (strlen(allow) > HOSTAPI_ALLOW_MAX_LEN)
                    abort();
            } else if (!why[0]) {
                abort();
            }
        }
        free(allow);
        free(host);
    }
    return 0;
}
