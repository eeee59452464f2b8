/*
 * vrf_dice.c — a verifiable dice roll: the roll comes from a VRF output the
 * host binds to this request (outlayer_v1.vrf, sdk/outlayer.h), so neither
 * the caller nor the worker can choose it, and anyone can check it with
 * `outlayer verify-vrf` and the worker's public key.
 *
 * stdin: an optional label (e.g. "game 7 round 3"), at most 1024 bytes; it
 * is the program's part of the VRF input (empty = "dice").
 * env DICE_SIDES: sides of the die (2..1000000, default 6).
 * stdout: {"roll":N,"sides":S,"public_key":HEX,"input":HEX,"proof":HEX,"output":HEX}
 * Check: outlayer verify-vrf --public-key PK --alpha INPUT --proof PROOF  (prints OUTPUT)
 * The roll is 1 + (the output's first 8 bytes, little-endian, mod S); the
 * bias of that reduction is below 2^-40 for S <= 10^6.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

int main(void)
{
    char label[OUTLAYER_VRF_MAX_ALPHA + 1];
    size_t n = fread(label, 1, sizeof label, stdin);
    if (n > OUTLAYER_VRF_MAX_ALPHA) {
        fprintf(stderr, "vrf_dice: the label is longer than %d bytes\n", OUTLAYER_VRF_MAX_ALPHA);
        return 1;
    }
    while (n > 0 && (label[n - 1] == '\n' || label[n - 1] == '\r'))
        n--;
    if (n == 0) {
        memcpy(label, "dice", 4);
        n = 4;
    }
    const char *s = getenv("DICE_SIDES");
    long sides = s && *s ? strtol(s, NULL, 10) : 6;
    if (sides < 2 || sides > 1000000) {
        fprintf(stderr, "vrf_dice: DICE_SIDES must be 2..1000000\n");
        return 1;
    }

    uint8_t pk[32];
    outlayer_vrf_result r;
    int e = outlayer_vrf_public_key(pk);
    if (!e)
        e = outlayer_vrf(label, (uint32_t)n, &r);
    if (e) {
        fprintf(stderr, "vrf_dice: %s (%d)\n", e == OUTLAYER_EDISABLED ? "no VRF key on this host" : outlayer_strerror(e),
                e);
        return 1;
    }
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | r.output[i];
    unsigned long roll = 1 + (unsigned long)(x % (uint64_t)sides);

    char pk_hex[65], proof_hex[2 * OUTLAYER_VRF_PROOF_BYTES + 1], out_hex[2 * OUTLAYER_VRF_OUTPUT_BYTES + 1];
    char *in_hex = malloc(2 * (size_t)r.input_len + 1);
    if (!in_hex) {
        outlayer_vrf_free(&r);
        return 1;
    }
    printf("{\"roll\":%lu,\"sides\":%ld,\"public_key\":\"%s\",\"input\":\"%s\",\"proof\":\"%s\",\"output\":\"%s\"}\n",
           roll, sides, outlayer_hex(pk, 32, pk_hex), outlayer_hex(r.input, r.input_len, in_hex),
           outlayer_hex(r.proof, sizeof r.proof, proof_hex), outlayer_hex(r.output, sizeof r.output, out_hex));
    free(in_hex);
    outlayer_vrf_free(&r);
    return 0;
}
