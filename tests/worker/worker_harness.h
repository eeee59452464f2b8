/*
 * worker_harness.h — what the worker's integration tests share on top of
 * the devnet harness: the OutLayer contract deployed with an operator, a
 * caller that requests executions directly, the caller's final outcome and
 * the exact-refund check.
 */
#ifndef OUTLAYER_WORKER_HARNESS_H
#define OUTLAYER_WORKER_HARNESS_H

#include <sys/types.h>

#include "devnet_harness.h"

#define WH_OUTLAYER "outlayer.test.near"
#define WH_OPERATOR "operator.test.near"
#define WH_CALLER "bob.test.near"

typedef struct wh_chain {
    dn_node node;
    near_credentials outlayer, op, caller;
    near_u128 base_fee, per_million, per_ms, per_compile_ms;
} wh_chain;

/* Starts the devnet (block_ms), creates the accounts, deploys OutLayer with
 * WH_OPERATOR as operator and reads its pricing. 0 or -1. */
int wh_start(wh_chain *c, int block_ms);
/* The same with more devnet arguments (NULL-terminated list). */
int wh_start_args(wh_chain *c, int block_ms, const char *const *extra);

typedef struct wh_request {
    char tx_hash[64]; /* the caller's request_execution transaction */
    near_u128 balance_before;
    near_u128 deposit;
    uint64_t height_before;
} wh_request;

/* The caller calls request_execution with `code_source` (contract JSON form),
 * limits (JSON object or NULL), input and format; waits until included. */
int wh_request_execution(wh_chain *c, const char *code_source, const char *limits, const char *input,
                         const char *format, wh_request *out);
/* The same with more request_execution arguments (a JSON object's text,
 * e.g. {"secrets_ref":{…}}; NULL = none). */
int wh_request_execution_ex(wh_chain *c, const char *code_source, const char *limits, const char *input,
                            const char *format, const char *extra_args, wh_request *out);
/* The caller's final outcome (waits up to timeout_ms for the callback). 0 with *o filled. */
int wh_final(wh_chain *c, const wh_request *rq, int timeout_ms, near_outcome *o);
/* The execution_completed event in the outcome's logs (new reference) or NULL. */
json_t *wh_completed_event(const near_outcome *o);
/* Checks the refund is exact: the caller paid exactly payment_charged plus
 * the gas of its transaction tree, and payment_charged is what the pricing
 * says for success (base + instructions + time) or the base fee for a
 * failure. 0, or -1 with a message on stderr. */
int wh_check_refund(wh_chain *c, const wh_request *rq, const near_outcome *o);
/* A near-cli credential file for the operator at path. */
int wh_write_key_file(const wh_chain *c, const char *path);

/* Process helpers for the tests and the bench. */
int wh_free_port(void);
/* fork + execv(argv[0]) with stdout/stderr appended to log. */
pid_t wh_spawn(char *const argv[], const char *log);
/* Sends sig and reaps; returns the wait status. */
int wh_stop(pid_t pid, int sig);
/* Creates a worker token with `coord_bin token add` on data_dir (out: 128 bytes). */
int wh_coordinator_token(const char *coord_bin, const char *data_dir, char *out);
/* Waits until GET url answers 200 (timeout_ms). 0 or -1. */
int wh_wait_http(const char *url, int timeout_ms);

/* A coordinator the tests start on loopback. */
typedef struct wh_coordinator {
    pid_t pid;
    int port;        /* chosen at the first start, kept across restarts */
    char url[64];    /* http://127.0.0.1:PORT */
    char token[128]; /* a worker token, made once the way an operator does */
    char data[300];  /* DIR/coord: its --data-dir */
    char log[300];   /* DIR/coordinator.log */
} wh_coordinator;

/* Starts (or restarts, keeping port, token and data) bin on 127.0.0.1 with
 * its data under dir/coord and the extra arguments (NULL-terminated, may be
 * NULL); waits until /health answers. 0, or -1 with a message on stderr. */
int wh_coordinator_start(wh_coordinator *c, const char *bin, const char *dir, const char *const *extra);

/* A worker on the devnet as the tests run it. */
typedef struct wh_worker_spec {
    const char *bin;
    const wh_chain *chain;                /* its RPC and block feed */
    const wh_coordinator *coordinator;    /* its URL and worker token */
    const char *key_file;                 /* the operator's key (wh_write_key_file) */
    const char *worker_id;
    const char *cursor_file;              /* the event monitor's cursor */
    const char *const *extra;             /* more arguments, NULL-terminated, may be NULL */
    const char *log;                      /* stdout and stderr, appended */
} wh_worker_spec;

/* Spawns the worker with the event monitor on (the devnet's /v0 feed),
 * polls of 2 s and heartbeats every 500 ms, then w->extra. The pid, or -1
 * when the arguments do not fit. */
pid_t wh_worker_spawn(const wh_worker_spec *w);

#endif
