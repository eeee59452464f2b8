/*
 * http_probe.c — a test program for the outlayer_v1 host API
 * (tests/unit/test_hostapi.c). argv[1] picks what it does:
 *   raw      stdin is an encoded request, passed as is; the exit code is
 *            the host's error code; on success stdout is the encoded response
 *   repeat   the same, N times (argv[2]); exit code of the last call
 *   oob      out-of-bounds pointers; prints the three codes
 *   noresp   response_read before any request
 *   small    response_read into a 1-byte buffer after a request
 *   version  prints abi_version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

static uint8_t req[1 << 16];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "raw";
    size_t len = fread(req, 1, sizeof req, stdin);
    uint32_t resp_len = 0;
    if (strcmp(mode, "version") == 0) {
        printf("%d\n", (int)outlayer_abi_version());
        return 0;
    }
    if (strcmp(mode, "oob") == 0) {
        int a = outlayer_raw_http_request((const void *)(uintptr_t)0xfffffff0u, 64, &resp_len);
        int b = outlayer_raw_http_request(req, (uint32_t)len, (uint32_t *)(uintptr_t)0xfffffffeu);
        int c = outlayer_raw_response_read((void *)(uintptr_t)0xffffff00u, 4096);
        printf("%d %d %d\n", a, b, c);
        return 0;
    }
    if (strcmp(mode, "noresp") == 0)
        return outlayer_raw_response_read(req, 16);
    int times = strcmp(mode, "repeat") == 0 && argc > 2 ? atoi(argv[2]) : 1;
    int e = 0;
    for (int i = 0; i < times; i++)
        e = outlayer_raw_http_request(req, (uint32_t)len, &resp_len);
    if (e)
        return e;
    if (strcmp(mode, "small") == 0)
        return outlayer_raw_response_read(req, 1);
    uint8_t *out = malloc(resp_len);
    if (!out)
        return 100;
    if ((e = outlayer_raw_response_read(out, resp_len)) != 0)
        return e;
    fwrite(out, 1, resp_len, stdout);
    return 0;
}
