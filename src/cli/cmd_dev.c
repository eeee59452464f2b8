/*
 * cmd_dev.c — `outlayer dev`: the whole OutLayer network on this machine.
 *
 * Starts outlayer-devnet, deploys the OutLayer contract, makes the owner,
 * operator and user accounts (near-cli credential files under HOME), starts
 * the keystore, the coordinator (a worker token provisioned) and N workers,
 * serves HOME/wasm/ for local .wasm files, writes HOME/dev.json once all
 * are healthy, and then supervises: a child that dies is reported and
 * restarted (at most DEV_MAX_RESTARTS times each); SIGINT/SIGTERM stops
 * everything and removes dev.json. The same --home resumes the same chain,
 * accounts and data.
 *
 * Start-up order, for a ready time well under 2 s (docs/benchmarks.md):
 * the devnet and the keystore together; the accounts and their contracts
 * (dev_accounts.h: one round of transactions on a new home, view calls on
 * a used one); the coordinator (it reads the contract's prices) while the
 * register contract is made ready (dev_tee.h: only what is not in place);
 * then the workers, which register their keys at start, so only once the
 * register contract is ready. Every wait polls every DEV_POLL_MS.
 * OUTLAYER_DEV_TIMINGS=1 prints each step with its time.
 *
 * Ports: devnet P, coordinator P+1 (and the dashboard), keystore P+2, file
 * server P+3; --port-base 0 chooses P (four free ports below the ephemeral
 * range, kept in HOME/port-base). The dashboard's development signer takes
 * a free loopback port (dev_signer.h), named to the coordinator.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/http_client.h"
#include "cli/cli.h"
#include "cli/dev.h"
#include "cli/dev_accounts.h"
#include "cli/dev_chain.h"
#include "cli/dev_files.h"
#include "cli/dev_signer.h"
#include "cli/dev_tee.h"

#define DEV_MAX_WORKERS 16
#define DEV_MAX_RESTARTS 5
/* How often start-up waits ask (loopback requests: cheap; every step of the
 * start waits on one of these, so the interval adds up). */
#define DEV_POLL_MS 10

typedef struct dev_opts {
    char home[1024];
    int workers;
    int port_base;
    int block_ms;
    int lease_seconds;
    const char *postgres;     /* coordinator storage; NULL = SQLite under HOME */
    const char *git_base_url; /* workers fetch github.com/OWNER/REPO from here (mirrors, tests) */
    int signer_port;          /* the dashboard's signer (dev_signer.h), chosen by the OS */
    char bin_dir[1024];
    char contracts_dir[PATH_MAX];
} dev_opts;

typedef struct child {
    char name[32];
    char *argv[48];
    int argc;
    char *env[8];
    int envc;
    char log[PATH_MAX];
    pid_t pid;
    int id_arg; /* workers: index of the --worker-id value, renewed at each start */
    int restarts;
    bool given_up;
    long log_seen; /* bytes of the log already summarised */
} child;

static volatile sig_atomic_t stop_signal;
static child children[3 + DEV_MAX_WORKERS];
static int n_children;

static void on_signal(int sig) { stop_signal = sig; }

static struct timespec trace_t0;
static int trace_on = -1;

