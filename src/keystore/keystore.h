/* keystore.h — outlayer-keystore: the only holder of the master secret.
 *
 * The request logic is plain functions from a JSON body to a status and a
 * JSON reply (no HTTP here), so the daemon (main.c) is thin glue and tests
 * and fuzzers drive the logic directly with a fake chain.
 *
 * Routes (all POST bodies are JSON objects; errors are {"error": "..."}):
 *   GET  /health                 no auth   {"status":"ok",...}
 *   POST /pubkey                 bearer    seed -> X25519 public key (hex)
 *   POST /decrypt                bearer    reads get_secrets from the OutLayer
 *                                          contract, checks the access condition
 *                                          for user_account_id, decrypts
 *   POST /add_generated_secret   bearer    makes PROTECTED_* secrets inside the
 *                                          keystore and seals them (version 2)
 * See docs/secrets.md for the bodies. */
#ifndef OUTLAYER_KEYSTORE_H
#define OUTLAYER_KEYSTORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secrets/cond.h"
#include "secrets/kdf.h"

#define KS_TOKEN_HASHES_MAX 16
#define KS_NEW_SECRETS_MAX 64
#define KS_ATTESTATION_MAX_AGE_S 300

typedef struct ks_state {
    uint8_t master[SEC_MASTER_LEN];
    /* SHA-256 of each accepted bearer token */
    uint8_t token_hash[KS_TOKEN_HASHES_MAX][32];
    size_t n_tokens;
    const char *contract_id; /* the OutLayer contract (get_secrets); NULL = /decrypt answers 503 */
    sec_chain chain;         /* view calls and balances; view NULL = no RPC configured */
    bool require_attestation;
    /* /decrypt only with a request_id naming a pending request of the
     * OutLayer contract that matches (see ks_decrypt). */
    bool require_request;
    const char *register_contract; /* whose access keys count as registered workers */
    /* Is `public_key` a function-call access key of `account` for
     * `receiver`? 1 yes, 0 no, -1 could not tell (err). */
    int (*worker_key)(void *ctx, const char *account, const char *public_key, const char *receiver, char *err,
                      size_t errlen);
    void *worker_key_ctx;
} ks_state;

/* A reply: HTTP status and a JSON body (owned by the caller). */
typedef struct ks_reply {
    int status;
    json_t *body;
} ks_reply;

/* Each takes the parsed body (borrowed) and fills *r. They never log
 * secret values; they log one line per request with its outcome. */
void ks_pubkey(const ks_state *ks, const json_t *req, ks_reply *r);
void ks_decrypt(const ks_state *ks, const json_t *req, ks_reply *r);
void ks_add_generated(const ks_state *ks, const json_t *req, ks_reply *r);

/* Bearer check: 0 when `authorization` is "Bearer <token>" with an
 * accepted token, else -1 and a message. Constant-time over the hashes. */
int ks_check_bearer(const ks_state *ks, const char *authorization, const char **why);
/* Adds a token's hash (from the raw token or from 64 hex digits). */
int ks_add_token(ks_state *ks, const char *token);
int ks_add_token_hash(ks_state *ks, const char *hex);

/* The attestation check of --require-attestation (auth.c). 0 or -1 with
 * a reason. `signed_text` is what the worker must have signed. */
int ks_check_attestation(const ks_state *ks, const json_t *attestation, const char *signed_text, char *why,
                         size_t whylen);

/* Master secret: from hex (64 digits) when given, else from
 * <data_dir>/master.key, created (0600, directory 0700) on first start.
 * A key file readable by group or others is refused. 0 or -1 with err;
 * err never contains key material. */
int ks_master_load(const char *data_dir, const char *hex, uint8_t master[SEC_MASTER_LEN], char *err, size_t errlen);
/* When no token is configured: <data_dir>/auth-token (0600), created with
 * 32 random bytes as hex on first start. Fills token (65 bytes). */
int ks_token_file(const char *data_dir, char token[65], char *err, size_t errlen);

/* Helper shared by the handlers: fills *r with {"error": msg}. */
void ks_error(ks_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
