/*
 * price_oracle.c — fetch a JSON document over HTTP and report one number
 * from it, the shape of a price oracle. Uses the C SDK (sdk/outlayer.h).
 *
 * stdin: the URL (http or https; the worker's or `outlayer run
 * --allow-http`'s allow-list decides whether it may be fetched).
 * env PRICE_FIELD: the JSON key to read (default "price").
 * stdout: {"price":<number>,"status":<http status>}; on failure, exit 1
 * with the reason on stderr.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

int main(void)
{
    char url[2048];
    size_t n = fread(url, 1, sizeof url - 1, stdin);
    url[n] = 0;
    while (n > 0 && isspace((unsigned char)url[n - 1]))
        url[--n] = 0;
    const char *field = getenv("PRICE_FIELD");
    if (!field || !*field)
        field = "price";

    outlayer_response r;
    const char *headers[] = {"Accept: application/json"};
    int e = outlayer_http_request("GET", url, headers, 1, NULL, 0, &r);
    if (e) {
        fprintf(stderr, "price_oracle: fetching %s: %s (%d)\n", url, outlayer_strerror(e), e);
        return 1;
    }
    if (r.status != 200) {
        fprintf(stderr, "price_oracle: %s answered %u\n", url, (unsigned)r.status);
        outlayer_response_free(&r);
        return 1;
    }
    /* find "field": number — enough JSON for a flat quote object */
    char key[128];
    snprintf(key, sizeof key, "\"%s\"", field);
    const char *p = strstr((const char *)r.body, key);
    char *end = NULL;
    double price = 0;
    if (p) {
        p += strlen(key);
        while (*p == ' ' || *p == ':')
            p++;
        price = strtod(p, &end);
    }
    if (!p || end == p) {
        fprintf(stderr, "price_oracle: no numeric \"%s\" in the response\n", field);
        outlayer_response_free(&r);
        return 1;
    }
    printf("{\"price\":%.17g,\"status\":%u}\n", price, (unsigned)r.status);
    outlayer_response_free(&r);
    return 0;
}
