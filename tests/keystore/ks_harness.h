/* ks_harness.h — starts the real outlayer-keystore binary for a test
 * (port 0, temporary data directory, log file) and talks to it over HTTP. */
#ifndef OUTLAYER_KS_HARNESS_H
#define OUTLAYER_KS_HARNESS_H

#include <jansson.h>
#include <sys/types.h>

typedef struct ks_node {
    pid_t pid;
    int port;
    char dir[256]; /* data directory */
    char log[300]; /* stderr of the keystore */
    char url[64];
} ks_node;

#define KS_TEST_TOKEN "test-token-0123456789"

/* Starts $KEYSTORE_BIN (default build/bin/outlayer-keystore) with
 * KEYSTORE_AUTH_TOKEN=KS_TEST_TOKEN, --port 0 and the given extra
 * arguments (NULL-terminated, may be NULL). env: extra "NAME=value"
 * entries (NULL-terminated, may be NULL). dir: data directory to use, or
 * NULL for a fresh one. 0 once it listens. */
int ks_start(ks_node *k, const char *dir, const char *const *args, const char *const *env);
/* SIGTERM and wait; returns the number of problems (unclean exit,
 * sanitizer reports in the log). Keeps the data directory and log. */
int ks_stop(ks_node *k);
/* POST a JSON body to path with the given bearer token (NULL = none).
 * Returns the HTTP status (or -1) and the parsed reply in *out. */
int ks_post(ks_node *k, const char *path, const char *token, json_t *body, json_t **out);
/* GET path without auth. */
int ks_get(ks_node *k, const char *path, json_t **out);
/* Seals plaintext to the keystore's key for seed (POST /pubkey, then a
 * sealed box), as `outlayer secrets encrypt` does: the base64 blob for
 * store_secrets (malloc'd), or NULL. */
char *ks_seal(ks_node *k, const char *seed, const char *plaintext);
/* Removes the data directory and the log. */
void ks_cleanup(ks_node *k);

#endif
