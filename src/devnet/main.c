/*
 * main.c — outlayer-devnet: a single-node NEAR-compatible chain.
 *
 * Configuration comes from the environment (DEVNET_HOME, DEVNET_PORT,
 * DEVNET_BLOCK_MS, DEVNET_YIELD_TIMEOUT_BLOCKS) with --flag overrides.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devnet/devnet.h"
#include "near/keys.h"

static devnet_chain g_chain;

static void usage(FILE *f)
{
    fprintf(f, "usage: outlayer-devnet [--home DIR] [--port 3030] [--block-ms 100] [--reset]\n"
               "\n"
               "A single-node NEAR-compatible chain for development and tests: NEAR JSON-RPC\n"
               "on POST / and a neardata-style block feed on GET /v0/block/{height}.\n"
               "\n"
               "  --home DIR            state and credentials (env DEVNET_HOME, default ./.outlayer-devnet)\n"
               "  --port N              HTTP port on 127.0.0.1 (env DEVNET_PORT, default 3030;\n"
               "                        DEVNET_BIND_ALL=1 listens on all interfaces)\n"
               "  --block-ms N          block interval in milliseconds (env DEVNET_BLOCK_MS, default 100)\n"
               "  --yield-timeout N     yield timeout in blocks (env DEVNET_YIELD_TIMEOUT_BLOCKS, default 200)\n"
               "  --wait-timeout-ms N   how long send_tx/broadcast_tx_commit wait (default 10000)\n"
               "  --reset               wipe the state in DIR and start from a new genesis\n"
               "  --genesis-time T      the chain's clock starts at T (RFC 3339, e.g. 2025-06-25T12:00:00Z) and\n"
               "                        runs from there (env DEVNET_GENESIS_TIME); the RPC sandbox_set_time moves\n"
               "                        it forward later\n"
               "  --quiet               log only errors\n"
               "  --help                this text\n"
               "\n"
               "On first start the genesis creates accounts `near` and `test.near`; their keys\n"
               "are near-cli credential files in DIR/credentials/localnet/. Chain id: localnet.\n");
}

static int parse_int(const char *name, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text ? text : "", &end, 10);
    if (!text || !*text || errno || *end || v < min || v > max) {
        fprintf(stderr, "outlayer-devnet: %s must be an integer between %ld and %ld (got '%s')\n", name, min, max,
                text ? text : "");
        return -1;
    }
    *out = v;
    return 0;
}

/* The whole path or an error: a silently shortened one would put the
 * chain's state somewhere else. */
static int set_home(devnet_config *cfg, const char *dir)
{
    if (!dir || !*dir) {
        fprintf(stderr, "outlayer-devnet: --home needs a directory\n");
        return -1;
    }
    size_t n = strlen(dir);
    if (n >= sizeof cfg->home) {
        fprintf(stderr, "outlayer-devnet: the home directory path is too long (at most %zu bytes)\n",
                sizeof cfg->home - 1);
        return -1;
    }
    memcpy(cfg->home, dir, n + 1);
    return 0;
}

/* --genesis-time: "YYYY-MM-DDThh:mm:ss[.fraction]Z" (UTC). */
static int parse_time(const char *name, const char *text, devnet_config *cfg)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = text ? strptime(text, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    long frac_ns = 0;
    if (end && *end == '.') {
        long scale = 100000000;
        for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
            frac_ns += (*end - '0') * scale;
    }
    time_t t = end && strcmp(end, "Z") == 0 ? timegm(&tm) : (time_t)-1;
    if (t < 0 || (uint64_t)t >= DEVNET_MAX_CLOCK_NS / 1000000000u) {
        fprintf(stderr,
                "outlayer-devnet: %s must be an RFC 3339 UTC time before 2200 like 2025-06-25T12:00:00Z "
                "(got '%s')\n",
                name, text ? text : "");
        return -1;
    }
    cfg->has_genesis_time = true;
    cfg->genesis_time_ns = (int64_t)t * 1000000000 + frac_ns;
    return 0;
}

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&g_chain.stop, true);
}

