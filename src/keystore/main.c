/* main.c — outlayer-keystore: configuration, HTTP glue, start and stop.
 * The request logic is in pubkey.c, decrypt.c and generated.c; see keystore.h
 * and docs/secrets.md. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "base/config.h"
#include "base/http_server.h"
#include "base/log.h"
#include "keystore/chain.h"
#include "keystore/keystore.h"
#include "near/account_id.h"
#include "near/rpc.h"
#include "secrets/blob.h"

#define LOG_COMP "keystore"

static char *o_host, *o_data_dir, *o_master, *o_token, *o_token_hashes, *o_rpc, *o_contract, *o_register;
static int o_port, o_require_att, o_require_request;
static int64_t o_threads;

static const cfg_option OPTIONS[] = {
    {"host", "KEYSTORE_HOST", "127.0.0.1",
     "address to listen on (loopback: only this machine's coordinator and "
     "workers can reach it)",
     CFG_STRING, &o_host, 0, 0, 0, NULL},
    {"port", "KEYSTORE_PORT", "8081", "port to listen on (0 = any free port, printed at start)", CFG_PORT, &o_port, 0,
     0, 0, NULL},
    {"data-dir", "KEYSTORE_DATA_DIR", NULL, "directory for master.key and auth-token (default ~/.outlayer/keystore)",
     CFG_STRING, &o_data_dir, 0, 0, 0, NULL},
    {"master", "OUTLAYER_KEYSTORE_MASTER", NULL,
     "master secret as 64 hex digits instead of <data-dir>/master.key "
     "(prefer the environment variable)",
     CFG_SECRET, &o_master, 0, 0, 0, NULL},
    {"auth-token", "KEYSTORE_AUTH_TOKEN", NULL, "a bearer token to accept (as the coordinator and workers send it)",
     CFG_SECRET, &o_token, 0, 0, 0, NULL},
    {"token-hashes", "ALLOWED_WORKER_TOKEN_HASHES", NULL,
     "comma-separated hex SHA-256 of accepted bearer tokens; "
     "with neither, <data-dir>/auth-token is made and accepted",
     CFG_STRING, &o_token_hashes, 0, 0, 0, NULL},
    {"near-rpc-url", "NEAR_RPC_URL", "http://127.0.0.1:3030", "NEAR JSON-RPC endpoint (get_secrets, balances, views)",
     CFG_URL, &o_rpc, 0, 0, 0, NULL},
    {"contract-id", "NEAR_CONTRACT_ID", NULL, "the OutLayer contract whose get_secrets is read (required for /decrypt)",
     CFG_STRING, &o_contract, 0, 0, 0, NULL},
    {"require-attestation", "KEYSTORE_REQUIRE_ATTESTATION", "false",
     "/decrypt only for workers whose signing key the register contract added (see docs/secrets.md)", CFG_BOOL,
     &o_require_att, 0, 0, 0, NULL},
    {"require-request", "KEYSTORE_REQUIRE_REQUEST", "false",
     "/decrypt only with a request_id of a pending OutLayer request for this caller, program and profile", CFG_BOOL,
     &o_require_request, 0, 0, 0, NULL},
    {"register-contract", "REGISTER_CONTRACT_ID", NULL, "account whose function-call keys are registered workers",
     CFG_STRING, &o_register, 0, 0, 0, NULL},
    {"threads", "KEYSTORE_THREADS", "4", "HTTP worker threads", CFG_INT, &o_threads, 1, 64, 0, NULL},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

enum { POLICY_PUBLIC = 0, POLICY_BEARER = 1 };

static ks_state g_ks;
static sec_near_chain g_chain_cfg;

static int guard(hs_request *req, int policy, void *ctx)
{
    (void)ctx;
    if (policy == POLICY_PUBLIC)
        return 0;
    const char *why;
    if (ks_check_bearer(&g_ks, hs_header(req, "Authorization"), &why) == 0)
        return 0;
    log_warn(LOG_COMP, "%s %s refused: %s", req->method, req->path, why);
    hs_reply_error(req, 401, "%s", why);
    return 1;
}

static void health(hs_request *req, void *ctx)
{
    (void)ctx;
    hs_reply_json(req, 200,
                  json_pack("{s:s,s:s,s:b,s:s?,s:s}", "status", "ok", "tee_mode", "none", "require_attestation",
                            g_ks.require_attestation, "contract_id", g_ks.contract_id, "format",
                            "x25519-sealed-box-v1"));
}

static void run(hs_request *req, void (*fn)(const ks_state *, const json_t *, ks_reply *))
{
    json_t *body = hs_json_body(req);
    if (!body)
        return; /* hs_json_body replied */
    ks_reply r = {500, NULL};
    fn(&g_ks, body, &r);
    json_decref(body);
    if (!r.body)
        r.body = json_pack("{s:s}", "error", "out of memory");
    hs_reply_json(req, r.status, r.body);
}

static void h_pubkey(hs_request *req, void *ctx) { (void)ctx, run(req, ks_pubkey); }
static void h_decrypt(hs_request *req, void *ctx) { (void)ctx, run(req, ks_decrypt); }
static void h_generated(hs_request *req, void *ctx) { (void)ctx, run(req, ks_add_generated); }

