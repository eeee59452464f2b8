/* request.h — parsing and validating the JSON bodies of the queue routes.
 *
 * Each parser takes an untrusted JSON object and either fills a typed struct
 * (whose strings point into the JSON object, so keep it alive) or fills err
 * with a message that names the offending field. They never touch storage,
 * so they are what the fuzz target exercises. */
#ifndef OUTLAYER_COORDINATOR_REQUEST_H
#define OUTLAYER_COORDINATOR_REQUEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define CR_DEFAULT_TARGET "wasm32-wasip1"

typedef struct {
    int is_github;
    const char *repo, *commit; /* GitHub */
    const char *url, *hash;    /* WasmUrl */
    const char *build_target;
} cr_code_source;

/* The 9 job statuses of the reference (spec §5.8). */
int cr_is_job_status(const char *s);
/* 1 when s is exactly n lowercase-or-uppercase hex digits. */
int cr_is_hex(const char *s, size_t n);
/* A commit we may cache a build under: a full 40-hex (SHA-1) or 64-hex
 * (SHA-256) git object id. Branch and tag names never qualify. */
int cr_is_commit_id(const char *s);

int cr_parse_code_source(json_t *j, cr_code_source *out, char *err, size_t err_size);

/* POST /executions/create. Returns the normalised ExecutionRequest (spec
 * §5.6, keys in the reference order, defaults filled) or NULL with err. */
json_t *cr_parse_execution_request(json_t *body, char *err, size_t err_size);
/* Repo normalisation of spec §5.1 into buf. */
void cr_normalize_repo(const char *repo, char *buf, size_t size);

typedef struct {
    int64_t request_id;
    const char *data_id, *worker_id, *lease_id;
    cr_code_source cs;
    const char *user_account_id, *near_payment_yocto, *transaction_hash;
    int can_compile, can_execute, compile_only, force_rebuild, has_compile_result;
} cr_claim;

int cr_parse_claim(json_t *body, cr_claim *out, char *err, size_t err_size);

typedef struct {
    int64_t job_id;
    int success;
    const char *error, *wasm_checksum, *actual_cost_yocto, *compile_cost_yocto, *error_category, *compile_result,
        *worker_id;
    int64_t time_ms, instructions;
    char digest[65]; /* SHA-256 of the result fields: equal digests = the same result */
} cr_complete;

int cr_parse_complete(json_t *body, cr_complete *out, char *err, size_t err_size);

/* Capability list "compilation,execution" -> bits. Returns -1 on an unknown item. */
enum { CR_CAP_COMPILE = 1, CR_CAP_EXECUTE = 2 };
int cr_parse_capabilities(const char *list, char *err, size_t err_size);

/* parse_github_repo of spec §11.1: "git@h:o/r", "https://h/o/r", "h/o/r" or
 * "o/r" (optional ".git") -> "host/owner/repo" in out. Returns 0 or -1. */
int cr_parse_github_repo(const char *in, char *out, size_t size);

/* Lowercase hex SHA-256 of bytes into out[65]. */
void cr_sha256_hex(const void *data, size_t len, char out[65]);

#endif