int main(int argc, char **argv)
{
    devnet_config cfg;
    memset(&cfg, 0, sizeof cfg);
    if (set_home(&cfg, getenv("DEVNET_HOME") ? getenv("DEVNET_HOME") : ".outlayer-devnet"))
        return 2;
    long port = 3030, block_ms = 100, yield_timeout = 200, wait_ms = 10000;
    if (getenv("DEVNET_PORT") && parse_int("DEVNET_PORT", getenv("DEVNET_PORT"), 0, 65535, &port))
        return 2;
    if (getenv("DEVNET_BLOCK_MS") && parse_int("DEVNET_BLOCK_MS", getenv("DEVNET_BLOCK_MS"), 1, 600000, &block_ms))
        return 2;
    if (getenv("DEVNET_YIELD_TIMEOUT_BLOCKS") &&
        parse_int("DEVNET_YIELD_TIMEOUT_BLOCKS", getenv("DEVNET_YIELD_TIMEOUT_BLOCKS"), 1, 1000000, &yield_timeout))
        return 2;
    if (getenv("DEVNET_GENESIS_TIME") && parse_time("DEVNET_GENESIS_TIME", getenv("DEVNET_GENESIS_TIME"), &cfg))
        return 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--reset")) {
            cfg.reset = true;
        } else if (!strcmp(a, "--quiet")) {
            cfg.quiet = true;
        } else if (!strcmp(a, "--home")) {
            if (set_home(&cfg, v))
                return 2;
            i++;
        } else if (!strcmp(a, "--port")) {
            if (parse_int("--port", v, 0, 65535, &port))
                return 2;
            i++;
        } else if (!strcmp(a, "--block-ms")) {
            if (parse_int("--block-ms", v, 1, 600000, &block_ms))
                return 2;
            i++;
        } else if (!strcmp(a, "--yield-timeout")) {
            if (parse_int("--yield-timeout", v, 1, 1000000, &yield_timeout))
                return 2;
            i++;
        } else if (!strcmp(a, "--genesis-time")) {
            if (parse_time("--genesis-time", v, &cfg))
                return 2;
            i++;
        } else if (!strcmp(a, "--wait-timeout-ms")) {
            if (parse_int("--wait-timeout-ms", v, 1, 3600000, &wait_ms))
                return 2;
            i++;
        } else {
            fprintf(stderr, "outlayer-devnet: unknown option '%s' (see --help)\n", a);
            return 2;
        }
    }
    cfg.port = (int)port;
    cfg.block_ms = (int)block_ms;
    cfg.yield_timeout_blocks = (uint64_t)yield_timeout;
    cfg.wait_timeout_ms = (int)wait_ms;

    if (near_keys_init()) {
        fprintf(stderr, "outlayer-devnet: cannot initialise libsodium\n");
        return 1;
    }
    char err[512];
    if (devnet_chain_open(&g_chain, &cfg, err, sizeof err)) {
        fprintf(stderr, "outlayer-devnet: %s\n", err);
        return 1;
    }
    devnet_server *srv = devnet_server_start(&g_chain, cfg.port, err, sizeof err);
    if (!srv) {
        fprintf(stderr, "outlayer-devnet: %s\n", err);
        devnet_chain_close(&g_chain);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* One line a script can wait for: the RPC is up. */
    printf("outlayer-devnet: listening on http://127.0.0.1:%d (chain localnet, height %llu, home %s, block %d ms)\n",
           devnet_server_port(srv), (unsigned long long)g_chain.head_height, cfg.home, cfg.block_ms);
    fflush(stdout);
    devnet_chain_run(&g_chain);
    pthread_mutex_lock(&g_chain.lock);
    pthread_cond_broadcast(&g_chain.block_cond);
    pthread_mutex_unlock(&g_chain.lock);
    devnet_server_stop(srv);
    devnet_chain_close(&g_chain);
    if (!cfg.quiet)
        devnet_log("info", "stopped");
    return 0;
}
