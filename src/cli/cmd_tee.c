/*
 * cmd_tee.c — `outlayer tee`: the simulated TEE and the DCAP verifier off
 * chain.
 *
 *   platform   make (or open) a simulated platform directory; print its root
 *   collateral print collateral for a simulated platform at a time
 *   quote      print a quote of a simulated platform binding a worker key
 *   verify     run the register contract's DCAP verifier on a quote (real or
 *              simulated) and print measurements, report data, TCB status
 *   register   register a fresh worker key with a register contract, as
 *              `outlayer-worker --register-contract` does at start
 *
 * The verifier is the contract's own code (contracts/register/dcap) built
 * natively, so what `verify` accepts is what the contract accepts (except
 * the contract's own policy: approved measurements, the TCB status
 * allow-list and the report-data binding).
 */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dev.h"
#include "mem.h"
#include "near/credentials.h"
#include "near/rpc.h"
#include "near/u128.h"
#include "register.h"
#include "tee/tee.h"
#include "verify.h"

#define TEE_EXIT_REFUSED 1 /* verify: the quote does not verify */

void cmd_tee_help(FILE *out)
{
    fprintf(out,
            "usage: outlayer tee platform [--dir DIR]\n"
            "       outlayer tee collateral [--platform DIR] [--time RFC3339]\n"
            "       outlayer tee quote [--simulated] [--platform DIR] (--key ed25519:... --register-contract ID\n"
            "                          --account ID | --report-data HEX) [--worker-binary PATH] [--version 4|5]\n"
            "                          [--out FILE]\n"
            "       outlayer tee verify QUOTE_FILE [--collateral FILE] [--root DER_FILE | --platform DIR]\n"
            "                          [--time RFC3339]\n"
            "       outlayer tee register --register-contract ID --key-file OPERATOR.json [--platform DIR]\n"
            "                          [--rpc-url URL] [--stake YOCTO] [--worker-binary PATH] [--out-key-file FILE]\n"
            "\n"
            "The simulated TEE (a development TDX platform: root CA, PCK chain, attestation key) and the register\n"
            "contract's DCAP quote verifier, off chain. See docs/attestation.md.\n"
            "\n"
            "  platform    creates DIR (default $OUTLAYER_DEV_HOME/tee, else .outlayer-dev/tee) unless it holds a\n"
            "              platform; prints {dir, created, root_ca_hex} (root_ca_hex is what the register\n"
            "              contract's new(..., root_ca_hex) needs to accept its quotes: its simulated mode)\n"
            "  collateral  the platform's collateral (QuoteCollateralV3 JSON) valid from --time (default now)\n"
            "              for 30 days, for update_collateral\n"
            "  quote       a v4 (or v5) quote of the platform: MRTD/RTMR0-3 of --worker-binary (default the\n"
            "              outlayer-worker next to outlayer), report_data binding --key to --register-contract\n"
            "              and --account (docs/attestation.md), or --report-data; hex on stdout or raw to --out.\n"
            "              --simulated is accepted for clarity (the only kind this machine makes)\n"
            "  verify      QUOTE_FILE raw or hex; --collateral JSON (with --platform: made for --time if not\n"
            "              given); trust anchor --root (DER), else the platform's root, else Intel's SGX Root CA;\n"
            "              --time the verification time (default now). Prints the result as JSON; exit 0 when\n"
            "              the quote verifies, 1 when it does not (\"error\" says which check failed)\n"
            "  register    a fresh ed25519 key, a quote binding it, register_worker_key on the contract as the\n"
            "              key file's account (its init_worker_account); prints the key, and with --out-key-file\n"
            "              writes it as a credential file of the register contract's account (0600)\n");
}

static const char *default_platform(char *buf, size_t size)
{
    const char *home = getenv("OUTLAYER_DEV_HOME");
    snprintf(buf, size, "%s/tee", home && *home ? home : DEV_DEFAULT_HOME);
    return buf;
}

static const char *default_worker_binary(char *buf, size_t size)
{
    char self[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return "outlayer-worker";
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash)
        *slash = 0;
    snprintf(buf, size, "%s/outlayer-worker", self);
    return buf;
}

/* RFC 3339 "YYYY-MM-DDThh:mm:ssZ" -> Unix seconds; -1 when malformed. */
static int parse_time(const char *s, int64_t *out)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)) {
        cli_error("--time: expected YYYY-MM-DDThh:mm:ssZ, got '%s'", s);
        return -1;
    }
    *out = (int64_t)timegm(&tm);
    return 0;
}

