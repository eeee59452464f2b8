/*
 * main.c — outlayer-worker: configuration, start-up checks, the threads
 * (N job loops, heartbeat, optional event monitor) and a clean stop.
 *
 * SIGTERM/SIGINT: no new work is taken; running jobs get --shutdown-grace
 * to finish, and the leases of those still running are then released so
 * the coordinator hands them to another worker at once (instead of after
 * the lease expires). See docs/worker.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/config.h"
#include "base/http_client.h"
#include "near/credentials.h"
#include "worker/worker.h"

static wk_worker W;

static const cfg_option OPTIONS[] = {
    {"coordinator-url", "API_BASE_URL", "http://127.0.0.1:8080", "coordinator base URL", CFG_URL,
     &W.cfg.coordinator_url, 0, 0, 0, NULL},
    {"api-token", "API_AUTH_TOKEN", NULL, "bearer token for the coordinator's worker API (required)", CFG_SECRET,
     &W.cfg.api_token, 0, 0, 0, NULL},
    {"rpc-url", "NEAR_RPC_URL", "http://127.0.0.1:3030", "NEAR JSON-RPC endpoint", CFG_URL, &W.cfg.rpc_url, 0, 0, 0,
     NULL},
    {"contract-id", "OFFCHAINVM_CONTRACT_ID", NULL, "the OutLayer contract account (required)", CFG_STRING,
     &W.cfg.contract_id, 0, 0, 0, NULL},
    {"key-file", "OPERATOR_KEY_FILE", NULL,
     "operator credentials, near-cli format {account_id, public_key, private_key} (required)", CFG_STRING,
     &W.cfg.key_file, 0, 0, 0, NULL},
    {"account-id", "OPERATOR_ACCOUNT_ID", NULL, "signer account (default: the key file's account_id)", CFG_STRING,
     &W.cfg.account_id, 0, 0, 0, NULL},
    {"worker-id", "WORKER_ID", NULL, "worker identity for leases and heartbeats (default: random)", CFG_STRING,
     &W.cfg.worker_id, 0, 0, 0, NULL},
    {"jobs", "WORKER_JOBS", "1", "concurrent executions (job threads)", CFG_INT, &W.cfg.jobs, 1, 64, 0, NULL},
    {"poll-timeout", "POLL_TIMEOUT_SECONDS", "60", "long-poll timeout in seconds (1..300)", CFG_INT,
     &W.cfg.poll_timeout_s, 1, 300, 0, NULL},
    {"heartbeat", "HEARTBEAT_INTERVAL", "5s", "heartbeat (lease renewal) interval", CFG_DURATION, &W.cfg.heartbeat_ms,
     100, 600000, 1000, NULL},
    {"execute", "EXECUTION_ENABLED", "true", "advertise the execution capability", CFG_BOOL, &W.cfg.execute, 0, 0, 0,
     NULL},
    {"compile", "COMPILATION_ENABLED", "true", "advertise the compilation capability (WasmUrl downloads, builds)",
     CFG_BOOL, &W.cfg.compile, 0, 0, 0, NULL},
    {"monitor", "ENABLE_EVENT_MONITOR", "false", "run the event monitor (block feed -> /executions/create)", CFG_BOOL,
     &W.cfg.monitor, 0, 0, 0, NULL},
    {"feed-url", "NEARDATA_API_URL", "http://127.0.0.1:3030/v0",
     "block feed: a neardata-style base (…/v0) or a template with {block_id}", CFG_STRING, &W.cfg.feed_url, 0, 0, 0,
     NULL},
    {"start-block", "START_BLOCK_HEIGHT", "0", "first block to scan when there is no cursor (0 = latest final)",
     CFG_INT, &W.cfg.start_block, 0, INT64_MAX, 0, NULL},
    {"cursor-file", "MONITOR_CURSOR_FILE", "outlayer-worker.cursor", "where the monitor keeps the next height to read",
     CFG_STRING, &W.cfg.cursor_file, 0, 0, 0, NULL},
    {"max-wasm-size", "MAX_WASM_SIZE", "10MiB", "largest WASM download accepted", CFG_SIZE, &W.cfg.max_wasm_bytes, 1,
     INT64_C(1) << 32, 1, NULL},
    {"download-timeout", "DOWNLOAD_TIMEOUT", "30s", "total time for a WASM download", CFG_DURATION,
     &W.cfg.download_timeout_ms, 100, 3600000, 1000, NULL},
    {"max-output", "MAX_OUTPUT_SIZE", "64KiB", "largest program output (stdout) accepted", CFG_SIZE,
     &W.cfg.max_output_bytes, 1, 1 << 20, 1, NULL},
    {"allow-file-urls", "ALLOW_FILE_URLS", "false", "accept file:// WasmUrl sources (tests, local development)",
     CFG_BOOL, &W.cfg.allow_file_urls, 0, 0, 0, NULL},
    {"allow-private-urls", "ALLOW_PRIVATE_URLS", "false",
     "let WasmUrl downloads reach loopback, private and CGNAT addresses (local development only)", CFG_BOOL,
     &W.cfg.allow_private_urls, 0, 0, 0, NULL},
    {"http-allow", "HTTP_ALLOW", NULL,
     "hosts programs may reach with outlayer_v1.http_request, comma separated: api.example.com, *.example.com, "
     "* or an IP literal (which also admits that private address); unset = no HTTP (docs/program-api.md)",
     CFG_STRING, &W.cfg.http_allow, 0, 0, 0, NULL},
    {"http-ca-file", "HTTP_CA_FILE", NULL,
     "PEM file of CA certificates trusted for programs' https requests instead of the system's store "
     "(a private or test CA; include public roots if programs also reach public hosts); "
     "unset = the system's store",
     CFG_STRING, &W.cfg.http_ca_file, 0, 0, 0, NULL},
    {"http-transcript-dir", "HTTP_TRANSCRIPT_DIR", NULL,
     "write the transcript (HTTP, storage, views) of each job to DIR/JOB_ID.http (its SHA-256 is the attested "
     "http_transcript_sha256; outlayer verify --http-transcript replays it); unset = not kept",
     CFG_STRING, &W.cfg.http_transcript_dir, 0, 0, 0, NULL},
    {"program-storage", "PROGRAM_STORAGE", "true",
     "give programs persistent storage per (caller, project) through the coordinator's /storage/ routes (docs/program-api.md)",
     CFG_BOOL, &W.cfg.program_storage, 0, 0, 0, NULL},
    {"program-views", "PROGRAM_VIEWS", "true", "let programs call NEAR views through --rpc-url (docs/program-api.md)",
     CFG_BOOL, &W.cfg.program_views, 0, 0, 0, NULL},
    {"tee", "TEE_MODE", "none", "attestation: none | simulated", CFG_STRING, &W.cfg.tee, 0, 0, 0, NULL},
    {"tee-platform", "TEE_PLATFORM_DIR", NULL,
     "--tee simulated: the simulated platform's directory (outlayer dev / outlayer tee platform make one)", CFG_STRING,
     &W.cfg.tee_platform, 0, 0, 0, NULL},
    {"register-contract", "REGISTER_CONTRACT_ID", NULL,
     "register the worker's key with this register contract at start (needs --tee simulated and --tee-platform); "
     "results are then signed as that account",
     CFG_STRING, &W.cfg.register_contract, 0, 0, 0, NULL},
    {"register-stake", "REGISTER_STAKE", "0", "deposit (yoctoNEAR) sent with register_worker_key", CFG_STRING,
     &W.cfg.register_stake, 0, 0, 0, NULL},
    {"git-base-url", "GIT_BASE_URL", NULL, "fetch github.com/OWNER/REPO from BASE/OWNER/REPO instead (mirrors, tests)",
     CFG_STRING, &W.cfg.git_base_url, 0, 0, 0, NULL},
    {"build-dir", "BUILD_DIR", "/tmp", "where checkouts and builds are made (removed afterwards)", CFG_STRING,
     &W.cfg.build_dir, 0, 0, 0, NULL},
    {"cargo", "CARGO_PATH", NULL,
     "cargo for Rust builds (default /usr/bin/cargo; needs a rustc next to it with the wasm32-wasip1 or "
     "wasm32-wasi std installed)",
     CFG_STRING, &W.cfg.cargo, 0, 0, 0, NULL},
    {"compile-timeout", "COMPILE_TIMEOUT", "120s", "wall-clock (and CPU) limit of one build", CFG_DURATION,
     &W.cfg.compile_timeout_ms, 1000, 3600000, 1000, NULL},
    {"compile-memory", "COMPILE_MEMORY_LIMIT", "2GiB", "address-space limit of the compiler", CFG_SIZE,
     &W.cfg.compile_memory_bytes, 64 << 20, INT64_C(1) << 40, 1 << 20, NULL},
    {"keystore-url", "KEYSTORE_BASE_URL", NULL,
     "keystore for requests with secrets_ref (without one, such requests fail)", CFG_URL, &W.cfg.keystore_url, 0, 0, 0,
     NULL},
    {"keystore-token", "KEYSTORE_AUTH_TOKEN", NULL, "bearer token for the keystore's /decrypt", CFG_SECRET,
     &W.cfg.keystore_token, 0, 0, 0, NULL},
    {"shutdown-grace", "SHUTDOWN_GRACE", "20s", "on SIGTERM, time for running jobs before their leases are released",
     CFG_DURATION, &W.cfg.shutdown_grace_ms, 0, 3600000, 1000, NULL},
};
#define N_OPTIONS (sizeof OPTIONS / sizeof *OPTIONS)

static int exe_hash(uint8_t out[32])
{
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        crypto_hash_sha256_update(&st, buf, (size_t)n);
    close(fd);
    crypto_hash_sha256_final(&st, out);
    return n < 0 ? -1 : 0;
}

static int setup(char *err, size_t errlen)
{
    wk_config *c = &W.cfg;
    if (!c->api_token || !c->api_token[0])
        return snprintf(err, errlen, "--api-token / API_AUTH_TOKEN is required"), -1;
    if (!c->contract_id || !c->contract_id[0])
        return snprintf(err, errlen, "--contract-id / OFFCHAINVM_CONTRACT_ID is required"), -1;
    if (!c->key_file || !c->key_file[0])
        return snprintf(err, errlen, "--key-file / OPERATOR_KEY_FILE is required"), -1;
    if (!c->execute && !c->compile)
        return snprintf(err, errlen, "at least one of --execute and --compile must be enabled"), -1;
    if (strcmp(c->tee, "none") != 0 && strcmp(c->tee, "simulated") != 0)
        return snprintf(err, errlen, "--tee must be none or simulated (no TEE hardware support here)"), -1;
    near_credentials cred;
    char cerr[256];
    if (near_credentials_read_file(c->key_file, &cred, cerr, sizeof cerr))
        return snprintf(err, errlen, "--key-file: %s", cerr), -1;
    const char *account = c->account_id ? c->account_id : cred.account_id;
    if (wk_chain_init(&W.chain, c->rpc_url, c->contract_id, account, &cred.keypair)) {
        near_keypair_wipe(&cred.keypair);
        return snprintf(err, errlen, "--rpc-url, --contract-id or the account id is too long"), -1;
    }
    near_keypair_wipe(&cred.keypair);
    if (!c->worker_id) {
        uint8_t rnd[8];
        char hex[17];
        randombytes_buf(rnd, sizeof rnd);
        sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
        if (asprintf(&c->worker_id, "worker-%s", hex) < 0)
            return -1;
    }
    if (c->keystore_url && c->keystore_url[0] && (!c->keystore_token || !c->keystore_token[0]))
        return snprintf(err, errlen, "--keystore-url needs --keystore-token / KEYSTORE_AUTH_TOKEN"), -1;
    /* issue 16: a private CA must be readable; the transcript directory is made */
    if (c->http_ca_file && access(c->http_ca_file, R_OK) != 0)
        return snprintf(err, errlen, "--http-ca-file %s: %s", c->http_ca_file, strerror(errno)), -1;
    if (c->http_transcript_dir && mkdir(c->http_transcript_dir, 0700) != 0 && errno != EEXIST)
        return snprintf(err, errlen, "--http-transcript-dir %s: %s", c->http_transcript_dir, strerror(errno)), -1;
    if (c->keystore_url) {
        size_t k = strlen(c->keystore_url);
        while (k > 0 && c->keystore_url[k - 1] == '/')
            c->keystore_url[--k] = 0;
    }
    size_t n = strlen(c->coordinator_url);
    while (n > 0 && c->coordinator_url[n - 1] == '/')
        c->coordinator_url[--n] = 0;
    snprintf(W.capabilities, sizeof W.capabilities, "%s%s%s", c->compile ? "compilation" : "",
             c->compile && c->execute ? "," : "", c->execute ? "execution" : "");
    W.coord = (wk_coord){.base_url = c->coordinator_url,
                         .token = c->api_token,
                         .worker_id = c->worker_id,
                         .capabilities = W.capabilities};
    W.cache = wk_cache_new(256u << 20);
    pthread_mutex_init(&W.stat_mu, NULL);
    if (exe_hash(W.exe_hash))
        memset(W.exe_hash, 0, sizeof W.exe_hash);
    return wk_tee_setup(&W, err, errlen);
}