void dev_trace(const char *fmt, ...)
{
    if (trace_on < 0) {
        const char *e = getenv("OUTLAYER_DEV_TIMINGS");
        trace_on = e && *e && strcmp(e, "0") != 0;
        clock_gettime(CLOCK_MONOTONIC, &trace_t0);
    }
    if (!trace_on)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    va_list ap;
    va_start(ap, fmt);
    char line[300];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* with the wall clock (UTC, as in the children's logs) to match them up */
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    fprintf(stderr, "outlayer dev: %7.3f s  [%02d:%02d:%02d.%03ld]  %s\n",
            (t.tv_sec - trace_t0.tv_sec) + (t.tv_nsec - trace_t0.tv_nsec) / 1e9, tm.tm_hour, tm.tm_min, tm.tm_sec,
            wall.tv_nsec / 1000000, line);
}

void cmd_dev_help(FILE *out)
{
    fprintf(
        out,
        "usage: outlayer dev [--home DIR] [--workers N] [--port-base P] [--block-ms MS] [--postgres URL]\n"
        "\n"
        "Runs the whole OutLayer network on this machine: a NEAR devnet with the OutLayer contract,\n"
        "a keystore, a coordinator and N workers, all on 127.0.0.1. Prints the URLs, the accounts and\n"
        "a request to copy; writes HOME/dev.json for tools once everything is ready (removed on exit).\n"
        "Ctrl-C stops everything; the same --home starts the same chain and data again.\n"
        "\n"
        "  --home DIR         state, credentials and logs (env OUTLAYER_DEV_HOME, default ./.outlayer-dev)\n"
        "  --workers N        worker processes, 1-%d (default 2)\n"
        "  --port-base P      devnet P, coordinator P+1 (dashboard at /), keystore P+2, .wasm file server P+3\n"
        "                     (default 3030); 0 = four free ports chosen here (kept in HOME/port-base for\n"
        "                     restarts); the dashboard's signer takes any free loopback port\n"
        "  --block-ms MS      block interval of the devnet (default 100)\n"
        "  --lease-seconds S  coordinator lease: how soon a dead worker's job goes to another (default 5)\n"
        "  --bin-dir DIR      where outlayer-devnet, -coordinator, -keystore, -worker are (default: next to outlayer)\n"
        "  --contracts-dir D  where outlayer.wasm is (default BIN_DIR/../contracts)\n"
        "  --postgres URL     coordinator storage in PostgreSQL (default SQLite in HOME/coordinator)\n"
        "  --git-base-url U   workers fetch github.com/OWNER/REPO from U/OWNER/REPO (a mirror, a local git daemon)\n"
        "\n"
        "Accounts (credential files in HOME/credentials/localnet/): " DEV_CONTRACT " (the contract),\n" DEV_OWNER
        " (owner), " DEV_OPERATOR " (operator, the workers' key), " DEV_USER " (user),\n" DEV_REGISTER
        " (register contract: admits the workers' simulated-TEE keys; the contract's operator).\n"
        "Logs: HOME/logs/{devnet,keystore,coordinator,worker-N}.log. OUTLAYER_DEV_TIMINGS=1 prints each\n"
        "start-up step with its time (to stderr).\n",
        DEV_MAX_WORKERS);
}

static int parse_int(const char *s, int min, int max, int *out, const char *flag)
{
    uint64_t v;
    if (!cli_parse_u64(s, (uint64_t)min, (uint64_t)max, &v)) {
        cli_error("%s: expected a number in %d..%d, got '%s'", flag, min, max, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_opts(int argc, char **argv, dev_opts *o)
{
    memset(o, 0, sizeof *o);
    const char *home = getenv("OUTLAYER_DEV_HOME");
    snprintf(o->home, sizeof o->home, "%s", home && *home ? home : DEV_DEFAULT_HOME);
    o->workers = 2;
    o->port_base = 3030;
    o->block_ms = 100;
    o->lease_seconds = 5;
    static const struct option longs[] = {{"home", required_argument, 0, 'h'},
                                          {"workers", required_argument, 0, 'w'},
                                          {"port-base", required_argument, 0, 'p'},
                                          {"block-ms", required_argument, 0, 'b'},
                                          {"lease-seconds", required_argument, 0, 'l'},
                                          {"bin-dir", required_argument, 0, 'B'},
                                          {"contracts-dir", required_argument, 0, 'C'},
                                          {"help", no_argument, 0, 'H'},
                                          {"postgres", required_argument, 0, 'P'},
                                          {"git-base-url", required_argument, 0, 'G'},
                                          {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'h': snprintf(o->home, sizeof o->home, "%s", optarg); break;
        case 'w':
            if (parse_int(optarg, 1, DEV_MAX_WORKERS, &o->workers, "--workers"))
                return -1;
            break;
        case 'p':
            if (parse_int(optarg, 0, 65500, &o->port_base, "--port-base"))
                return -1;
            if (o->port_base > 0 && o->port_base < 1024) {
                cli_error("--port-base: expected 0 (choose free ports) or a port in 1024..65500, got %s", optarg);
                return -1;
            }
            break;
        case 'b':
            if (parse_int(optarg, 10, 10000, &o->block_ms, "--block-ms"))
                return -1;
            break;
        case 'l':
            if (parse_int(optarg, 2, 3600, &o->lease_seconds, "--lease-seconds"))
                return -1;
            break;
        case 'B': snprintf(o->bin_dir, sizeof o->bin_dir, "%s", optarg); break;
        case 'C': snprintf(o->contracts_dir, sizeof o->contracts_dir, "%s", optarg); break;
        case 'P':
            if (strncmp(optarg, "postgres://", 11) != 0 && strncmp(optarg, "postgresql://", 13) != 0) {
                cli_error("--postgres: expected a postgres:// or postgresql:// URL");
                return -1;
            }
            o->postgres = optarg;
            break;
        case 'G': o->git_base_url = optarg; break;
        case 'H': cmd_dev_help(stdout); return 1;
        default: return -1;
        }
    }
    if (optind < argc) {
        cli_error("unexpected argument '%s' (see `outlayer help dev`)", argv[optind]);
        return -1;
    }
    if (!o->bin_dir[0]) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        if (n <= 0)
            return -1;
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash)
            *slash = 0;
        if (strlen(self) >= sizeof o->bin_dir)
            return -1;
        memcpy(o->bin_dir, self, strlen(self) + 1);
    }
    if (!o->contracts_dir[0])
        snprintf(o->contracts_dir, sizeof o->contracts_dir, "%s/../contracts", o->bin_dir);
    /* Children run with HOME-relative paths resolved once, here. */
    if (mkdir(o->home, 0700) != 0 && errno != EEXIST) {
        cli_error("cannot create %s: %s", o->home, strerror(errno));
        return -1;
    }
    char abs[PATH_MAX];
    if (!realpath(o->home, abs))
        return -1;
    if (strlen(abs) >= sizeof o->home) {
        cli_error("--home: path too long");
        return -1;
    }
    memcpy(o->home, abs, strlen(abs) + 1);
    return 0;
}

/* ---------------------------------------------------------------- children */

static child *child_new(const char *name, const char *home, const char *log_name)
{
    child *c = &children[n_children++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->log, sizeof c->log, "%s/logs/%s.log", home, log_name);
    return c;
}

static void child_arg(child *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void child_arg(child *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->argc < 47 && vasprintf(&c->argv[c->argc], fmt, ap) >= 0)
        c->argc++;
    va_end(ap);
}

static void child_env(child *c, const char *name, const char *value)
{
    if (c->envc < 7 && asprintf(&c->env[c->envc], "%s=%s", name, value) >= 0)
        c->envc++;
}

static int child_spawn(child *c)
{
    if (c->id_arg) {
        /* A new identity for each start: the coordinator renews the leases of
         * a worker id at every heartbeat, so a restarted worker under the old
         * id would keep the dead one's jobs leased forever. */
        uint8_t r[3];
        randombytes_buf(r, sizeof r);
        free(c->argv[c->id_arg]);
        if (asprintf(&c->argv[c->id_arg], "dev-%s.%02x%02x%02x", c->name, r[0], r[1], r[2]) < 0)
            return -1;
    }
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* Its own process group: the terminal's Ctrl-C reaches only us, and
         * we stop the children in order. If we die, they get SIGTERM. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        int in = open("/dev/null", O_RDONLY);
        if (in >= 0)
            dup2(in, 0);
        for (int i = 0; i < c->envc; i++)
            putenv(c->env[i]);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(c->argv[0], c->argv);
        fprintf(stderr, "outlayer dev: cannot run %s: %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    c->pid = pid;
    return 0;
}

/* SIGTERM, then SIGKILL after grace_ms. */
static void child_stop(child *c, int grace_ms)
{
    if (c->pid <= 0)
        return;
    kill(c->pid, SIGTERM);
    for (int waited = 0; waited < grace_ms; waited += 50) {
        if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
            c->pid = 0;
            return;
        }
        usleep(50 * 1000);
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    c->pid = 0;
}

static void child_free(child *c)
{
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    for (int i = 0; i < c->envc; i++)
        free(c->env[i]);
    c->argc = c->envc = 0;
}

static bool http_ok(const char *url)
{
    hc_options o = {.timeout_ms = 1000, .connect_timeout_ms = 500};
    hc_response r = {0};
    char err[200];
    bool ok = hc_request("GET", url, NULL, NULL, 0, &o, &r, err, sizeof err) == 0 && r.status == 200;
    hc_response_free(&r);
    return ok;
}

/* The last lines of a child's log, so a failed start says why right away. */
static void print_log_tail(const child *c)
{
    FILE *f = fopen(c->log, "r");
    if (!f)
        return;
    char lines[5][512] = {{0}};
    int n = 0;
    while (fgets(lines[n % 5], sizeof lines[0], f))
        n++;
    fclose(f);
    for (int i = n > 5 ? n - 5 : 0; i < n; i++)
        fprintf(stderr, "  [%s] %s", c->name, lines[i % 5]);
}

static int64_t mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until url answers 200 while the child lives. */
static int wait_healthy(child *c, const char *url, int timeout_ms)
{
    for (int64_t until = mono_ms() + timeout_ms; mono_ms() <= until && !stop_signal;) {
        if (http_ok(url))
            return 0;
        if (waitpid(c->pid, NULL, WNOHANG) == c->pid) {
            c->pid = 0;
            cli_error("%s exited during start-up; see %s", c->name, c->log);
            print_log_tail(c);
            return -1;
        }
        usleep(DEV_POLL_MS * 1000);
    }
    if (stop_signal)
        return -1; /* interrupted, not unhealthy */
    cli_error("%s did not become healthy at %s; see %s", c->name, url, c->log);
    return -1;
}

/* ---------------------------------------------------------------- files */

static int write_secret_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int bad = write(fd, text, n) != (ssize_t)n;
    return close(fd) || bad ? -1 : 0;
}

/* First line of a file into buf; 0 or -1. */
static int read_line(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    buf[0] = 0;
    bool ok = fgets(buf, (int)size, f) != NULL;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    return ok && buf[0] ? 0 : -1;
}

/* ---------------------------------------------------------------- ports */

/* Whether 127.0.0.1:port..port+3 can all be bound now. With SO_REUSEADDR,
 * as our servers bind: a port left in TIME_WAIT by our own last run (a
 * restart) is free, one another process listens on is not. */
static bool ports_free(int base)
{
    bool ok = true;
    for (int i = 0; i < 4 && ok; i++) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        struct sockaddr_in a = {
            .sin_family = AF_INET, .sin_port = htons((uint16_t)(base + i)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        ok = s >= 0 && setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
             bind(s, (struct sockaddr *)&a, sizeof a) == 0;
        if (s >= 0)
            close(s);
    }
    return ok;
}

/* --port-base 0: the base of the last such start on this home if its four
 * ports are free (the coin-flip contract's program URL names the file
 * server's port), else four free consecutive ports at a random place below
 * the kernel's ephemeral range, where no outgoing connection takes a port
 * between our check and the children's bind. Written to HOME/port-base. */
static int choose_port_base(const char *home)
{
    char path[PATH_MAX + 16], line[32];
    snprintf(path, sizeof path, "%s/port-base", home);
    if (read_line(path, line, sizeof line) == 0) {
        int saved = atoi(line);
        if (saved >= 1024 && saved <= 65500 && ports_free(saved))
            return saved;
        fprintf(stderr, "outlayer dev: the ports of the last start (%d-%d) are taken; choosing others%s\n", saved,
                saved + 3, saved > 0 ? " (the coin-flip contract's program URL names the old port)" : "");
    }
    int lo = 15000, hi = 32764;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    int eph_lo = 0, eph_hi = 0;
    if (f && fscanf(f, "%d %d", &eph_lo, &eph_hi) == 2 && eph_lo > lo + 400)
        hi = eph_lo - 4;
    if (f)
        fclose(f);
    int slots = (hi - lo) / 4;
    int start = (int)randombytes_uniform((uint32_t)slots);
    for (int k = 0; k < slots; k++) {
        int base = lo + 4 * ((start + k) % slots);
        if (!ports_free(base))
            continue;
        char text[16];
        snprintf(text, sizeof text, "%d\n", base);
        if (write_secret_file(path, text))
            fprintf(stderr, "outlayer dev: cannot write %s\n", path);
        return base;
    }
    cli_error("--port-base 0: no four free consecutive ports in %d..%d", lo, hi + 3);
    return -1;
}

static int random_token(const char *path, char *out, size_t size)
{
    if (read_line(path, out, size) == 0)
        return 0;
    uint8_t b[24];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, size, b, sizeof b);
    return write_secret_file(path, out);
}

/* A worker token from the coordinator's own `token add` (on its database,
 * before it starts), kept in HOME/worker-token for restarts. */
static int worker_token(const dev_opts *o, char *out, size_t size)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/worker-token", o->home);
    if (read_line(path, out, size) == 0)
        return 0;
    char cmd[3 * PATH_MAX + 100];
    /* DATABASE_URL (for --postgres) reaches it through the environment. */
    if (o->postgres)
        setenv("DATABASE_URL", o->postgres, 1);
    snprintf(cmd, sizeof cmd,
             "'%s/outlayer-coordinator' --data-dir '%s/coordinator' token add dev-workers 2>>'%s/logs/coordinator.log'",
             o->bin_dir, o->home, o->home);
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (!p || !fgets(out, (int)size, p))
        out[0] = 0;
    if (p)
        pclose(p);
    out[strcspn(out, "\r\n")] = 0;
    if (!out[0]) {
        cli_error("could not create a worker token with outlayer-coordinator token add (see %s/logs/coordinator.log)",
                  o->home);
        return -1;
    }
    return write_secret_file(path, out);
}

static int write_dev_json(const dev_opts *o)
{
    int p = o->port_base;
    char rpc[64], feed[64], coord[64], ks[64], files[64];
    snprintf(rpc, sizeof rpc, "http://127.0.0.1:%d", p);
    snprintf(feed, sizeof feed, "http://127.0.0.1:%d/v0", p);
    snprintf(coord, sizeof coord, "http://127.0.0.1:%d", p + 1);
    snprintf(ks, sizeof ks, "http://127.0.0.1:%d", p + 2);
    snprintf(files, sizeof files, "http://127.0.0.1:%d", p + 3);
    json_t *accounts = json_array();
    const char *ids[] = {DEV_OWNER, DEV_OPERATOR, DEV_USER};
    const char *roles[] = {"owner", "operator", "user"};
    for (int i = 0; i < 3; i++) {
        char key[PATH_MAX + 100];
        snprintf(key, sizeof key, "%s/credentials/localnet/%s.json", o->home, ids[i]);
        json_array_append_new(accounts,
                              json_pack("{s:s, s:s, s:s}", "account_id", ids[i], "role", roles[i], "key_file", key));
    }
    char wasm_dir[PATH_MAX + 8];
    snprintf(wasm_dir, sizeof wasm_dir, "%s/wasm", o->home);
    char dash[96];
    snprintf(dash, sizeof dash, "%s/", coord);
    json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:i, s:i, s:[s]}", "ready", 1,
                          "rpc_url", rpc, "feed_url", feed, "coordinator_url", coord, "keystore_url", ks,
                          "dashboard_url", dash, "contract_id", DEV_CONTRACT, "register_contract_id", DEV_REGISTER,
                          "accounts", accounts, "wasm_url_base", files, "wasm_dir", wasm_dir, "workers", o->workers,
                          "pid", (int)getpid(), "caller_contracts", DEV_COINFLIP);
    json_array_append_new(json_object_get(j, "caller_contracts"), json_string(DEV_FORWARDER));
    json_object_set_new(
        j, "ports",
        json_pack("{s:i, s:i, s:i, s:i}", "rpc", p, "coordinator", p + 1, "keystore", p + 2, "files", p + 3));
    char path[PATH_MAX + 16], tmp[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/dev.json", o->home);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = json_dump_file(j, tmp, JSON_INDENT(2)) || rename(tmp, path) ? -1 : 0;
    json_decref(j);
    return rc;
}

