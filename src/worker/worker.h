/*
 * worker.h — the pieces of outlayer-worker and how they fit.
 *
 *   request.c   ExecutionRequest JSON (coordinator §5.6 + leases) -> wk_request
 *   execute.c   one request's WASM under its limits (src/runner) -> wk_result
 *   resolve.c   wk_result -> resolve_execution / submit_execution_output_and_resolve
 *   fetch.c     WasmUrl download (size cap, timeout, SHA-256 first)
 *   compile.c   git checkout of one commit + C builds inside bubblewrap
 *   coord.c     the coordinator's worker API (poll, claim, complete, cache, ...)
 *   events.c    a feed block -> /executions/create bodies (pure)
 *   monitor.c   the block feed loop with its persisted cursor
 *   cache.c     WASM bytes by checksum, in memory (LRU)
 *   attest.c    attestation record per job (--tee none|simulated)
 *   tee.c       --tee simulated: the platform (libtee), registration with the register contract
 *   secrets.c   a request's secrets from the keystore (secrets_ref)
 *   jobs.c      the job loop (--jobs N threads), heartbeat
 *   settle.c    results to chain + coordinator in threads of their own
 *   util.c      hashing, UTF-8 truncation, clocks, results, naps
 *   main.c      configuration (base/config), threads, shutdown
 *
 * Every function returns a status and fills an error message; nothing here
 * logs a key or a secret.
 */
#ifndef OUTLAYER_WORKER_H
#define OUTLAYER_WORKER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "builder/builder.h"
#include "hostapi/netpolicy.h"
#include "near/keys.h"
#include "near/rpc.h"

#define WK_ERR 512

/* ------------------------------------------------------------ request */
typedef enum wk_format { WK_FMT_TEXT, WK_FMT_JSON, WK_FMT_BYTES } wk_format;

typedef struct wk_code_source {
    bool is_git;  /* GitHub-style repo + commit, else WasmUrl */
    char *repo;   /* git */
    char *commit; /* git: a commit id or a branch name */
    char *url;    /* WasmUrl */
    char *hash;   /* WasmUrl: lowercase hex SHA-256 of the bytes */
    char *build_target;
} wk_code_source;

typedef struct wk_request {
    uint64_t request_id;
    char *data_id;
    wk_code_source source;
    uint64_t max_instructions;
    uint32_t max_memory_mb;
    uint64_t max_execution_seconds;
    char *input; /* input_data */
    size_t input_len;
    bool has_secrets;
    char *secrets_profile, *secrets_owner;
    wk_format format;
    json_t *context; /* ExecutionContext object (owned; all keys optional) */
    char *user_account_id;
    char *payment; /* near_payment_yocto */
    char *transaction_hash;
    bool compile_only, force_rebuild;
    char *compile_result;
    /* The request's narrowing of --http-allow (request_execution's
     * http_allow), unparsed; NULL = none. wk_execute checks its syntax. */
    char *http_allow;
    /* coordinator extensions */
    char *lease_id;
    uint64_t lease_seconds;
    uint64_t attempt;
    char *abandoned_reason;
    json_t *raw; /* the whole request as received (owned) */
} wk_request;

/* Parses an ExecutionRequest object (borrowed). 0, or -1 with err. */
int wk_request_parse(json_t *obj, wk_request *out, char *err, size_t errlen);
void wk_request_free(wk_request *r);
const char *wk_format_name(wk_format f);
/* The code source in the coordinator's type-tagged form (new reference). */
json_t *wk_code_source_json(const wk_code_source *s);
json_t *wk_limits_json(const wk_request *r);

/* ------------------------------------------------------------- result */
/* The replay nonce: 24 random bytes (192 bits), so that it and the executed
 * instruction count (u64) fill the 32 bytes of report_data after the task hash. */
