/*
 * keccak.c — the Keccak-f[1600] sponge, for keccak256/keccak512 (Ethereum's
 * original Keccak padding, 0x01) and sha3_* (FIPS-202 padding, 0x06).
 *
 * Debian's OpenSSL 3.0 offers SHA3 but not the original Keccak (that came in
 * OpenSSL 3.2), so the permutation is written here from the FIPS-202
 * description; tests check it against published vectors and OpenSSL's SHA3.
 */
#include "nearvm/internal.h"

#include <string.h>

static const uint64_t round_constants[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull, 0x000000000000808bull,
    0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull, 0x000000000000008aull, 0x0000000000000088ull,
    0x0000000080008009ull, 0x000000008000000aull, 0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull,
    0x8000000000008003ull, 0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static uint64_t rotl(uint64_t x, unsigned n) { return n ? (x << n) | (x >> (64 - n)) : x; }

/* State lanes are a[x + 5y]. */
static void keccak_f(uint64_t a[25])
{
    /* rho offsets r[x][y] from FIPS-202 table 2, indexed x + 5y */
    static const unsigned rho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                     25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d[5], b[25];
        for (int x = 0; x < 5; x++)
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++)
            d[x] = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
        for (int i = 0; i < 25; i++)
            a[i] ^= d[i % 5];
        /* rho and pi: B[y, 2x+3y] = rot(A[x, y], r[x, y]) */
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++)
                b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rho[x + 5 * y]);
        /* chi */
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++)
                a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
        /* iota */
        a[0] ^= round_constants[round];
    }
}

static void absorb_block(uint64_t a[25], const uint8_t *block, unsigned rate)
{
    for (unsigned i = 0; i < rate / 8; i++) {
        uint64_t lane = 0;
        for (int k = 7; k >= 0; k--)
            lane = lane << 8 | block[8 * i + (unsigned)k];
        a[i] ^= lane;
    }
    keccak_f(a);
}

void nearvm_keccak(unsigned rate, uint8_t pad, const uint8_t *in, size_t len, uint8_t *out, size_t out_len)
{
    uint64_t a[25] = {0};
    while (len >= rate) {
        absorb_block(a, in, rate);
        in += rate;
        len -= rate;
    }
    uint8_t last[200] = {0};
    memcpy(last, in, len);
    last[len] ^= pad;
    last[rate - 1] ^= 0x80;
    absorb_block(a, last, rate);
    /* out_len <= rate for every digest NEAR offers: one squeeze */
    for (size_t i = 0; i < out_len; i++)
        out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}
