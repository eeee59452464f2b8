/*
 * view_reader.c — reads a NEAR contract's view from inside a program.
 * Input (stdin): "CONTRACT METHOD [ARGS_JSON]"; empty input reads
 * get_stats of the calling contract ($NEAR_CONTRACT_ID). Prints the view's
 * result (JSON text). sdk/examples/view_reader.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outlayer.h"

int main(void)
{
    static char in[4096];
    size_t n = fread(in, 1, sizeof in - 1, stdin);
    in[n] = 0;
    char contract[65] = "", method[257] = "get_stats";
    const char *args = "{}";
    int off = 0;
    if (sscanf(in, " %64s %256s %n", contract, method, &off) >= 1) {
        if (off > 0 && in[off])
            args = in + off;
    } else {
        const char *c = getenv("NEAR_CONTRACT_ID");
        if (!c || strlen(c) >= sizeof contract) {
            fprintf(stderr, "usage: echo 'CONTRACT METHOD [ARGS_JSON]' | view_reader\n");
            return 2;
        }
        strcpy(contract, c);
    }
    char *result = NULL;
    int e = outlayer_view_function(contract, method, args, &result, NULL);
    if (e) {
        fprintf(stderr, "view %s.%s: %s\n", contract, method, outlayer_strerror(e));
        return 1;
    }
    printf("%s\n", result);
    free(result);
    return 0;
}