/* How many job threads are running a job, and how many have not returned. */
static void count_slots(int *busy, int *alive)
{
    *busy = *alive = 0;
    for (int64_t i = 0; i < W.cfg.jobs; i++) {
        pthread_mutex_lock(&W.slots[i].mu);
        *busy += W.slots[i].busy;
        *alive += !W.slots[i].exited;
        pthread_mutex_unlock(&W.slots[i].mu);
    }
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    log_init_from_env();
    char err[512];
    int rc = cfg_parse(OPTIONS, N_OPTIONS, argc, argv, NULL, err, sizeof err);
    if (rc == CFG_HELP) {
        cfg_print_help(stdout,
                       "usage: outlayer-worker [options]\n\n"
                       "Runs OutLayer jobs: polls the coordinator, fetches or builds the WASM, runs it under the\n"
                       "request's limits and resolves the request on chain. Options override the environment.",
                       OPTIONS, N_OPTIONS);
        return 0;
    }
    if (rc != CFG_OK) {
        fprintf(stderr, "outlayer-worker: %s\n", err);
        return 2;
    }
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init()) {
        fprintf(stderr, "outlayer-worker: library initialisation failed\n");
        return 1;
    }
    if (setup(err, sizeof err)) {
        fprintf(stderr, "outlayer-worker: %s\n", err);
        return 2;
    }
    /* The operator key must be an access key of the account: better to
     * refuse to start than to run jobs nobody can resolve. */
    near_rpc *rpc = near_rpc_new(W.cfg.rpc_url);
    near_access_key_view ak;
    near_rpc_error rerr = {0};
    near_status kst =
        rpc ? near_rpc_view_access_key(rpc, W.chain.account_id, &W.chain.keypair.public_key, NEAR_FINAL, &ak, &rerr)
            : NEAR_ERR_ARG;
    if (kst == NEAR_OK) {
        near_access_key_view_free(&ak);
    } else if (kst == NEAR_ERR_UNKNOWN_ACCESS_KEY || kst == NEAR_ERR_UNKNOWN_ACCOUNT) {
        fprintf(stderr, "outlayer-worker: the key in --key-file is not an access key of %s on %s (%s)\n",
                W.chain.account_id, W.cfg.rpc_url, near_status_name(kst));
        near_rpc_error_clear(&rerr);
        near_rpc_free(rpc);
        wk_cache_free(W.cache);
        wk_chain_destroy(&W.chain);
        cfg_free(OPTIONS, N_OPTIONS);
        return 2;
    } else {
        WK_WARN("cannot check the operator key now (%s); continuing",
                rerr.message[0] ? rerr.message : near_status_name(kst));
    }
    near_rpc_error_clear(&rerr);
    near_rpc_free(rpc);
    if (wk_tee_register(&W, err, sizeof err)) {
        fprintf(stderr, "outlayer-worker: %s\n", err);
        WK_ERROR("%s", err);
        return 2;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    WK_INFO("starting %s: %" PRId64 " job thread(s), capabilities %s, coordinator %s, contract %s as %s%s",
            W.cfg.worker_id, W.cfg.jobs, W.capabilities, W.cfg.coordinator_url, W.cfg.contract_id, W.chain.account_id,
            W.cfg.monitor ? ", event monitor on" : "");
    if (W.cfg.compile) {
        /* The build toolchains of this machine. The coordinator's protocol
         * routes by compilation/execution only, so a Rust request that
         * reaches a worker without Rust fails with the reason below. */
        char tools[600], rust[800];
        bld_rust rt;
        bool c_ok = bld_check_tools(tools, sizeof tools) == 0;
        bool rust_ok = bld_rust_detect(W.cfg.cargo, &rt, rust, sizeof rust) == 0;
        WK_INFO("build targets: wasm32-wasip1 from C %s; Rust %s%s%s", c_ok ? "(clang-19)" : "unavailable",
                rust_ok ? "(" : "unavailable: ", rust_ok ? rt.version : rust, rust_ok ? ")" : "");
    }
    if (W.cfg.keystore_url && W.cfg.keystore_url[0])
        WK_INFO("secrets from the keystore at %s", W.cfg.keystore_url);
    else
        WK_INFO("no keystore configured: requests with secrets_ref will fail");
    {
        /* outlayer_v1.vrf proves with the chain signing key (docs/program-api.md) */
        char vrf_pk[65];
        sodium_bin2hex(vrf_pk, sizeof vrf_pk, W.chain.keypair.secret + 32, 32);
        WK_INFO("VRF public key %s (the key that signs results)%s%s", vrf_pk,
                W.cfg.http_ca_file ? "; extra CA file for programs' https: " : "",
                W.cfg.http_ca_file ? W.cfg.http_ca_file : "");
    }
    /* A previous run under this id that died left leases nobody renews;
     * hand them back now rather than after they expire. (So a worker id
     * must belong to one process at a time.) Without an answer the leases
     * simply expire. */
    int dead = 0;
    if (wk_coord_release_worker(&W.coord, &dead, err, sizeof err))
        WK_WARN("could not hand back the leases of a previous run (they will expire): %s", err);
    else if (dead)
        WK_INFO("handed back %d lease(s) held by a previous run of %s", dead, W.cfg.worker_id);
    int stale = wk_clean_build_dirs(W.cfg.build_dir);
    if (stale)
        WK_INFO("removed %d build directory(ies) left by stopped workers in %s", stale, W.cfg.build_dir);
    W.slots = calloc((size_t)W.cfg.jobs, sizeof *W.slots);
    for (int64_t i = 0; i < W.cfg.jobs; i++) {
        W.slots[i].owner = &W;
        pthread_mutex_init(&W.slots[i].mu, NULL);
        pthread_create(&W.slots[i].thread, NULL, wk_job_thread, &W.slots[i]);
    }
    /* Settling a result waits for the chain (~3 blocks); its own threads
     * keep the job threads executing meanwhile. */
    int64_t settlers = W.cfg.jobs * 4 < 16 ? 16 : W.cfg.jobs * 4 > 64 ? 64 : W.cfg.jobs * 4;
    W.settler = wk_settler_start(&W, (size_t)settlers);
    pthread_t hb, mon;
    pthread_create(&hb, NULL, wk_heartbeat_thread, &W);
    if (W.cfg.monitor)
        pthread_create(&mon, NULL, wk_monitor_thread, &W);

    int sig = 0;
    sigwait(&sigs, &sig);
    WK_INFO("signal %d: stopping (no new jobs; %" PRId64 " ms for running ones)", sig, W.cfg.shutdown_grace_ms);
    W.stop = 1;
    /* Running jobs get the grace period. Idle threads sit in a long poll
     * that cannot be interrupted; waiting for it to return (at most the
     * poll timeout) matters: a task the coordinator leases to that poll in
     * the meantime is handed straight back instead of waiting for its lease
     * to expire. */
    int64_t t0 = mono_ms();
    int64_t busy_deadline = t0 + W.cfg.shutdown_grace_ms;
    int64_t poll_deadline = t0 + (W.cfg.poll_timeout_s + 3) * 1000;
    if (poll_deadline < busy_deadline)
        poll_deadline = busy_deadline;
    for (;;) {
        int busy, alive;
        count_slots(&busy, &alive);
        size_t unsettled = W.settler ? wk_settler_pending(W.settler) : 0;
        if (alive == 0 && unsettled == 0)
            break;
        int64_t now = mono_ms();
        if ((busy > 0 || unsettled > 0) && now >= busy_deadline)
            break;
        if (now >= poll_deadline)
            break;
        usleep(20 * 1000);
    }
    /* Hand back what is still running (or was just polled), and what is
     * not settled yet. */
    if (W.settler) {
        size_t n = wk_settler_release_all(W.settler);
        if (n)
            WK_INFO("released %zu lease(s) of results not yet on chain", n);
    }
    for (int64_t i = 0; i < W.cfg.jobs; i++) {
        char lease[128];
        pthread_mutex_lock(&W.slots[i].mu);
        snprintf(lease, sizeof lease, "%s", W.slots[i].lease_id);
        pthread_mutex_unlock(&W.slots[i].mu);
        if (lease[0] && wk_coord_release(&W.coord, lease, err, sizeof err) == 0)
            WK_INFO("released lease %s", lease);
    }
    pthread_mutex_lock(&W.stat_mu);
    WK_INFO("stopped: %" PRIu64 " resolved, %" PRIu64 " already done, %" PRIu64 " resolve failures", W.resolved,
            W.already_done, W.failed_resolves);
    pthread_mutex_unlock(&W.stat_mu);
    /* Job threads may sit in a long poll; the process ends without waiting. */
    _exit(0);
}