static int setup_tokens(const char *data_dir, char *err, size_t errlen)
{
    if (o_token && ks_add_token(&g_ks, o_token))
        return snprintf(err, errlen, "--auth-token is empty"), -1;
    if (o_token_hashes) {
        char *list = strdup(o_token_hashes), *save = NULL;
        for (char *t = strtok_r(list, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
            if (ks_add_token_hash(&g_ks, t)) {
                free(list);
                return snprintf(err, errlen,
                                "ALLOWED_WORKER_TOKEN_HASHES: each entry must be 64 hex digits "
                                "(SHA-256 of a token), at most %d entries",
                                KS_TOKEN_HASHES_MAX),
                       -1;
            }
        }
        free(list);
    }
    if (g_ks.n_tokens)
        return 0;
    char token[65];
    if (ks_token_file(data_dir, token, err, errlen))
        return -1;
    ks_add_token(&g_ks, token);
    sodium_memzero(token, sizeof token);
    log_info(LOG_COMP, "no token configured: accepting the one in %s/auth-token", data_dir);
    return 0;
}

int main(int argc, char **argv)
{
    char err[512];
    log_init_from_env();
    int pr = cfg_parse(OPTIONS, N_OPTIONS, argc, argv, NULL, err, sizeof err);
    if (pr == CFG_HELP) {
        cfg_print_help(stdout,
                       "outlayer-keystore [options]\n"
                       "Holds the master secret; hands out per-repo/per-hash public keys and decrypts secrets for\n"
                       "workers after checking the secret's access condition. Routes: GET /health (no auth),\n"
                       "POST /pubkey, /decrypt, /add_generated_secret (Authorization: Bearer <token>).",
                       OPTIONS, N_OPTIONS);
        return 0;
    }
    if (pr != CFG_OK) {
        fprintf(stderr, "outlayer-keystore: %s (see --help)\n", err);
        return 64;
    }
    int rc = 1;
    char data_dir[1024];
    if (o_data_dir) {
        snprintf(data_dir, sizeof data_dir, "%s", o_data_dir);
    } else {
        const char *home = getenv("HOME");
        snprintf(data_dir, sizeof data_dir, "%s/.outlayer/keystore", home && *home ? home : ".");
    }
    if (sodium_init() < 0 || near_rpc_global_init() != 0) {
        log_error(LOG_COMP, "library initialisation failed");
        goto out;
    }
#ifndef __SANITIZE_ADDRESS__
    /* No core dumps and no ptrace by other processes of the same user: the
     * master would be in them. (LeakSanitizer needs ptrace, so sanitizer
     * builds keep the default.) */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
    sodium_mlock(g_ks.master, sizeof g_ks.master); /* best effort: keep it out of swap */
    if (ks_master_load(data_dir, o_master, g_ks.master, err, sizeof err)) {
        log_error(LOG_COMP, "master secret: %s", err);
        goto out;
    }
    if (o_master)
        sodium_memzero(o_master, strlen(o_master));
    unsetenv("OUTLAYER_KEYSTORE_MASTER"); /* keep it out of anything this process might start */
    if (setup_tokens(data_dir, err, sizeof err)) {
        log_error(LOG_COMP, "tokens: %s", err);
        goto out;
    }
    if (o_contract && !near_account_id_valid(o_contract, err, sizeof err)) {
        log_error(LOG_COMP, "NEAR_CONTRACT_ID: %s", err);
        goto out;
    }
    g_chain_cfg.rpc_url = o_rpc;
    g_chain_cfg.attempts = 2;
    g_chain_cfg.timeout_ms = 10000;
    sec_chain_near(&g_ks.chain, &g_chain_cfg);
    g_ks.contract_id = o_contract;
    g_ks.require_attestation = o_require_att;
    g_ks.require_request = o_require_request;
    g_ks.register_contract = o_register;
    g_ks.worker_key = ks_worker_key_rpc;
    g_ks.worker_key_ctx = &g_chain_cfg;
    if (g_ks.require_attestation && !o_register) {
        log_error(LOG_COMP, "--require-attestation needs --register-contract (REGISTER_CONTRACT_ID)");
        goto out;
    }
    if (!o_contract)
        log_warn(LOG_COMP, "no NEAR_CONTRACT_ID: /decrypt will answer 503");

    hs_config hc = {.host = o_host, .port = o_port, .threads = (unsigned)o_threads, .guard = guard};
    hs_server *srv = hs_server_new(&hc);
    const hs_route_spec routes[] = {
        {"GET", "/health", health, NULL, POLICY_PUBLIC, 0, 0},
        {"POST", "/pubkey", h_pubkey, NULL, POLICY_BEARER, SEC_BLOB_B64_MAX + 65536, 0},
        {"POST", "/decrypt", h_decrypt, NULL, POLICY_BEARER, 65536, 0},
        {"POST", "/add_generated_secret", h_generated, NULL, POLICY_BEARER, SEC_BLOB_B64_MAX + 65536, 0},
    };
    for (size_t i = 0; srv && i < sizeof routes / sizeof routes[0]; i++)
        hs_route_add(srv, &routes[i]);
    if (!srv || hs_server_start(srv, err, sizeof err)) {
        log_error(LOG_COMP, "cannot start the HTTP server: %s", srv ? err : "out of memory");
        hs_server_free(srv);
        goto out;
    }
    hs_install_stop_signals();
    log_info(LOG_COMP, "listening on http://%s:%d (contract %s, rpc %s, attestation %s, request binding %s)", o_host,
             hs_server_port(srv), o_contract ? o_contract : "-", o_rpc,
             g_ks.require_attestation ? "required" : "not required", g_ks.require_request ? "required" : "optional");
    hs_wait_for_stop();
    log_info(LOG_COMP, "stopping");
    hs_server_stop(srv, 5000);
    hs_server_free(srv);
    rc = 0;
out:
    sodium_munlock(g_ks.master, sizeof g_ks.master); /* zeroes it too */
    cfg_free(OPTIONS, N_OPTIONS);
    return rc;
}
