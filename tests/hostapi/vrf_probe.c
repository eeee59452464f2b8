/*
 * vrf_probe.c — a test program for outlayer_v1.vrf / vrf_public_key
 * (tests/unit/test_hostapi_vrfcall.c). argv[1] picks what it does:
 *   vrf      stdin is alpha; stdout: public key ‖ output ‖ proof ‖ input (raw bytes)
 *   code     stdin is alpha; exit code = vrf's error code
 *   repeat   vrf N times (argv[2]); exit code of the last call
 *   short    vrf into a 16-byte buffer; prints "code needed_len"
 *   oob      out-of-bounds pointers; prints the four codes
 *   pk       exit code = vrf_public_key's error code
 *   http     stdin is an encoded HTTP request, made argv[2] times; stdout: each
 *            call's code and, on success, the response's length ("0:123 5 ...")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

static uint8_t in[4096];

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "vrf";
    size_t len = fread(in, 1, sizeof in, stdin);
    uint8_t pk[32];
    if (strcmp(mode, "pk") == 0)
        return outlayer_raw_vrf_public_key(pk);
    if (strcmp(mode, "oob") == 0) {
        uint8_t dst[512];
        uint32_t n = 0;
        int a = outlayer_raw_vrf((const void *)(uintptr_t)0xfffffff0u, 64, dst, sizeof dst, &n);
        int b = outlayer_raw_vrf(in, 4, (void *)(uintptr_t)0xffffff00u, 512, &n);
        int c = outlayer_raw_vrf(in, 4, dst, sizeof dst, (uint32_t *)(uintptr_t)0xfffffffeu);
        int d = outlayer_raw_vrf_public_key((void *)(uintptr_t)0xfffffff0u);
        printf("%d %d %d %d\n", a, b, c, d);
        return 0;
    }
    if (strcmp(mode, "short") == 0) {
        uint8_t dst[16];
        uint32_t n = 0;
        int e = outlayer_raw_vrf(in, (uint32_t)len, dst, sizeof dst, &n);
        printf("%d %u\n", e, (unsigned)n);
        return 0;
    }
    if (strcmp(mode, "http") == 0) {
        int times = argc > 2 ? atoi(argv[2]) : 1;
        for (int i = 0; i < times; i++) {
            uint32_t n = 0;
            int e = outlayer_raw_http_request(in, (uint32_t)len, &n);
            printf(e ? "%d " : "%d:%u ", e, (unsigned)n);
        }
        printf("\n");
        return 0;
    }
    int times = strcmp(mode, "repeat") == 0 && argc > 2 ? atoi(argv[2]) : 1;
    outlayer_vrf_result r;
    int e = 0;
    for (int i = 0; i < times; i++) {
        e = outlayer_vrf(in, (uint32_t)len, &r);
        if (!e)
            outlayer_vrf_free(&r);
    }
    if (strcmp(mode, "vrf") != 0)
        return e;
    if ((e = outlayer_vrf_public_key(pk)) != 0 || (e = outlayer_vrf(in, (uint32_t)len, &r)) != 0)
        return e;
    fwrite(pk, 1, 32, stdout);
    fwrite(r.output, 1, sizeof r.output, stdout);
    fwrite(r.proof, 1, sizeof r.proof, stdout);
    fwrite(r.input, 1, r.input_len, stdout);
    outlayer_vrf_free(&r);
    return 0;
}