/* ---------------------------------------------------------------- main */

static void define_children(const dev_opts *o, const char *worker_tok, const char *ks_tok)
{
    int p = o->port_base;
    const char *h = o->home;
    char rpc[64];
    snprintf(rpc, sizeof rpc, "http://127.0.0.1:%d", p);
    n_children = 0;

    child *c = child_new("devnet", h, "devnet");
    child_arg(c, "%s/outlayer-devnet", o->bin_dir);
    child_arg(c, "--home");
    child_arg(c, "%s/devnet", h);
    child_arg(c, "--port");
    child_arg(c, "%d", p);
    child_arg(c, "--block-ms");
    child_arg(c, "%d", o->block_ms);

    c = child_new("keystore", h, "keystore");
    child_arg(c, "%s/outlayer-keystore", o->bin_dir);
    child_arg(c, "--host");
    child_arg(c, "127.0.0.1");
    child_arg(c, "--port");
    child_arg(c, "%d", p + 2);
    child_arg(c, "--data-dir");
    child_arg(c, "%s/keystore", h);
    child_arg(c, "--contract-id");
    child_arg(c, DEV_CONTRACT);
    child_arg(c, "--near-rpc-url");
    child_arg(c, "%s", rpc);
    child_env(c, "KEYSTORE_AUTH_TOKEN", ks_tok); /* the environment: flags show in ps */

    c = child_new("coordinator", h, "coordinator");
    child_arg(c, "%s/outlayer-coordinator", o->bin_dir);
    child_arg(c, "--host");
    child_arg(c, "127.0.0.1");
    child_arg(c, "--port");
    child_arg(c, "%d", p + 1);
    child_arg(c, "--data-dir");
    child_arg(c, "%s/coordinator", h);
    child_arg(c, "--keystore-url");
    child_arg(c, "http://127.0.0.1:%d", p + 2);
    child_arg(c, "--near-rpc-url");
    child_arg(c, "%s", rpc);
    child_arg(c, "--contract-id");
    child_arg(c, DEV_CONTRACT);
    child_arg(c, "--lease-seconds");
    child_arg(c, "%d", o->lease_seconds);
    child_arg(c, "--poll-max-seconds");
    child_arg(c, "30");
    child_arg(c, "--cors-origins");
    child_arg(c, "*");
    child_arg(c, "--dashboard-dir"); /* the built dashboard (mk/dashboard.mk) */
    child_arg(c, "%s/../dashboard", o->bin_dir);
    child_arg(c, "--dashboard-signer-url");
    child_arg(c, "http://127.0.0.1:%d", o->signer_port);
    /* Attestation records are public on a dev chain: `outlayer verify` and the dashboard read them. */
    child_arg(c, "--require-api-key");
    child_arg(c, "false");
    child_env(c, "KEYSTORE_AUTH_TOKEN", ks_tok);
    if (o->postgres)
        child_env(c, "DATABASE_URL", o->postgres); /* not a flag: it may hold a password */

    for (int i = 1; i <= o->workers; i++) {
        char name[32];
        snprintf(name, sizeof name, "worker-%d", i);
        c = child_new(name, h, name);
        child_arg(c, "%s/outlayer-worker", o->bin_dir);
        child_arg(c, "--contract-id");
        child_arg(c, DEV_CONTRACT);
        child_arg(c, "--key-file");
        child_arg(c, "%s/credentials/localnet/" DEV_OPERATOR ".json", h);
        child_arg(c, "--coordinator-url");
        child_arg(c, "http://127.0.0.1:%d", p + 1);
        child_arg(c, "--rpc-url");
        child_arg(c, "%s", rpc);
        /* One event monitor is enough (creates are idempotent, but one
         * reader of the feed keeps the logs readable). */
        child_arg(c, "--monitor");
        child_arg(c, i == 1 ? "true" : "false");
        child_arg(c, "--feed-url");
        child_arg(c, "%s/v0", rpc);
        child_arg(c, "--cursor-file");
        child_arg(c, "%s/monitor.cursor", h);
        child_arg(c, "--worker-id");
        c->id_arg = c->argc;
        child_arg(c, "dev-%s", name);
        child_arg(c, "--jobs");
        child_arg(c, "2");
        /* short polls: a stopping worker waits for its poll to return */
        child_arg(c, "--poll-timeout");
        child_arg(c, "3");
        child_arg(c, "--heartbeat");
        child_arg(c, "%dms", o->lease_seconds * 1000 / 3);
        child_arg(c, "--build-dir");
        child_arg(c, "%s/build", h);
        child_arg(c, "--tee");
        child_arg(c, "simulated");
        /* local development serves WasmUrl programs from 127.0.0.1 */
        child_arg(c, "--allow-private-urls");
        child_arg(c, "true");
        child_arg(c, "--tee-platform");
        child_arg(c, "%s/tee", h);
        child_arg(c, "--register-contract");
        child_arg(c, DEV_REGISTER);
        child_arg(c, "--shutdown-grace");
        child_arg(c, "5s");
        if (o->git_base_url) {
            child_arg(c, "--git-base-url");
            child_arg(c, "%s", o->git_base_url);
        }
        child_arg(c, "--keystore-url");
        child_arg(c, "http://127.0.0.1:%d", p + 2);
        child_env(c, "API_AUTH_TOKEN", worker_tok);
        child_env(c, "KEYSTORE_AUTH_TOKEN", ks_tok); /* the environment: flags show in ps */
    }
}

