/* Fuzzes what storage and views judge from untrusted bytes: the
 * coordinator's /storage/list reply turned into the program's key-list
 * encoding (hostapi_kv_list_from_json; the result must be well formed and
 * hold at most `limit` keys of at most 256 bytes), the list encoder, and
 * view_function's method-name check. The first byte picks the target (and
 * the list limit). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/kv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The list encoding: u32 n, n × (u32 len, bytes ≤ 256), u32 next_len, next; nothing after. */
static void check_list(const uint8_t *p, size_t len, uint32_t limit)
{
    if (len < 4)
        abort();
    uint32_t n = u32(p);
    size_t off = 4;
    if (n > limit)
        abort();
    for (uint32_t i = 0; i <= n; i++) {
        if (len - off < 4)
            abort();
        uint32_t k = u32(p + off);
        off += 4;
        if (k > HOSTAPI_KV_MAX_KEY || k > len - off || (i < n && k == 0))
            abort();
        off += k;
    }
    if (off != len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++, size--;
    if (sel % 3 == 0) {
        uint32_t limit = sel / 3 % 101;
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (hostapi_kv_list_from_json((const char *)data, size, limit, &out, &out_len) == HOSTAPI_OK)
            check_list(out, out_len, limit);
        free(out);
    } else if (sel % 3 == 1) {
        bool ok = hostapi_valid_method_name(data, size);
        for (size_t i = 0; ok && i < size; i++)
            if (!((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'z') ||
                  (data[i] >= 'A' && data[i] <= 'Z') || data[i] == '_'))
                abort();
        if (ok && (size == 0 || size > 256))
            abort();
    } else {
        /* keys are the input cut at NULs (empty pieces skipped), at most 256 bytes each */
        const uint8_t *keys[64];
        uint32_t lens[64], n = 0;
        size_t i = 0;
        while (i < size && n < 64) {
            size_t j = i;
            while (j < size && data[j] && j - i < HOSTAPI_KV_MAX_KEY)
                j++;
            if (j > i) {
                keys[n] = data + i;
                lens[n++] = (uint32_t)(j - i);
            }
            i = j + 1;
        }
        uint8_t *out = NULL;
        size_t out_len = 0;
        if (hostapi_kv_list_encode(keys, lens, n, n ? keys[n - 1] : NULL, n ? lens[n - 1] : 0, &out, &out_len) ==
            HOSTAPI_OK)
            check_list(out, out_len, n);
        free(out);
    }
    return 0;
}
