/* client.h — the worker's side of the keystore: POST /decrypt and turn the
 * answer into an environment map or the user-facing error of spec worker
 * §11 (so the worker and the keystore agree on one wire format).
 *
 *   sec_decrypt_request r = {.repo = "https://github.com/o/r", .branch = "main",
 *                            .profile = "default", .owner = "alice.near",
 *                            .caller = "bob.near", .task_id = "…"};
 *   json_t *env;  char msg[512];
 *   sec_fetch_status st = sec_keystore_decrypt(&client, &r, &env, msg, sizeof msg);
 *
 * With client.worker_key set, the request carries the signed attestation
 * that `--require-attestation` checks (attest.h). Messages never contain a
 * secret value or the token. */
#ifndef OUTLAYER_SECRETS_CLIENT_H
#define OUTLAYER_SECRETS_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "near/keys.h"

typedef struct sec_keystore_client {
    const char *base_url;           /* KEYSTORE_BASE_URL */
    const char *token;              /* KEYSTORE_AUTH_TOKEN */
    long timeout_ms;                /* 0 = 30000 */
    const char *tee_type;           /* "none", "simulated", "tdx"…; NULL = "none" */
    const char *quote_b64;          /* NULL = base64("no-attestation") */
    const near_keypair *worker_key; /* NULL = no signature */
} sec_keystore_client;

typedef struct sec_decrypt_request {
    const char *repo, *branch; /* a Repo accessor (branch may be NULL) … */
    const char *wasm_hash;     /* … or a WasmHash one */
    const char *profile, *owner;
    const char *caller;  /* NULL = the owner */
    const char *task_id; /* may be NULL */
    bool has_request_id; /* send request_id (the keystore then checks the job) */
    uint64_t request_id; /* the OutLayer request id */
} sec_decrypt_request;

/* The worker's error categories (spec worker §8.3 step 4). */
typedef enum sec_fetch_status {
    SEC_FETCH_OK = 0,
    SEC_FETCH_DENIED,     /* category access_denied */
    SEC_FETCH_USER_ERROR, /* category custom: not found, invalid format */
    SEC_FETCH_FAILED,     /* category failed: transport, keystore or chain trouble */
} sec_fetch_status;

/* On SEC_FETCH_OK *env is a JSON object of string -> string (caller
 * decrefs); otherwise msg holds the user-facing sentence. */
sec_fetch_status sec_keystore_decrypt(const sec_keystore_client *c, const sec_decrypt_request *r, json_t **env,
                                      char *msg, size_t msglen);

#endif
