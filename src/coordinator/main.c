/* main.c — outlayer-coordinator: configuration, the `token` subcommand,
 * the lease sweeper thread and the server's life cycle. */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/config.h"
#include "base/http_client.h"
#include "base/log.h"
#include "coordinator/cache.h"
#include "coordinator/coord.h"
#include "coordinator/request.h"
#include "near/rpc.h"

static coord g;

#define C(field) (&g.cfg.field)
static const cfg_option OPTIONS[] = {
    {"host", "HOST", "0.0.0.0", "bind address", CFG_STRING, C(host), 0, 0, 0, NULL},
    {"port", "PORT", "8080", "TCP port (0 = any free port, printed at start)", CFG_PORT, C(port), 0, 0, 0, NULL},
    {"data-dir", "DATA_DIR", "./coordinator-data", "directory for the SQLite database and the WASM cache", CFG_STRING,
     C(data_dir), 0, 0, 0, NULL},
    {"database", "DATABASE_URL", NULL, "sqlite:PATH or postgres://... (default: sqlite in DATA_DIR)", CFG_URL,
     C(database_url), 0, 0, 0, "sqlite,postgres,postgresql"},
    {"wasm-cache-dir", "WASM_CACHE_DIR", NULL, "WASM cache directory (default: DATA_DIR/wasm)", CFG_STRING, C(wasm_dir),
     0, 0, 0, NULL},
    {"cache-max-mb", "WASM_CACHE_MAX_MB", "0", "LRU limit of the WASM cache in MiB (0 = use WASM_CACHE_MAX_SIZE_GB)",
     CFG_SIZE, C(cache_max_mb_bytes), 0, 0, 1 << 20, NULL},
    {"cache-max-gb", "WASM_CACHE_MAX_SIZE_GB", "50", "LRU limit of the WASM cache in GiB (reference variable)",
     CFG_SIZE, C(cache_max_gb_bytes), 0, 0, 1 << 30, NULL},
    {"max-wasm-mb", "MAX_WASM_MB", "64", "largest accepted WASM upload in MiB", CFG_SIZE, C(max_wasm_bytes), 1024,
     1LL << 32, 1 << 20, NULL},
    {"admin-token", "ADMIN_BEARER_TOKEN", NULL, "admin bearer token; admin routes are closed while unset", CFG_SECRET,
     C(admin_token), 0, 0, 0, NULL},
    {"keystore-url", "KEYSTORE_BASE_URL", NULL, "keystore base URL for the /secrets/* proxy (503 while unset)", CFG_URL,
     C(keystore_url), 0, 0, 0, NULL},
    {"keystore-token", "KEYSTORE_AUTH_TOKEN", NULL, "bearer token sent to the keystore", CFG_SECRET, C(keystore_token),
     0, 0, 0, NULL},
    {"cors-origins", "CORS_ALLOWED_ORIGINS", "http://localhost:3000", "comma-separated exact origins allowed by CORS",
     CFG_STRING, C(cors_origins), 0, 0, 0, NULL},
    {"require-auth", "REQUIRE_AUTH", "true", "check worker tokens on worker routes (false = development only)",
     CFG_BOOL, C(require_auth), 0, 0, 0, NULL},
    {"lease-seconds", "LEASE_SECONDS", "60", "how long a leased task stays with a worker without a heartbeat",
     CFG_DURATION, C(lease_ms), 100, 86400000, 1000, NULL},
    {"max-attempts", "MAX_ATTEMPTS", "3", "leases of one task before it is abandoned (resolved as failed)", CFG_INT,
     C(max_attempts), 1, 100, 0, NULL},
    {"threads", "THREADS", "16", "HTTP worker threads (each holds a database connection while a request runs)", CFG_INT,
     C(threads), 1, 256, 0, NULL},
    {"pg-commit-groups", "PG_COMMIT_GROUPS", "1",
     "PostgreSQL group commit: how many groups of create/claim/complete transactions commit at once (0 = none: "
     "each commits alone)",
     CFG_INT, C(pg_commit_groups), 0, 64, 0, NULL},
    {"poll-max-seconds", "POLL_MAX_SECONDS", "120", "upper bound of a long poll's timeout", CFG_DURATION,
     C(poll_max_ms), 0, 3600000, 1000, NULL},
    {"shutdown-grace", "SHUTDOWN_GRACE_SECONDS", "10", "time given to requests in flight at shutdown", CFG_DURATION,
     C(shutdown_grace_ms), 0, 600000, 1000, NULL},
    {"stats-ttl", "STATS_TTL", "1s", "how long one computation of /public/stats is served", CFG_DURATION,
     C(stats_ttl_ms), 0, 3600000, 1000, NULL},
    {"require-api-key", "REQUIRE_ATTESTATION_API_KEY", "true",
     "GET /attestations/:id needs an X-API-Key (false = public)", CFG_BOOL, C(require_api_key), 0, 0, 0, NULL},
    {"default-rate-limit", "DEFAULT_RATE_LIMIT_PER_MINUTE", "60", "rate limit of new API keys (requests/minute)",
     CFG_INT, C(default_rate_limit), 1, 100000, 0, NULL},
    {"max-rate-limit", "MAX_RATE_LIMIT_PER_MINUTE", "600", "cap on the rate limit of new API keys", CFG_INT,
     C(max_rate_limit), 1, 100000, 0, NULL},
    {"near-rpc-url", "NEAR_RPC_URL", NULL, "NEAR JSON-RPC for pricing (unset: the built-in default pricing)", CFG_URL,
     C(near_rpc_url), 0, 0, 0, NULL},
    {"contract-id", "OFFCHAINVM_CONTRACT_ID", "outlayer.testnet", "contract asked for get_pricing/get_max_limits",
     CFG_STRING, C(contract_id), 0, 0, 0, NULL},
    {"pricing-refresh-interval", "PRICING_REFRESH_INTERVAL", "3600",
     "least time between two fetches by POST /public/pricing/refresh", CFG_DURATION, C(pricing_interval_ms), 0,
     86400000, 1000, NULL},
    {"github-api-url", "GITHUB_API_URL", "https://api.github.com", "GitHub REST API for /github/resolve-branch",
     CFG_URL, C(github_api_url), 0, 0, 0, NULL},
    {"github-token", "GITHUB_TOKEN", NULL, "GitHub token (raises the API rate limit)", CFG_SECRET, C(github_token), 0,
     0, 0, NULL},
    {"log-level", "LOG_LEVEL", "info", "debug, info, warn or error", CFG_STRING, C(log_level), 0, 0, 0, NULL},
    {"dashboard-dir", "DASHBOARD_DIR", NULL, "serve the built dashboard (build/dashboard) at / (unset: no dashboard)",
     CFG_STRING, C(dashboard_dir), 0, 0, 0, NULL},
    {"dashboard-signer-url", "DASHBOARD_SIGNER_URL", NULL,
     "development signer the dashboard may use (outlayer dev sets it; never on a public network)", CFG_URL,
     C(dashboard_signer_url), 0, 0, 0, NULL},
    {"storage-max-keys", "STORAGE_MAX_KEYS", "1000", "program storage: keys per (owner, project)", CFG_INT,
     C(storage_max_keys), 1, 100000000, 0, NULL},
    {"storage-max-bytes", "STORAGE_MAX_BYTES", "1MiB", "program storage: key + value bytes per (owner, project)",
     CFG_SIZE, C(storage_max_bytes), 1, 1LL << 40, 1, NULL},
    {"storage-max-value", "STORAGE_MAX_VALUE_BYTES", "64KiB", "program storage: largest value", CFG_SIZE,
     C(storage_max_value), 1, 512 * 1024, 1, NULL},
    {"storage-require-lease", "STORAGE_REQUIRE_LEASE", "true",
     "program storage: the store is the one of the request a live lease holds (false: callers name owner and "
     "project; tests and tools only)",
     CFG_BOOL, C(storage_require_lease), 0, 0, 0, NULL},
};
#define NOPTIONS (sizeof OPTIONS / sizeof *OPTIONS)

