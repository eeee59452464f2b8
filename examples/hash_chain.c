/*
 * hash_chain — a deterministic compute-heavy program: SHA-256 applied
 * `rounds` times to a seed (h0 = SHA-256(seed), h(i+1) = SHA-256(h(i))).
 *
 * It shows how OutLayer meters work: every WebAssembly instruction is
 * counted, the count is the same on every machine and every run, and the
 * contract charges per million instructions. The count grows linearly with
 * `rounds` (about 8,900 instructions a round: 100,000 rounds fit the default limit of 10⁹), so a request's cost can be
 * predicted with `outlayer run` before paying for it.
 *
 *   input:  {"seed":"outlayer","rounds":100000}   (rounds 1..100000000, default 1000)
 *   output: {"seed":"outlayer","rounds":100000,"digest":"<64 hex digits>"}
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 hash_chain.c -o hash_chain.wasm
 *   run:    outlayer run hash_chain.wasm --input - <<< '{"seed":"outlayer","rounds":100000}'
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "include/ol_json.h"
#include "include/ol_sha256.h"

int main(void)
{
    char *input = ol_read_stdin(NULL);
    if (!input || !oj_valid(input) || *oj_ws(input) != '{') {
        fputs("hash_chain: expected a JSON object {\"seed\":\"...\",\"rounds\":N}\n", stderr);
        free(input);
        return 2;
    }
    char seed[4096];
    const char *s = oj_get(input, "seed");
    if (!s)
        seed[0] = 0;
    else if (oj_string(s, seed, sizeof seed) < 0) {
        fputs("hash_chain: \"seed\" must be a string of at most 4095 bytes\n", stderr);
        free(input);
        return 2;
    }
    uint64_t rounds = 1000;
    const char *r = oj_get(input, "rounds");
    if (r && (oj_u64(r, &rounds) || rounds < 1 || rounds > 100000000)) {
        fputs("hash_chain: \"rounds\" must be a whole number in 1..100000000\n", stderr);
        free(input);
        return 2;
    }
    uint8_t h[32];
    ol_sha256(seed, strlen(seed), h);
    for (uint64_t i = 1; i < rounds; i++)
        ol_sha256(h, sizeof h, h);
    char hex[65];
    ol_hex(h, 32, hex);
    printf("{\"seed\":");
    oj_print_string(stdout, seed);
    printf(",\"rounds\":%llu,\"digest\":\"%s\"}\n", (unsigned long long)rounds, hex);
    free(input);
    return 0;
}