#define WK_NONCE_LEN 24
typedef struct wk_result {
    bool success;
    json_t *output;    /* {"Text":..}|{"Json":..}|{"Bytes":[..]} or NULL (owned) */
    char *error;       /* NULL on success */
    char category[32]; /* coordinator error_category when !success ("execution_failed", ...) */
    uint64_t instructions;
    uint64_t time_ms;
    bool has_compile_time;
    uint64_t compile_time_ms;
    char *note;              /* compilation_note or NULL */
    uint8_t output_hash[32]; /* SHA-256 of the raw program output (stdout) */
    bool has_output_hash;
    uint64_t executed;                  /* instructions the run executed (instructions is 0 for a failed run) */
    uint8_t replay_nonce[WK_NONCE_LEN]; /* the run's random nonce (wk_replay_seed), recorded in the attestation */
    bool has_replay_nonce;
    uint32_t http_requests;        /* outlayer_v1.http_request calls the program made */
    uint32_t transcript_calls;     /* every call the transcript covers: HTTP, storage and views */
    uint8_t http_transcript[32];   /* the transcript hash (docs/program-api.md), when transcript_calls > 0 */
    uint32_t vrf_calls;            /* outlayer_v1.vrf calls the program made (proofs given) */
    uint32_t vrf_keyless_calls;    /* vrf calls refused for want of a key (outlayer verify's re-run) */
    uint8_t vrf_public_key[32];    /* the key that proved them */
    uint8_t *http_transcript_bytes; /* with record_transcript: the hash's preimage (owned) */
    size_t http_transcript_len;
    bool http_replay_incomplete;   /* replay: the program made fewer requests than recorded */
} wk_result;

