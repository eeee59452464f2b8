/*
 * verify.h — what `outlayer verify` reads before it re-runs a request: the
 * request and its resolution from the chain (verify_chain.c) and the job's
 * attestation record from the coordinator (verify_coord.c).
 */
#ifndef OUTLAYER_CLI_VERIFY_H
#define OUTLAYER_CLI_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "near/rpc.h"

typedef struct vf_chain {
    json_t *create;       /* the request as the worker's event monitor turned it into a job (owned) */
    uint64_t request_id;
    uint64_t block_height; /* of the request's receipt */
    bool resolved;        /* the contract emitted execution_completed */
    bool success;
    char *error;          /* error_message (NULL on success) */
    uint64_t instructions;
    json_t *value;        /* the request's final return value: the output (owned, may be NULL) */
} vf_chain;

/* Reads transaction tx_hash of sender: the execution_requested event (and
 * the receipt around it: the worker's NEAR_* context), execution_completed
 * and the final value. 0, or -1 with err. */
int vf_chain_read(near_rpc *rpc, const char *tx_hash, const char *sender, const char *contract, vf_chain *out,
                  char *err, size_t errlen);
void vf_chain_free(vf_chain *c);

typedef struct vf_job {
    int64_t job_id;       /* the execute job (-1 when unknown) */
    uint64_t request_id;
    char tx_hash[64];
    char sender[80];
    char worker_id[128];
} vf_job;

/* Finds the execute job of a request (by request_id, or by tx_hash when
 * by_tx) in the coordinator's /public/jobs. 0 found, 1 not found, -1 error. */
int vf_coord_find_job(const char *coord_url, bool by_tx, uint64_t request_id, const char *tx_hash, vf_job *out,
                      char *err, size_t errlen);
/* GET /attestations/:job_id (X-API-Key when api_key). 0 with *out, 1 none, -1 error. */
int vf_coord_attestation(const char *coord_url, const char *api_key, int64_t job_id, json_t **out, char *err,
                         size_t errlen);

#endif