static void stop_all(void)
{
    /* Workers first (they hand back their leases), then the coordinator,
     * the keystore and the chain last. */
    for (int i = 3; i < n_children; i++)
        if (children[i].pid > 0)
            kill(children[i].pid, SIGTERM);
    for (int i = n_children - 1; i >= 0; i--)
        child_stop(&children[i], 10000);
    for (int i = 0; i < n_children; i++)
        child_free(&children[i]);
}

static void print_banner(const dev_opts *o)
{
    int p = o->port_base;
    const char *h = o->home;
    printf("\nOutLayer dev is up (home %s)\n\n", h);
    printf("  chain        http://127.0.0.1:%d   (NEAR JSON-RPC, chain id localnet; feed /v0)\n", p);
    printf("  coordinator  http://127.0.0.1:%d   (public API: /public/stats, /public/workers, /public/jobs)\n", p + 1);
    printf("  keystore     http://127.0.0.1:%d\n", p + 2);
    printf("  .wasm files  http://127.0.0.1:%d   (serves %s/wasm/<sha256>.wasm)\n", p + 3, h);
    printf("  dashboard    http://127.0.0.1:%d/   (signs as " DEV_USER " through 127.0.0.1:%d)\n", p + 1,
           o->signer_port);
    printf("  workers      %d (logs in %s/logs/)\n\n", o->workers, h);
    printf("  contract     " DEV_CONTRACT "\n");
    printf("  owner        " DEV_OWNER "\n  operator     " DEV_OPERATOR "\n  user         " DEV_USER "\n");
    printf("  register     " DEV_REGISTER " (register contract, simulated TEE in %s/tee; workers resolve as it)\n", h);
    printf("  coin flip    " DEV_COINFLIP " (example caller: flip {\"choice\":\"Heads\"} with a deposit)\n");
    printf("  forwarder    " DEV_FORWARDER " (example caller: ask {\"code_source\",\"input_data\"} with a deposit)\n");
    printf("  keys         %s/credentials/localnet/<account>.json (near-cli format)\n\n", h);
    char hello[PATH_MAX + 32], real[PATH_MAX];
    snprintf(hello, sizeof hello, "%s/../examples/hello.wasm", o->bin_dir);
    printf("Try:\n  %s/outlayer request --home %s --wasm %s --input '{\"name\":\"NEAR\"}'\n\n", o->bin_dir, h,
           realpath(hello, real) ? real : hello);
    printf("dev.json: %s/dev.json. Ctrl-C stops everything.\n", h);
    fflush(stdout);
}

