/*
 * verify.h — what `outlayer verify` reads before it re-runs a request: the
 * request and its resolution from the chain and the job's attestation
 * record from the coordinator (verify_fetch.c: I/O; verify_chain.c: parsing).
 */
#ifndef OUTLAYER_CLI_VERIFY_H
#define OUTLAYER_CLI_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "near/rpc.h"

typedef struct vf_chain {
    json_t *create; /* the request as the worker's event monitor turned it into a job (owned) */
    uint64_t request_id;
    uint64_t block_height; /* of the request's receipt */
    bool resolved;         /* the contract emitted execution_completed */
    bool success;
    char *error; /* error_message (NULL on success) */
    uint64_t instructions;
    json_t *value; /* the request's final return value: the output (owned, may be NULL) */
} vf_chain;

/* verify_chain.c (pure). The block hash of the request's receipt in an
 * EXPERIMENTAL_tx_status answer, or NULL. */
const char *vf_chain_request_block(json_t *status, const char *contract);
/* The request (as the worker's monitor turns it into a job, with the
 * receipt's block height), execution_completed and the final value from an
 * EXPERIMENTAL_tx_status answer. 0, or -1 with err. */
int vf_chain_parse(json_t *status, const char *tx_hash, const char *contract, uint64_t height, vf_chain *out, char *err,
                   size_t errlen);
/* From an attestation record's tdx_quote (report_data = task hash ‖ replay
 * nonce ‖ u64_le executed, worker attest.c): the nonce (WK_NONCE_LEN = 24
 * bytes), the instructions the run executed and the task hash. 0, or -1
 * when it has no quote. */
int vf_quote_parts(json_t *att, uint8_t nonce[24], uint64_t *executed, char task_hex[65]);
/* The task hash of the record's own fields, as the worker computes it (attest.c). */
void vf_record_task_hash(json_t *att, char out[65]);

/* verify_fetch.c. Reads transaction tx_hash of sender (EXPERIMENTAL_tx_status,
 * then the request's block) and parses it with vf_chain_parse. */
int vf_chain_read(near_rpc *rpc, const char *tx_hash, const char *sender, const char *contract, vf_chain *out,
                  char *err, size_t errlen);
void vf_chain_free(vf_chain *c);

typedef struct vf_job {
    int64_t job_id; /* the execute job (-1 when unknown) */
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