void wk_result_free(wk_result *r);
/* A failure result with a formatted error. */
void wk_result_fail(wk_result *r, const char *category, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ execute */
typedef struct wk_exec_limits {
    size_t max_output_bytes;     /* program stdout cap (default 65536) */
    const uint8_t *replay_nonce; /* WK_NONCE_LEN bytes to repeat a run (outlayer verify); NULL = a fresh one */
    const char *http_allow;      /* the program's HTTP allow-list (--http-allow); NULL = HTTP disabled */
    /* issue 16 (docs/program-api.md): */
    const char *http_ca_file;    /* --http-ca-file: the CA bundle for https (replaces the system store); NULL = the system store */
    const uint8_t *vrf_seed;     /* the VRF key (the chain signing key's seed); NULL = vrf disabled */
    const char *vrf_contract_id; /* the OutLayer contract the VRF input is bound to */
    bool record_transcript;      /* keep the HTTP transcript's bytes in the result (--http-transcript-dir) */
    const uint8_t *http_replay;  /* replay this recorded transcript instead of the network (outlayer verify) */
    size_t http_replay_len;
    /* Program storage and NEAR views (docs/program-api.md): the
     * coordinator's /storage/ routes for the store of the request this job's
     * lease holds, and the RPC endpoint for views. NULL = disabled. */
    const char *storage_url, *storage_token;
    const char *views_rpc_url;
} wk_exec_limits;

/* The seed of a run's random_get stream (docs/verify.md):
 * SHA-256("outlayer-replay-v1" ‖ u64_le(request_id) ‖ data_id ‖ nonce).
 * The nonce is fresh per run (so a caller cannot predict the stream before
 * the run) and recorded in the attestation (so anyone can repeat it after);
 * the request fields bind the stream to this request. The clocks are
 * virtual, starting at the request's block timestamp (runner_replay). */
void wk_replay_seed(const wk_request *req, const uint8_t nonce[WK_NONCE_LEN], uint8_t seed[32]);

#define WK_DEFAULT_MAX_OUTPUT ((size_t)65536)

/* Environment for the guest (spec worker §9.6): secrets first, NEAR_* on
 * top. secrets may be NULL (object of string -> string). Returns a
 * NULL-terminated malloc'd array of "K=V" strings (free with wk_env_free). */
char **wk_build_env(const wk_request *req, json_t *secrets, size_t *count);
void wk_env_free(char **env, size_t count);

/* Runs wasm under the request's limits and converts the output.
 * Always fills *res (success or a named failure). */
void wk_execute(const wk_request *req, const uint8_t *wasm, size_t wasm_len, json_t *secrets, const wk_exec_limits *lim,
                wk_result *res);
/* Output conversion by format (spec §9.5). On a Json parse failure fills
 * res as a failure. Takes the stdout bytes. */
void wk_convert_output(wk_format fmt, const uint8_t *data, size_t len, wk_result *res);

/* ------------------------------------------------------------ resolve */
typedef struct wk_chain {
    char rpc_url[512];
    char contract_id[65];
    char account_id[65];
    near_keypair keypair;
    pthread_mutex_t mu;
    uint64_t next_nonce; /* 0 = unknown: read the access key */
} wk_chain;

typedef enum wk_resolve_status {
    WK_RESOLVED,       /* our transaction resumed the request */
    WK_ALREADY_DONE,   /* resolved by someone else, or the yield timed out */
    WK_RESOLVE_FAILED, /* could not get a transaction through (err says why) */
} wk_resolve_status;

int wk_chain_init(wk_chain *c, const char *rpc_url, const char *contract_id, const char *account_id,
                  const near_keypair *kp);
void wk_chain_destroy(wk_chain *c);

/* The `response` JSON (ExecutionResponse) for a result; the method and
 * its args per the payload rule (spec §10.3). *method is static text. */
json_t *wk_response_json(const wk_result *r);
char *wk_resolve_args(uint64_t request_id, const wk_result *r, const char **method);

/* Sends the result; rpc is the calling thread's client. tx_hash (64
 * bytes) receives the hash of the last transaction sent. */
wk_resolve_status wk_resolve(wk_chain *c, near_rpc *rpc, uint64_t request_id, const wk_result *r, char *tx_hash,
                             char *err, size_t errlen);

/* ------------------------------------------------------------- events */
/* The /executions/create bodies of the execution_requested events of
 * contract_id in one feed block (null = skipped height: none). *creates is
 * a new array. -1 with err when the block is not the expected shape. */
int wk_block_events(json_t *block, uint64_t height, const char *contract_id, json_t **creates, char *err,
                    size_t errlen);

/* ------------------------------------------------------------- fetch */
/* 1 when lowercase-hex SHA-256(data) equals expected (any case); actual gets the hash. */
int wk_hash_matches(const uint8_t *data, size_t len, const char *expected, char actual[65]);
/* Where a WasmUrl download may connect: src/hostapi/netpolicy.h, judged
 * on the resolved address of every connection, redirects included. */

typedef struct {
    size_t max_bytes;   /* size cap (refused while streaming) */
    long timeout_ms;    /* total, all redirects included */
    bool allow_file;    /* file:// URLs (tests, local use) */
    bool allow_private; /* loopback/private/CGNAT addresses (local use) */
} wk_fetch_opts;
#define WK_FETCH_MAX_REDIRECTS 5
/* Downloads a WasmUrl program over http/https (file:// only if allowed),
 * following at most WK_FETCH_MAX_REDIRECTS redirects (http/https only),
 * connecting only to addresses the policy allows, refusing more than
 * max_bytes, and checks its SHA-256 against hash. 0 with *out (malloc'd),
 * or -1 with the user-facing reason in err. */
int wk_fetch_wasm(const char *url, const char *hash, const wk_fetch_opts *o, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen);

/* ------------------------------------------------------------- coord */
typedef struct wk_coord {
    const char *base_url; /* no trailing slash */
    const char *token;    /* bearer token (never logged) */
    const char *worker_id;
    const char *capabilities; /* "compilation,execution" */
} wk_coord;

/* 0 with *req = the ExecutionRequest (or NULL on 204), -1 on error. */
int wk_coord_poll(const wk_coord *c, int timeout_s, json_t **req, char *err, size_t errlen);
/* 0 with *jobs (array, new ref), 1 = lease lost (409), -1 error. */
int wk_coord_claim(const wk_coord *c, const wk_request *r, json_t **jobs, char *err, size_t errlen);
/* body borrowed (worker_id added). 0 ok, 1 = lease lost (409), 2 = refused
 * (other 4xx, err says why), -1 transient error. */
int wk_coord_complete(const wk_coord *c, json_t *body, char *err, size_t errlen);
int wk_coord_heartbeat(const wk_coord *c, int *renewed, char *err, size_t errlen);
int wk_coord_release(const wk_coord *c, const char *lease_id, char *err, size_t errlen);
/* At start: the coordinator requeues every lease still held under this
 * worker id (a previous run of the same --worker-id that died). */
int wk_coord_release_worker(const wk_coord *c, int *released, char *err, size_t errlen);
/* 0 ok (*created), 1 refused for good (4xx), -1 transient. */
int wk_coord_create(const wk_coord *c, json_t *body, bool *created, char *err, size_t errlen);
/* 0 with bytes, 1 not cached, -1 error. */
int wk_coord_wasm_get(const wk_coord *c, const char *checksum, size_t max_bytes, uint8_t **out, size_t *len, char *err,
                      size_t errlen);
int wk_coord_wasm_upload(const wk_coord *c, const char *checksum, const char *repo_url, const char *commit,
                         const char *build_target, const uint8_t *wasm, size_t len, char *err, size_t errlen);
int wk_coord_attest(const wk_coord *c, json_t *body, char *err, size_t errlen);
/* The cached build of (repo, commit id, target): 0 with its checksum, 1 none, -1 error. */
int wk_coord_build_lookup(const wk_coord *c, const char *repo, const char *commit, const char *target,
                          char checksum[65], char *err, size_t errlen);

/* ------------------------------------------------------------- worker */
typedef struct wk_config {
    char *coordinator_url, *api_token, *rpc_url, *contract_id, *account_id, *key_file, *worker_id;
    int64_t jobs, poll_timeout_s, heartbeat_ms;
    int execute, compile, monitor, allow_file_urls, allow_private_urls;
    char *feed_url, *cursor_file;
    int64_t start_block;
    int64_t max_wasm_bytes, download_timeout_ms, max_output_bytes;
    char *tee;
    char *http_allow; /* --http-allow: hosts programs may reach (docs/program-api.md) */
    char *http_ca_file, *http_transcript_dir; /* --http-ca-file, --http-transcript-dir */
    /* outlayer_v1 storage (via the coordinator) and NEAR views (docs/program-api.md) */
    int program_storage, program_views;
    char *tee_platform, *register_contract, *register_stake; /* --tee simulated (tee.c) */
    int64_t shutdown_grace_ms;
    char *git_base_url, *build_dir;
    char *cargo; /* Rust builds: --cargo / CARGO_PATH (NULL = /usr/bin/cargo) */
    int64_t compile_timeout_ms, compile_memory_bytes;
    char *keystore_url, *keystore_token; /* NULL url = no keystore */
} wk_config;

typedef struct wk_cache wk_cache; /* cache.c: WASM bytes by checksum */
wk_cache *wk_cache_new(size_t max_bytes);
void wk_cache_free(wk_cache *c);
/* A copy of the cached bytes (malloc'd) or NULL. */
uint8_t *wk_cache_get(wk_cache *c, const char *checksum, size_t *len);
void wk_cache_put(wk_cache *c, const char *checksum, const uint8_t *bytes, size_t len);

typedef struct wk_slot {
    struct wk_worker *owner;
    pthread_t thread;
    pthread_mutex_t mu;
    char lease_id[128]; /* the lease this thread holds ("" = none) */
    bool busy;
    bool exited; /* the thread has returned */
} wk_slot;

typedef struct wk_settler wk_settler; /* settle.c */
typedef struct wk_tee wk_tee;         /* tee.c */

typedef struct wk_worker {
    wk_config cfg;
    wk_settler *settler; /* NULL = settle in the job thread */
    wk_coord coord;
    wk_chain chain;
    wk_cache *cache;
    atomic_int stop; /* set by the main thread on a signal, read by every thread */
    wk_slot *slots;
    char capabilities[64];
    uint8_t exe_hash[32]; /* SHA-256 of our executable (attestation measurement) */
    wk_tee *tee;          /* --tee simulated: the platform and the registered key (NULL otherwise) */
    /* counters for logs and the bench */
    pthread_mutex_t stat_mu;
    uint64_t resolved, already_done, failed_resolves;
} wk_worker;

/* jobs.c: handles one polled ExecutionRequest end to end (claim, jobs,
 * resolve, complete). rpc is the thread's client. */
void wk_handle_request(wk_worker *w, near_rpc *rpc, wk_slot *slot, json_t *request);
void *wk_job_thread(void *arg);       /* arg: its wk_slot */
void *wk_heartbeat_thread(void *arg); /* arg: wk_worker */
void *wk_monitor_thread(void *arg);   /* arg: wk_worker */
/* jobs.c: resolve on chain, complete, attest (the settle stage's work).
 * Returns true when the request is finished on chain. */
bool wk_settle_now(wk_worker *w, near_rpc *rpc, const wk_request *r, int64_t job_id, const wk_result *res,
                   const char *checksum);
/* settle.c: the settle stage's threads (see settle.c). */
wk_settler *wk_settler_start(wk_worker *w, size_t threads);
/* Queues a result (copied; the lease travels with it). Blocks when full. */
void wk_settle(wk_settler *s, const wk_request *r, int64_t job_id, const wk_result *res, const char *checksum);
/* Items not yet settled (queued or being settled). */
size_t wk_settler_pending(wk_settler *s);
/* Shutdown: releases the leases of every unsettled item and stops taking
 * new ones; returns how many leases were released. */
size_t wk_settler_release_all(wk_settler *s);
/* monitor.c: the block URL for a height from --feed-url (a base like
 * http://host/v0, or a template holding {block_id}); malloc'd. */
char *wk_feed_block_url(const char *feed, uint64_t height);
/* compile.c: the worker's names for src/builder/ (limits for a child process, 0 = none). */
typedef bld_limits wk_run_limits; /* src/builder/builder.h */
/* Runs argv with env in cwd under lim, stdout+stderr captured (cap bytes).
 * The exit status, 124 on timeout, 128+signal, or -1. */
int wk_run_capture(char *const argv[], char *const env[], const char *cwd, const wk_run_limits *lim, char *out,
                   size_t cap);
/* Maps github.com/OWNER/REPO to --git-base-url (if set); other http(s)/git URLs pass. */
int wk_repo_url(const char *repo, const char *git_base_url, char *out, size_t cap, char *err, size_t errlen);
/* Runs cmd in the build sandbox: bubblewrap, all namespaces unshared (no
 * network), /usr read-only, src read-only at /src, outdir writable at /out. */
int wk_sandbox_run(const char *src, const char *outdir, char *const cmd[], const wk_run_limits *lim, char *out,
                   size_t cap);
/* Builds the checkout at src (outlayer.json manifest) in bubblewrap into outdir. */
int wk_build_c(const char *src, const char *outdir, const wk_run_limits *lim, uint8_t **wasm, size_t *len,
               size_t max_wasm, char *err, size_t errlen);
/* compile.c: checks out and builds a GitHub-style source in the sandbox.
 * 0 with the WASM bytes (malloc'd) and the commit id built, or -1 with the
 * user-facing reason. */
int wk_compile_source(wk_worker *w, const wk_request *r, uint8_t **out, size_t *len, char commit_out[41], char *err,
                      size_t errlen);
/* Removes build directories left by workers that no longer run; returns
 * how many. */
int wk_clean_build_dirs(const char *build_dir);
/* The commit id a source names (a branch or tag is resolved with
 * git ls-remote). 0, or -1 with the user-facing reason. */
int wk_source_commit(wk_worker *w, const wk_request *r, char commit[41], char *err, size_t errlen);
/* secrets.c: the decrypted secrets of a request with secrets_ref (*env,
 * an object of string -> string; NULL without secrets_ref). -1 with the
 * user-facing reason in err and the coordinator category ("access_denied",
 * "custom" or "failed") when they cannot be had. Never logs a value. */
int wk_fetch_secrets(const struct wk_worker *w, const wk_request *r, json_t **env, char category[32], char *err,
                     size_t errlen);
/* Wipes the values and frees (NULL is fine). */
void wk_secrets_free(json_t *secrets);
/* attest.c: the attestation record of an execute job (spec §3.11, §12.5). */
json_t *wk_attestation(const wk_worker *w, int64_t job_id, const wk_request *r, const char *wasm_hash,
                       const wk_result *res);

/* tee.c: --tee simulated. Loads the platform and computes the measurements
 * (after exe_hash is known); 0 with --tee none. */
int wk_tee_setup(wk_worker *w, char *err, size_t errlen);
/* With --register-contract: registers a fresh key with an attested quote
 * and switches the chain signer to (register contract, that key). 0 when
 * done or not configured, -1 with err. */
int wk_tee_register(wk_worker *w, char *err, size_t errlen);
/* Puts a quote signed by the simulated platform over report_data (the
 * unsigned record's: task_hash || replay nonce || instructions executed),
 * the measurements and the registered key into an attestation record; 0 (nothing to do without a
 * simulated TEE) or -1. */
int wk_tee_record(const wk_worker *w, const uint8_t report_data[64], json_t *record);
void wk_tee_free(wk_worker *w);

/* 0 when the contract no longer holds the request (resolved and called
 * back, or timed out), 1 when it does or the view failed. */
int wk_request_pending(wk_chain *c, near_rpc *rpc, uint64_t request_id);

/* ------------------------------------------------------------- util */
void wk_sha256_hex(const uint8_t *data, size_t len, char out[65]);
uint64_t wk_now_ms(void);
/* Sleeps ms in small steps, returning early once *stop is set. */
void wk_nap(const atomic_int *stop, long ms);

/* Logs go through base/log (one line per event, with a level); never
 * pass a secret, a key or the API token. */
#define WK_INFO(...) log_info("worker", __VA_ARGS__)
#define WK_WARN(...) log_warn("worker", __VA_ARGS__)
#define WK_ERROR(...) log_error("worker", __VA_ARGS__)

#endif