static int lock_home(const char *home)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/dev.lock", home);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        cli_error("%s is in use by another `outlayer dev`", home);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd; /* held until exit */
}

/* Whether a log line is worth a line in the terminal: results, warnings,
 * errors and sanitizer reports; the rest stays in the log file. */
static bool worth_showing(const char *line)
{
    return strstr(line, ": resolved ") || strstr(line, " warn ") || strstr(line, " error ") || strstr(line, "ERROR") ||
           strstr(line, "runtime error");
}

/* Prints the new interesting lines of every child's log. */
static void summarise_logs(bool from_start)
{
    for (int i = 0; i < n_children; i++) {
        child *c = &children[i];
        FILE *f = fopen(c->log, "r");
        if (!f)
            continue;
        if (from_start) {
            fseek(f, 0, SEEK_END);
            c->log_seen = ftell(f);
            fclose(f);
            continue;
        }
        fseek(f, c->log_seen, SEEK_SET);
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            size_t n = strlen(line);
            if (n && line[n - 1] != '\n' && n < sizeof line - 1)
                break; /* half-written: next time */
            c->log_seen += (long)n;
            if (!worth_showing(line))
                continue;
            /* drop the timestamp: the terminal is live */
            const char *text = line;
            if (n > 25 && line[4] == '-' && line[10] == 'T')
                text = line + 25;
            fprintf(stderr, "[%s] %s%s", c->name, text, line[n - 1] == '\n' ? "" : "\n");
        }
        fclose(f);
    }
}

