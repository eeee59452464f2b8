/*
 * compile.c — GitHub-style sources. Not built yet on this worker: such a
 * request fails with a clear message (and is refunded at once).
 */
#include <stdio.h>

#include "worker/worker.h"

int wk_compile_source(wk_worker *w, const wk_request *r, uint8_t **out, size_t *len, char *err, size_t errlen)
{
    *out = NULL;
    *len = 0;
    snprintf(err, errlen, "Compilation failed: this worker cannot build git sources (target %s)",
             r->source.build_target);
    return -1;
}
