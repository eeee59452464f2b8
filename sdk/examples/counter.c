/*
 * counter.c — a persistent counter: each run reads the stored count,
 * adds one, stores it and prints it. The store belongs to (the caller,
 * this program's project), so every caller has their own count
 * (docs/program-api.md, "Persistent storage"). sdk/examples/counter.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "outlayer.h"

int main(void)
{
    static const char key[] = "counter";
    uint8_t *v = NULL;
    uint32_t n = 0;
    unsigned long long count = 0;
    int e = outlayer_storage_get(key, sizeof key - 1, &v, &n);
    if (e == OUTLAYER_OK) {
        char *end;
        count = strtoull((const char *)v, &end, 10);
        if (n == 0 || *end) {
            fprintf(stderr, "stored counter is not a number\n");
            free(v);
            return 1;
        }
        free(v);
    } else if (e != OUTLAYER_ENOT_FOUND) {
        fprintf(stderr, "storage_get: %s\n", outlayer_strerror(e));
        return 1;
    }
    count++;
    char text[24];
    int len = snprintf(text, sizeof text, "%llu", count);
    if ((e = outlayer_storage_set(key, sizeof key - 1, text, (uint32_t)len)) != 0) {
        fprintf(stderr, "storage_set: %s\n", outlayer_strerror(e));
        return 1;
    }
    printf("%llu\n", count);
    return 0;
}