static int supervise(const dev_opts *o)
{
    summarise_logs(true);
    while (!stop_signal) {
        summarise_logs(false);
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) {
            usleep(100 * 1000);
            continue;
        }
        for (int i = 0; i < n_children; i++) {
            child *c = &children[i];
            if (c->pid != pid)
                continue;
            c->pid = 0;
            char how[64];
            if (WIFSIGNALED(status))
                snprintf(how, sizeof how, "was killed by signal %d", WTERMSIG(status));
            else
                snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(status));
            if (c->restarts >= DEV_MAX_RESTARTS) {
                fprintf(stderr, "outlayer dev: %s %s; restarted %d times already, giving up (see %s)\n", c->name, how,
                        c->restarts, c->log);
                c->given_up = true;
                break;
            }
            c->restarts++;
            fprintf(stderr, "outlayer dev: %s %s; restarting (%d/%d, log %s)\n", c->name, how, c->restarts,
                    DEV_MAX_RESTARTS, c->log);
            sleep(1);
            if (!stop_signal)
                child_spawn(c);
            break;
        }
    }
    return 0;
}

int cmd_dev(int argc, char **argv)
{
    dev_trace("start");
    dev_opts o;
    int r = parse_opts(argc, argv, &o);
    if (r)
        return r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init() || near_keys_init())
        return CLI_EXIT_INTERNAL;
    char sub[PATH_MAX + 32];
    const char *dirs[] = {"logs", "wasm", "build", "coordinator", "keystore", "credentials"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(sub, sizeof sub, "%s/%s", o.home, dirs[i]);
        mkdir(sub, 0700);
    }
    int lock = lock_home(o.home);
    if (lock < 0)
        return CLI_EXIT_USAGE;
    snprintf(sub, sizeof sub, "%s/dev.json", o.home);
    unlink(sub); /* left by a crashed run: not ready yet */
    if (o.port_base == 0 && (o.port_base = choose_port_base(o.home)) < 0) {
        close(lock);
        return CLI_EXIT_INTERNAL;
    }

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char worker_tok[160], ks_tok[80];
    snprintf(sub, sizeof sub, "%s/keystore-token", o.home);
    if (random_token(sub, ks_tok, sizeof ks_tok) || worker_token(&o, worker_tok, sizeof worker_tok)) {
        close(lock);
        return CLI_EXIT_INTERNAL;
    }
    int rc = CLI_EXIT_INTERNAL;
    char url[128];
    near_rpc *rpc = NULL;
    near_credentials owner;
    memset(&owner, 0, sizeof owner);
    /* The signer first: the coordinator is told its port. It reads the
     * user's key when the page first asks (the account is made below). */
    snprintf(sub, sizeof sub, "%s/credentials/localnet/" DEV_USER ".json", o.home);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", o.port_base);
    o.signer_port = dev_signer_start(sub, url, o.port_base + 1);
    if (o.signer_port < 0) {
        cli_error("cannot start the dashboard's signer on 127.0.0.1");
        goto out;
    }
    dev_trace("tokens and signer ready");
    define_children(&o, worker_tok, ks_tok);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    fprintf(stderr, "outlayer dev: starting in %s (logs in %s/logs/)\n", o.home, o.home);

    /* 1. the chain and the keystore (which needs nothing of the chain) */
    child *devnet = &children[0];
    if (child_spawn(devnet) || child_spawn(&children[1]))
        goto out;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/status", o.port_base);
    if (wait_healthy(devnet, url, 20000))
        goto out;
    dev_trace("devnet healthy");
    /* 2. the accounts and their contracts: on a new home one round of
     * transactions in flight together, on a used one view calls only */
    snprintf(url, sizeof url, "http://127.0.0.1:%d", o.port_base);
    rpc = near_rpc_new(url);
    if (!rpc)
        goto out;
    near_rpc_set_retry(rpc, 3, 200);
    dev_accounts_cfg acfg = {
        .home = o.home, .bin_dir = o.bin_dir, .contracts_dir = o.contracts_dir, .files_port = o.port_base + 3};
    char err[600];
    if (dev_accounts_setup(rpc, &acfg, &owner, err, sizeof err)) {
        cli_error("setting up the chain: %s", err);
        goto out;
    }
    dev_trace("accounts and contracts in place");
    /* 3. the coordinator (it reads the contract's prices when it starts),
     * while the register contract is made ready for the workers */
    if (child_spawn(&children[2]))
        goto out;
    if (dev_tee_setup(rpc, o.home, o.bin_dir, &owner, err, sizeof err)) {
        cli_error("the register contract: %s", err);
        goto out;
    }
    dev_trace("register contract ready");
    for (int i = 1; i <= 2; i++) {
        snprintf(url, sizeof url, "http://127.0.0.1:%d/health", o.port_base + (i == 1 ? 2 : 1));
        if (wait_healthy(&children[i], url, 15000))
            goto out;
        dev_trace("%s healthy", children[i].name);
    }
    /* 3. the .wasm file server, the workers */
    snprintf(sub, sizeof sub, "%s/wasm", o.home);
    if (dev_files_start(sub, o.port_base + 3)) {
        cli_error("cannot serve .wasm files on 127.0.0.1:%d (port in use?)", o.port_base + 3);
        goto out;
    }
    for (int i = 3; i < n_children; i++)
        if (child_spawn(&children[i]))
            goto out;
    dev_trace("workers started");
    /* A worker is healthy once the coordinator has its heartbeat. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/public/workers", o.port_base + 1);
    bool all = false;
    int seen_before = 0;
    for (int64_t until = mono_ms() + 15000; mono_ms() < until && !all && !stop_signal;) {
        json_t *list = NULL;
        long status = 0;
        char herr[200];
        hc_options ho = {.timeout_ms = 1000};
        if (hc_get_json(url, &ho, &status, &list, herr, sizeof herr) == 0 && status == 200) {
            int seen = 0;
            json_t *ws = json_is_array(list) ? list : json_object_get(list, "workers");
            for (int i = 3; i < n_children; i++) {
                const char *id = children[i].argv[children[i].id_arg];
                size_t k;
                json_t *w;
                json_array_foreach(ws, k, w)
                {
                    const char *wid = json_string_value(json_object_get(w, "worker_id"));
                    if (wid && strcmp(wid, id) == 0) {
                        seen++;
                        break;
                    }
                }
            }
            all = seen == o.workers;
            if (seen != seen_before)
                dev_trace("%d of %d workers listed", seen, o.workers);
            seen_before = seen;
        }
        json_decref(list);
        for (int i = 3; i < n_children; i++)
            if (waitpid(children[i].pid, NULL, WNOHANG) == children[i].pid) {
                children[i].pid = 0;
                cli_error("%s exited during start-up; see %s", children[i].name, children[i].log);
                print_log_tail(&children[i]);
                goto out;
            }
        if (!all)
            usleep(DEV_POLL_MS * 1000);
    }
    if (stop_signal)
        goto out;
    if (!all)
        fprintf(stderr, "outlayer dev: warning: not every worker has reported to the coordinator yet\n");
    dev_trace("workers listed");
    if (write_dev_json(&o)) {
        cli_error("cannot write %s/dev.json", o.home);
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "outlayer dev: ready in %.2f s\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    print_banner(&o);
    supervise(&o);
    rc = CLI_EXIT_OK;
out:
    near_rpc_free(rpc);
    sodium_memzero(&owner, sizeof owner);
    snprintf(sub, sizeof sub, "%s/dev.json", o.home);
    unlink(sub);
    if (stop_signal)
        fprintf(stderr, "outlayer dev: stopping (signal %d)\n", (int)stop_signal);
    stop_all();
    dev_files_stop();
    dev_signer_stop();
    close(lock);
    if (stop_signal && rc == CLI_EXIT_INTERNAL)
        rc = CLI_EXIT_OK;
    fprintf(stderr, "outlayer dev: stopped\n");
    return rc;
}