static void iso(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_json(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (!s)
        return CLI_EXIT_INTERNAL;
    puts(s);
    free(s);
    return CLI_EXIT_OK;
}

static int open_platform(const char *dir, tee_sim *t, bool create)
{
    char err[TEE_ERR];
    int rc = create ? tee_sim_open(t, dir, (int64_t)time(NULL), NULL, err, sizeof err)
                    : tee_sim_load(t, dir, err, sizeof err);
    if (rc)
        cli_error("platform: %s", err);
    return rc;
}

/* ------------------------------------------------------------ options */
typedef struct tee_opts {
    const char *dir, *platform, *time, *key, *register_id, *account, *report_data, *worker_binary, *out, *collateral,
        *root, *key_file, *rpc_url, *stake, *out_key_file;
    int version;
    const char *positional;
} tee_opts;

static int parse(int argc, char **argv, tee_opts *o)
{
    memset(o, 0, sizeof *o);
    o->version = 4;
    static const struct option longs[] = {{"dir", required_argument, 0, 'd'},
                                          {"platform", required_argument, 0, 'p'},
                                          {"time", required_argument, 0, 't'},
                                          {"key", required_argument, 0, 'k'},
                                          {"register-contract", required_argument, 0, 'r'},
                                          {"account", required_argument, 0, 'a'},
                                          {"report-data", required_argument, 0, 'R'},
                                          {"worker-binary", required_argument, 0, 'w'},
                                          {"out", required_argument, 0, 'o'},
                                          {"collateral", required_argument, 0, 'c'},
                                          {"root", required_argument, 0, 'C'},
                                          {"key-file", required_argument, 0, 'K'},
                                          {"rpc-url", required_argument, 0, 'u'},
                                          {"stake", required_argument, 0, 's'},
                                          {"out-key-file", required_argument, 0, 'O'},
                                          {"version", required_argument, 0, 'v'},
                                          {"simulated", no_argument, 0, 'S'},
                                          {"help", no_argument, 0, 'h'},
                                          {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'd': o->dir = optarg; break;
        case 'p': o->platform = optarg; break;
        case 't': o->time = optarg; break;
        case 'k': o->key = optarg; break;
        case 'r': o->register_id = optarg; break;
        case 'a': o->account = optarg; break;
        case 'R': o->report_data = optarg; break;
        case 'w': o->worker_binary = optarg; break;
        case 'o': o->out = optarg; break;
        case 'c': o->collateral = optarg; break;
        case 'C': o->root = optarg; break;
        case 'K': o->key_file = optarg; break;
        case 'u': o->rpc_url = optarg; break;
        case 's': o->stake = optarg; break;
        case 'O': o->out_key_file = optarg; break;
        case 'v':
            if (strcmp(optarg, "4") != 0 && strcmp(optarg, "5") != 0) {
                cli_error("--version: 4 or 5");
                return -1;
            }
            o->version = optarg[0] - '0';
            break;
        case 'S': break;
        case 'h': cmd_tee_help(stdout); return 1;
        default: return -1;
        }
    }
    if (optind < argc)
        o->positional = argv[optind++];
    if (optind < argc) {
        cli_error("unexpected argument '%s' (see `outlayer help tee`)", argv[optind]);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ platform, collateral */
static int tee_platform_cmd(const tee_opts *o)
{
    char buf[PATH_MAX];
    const char *dir = o->dir ? o->dir : default_platform(buf, sizeof buf);
    tee_sim t;
    bool created;
    char err[TEE_ERR];
    if (tee_sim_open(&t, dir, (int64_t)time(NULL), &created, err, sizeof err)) {
        cli_error("platform: %s", err);
        return CLI_EXIT_NO_INPUT;
    }
    char *root = tee_sim_root_hex(&t);
    tee_sim_free(&t);
    json_t *j = json_pack("{s:s, s:b, s:s?}", "dir", dir, "created", created, "root_ca_hex", root);
    free(root);
    return print_json(j);
}

static int tee_collateral_cmd(const tee_opts *o)
{
    char buf[PATH_MAX];
    int64_t at = (int64_t)time(NULL);
    if (o->time && parse_time(o->time, &at))
        return CLI_EXIT_USAGE;
    tee_sim t;
    if (open_platform(o->platform ? o->platform : default_platform(buf, sizeof buf), &t, false))
        return CLI_EXIT_NO_INPUT;
    char *c = tee_sim_collateral(&t, at);
    tee_sim_free(&t);
    if (!c)
        return CLI_EXIT_INTERNAL;
    puts(c);
    free(c);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ quote */
static int make_quote(const tee_opts *o, tee_sim *t, const uint8_t rd[64], uint8_t **q, size_t *qlen)
{
    char buf[PATH_MAX];
    const char *bin = o->worker_binary ? o->worker_binary : default_worker_binary(buf, sizeof buf);
    uint8_t exe[32], meas[5][48];
    if (tee_file_sha256(bin, exe)) {
        cli_error("cannot read the worker binary %s (--worker-binary)", bin);
        return CLI_EXIT_NO_INPUT;
    }
    tee_sim_measurements(exe, meas);
    char err[TEE_ERR];
    if (tee_sim_quote(t, o->version, meas, rd, TEE_TD_ATTRIBUTES_OK, 0, q, qlen, err, sizeof err)) {
        cli_error("%s", err);
        return CLI_EXIT_INTERNAL;
    }
    return CLI_EXIT_OK;
}

static int tee_quote_cmd(const tee_opts *o)
{
    uint8_t rd[64];
    if (o->report_data) {
        uint8_t *b = NULL;
        size_t n = 0;
        if (tee_unhex(o->report_data, &b, &n) || n != 64) {
            free(b);
            cli_error("--report-data: expected 64 bytes of hex");
            return CLI_EXIT_USAGE;
        }
        memcpy(rd, b, 64);
        free(b);
    } else {
        near_public_key pk;
        if (!o->key || !o->register_id || !o->account) {
            cli_error("quote needs --key, --register-contract and --account (or --report-data)");
            return CLI_EXIT_USAGE;
        }
        if (near_public_key_parse(o->key, &pk) || pk.type != NEAR_KEY_ED25519) {
            cli_error("--key: expected ed25519:<base58>");
            return CLI_EXIT_USAGE;
        }
        tee_report_data(pk.data, o->register_id, o->account, rd);
    }
    char buf[PATH_MAX];
    tee_sim t;
    if (open_platform(o->platform ? o->platform : default_platform(buf, sizeof buf), &t, false))
        return CLI_EXIT_NO_INPUT;
    uint8_t *q;
    size_t qlen;
    int rc = make_quote(o, &t, rd, &q, &qlen);
    tee_sim_free(&t);
    if (rc)
        return rc;
    if (o->out) {
        FILE *f = fopen(o->out, "wb");
        bool ok = f && fwrite(q, 1, qlen, f) == qlen;
        if (f && fclose(f))
            ok = false;
        free(q);
        if (!ok) {
            cli_error("cannot write %s", o->out);
            return CLI_EXIT_NO_INPUT;
        }
        return CLI_EXIT_OK;
    }
    char *hex = tee_hex(q, qlen);
    free(q);
    if (!hex)
        return CLI_EXIT_INTERNAL;
    puts(hex);
    free(hex);
    return CLI_EXIT_OK;
}

/* ------------------------------------------------------------ verify */
/* A file's bytes, hex-decoded when it is all hex text. */
static uint8_t *read_maybe_hex(const char *path, size_t *len)
{
    uint8_t *data = cli_read_file(path, len);
    if (!data)
        return NULL;
    bool hex = *len > 0;
    for (size_t i = 0; i < *len && hex; i++)
        hex = strchr("0123456789abcdefABCDEF \t\r\n", data[i]) != NULL && data[i] != 0;
    if (!hex)
        return data;
    uint8_t *bin;
    size_t n;
    if (tee_unhex((const char *)data, &bin, &n))
        return data;
    free(data);
    *len = n;
    return bin;
}

static json_t *hexj(const uint8_t *p, size_t n)
{
    char *h = tee_hex(p, n);
    json_t *j = h ? json_string(h) : json_null();
    free(h);
    return j;
}

static int tee_verify_cmd(const tee_opts *o)
{
    if (!o->positional) {
        cli_error("verify needs a QUOTE_FILE (see `outlayer help tee`)");
        return CLI_EXIT_USAGE;
    }
    int64_t at = (int64_t)time(NULL);
    if (o->time && parse_time(o->time, &at))
        return CLI_EXIT_USAGE;
    size_t qlen, clen = 0, rlen = 0;
    uint8_t *q = read_maybe_hex(o->positional, &qlen), *coll = NULL, *root = NULL;
    int rc = CLI_EXIT_NO_INPUT;
    tee_sim t;
    bool have_platform = false;
    if (!q) {
        cli_error("cannot read %s", o->positional);
        return CLI_EXIT_NO_INPUT;
    }
    if (o->platform) {
        if (open_platform(o->platform, &t, false))
            goto out;
        have_platform = true;
    }
    if (o->collateral) {
        coll = cli_read_file(o->collateral, &clen);
        if (!coll) {
            cli_error("cannot read %s", o->collateral);
            goto out;
        }
    } else if (have_platform) {
        coll = (uint8_t *)tee_sim_collateral(&t, at);
        clen = coll ? strlen((char *)coll) : 0;
    } else {
        cli_error("verify needs --collateral FILE (or --platform DIR for a simulated quote)");
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    json_error_t je;
    json_t *parsed = coll ? json_loadb((const char *)coll, clen, 0, &je) : NULL;
    if (!json_is_object(parsed)) {
        cli_error("%s: not a JSON object (%s)", o->collateral ? o->collateral : "collateral", coll ? je.text : "");
        json_decref(parsed);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    json_decref(parsed);
    const char *anchor = "Intel SGX Root CA";
    if (o->root) {
        root = cli_read_file(o->root, &rlen);
        anchor = o->root;
        if (!root) {
            cli_error("cannot read %s", o->root);
            goto out;
        }
    } else if (have_platform) {
        if (tee_sim_root_der(&t, &root, &rlen))
            goto out;
        uint8_t *copy = malloc(rlen);
        if (!copy)
            goto out;
        memcpy(copy, root, rlen);
        OPENSSL_free(root);
        root = copy;
        anchor = o->platform;
    } else {
        root = malloc(RG_INTEL_ROOT_CA_LEN);
        if (!root)
            goto out;
        memcpy(root, RG_INTEL_ROOT_CA, RG_INTEL_ROOT_CA_LEN);
        rlen = RG_INTEL_ROOT_CA_LEN;
    }
    struct dcap_verified v;
    struct dcap_err e = {{0}};
    char when[32];
    iso(at, when);
    bool ok = dcap_verify(q, qlen, coll, clen, root, rlen, at, &v, &e);
    json_t *j = json_pack("{s:b, s:s, s:s}", "verified", ok, "time", when, "trust_anchor", anchor);
    if (!ok) {
        json_object_set_new(j, "error", json_string(e.msg));
    } else {
        json_object_set_new(j, "quote_version", json_integer(v.quote.version));
        json_object_set_new(j, "td_report", json_string(v.quote.body_type == 3 ? "TD 1.5" : "TD 1.0"));
        json_object_set_new(j, "tcb_status", json_string(v.tcb_status));
        json_object_set_new(j, "platform_status", json_string(v.platform_status));
        json_object_set_new(j, "qe_status", json_string(v.qe_status));
        json_object_set_new(j, "advisory_ids", json_string(v.advisory_ids));
        json_object_set_new(j, "fmspc", hexj(v.fmspc, 6));
        char exp[32];
        iso(v.collateral_expires, exp);
        json_object_set_new(j, "collateral_expires", json_string(exp));
        json_object_set_new(j, "mrtd", hexj(v.quote.td.mr_td, 48));
        static const char *const rt[4] = {"rtmr0", "rtmr1", "rtmr2", "rtmr3"};
        for (int i = 0; i < 4; i++)
            json_object_set_new(j, rt[i], hexj(v.quote.td.rtmr[i], 48));
        json_object_set_new(j, "report_data", hexj(v.quote.td.report_data, 64));
    }
    sdk_mem_release_all();
    rc = print_json(j);
    if (rc == CLI_EXIT_OK && !ok)
        rc = TEE_EXIT_REFUSED;
out:
    if (have_platform)
        tee_sim_free(&t);
    free(q);
    free(coll);
    free(root);
    return rc;
}

/* ------------------------------------------------------------ register */
static int write_key_file(const char *path, const char *account, const near_keypair *kp)
{
    char pk[NEAR_KEY_TEXT_MAX], sk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp->public_key, pk);
    near_keypair_format_secret(kp, sk);
    json_t *j = json_pack("{s:s, s:s, s:s}", "account_id", account, "public_key", pk, "private_key", sk);
    sodium_memzero(sk, sizeof sk);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    FILE *f = NULL;
    int fd = s ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : -1;
    if (fd >= 0 && fchmod(fd, 0600) == 0)
        f = fdopen(fd, "w"); /* an existing file may have had another mode */
    if (fd >= 0 && !f)
        close(fd);
    bool ok = f && fputs(s, f) >= 0;
    if (f && fclose(f))
        ok = false;
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
    return ok ? 0 : -1;
}

static int tee_register_cmd(const tee_opts *o)
{
    if (!o->register_id || !o->key_file) {
        cli_error("register needs --register-contract and --key-file (see `outlayer help tee`)");
        return CLI_EXIT_USAGE;
    }
    near_u128 stake = 0;
    if (o->stake && near_u128_parse(o->stake, &stake)) {
        cli_error("--stake: yoctoNEAR digits");
        return CLI_EXIT_USAGE;
    }
    near_credentials op;
    char err[300] = "cannot initialise libsodium or libcurl";
    if (near_keys_init() || near_rpc_global_init() || near_credentials_read_file(o->key_file, &op, err, sizeof err)) {
        cli_error("--key-file: %s", err);
        return CLI_EXIT_NO_INPUT;
    }
    char buf[PATH_MAX];
    tee_sim t;
    if (open_platform(o->platform ? o->platform : default_platform(buf, sizeof buf), &t, false)) {
        near_keypair_wipe(&op.keypair);
        return CLI_EXIT_NO_INPUT;
    }
    near_keypair kp;
    memset(&kp, 0, sizeof kp);
    uint8_t rd[64], *q = NULL;
    size_t qlen = 0;
    int rc = near_keypair_generate(&kp) ? CLI_EXIT_INTERNAL : CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK) {
        tee_report_data(kp.public_key.data, o->register_id, op.account_id, rd);
        rc = make_quote(o, &t, rd, &q, &qlen);
    }
    tee_sim_free(&t);
    char key[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&kp.public_key, key);
    char *hex = q ? tee_hex(q, qlen) : NULL;
    free(q);
    json_t *a = hex ? json_pack("{s:s, s:s}", "public_key", key, "tdx_quote_hex", hex) : NULL;
    char *args = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    free(hex);
    near_rpc *rpc = near_rpc_new(o->rpc_url ? o->rpc_url : "http://127.0.0.1:3030");
    if (rc == CLI_EXIT_OK && (!args || !rpc))
        rc = CLI_EXIT_INTERNAL;
    if (rc == CLI_EXIT_OK) {
        near_signer signer = {.account_id = op.account_id, .keypair = &op.keypair};
        near_outcome out;
        near_rpc_error e = {0};
        memset(&out, 0, sizeof out);
        near_status st = near_call_function(rpc, &signer, o->register_id, "register_worker_key", args, strlen(args),
                                            UINT64_C(300000000000000), stake, &out, &e);
        if (st == NEAR_OK) {
            fprintf(stderr, "register_worker_key: %.1f TGas\n", (double)out.gas_burnt / 1e12);
        } else {
            cli_error("register_worker_key: %s", st == NEAR_ERR_TX_FAILED
                                                     ? out.failure_message
                                                     : (e.message[0] ? e.message : near_status_name(st)));
            rc = TEE_EXIT_REFUSED;
        }
        near_outcome_free(&out);
        near_rpc_error_clear(&e);
    }
    free(args);
    near_rpc_free(rpc);
    near_keypair_wipe(&op.keypair);
    if (rc == CLI_EXIT_OK && o->out_key_file && write_key_file(o->out_key_file, o->register_id, &kp)) {
        cli_error("cannot write %s", o->out_key_file);
        rc = CLI_EXIT_NO_INPUT;
    }
    near_keypair_wipe(&kp);
    if (rc != CLI_EXIT_OK)
        return rc;
    return print_json(
        json_pack("{s:s, s:s, s:s?}", "public_key", key, "account_id", o->register_id, "key_file", o->out_key_file));
}

int cmd_tee(int argc, char **argv)
{
    if (argc < 2) {
        cmd_tee_help(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (sodium_init() < 0)
        return CLI_EXIT_INTERNAL;
    tee_opts o;
    int r = parse(argc - 1, argv + 1, &o);
    if (r)
        return r > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (strcmp(sub, "platform") == 0)
        return tee_platform_cmd(&o);
    if (strcmp(sub, "collateral") == 0)
        return tee_collateral_cmd(&o);
    if (strcmp(sub, "quote") == 0)
        return tee_quote_cmd(&o);
    if (strcmp(sub, "verify") == 0)
        return tee_verify_cmd(&o);
    if (strcmp(sub, "register") == 0)
        return tee_register_cmd(&o);
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        cmd_tee_help(stdout);
        return CLI_EXIT_OK;
    }
    cli_error("unknown tee command '%s' (platform, collateral, quote, verify, register)", sub);
    return CLI_EXIT_USAGE;
}
