/* hashtable — hashing, string compares and scattered memory access: an
 * open-addressing (linear probing) table from string keys to counters with
 * inserts, hits, misses and deletions (tombstones), rebuilt every round.
 * SIZE = rounds of 200000 operations (default 10). */
#include "bench_common.h"
#include <string.h>

#define CAPACITY (1u << 18) /* power of two; load stays below 1/2 */
#define KEY_MAX 24

typedef struct {
    char key[KEY_MAX];
    uint32_t hash; /* 0 = empty slot */
    uint8_t deleted;
    uint32_t value;
} slot;

static slot table[CAPACITY];

static uint32_t fnv1a(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h | 1; /* never 0, which marks an empty slot */
}

/* Writes "k<number>-<suffix>" without printf (printf would dominate). */
static size_t make_key(char *out, uint32_t n)
{
    char digits[12];
    size_t len = 0, nd = 0;
    out[len++] = 'k';
    do {
        digits[nd++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (nd)
        out[len++] = digits[--nd];
    memcpy(out + len, "-entry", 6);
    len += 6;
    out[len] = 0;
    return len;
}

static slot *find(const char *key, size_t len, uint32_t h, int for_insert)
{
    uint32_t i = h & (CAPACITY - 1);
    slot *tomb = NULL;
    for (;;) {
        slot *s = &table[i];
        if (s->hash == 0)
            return for_insert && tomb ? tomb : (for_insert ? s : NULL);
        if (s->deleted) {
            if (!tomb)
                tomb = s;
        } else if (s->hash == h && memcmp(s->key, key, len + 1) == 0) {
            return s;
        }
        i = (i + 1) & (CAPACITY - 1);
    }
}

static uint64_t round_of_ops(bench_rng *rng, uint32_t universe)
{
    char key[KEY_MAX];
    uint64_t found = 0, missing = 0, removed = 0, sum = 0;
    memset(table, 0, sizeof table);
    for (uint32_t op = 0; op < 200000; op++) {
        uint64_t r = bench_rand(rng);
        uint32_t n = (uint32_t)(r >> 8) % universe;
        size_t len = make_key(key, n);
        uint32_t h = fnv1a(key, len);
        switch (r & 7) {
        case 0:
        case 1:
        case 2:
        case 3: { /* insert or bump */
            slot *s = find(key, len, h, 0);
            if (s) {
                s->value++;
            } else {
                s = find(key, len, h, 1);
                memcpy(s->key, key, len + 1);
                s->hash = h;
                s->deleted = 0;
                s->value = 1;
            }
            break;
        }
        case 4:
        case 5:
        case 6: { /* lookup */
            slot *s = find(key, len, h, 0);
            if (s) {
                found++;
                sum += s->value;
            } else {
                missing++;
            }
            break;
        }
        default: { /* delete */
            slot *s = find(key, len, h, 0);
            if (s) {
                s->deleted = 1;
                removed++;
            }
        }
        }
    }
    return bench_mix(bench_mix(bench_mix(found, missing), removed), sum);
}

int main(int argc, char **argv)
{
    long rounds = bench_size(argc, argv, 10);
    bench_rng rng = {777};
    uint64_t h = 0;
    for (long r = 0; r < rounds; r++)
        h = bench_mix(h, round_of_ops(&rng, 60000 + (uint32_t)r * 1000));
    bench_report("hashtable", rounds, h);
    return 0;
}
