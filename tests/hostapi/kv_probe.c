/*
 * kv_probe.c — a test program for outlayer_v1 storage and views
 * (tests/hostapi/test_hostapi_kv.c). argv[1] picks what it does; the exit
 * code is the host's error code of the (last) call:
 *   get KEY | set KEY VALUE | del KEY | setbig KEY N | many N
 *   list PREFIX CURSOR LIMIT   (prints "key" lines, then "next=CURSOR")
 *   view CONTRACT METHOD ARGS | account ID     (prints the result)
 *   oob      every function with pointers outside memory; prints the codes
 *   bad      malformed arguments; prints the codes
 *   noresult result_read before any result; small: result_read into 0 bytes
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

#define FAR ((void *)(uintptr_t)0xfffffff0u)
static char big[70000];

static int print_result(uint32_t n)
{
    char *b = malloc(n + 1);
    int e = outlayer_raw_result_read(b, n);
    if (e)
        return e;
    fwrite(b, 1, n, stdout);
    free(b);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";
    const char *a = argc > 2 ? argv[2] : "", *b = argc > 3 ? argv[3] : "", *c = argc > 4 ? argv[4] : "";
    uint32_t n = 0;
    int e;
    if (!strcmp(m, "get")) {
        if ((e = outlayer_raw_storage_get(a, (uint32_t)strlen(a), &n)))
            return e;
        return print_result(n);
    }
    if (!strcmp(m, "set"))
        return outlayer_raw_storage_set(a, (uint32_t)strlen(a), b, (uint32_t)strlen(b));
    if (!strcmp(m, "del"))
        return outlayer_raw_storage_delete(a, (uint32_t)strlen(a));
    if (!strcmp(m, "setbig")) {
        uint32_t len = (uint32_t)atoi(b);
        memset(big, 'x', len);
        return outlayer_raw_storage_set(a, (uint32_t)strlen(a), big, len);
    }
    if (!strcmp(m, "many")) {
        e = 0;
        for (int i = 0; i < atoi(a); i++)
            e = outlayer_raw_storage_get("k", 1, &n);
        return e;
    }
    if (!strcmp(m, "list")) {
        outlayer_key_list l;
        if ((e = outlayer_storage_list(a, (uint32_t)strlen(a), b, (uint32_t)strlen(b), (uint32_t)atoi(c), &l)))
            return e;
        for (uint32_t i = 0; i < l.n; i++)
            printf("%.*s\n", (int)l.key_lens[i], (const char *)l.keys[i]);
        printf("next=%.*s\n", (int)l.next_len, l.next ? (const char *)l.next : "");
        outlayer_key_list_free(&l);
        return 0;
    }
    if (!strcmp(m, "view")) {
        if ((e = outlayer_raw_view_function(a, (uint32_t)strlen(a), b, (uint32_t)strlen(b), c, (uint32_t)strlen(c),
                                            &n)))
            return e;
        return print_result(n);
    }
    if (!strcmp(m, "account")) {
        if ((e = outlayer_raw_view_account(a, (uint32_t)strlen(a), &n)))
            return e;
        return print_result(n);
    }
    if (!strcmp(m, "oob")) {
        printf("%d %d %d %d %d %d %d %d %d %d %d %d\n", outlayer_raw_storage_get(FAR, 64, &n),
               outlayer_raw_storage_get("k", 1, (uint32_t *)FAR), outlayer_raw_storage_set("k", 1, FAR, 100),
               outlayer_raw_storage_set(FAR, 1, "v", 1), outlayer_raw_storage_delete(FAR, 32),
               outlayer_raw_storage_list(FAR, 20, "", 0, 5, &n), outlayer_raw_storage_list("", 0, FAR, 20, 5, &n),
               outlayer_raw_view_function(FAR, 20, "m", 1, "", 0, &n),
               outlayer_raw_view_function("a.near", 6, "m", 1, FAR, 100, &n),
               outlayer_raw_view_account("a.near", 6, (uint32_t *)FAR), outlayer_raw_result_read(FAR, 100),
               outlayer_raw_storage_get("k", 0xffffffffu, &n));
        return 0;
    }
    if (!strcmp(m, "bad")) {
        static char key257[257];
        memset(key257, 'k', sizeof key257);
        printf("%d %d %d %d %d %d %d %d %d %d %d %d\n", outlayer_raw_storage_get("", 0, &n),
               outlayer_raw_storage_set("", 0, "v", 1), outlayer_raw_storage_delete("", 0),
               outlayer_raw_storage_get(key257, 257, &n), outlayer_raw_storage_set(key257, 257, "v", 1),
               outlayer_raw_storage_list("", 0, "", 0, 0, &n), outlayer_raw_storage_list(key257, 257, "", 0, 5, &n),
               outlayer_raw_view_function("A", 1, "get_stats", 9, "{}", 2, &n),
               outlayer_raw_view_function("outlayer.test.near", 18, "get-stats", 9, "{}", 2, &n),
               outlayer_raw_view_function("outlayer.test.near", 18, "get_stats", 9, big, 65537, &n),
               outlayer_raw_view_account("bad..account", 12, &n), outlayer_raw_view_account("", 0, &n));
        return 0;
    }
    if (!strcmp(m, "noresult"))
        return outlayer_raw_result_read(big, 16);
    if (!strcmp(m, "small")) {
        if ((e = outlayer_raw_storage_get(a, (uint32_t)strlen(a), &n)))
            return e;
        return outlayer_raw_result_read(big, 0);
    }
    return 99;
}
