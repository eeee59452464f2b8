/* crc32 — byte-at-a-time table lookups and shifts: CRC-32 (IEEE 802.3,
 * reflected, polynomial 0xEDB88320) with a slicing-by-4 table, over a 1 MiB
 * buffer, repeated. SIZE = MiB processed (default 160). */
#include "bench_common.h"
#include <string.h>

#define BUF_SIZE (1u << 20)

static uint32_t table[4][256];
static uint8_t buf[BUF_SIZE];

static void make_tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 4; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
}

static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    while (len >= 4) {
        crc ^= (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        crc = table[3][crc & 0xff] ^ table[2][(crc >> 8) & 0xff] ^ table[1][(crc >> 16) & 0xff] ^ table[0][crc >> 24];
        p += 4;
        len -= 4;
    }
    while (len--)
        crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(int argc, char **argv)
{
    long rounds = bench_size(argc, argv, 160);
    make_tables();
    if (crc32(0, (const uint8_t *)"123456789", 9) != 0xCBF43926u) {
        fprintf(stderr, "crc32: self-test failed\n");
        return 1;
    }
    bench_rng rng = {987654321};
    for (size_t i = 0; i < BUF_SIZE; i += 8) {
        uint64_t x = bench_rand(&rng);
        memcpy(buf + i, &x, 8);
    }
    uint32_t crc = 0;
    for (long r = 0; r < rounds; r++) {
        buf[r % BUF_SIZE] ^= (uint8_t)crc;
        crc = crc32(crc, buf, BUF_SIZE - (size_t)(r & 3));
    }
    bench_report("crc32", rounds, crc);
    return 0;
}
