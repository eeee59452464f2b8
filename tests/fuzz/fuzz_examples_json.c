/* fuzz_examples_json.c — arbitrary bytes into the examples' JSON reader
 * (examples/include/ol_json.h), walked the way the examples walk their
 * input: only text oj_valid() accepts is walked (members by key, arrays,
 * strings into small buffers, numbers). Also X25519 on arbitrary points. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../examples/include/ol_json.h"
#include "../../examples/include/ol_sha256.h"
#include "../../examples/include/ol_x25519.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const char *v, int depth)
{
    if (!v || depth > 8)
        return;
    char small[8], big[300];
    uint64_t n;
    (void)oj_string(v, small, sizeof small);
    (void)oj_string(v, big, sizeof big);
    (void)oj_u64(v, &n);
    static const char *const keys[] = {"action", "ballots", "voter", "ballot", "require", "seed", "rounds", "a", ""};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        walk(oj_get(v, keys[i]), depth + 1);
    int count = 0;
    for (const char *el = oj_first(v); el && count < 64; el = oj_next(el), count++)
        walk(el, depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    if (oj_valid(text))
        walk(text, 0);
    if (size >= 65 && data[0] == 0xff) { /* X25519 is slow: only now and then */
        uint8_t out[32];
        ol_x25519(out, data + 1, data + 33);
        uint8_t mac[32];
        ol_hmac_sha256(data, 32, data + 32, size - 32, NULL, 0, NULL, 0, mac);
    }
    uint8_t raw[64];
    (void)ol_unhex(text, size, raw, size / 2 <= sizeof raw ? size / 2 : sizeof raw);
    free(text);
    return 0;
}
