/* dcap_test_util.h — helpers shared by the register/dcap tests. */
#ifndef DCAP_TEST_UTIL_H
#define DCAP_TEST_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef DCAP_DATA_DIR
#define DCAP_DATA_DIR "tests/register/data"
#endif

/* Reads DCAP_DATA_DIR/name entirely (aborts if missing: the data is committed). */
static inline uint8_t *tu_slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", DCAP_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s (run from the repository root)\n", path);
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        abort();
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* "YYYY-MM-DDThh:mm:ssZ" -> Unix seconds (test side: timegm, not our parser). */
static inline int64_t tu_time(const char *iso)
{
    struct tm tm = {0};
    if (!strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm))
        abort();
    return (int64_t)timegm(&tm);
}

#endif