static const char USAGE[] =
    "usage: outlayer-coordinator [OPTIONS]                  run the server\n"
    "       outlayer-coordinator [OPTIONS] token add NAME   create a worker token (printed once)\n"
    "       outlayer-coordinator [OPTIONS] token list       list worker tokens (names and hash prefixes)\n"
    "       outlayer-coordinator [OPTIONS] token revoke NAME";

void coord_notify(coord *c)
{
    /* Only long polls care about new work. The sweeper wakes by itself at
     * most a second later, and a new lease never expires before older ones. */
    if (c->srv)
        hs_server_wake(c->srv);
}

/* Puts expired leases back in the queue. It sleeps until the next lease
 * could expire (at most 1 s, so leases renewed by heartbeats are seen). */
static void *sweeper_main(void *arg)
{
    coord *c = arg;
    pthread_mutex_lock(&c->sweep_mu);
    while (!c->sweeper_stop) {
        pthread_mutex_unlock(&c->sweep_mu);
        int64_t next = 0;
        int n = store_sweep(c->st, &next);
        if (n > 0 && c->srv)
            hs_server_wake(c->srv);
        int64_t wait = 1000;
        if (next) {
            int64_t d = next - store_now_ms() + 5;
            if (d < wait)
                wait = d < 10 ? 10 : d;
        }
        pthread_mutex_lock(&c->sweep_mu);
        if (c->sweeper_stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (wait % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&c->sweep_cond, &c->sweep_mu, &ts);
    }
    pthread_mutex_unlock(&c->sweep_mu);
    return NULL;
}

static void listen_wake(void *ctx)
{
    coord *c = ctx;
    if (c->srv)
        hs_server_wake(c->srv);
}

static int token_cmd(int argc, char **argv)
{
    const char *sub = argc > 0 ? argv[0] : NULL;
    char err[256];
    if (sub && strcmp(sub, "add") == 0 && argc == 2) {
        unsigned char raw[32];
        randombytes_buf(raw, sizeof raw);
        char token[65], hash[65];
        sodium_bin2hex(token, sizeof token, raw, sizeof raw);
        cr_sha256_hex(token, strlen(token), hash);
        st_status s = store_token_add(g.st, argv[1], hash, err, sizeof err);
        sodium_memzero(raw, sizeof raw);
        if (s != ST_OK) {
            fprintf(stderr, "token add: %s\n", s == ST_EXISTS ? err : "storage error");
            return 1;
        }
        /* the only time the token is shown: stdout, nothing else on it */
        printf("%s\n", token);
        fprintf(stderr, "created worker token '%s' (store it now; only its SHA-256 is kept)\n", argv[1]);
        sodium_memzero(token, sizeof token);
        return 0;
    }
    if (sub && strcmp(sub, "list") == 0 && argc == 1) {
        json_t *l = store_token_list(g.st);
        size_t i;
        json_t *v;
        printf("%-24s %-14s %-8s\n", "NAME", "HASH PREFIX", "ACTIVE");
        json_array_foreach(l, i, v)
        {
            printf("%-24s %-14s %-8s\n", json_string_value(json_object_get(v, "name")),
                   json_string_value(json_object_get(v, "hash_prefix")),
                   json_is_true(json_object_get(v, "active")) ? "yes" : "revoked");
        }
        json_decref(l);
        return 0;
    }
    if (sub && strcmp(sub, "revoke") == 0 && argc == 2) {
        st_status s = store_token_revoke(g.st, argv[1], err, sizeof err);
        if (s != ST_OK) {
            fprintf(stderr, "token revoke: %s\n", s == ST_NOT_FOUND ? err : "storage error");
            return 1;
        }
        fprintf(stderr, "revoked worker token '%s'\n", argv[1]);
        return 0;
    }
    fprintf(stderr, "%s\n", USAGE);
    return 2;
}

int main(int argc, char **argv)
{
    /* Requests allocate and free a few KiB on several threads; without this
     * glibc keeps shrinking the thread arenas (madvise + a TLB flush on every
     * core), which cost more than the requests themselves under load. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 4 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    char err[512];
    int next = 0;
    int rc = cfg_parse(OPTIONS, NOPTIONS, argc, argv, &next, err, sizeof err);
    if (rc == CFG_HELP) {
        cfg_print_help(stdout, USAGE, OPTIONS, NOPTIONS);
        return 0;
    }
    if (rc != CFG_OK) {
        fprintf(stderr, "outlayer-coordinator: %s\n", err);
        return 2;
    }
    int lvl = log_parse_level(g.cfg.log_level);
    if (lvl < 0) {
        fprintf(stderr, "outlayer-coordinator: invalid LOG_LEVEL '%s' (debug, info, warn, error)\n", g.cfg.log_level);
        return 2;
    }
    log_set_level((log_level)lvl);
    if (sodium_init() < 0 || hc_global_init() != 0 || near_rpc_global_init() != 0) {
        fprintf(stderr, "outlayer-coordinator: cannot initialise libsodium/libcurl\n");
        return 1;
    }
    int is_token = next < argc && strcmp(argv[next], "token") == 0;
    if (next < argc && !is_token) {
        fprintf(stderr, "outlayer-coordinator: unknown command '%s'\n%s\n", argv[next], USAGE);
        return 2;
    }
    store_queue_cfg qc = {.lease_ms = g.cfg.lease_ms,
                          .max_attempts = (int)g.cfg.max_attempts,
                          .max_conns = (int)g.cfg.threads + 4,
                          .pg_groups = g.cfg.pg_commit_groups ? (int)g.cfg.pg_commit_groups : -1};
    g.st = store_open(g.cfg.database_url, g.cfg.data_dir, &qc, err, sizeof err);
    if (!g.st) {
        fprintf(stderr, "outlayer-coordinator: %s\n", err);
        return 1;
    }
    if (is_token) {
        int r = token_cmd(argc - next - 1, argv + next + 1);
        store_close(g.st);
        cfg_free(OPTIONS, NOPTIONS);
        return r;
    }

    char wasm_dir[4096];
    if (!g.cfg.wasm_dir) {
        snprintf(wasm_dir, sizeof wasm_dir, "%s/wasm", g.cfg.data_dir);
        g.cfg.wasm_dir = strdup(wasm_dir);
    }
    if (cache_init(g.cfg.wasm_dir, err, sizeof err)) {
        fprintf(stderr, "outlayer-coordinator: %s\n", err);
        return 1;
    }
    g.cache_max_bytes = g.cfg.cache_max_mb_bytes ? g.cfg.cache_max_mb_bytes : g.cfg.cache_max_gb_bytes;
    g.pricing = coord_default_pricing();
    pthread_mutex_init(&g.pricing_mu, NULL);
    if (g.cfg.near_rpc_url) {
        json_t *p = NULL;
        if (coord_pricing_fetch(g.cfg.near_rpc_url, g.cfg.contract_id, &p, err, sizeof err) == 0) {
            json_decref(g.pricing);
            g.pricing = p;
            log_info("coordinator", "pricing from %s", g.cfg.contract_id);
        } else {
            log_warn("coordinator", "using default pricing: %s", err);
        }
    }
    g.pricing_updated_ms = hs_now_ms();
    pthread_mutex_init(&g.cache_mu, NULL);
    pthread_mutex_init(&g.sweep_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g.sweep_cond, &ca);

    hs_config hc = {.host = g.cfg.host,
                    .port = g.cfg.port,
                    .threads = (unsigned)g.cfg.threads,
                    .default_body_limit = 1 << 20,
                    .cors_origins = g.cfg.cors_origins,
                    .guard = coord_guard,
                    .guard_ctx = &g,
                    .observer = coord_observe,
                    .observer_ctx = &g};
    g.srv = hs_server_new(&hc);
    if (!g.srv || coord_add_routes(&g) || coord_add_dashboard_routes(&g) || hs_install_stop_signals()) {
        fprintf(stderr, "outlayer-coordinator: cannot set up the server\n");
        return 1;
    }
    if (hs_server_start(g.srv, err, sizeof err)) {
        fprintf(stderr, "outlayer-coordinator: %s\n", err);
        return 1;
    }
    /* PostgreSQL: work queued by another coordinator wakes our long polls too */
    if (store_listen(g.st, listen_wake, &g, err, sizeof err)) {
        fprintf(stderr, "outlayer-coordinator: %s\n", err);
        return 1;
    }
    if (pthread_create(&g.sweeper, NULL, sweeper_main, &g) != 0) {
        fprintf(stderr, "outlayer-coordinator: cannot start the lease sweeper\n");
        return 1;
    }
    log_info("coordinator",
             "listening on %s:%d (storage %s, schema v%d, lease %llds, max attempts %lld, "
             "cache %s limit %lld MiB, admin API %s, keystore %s)",
             g.cfg.host, hs_server_port(g.srv), store_kind(g.st), store_schema_version(g.st),
             (long long)(g.cfg.lease_ms / 1000), (long long)g.cfg.max_attempts, g.cfg.wasm_dir,
             (long long)(g.cache_max_bytes >> 20), g.cfg.admin_token && *g.cfg.admin_token ? "enabled" : "disabled",
             g.cfg.keystore_url ? "configured" : "not configured");
    /* A machine-readable line for scripts that start us on port 0. */
    printf("listening port=%d\n", hs_server_port(g.srv));
    fflush(stdout);

    hs_wait_for_stop();
    log_info("coordinator", "stopping: finishing requests in flight");
    hs_server_stop(g.srv, (int)g.cfg.shutdown_grace_ms);
    pthread_mutex_lock(&g.sweep_mu);
    g.sweeper_stop = 1;
    pthread_cond_signal(&g.sweep_cond);
    pthread_mutex_unlock(&g.sweep_mu);
    pthread_join(g.sweeper, NULL);
    hs_server_free(g.srv);
    g.srv = NULL;
    store_close(g.st);
    json_decref(g.pricing);
    cfg_free(OPTIONS, NOPTIONS);
    log_info("coordinator", "stopped");
    return 0;
}
