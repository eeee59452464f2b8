/* chain_near.h — a sec_chain (cond.h) backed by NEAR JSON-RPC: view calls
 * and view_account at finality "final" (the reference reads "optimistic";
 * a condition should not pass on a block that may still change).
 * Each call makes its own near_rpc client, so one sec_chain may be used
 * from several threads. Failures carry the RPC's own message. */
#ifndef OUTLAYER_SECRETS_CHAIN_NEAR_H
#define OUTLAYER_SECRETS_CHAIN_NEAR_H

#include "secrets/cond.h"

typedef struct sec_near_chain {
    const char *rpc_url;
    int attempts;    /* retry attempts per call (>= 1) */
    long timeout_ms; /* per request */
} sec_near_chain;

/* Fills *out so that it uses cfg (which must outlive it). */
void sec_chain_near(sec_chain *out, sec_near_chain *cfg);

/* The same view call as the chain's, for other callers (get_secrets).
 * 0 and *result (malloc'd, NUL-terminated), or -1 with err. */
int sec_near_view(sec_near_chain *cfg, const char *contract, const char *method, const char *args_json, char **result,
                  char *err, size_t errlen);

#endif
