/*
 * cmd_request.c — `outlayer request`: one execution request from the
 * command line. Calls request_execution on the OutLayer contract as the
 * user, waits for the final outcome (a progress line on a terminal) and
 * prints the output, the resources used, the charge and the refund.
 *
 * Against `outlayer dev` (HOME/dev.json) by default; --rpc, --contract and
 * --account / --key-file point it at any NEAR network.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/http_client.h"
#include "cli/cli.h"
#include "cli/dev.h"
#include "cli/dev_chain.h"
#include "cli/dev_files.h"
#include "hostapi/hostapi.h"
#include "near/amount.h"

typedef struct req_opts {
    const char *home, *rpc, *contract, *account, *key_file, *credentials_dir, *network;
    const char *wasm_file, *wasm_url, *hash, *repo, *commit, *build_target;
    const char *input, *input_file, *format, *payer;
    const char *http_allow; /* --http-allow: the request's narrowing of the worker's list */
    const char *secrets_profile, *secrets_owner;
    const char *max_instructions, *max_memory_mb, *max_seconds, *deposit;
    int timeout_s;
    bool json_out, quiet;
} req_opts;

void cmd_request_help(FILE *out)
{
    fprintf(
        out,
        "usage: outlayer request SOURCE [options]\n"
        "\n"
        "Asks the OutLayer contract to run a program, waits for the result and prints it.\n"
        "\n"
        "SOURCE, one of:\n"
        "  --wasm FILE               a local .wasm (outlayer dev serves it to the workers)\n"
        "  --wasm-url URL --hash HEX a pre-built WASM and its SHA-256 (hex)\n"
        "  --repo URL --commit C     a git repository (C: commit, branch or tag) the worker builds\n"
        "  --build-target T          build target (default wasm32-wasip1)\n"
        "\n"
        "request:\n"
        "  --input TEXT | --input-file FILE   stdin of the program (default empty)\n"
        "  --format Text|Json|Bytes           how the output is returned (default Text)\n"
        "  --max-instructions N  --max-memory-mb N  --max-seconds N   limits (defaults 1e9, 128, 60)\n"
        "  --secrets-profile P [--secrets-owner ACCOUNT]  secrets to give the program (owner: you)\n"
        "  --deposit NEAR                     attached payment, unused part refunded (default 0.1)\n"
        "  --payer ACCOUNT                    who gets the refund (default the caller)\n"
        "  --http-allow PATTERNS              hosts the program may reach over HTTP, narrowing the worker's\n"
        "                                     --http-allow (never widening it): \"api.example.com,*.example.org\"\n"
        "  --timeout S                        give up waiting after S seconds (default 120)\n"
        "  --json                             print one JSON object (for scripts)\n"
        "\n"
        "where:\n"
        "  --home DIR            an `outlayer dev` home: reads DIR/dev.json (default $OUTLAYER_DEV_HOME or ./" DEV_DEFAULT_HOME
        ")\n"
        "  --rpc URL --contract ID --account ID   any NEAR network instead of dev.json\n"
        "  --network N           testnet or mainnet: the RPC default and the credentials directory\n"
        "  --key-file FILE       near-cli credential file of the caller\n"
        "  --credentials-dir D --network N       or D/N/ACCOUNT.json (default ~/.near-credentials, testnet)\n"
        "\n"
        "Exit status: 0 the program succeeded, 1 it failed (the output says why; the deposit minus the\n"
        "charge was refunded), 64 usage, 66 unreadable file, 70 chain or network error, 75 timeout.\n");
}

static int usage_err(const char *msg)
{
    cli_error("%s (see `outlayer help request`)", msg);
    return CLI_EXIT_USAGE;
}

static int parse(int argc, char **argv, req_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = "Text";
    o->deposit = "0.1";
    o->timeout_s = 120;
    o->build_target = "wasm32-wasip1";
    static const struct option longs[] = {{"home", 1, 0, 'h'},          {"rpc", 1, 0, 'r'},
                                          {"contract", 1, 0, 'c'},      {"account", 1, 0, 'a'},
                                          {"key-file", 1, 0, 'k'},      {"credentials-dir", 1, 0, 'D'},
                                          {"network", 1, 0, 'N'},       {"wasm", 1, 0, 'w'},
                                          {"wasm-url", 1, 0, 'u'},      {"hash", 1, 0, 'H'},
                                          {"repo", 1, 0, 'R'},          {"commit", 1, 0, 'C'},
                                          {"build-target", 1, 0, 'T'},  {"input", 1, 0, 'i'},
                                          {"input-file", 1, 0, 'I'},    {"format", 1, 0, 'f'},
                                          {"payer", 1, 0, 'P'},         {"secrets-profile", 1, 0, 's'},
                                          {"secrets-owner", 1, 0, 'S'}, {"max-instructions", 1, 0, 'x'},
                                          {"max-memory-mb", 1, 0, 'm'}, {"max-seconds", 1, 0, 't'},
                                          {"deposit", 1, 0, 'd'},       {"timeout", 1, 0, 'W'},
                                          {"json", 0, 0, 'j'},          {"quiet", 0, 0, 'q'},
                                          {"http-allow", 1, 0, 'A'},    {"help", 0, 0, '?' + 1},
                                          {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'h': o->home = optarg; break;
        case 'r': o->rpc = optarg; break;
        case 'c': o->contract = optarg; break;
        case 'a': o->account = optarg; break;
        case 'k': o->key_file = optarg; break;
        case 'D': o->credentials_dir = optarg; break;
        case 'N': o->network = optarg; break;
        case 'w': o->wasm_file = optarg; break;
        case 'u': o->wasm_url = optarg; break;
        case 'H': o->hash = optarg; break;
        case 'R': o->repo = optarg; break;
        case 'C': o->commit = optarg; break;
        case 'T': o->build_target = optarg; break;
        case 'i': o->input = optarg; break;
        case 'I': o->input_file = optarg; break;
        case 'f': o->format = optarg; break;
        case 'P': o->payer = optarg; break;
        case 'A': {
            char why[200];
            if (!hostapi_allow_validate(optarg, why, sizeof why)) {
                cli_error("--http-allow: %s", why);
                return CLI_EXIT_USAGE;
            }
            o->http_allow = optarg;
            break;
        }
        case 's': o->secrets_profile = optarg; break;
        case 'S': o->secrets_owner = optarg; break;
        case 'x': o->max_instructions = optarg; break;
        case 'm': o->max_memory_mb = optarg; break;
        case 't': o->max_seconds = optarg; break;
        case 'd': o->deposit = optarg; break;
        case 'W': {
            uint64_t v;
            if (!cli_parse_u64(optarg, 1, 3600, &v))
                return usage_err("--timeout: seconds, 1..3600");
            o->timeout_s = (int)v;
            break;
        }
        case 'j': o->json_out = true; break;
        case 'q': o->quiet = true; break;
        case '?' + 1: cmd_request_help(stdout); return 1;
        default: return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return usage_err("unexpected argument");
    int sources = !!o->wasm_file + !!o->wasm_url + !!o->repo;
    if (sources != 1)
        return usage_err("give exactly one source: --wasm FILE, --wasm-url URL --hash HEX, or --repo URL --commit C");
    if (o->wasm_url && (!o->hash || strlen(o->hash) != 64))
        return usage_err("--wasm-url needs --hash (64 hex digits)");
    if (o->repo && !o->commit)
        return usage_err("--repo needs --commit");
    if (strcmp(o->format, "Text") && strcmp(o->format, "Json") && strcmp(o->format, "Bytes"))
        return usage_err("--format is Text, Json or Bytes");
    if (o->input && o->input_file)
        return usage_err("--input and --input-file exclude each other");
    if (o->secrets_owner && !o->secrets_profile)
        return usage_err("--secrets-owner needs --secrets-profile");
    return 0;
}

static void progress(double s, void *ctx)
{
    if (!isatty(2))
        return;
    static const char spin[] = "|/-\\";
    fprintf(stderr, "\r%c waiting for a worker to answer... %.1f s ", spin[(int)(s * 5) % 4], s);
    fflush(stderr);
}

static json_t *limit_value(const char *s, const char *name, int *bad)
{
    if (!s)
        return json_null();
    uint64_t v;
    if (!cli_parse_u64(s, 1, UINT64_MAX / 2, &v)) {
        cli_error("--%s: expected a positive number, got '%s'", name, s);
        *bad = 1;
        return json_null();
    }
    return json_integer((json_int_t)v);
}

int cmd_request(int argc, char **argv)
{
    req_opts o;
    int r = parse(argc, argv, &o);
    if (r == 1)
        return CLI_EXIT_OK; /* --help */
    if (r)
        return r;
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init() || near_keys_init())
        return CLI_EXIT_INTERNAL;

    /* Where: dev.json unless everything is given. */
    char home[PATH_MAX];
    const char *eh = getenv("OUTLAYER_DEV_HOME");
    snprintf(home, sizeof home, "%s", o.home ? o.home : eh && *eh ? eh : DEV_DEFAULT_HOME);
    json_t *dev = NULL;
    if (!o.rpc && o.network && strcmp(o.network, "testnet") == 0)
        o.rpc = "https://rpc.testnet.near.org";
    if (!o.rpc && o.network && strcmp(o.network, "mainnet") == 0)
        o.rpc = "https://rpc.mainnet.near.org";
    if (!o.rpc || !o.contract || (!o.account && !o.key_file) || o.wasm_file) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/dev.json", home);
        json_error_t je;
        dev = json_load_file(path, 0, &je);
        if (!dev || !json_is_true(json_object_get(dev, "ready"))) {
            cli_error("no running `outlayer dev` in %s (no %s); start one, or give --rpc, --contract and --account",
                      home, path);
            json_decref(dev);
            return CLI_EXIT_USAGE;
        }
    }
    const char *rpc_url = o.rpc ? o.rpc : json_string_value(json_object_get(dev, "rpc_url"));
    const char *contract = o.contract ? o.contract : json_string_value(json_object_get(dev, "contract_id"));
    near_credentials cred;
    char err[400];
    int rc = CLI_EXIT_INTERNAL;
    json_t *args = NULL;
    near_rpc *rpc = NULL;
    if (o.key_file) {
        if (near_credentials_read_file(o.key_file, &cred, err, sizeof err)) {
            cli_error("%s: %s", o.key_file, err);
            json_decref(dev);
            return CLI_EXIT_NO_INPUT;
        }
    } else if (o.account) {
        char dir[PATH_MAX];
        const char *h = getenv("HOME");
        if (o.credentials_dir)
            snprintf(dir, sizeof dir, "%s", o.credentials_dir);
        else
            snprintf(dir, sizeof dir, "%s/.near-credentials", h ? h : ".");
        if (near_credentials_read(dir, o.network ? o.network : (dev ? "localnet" : "testnet"), o.account, &cred, err,
                                  sizeof err)) {
            cli_error("credentials of %s: %s", o.account, err);
            json_decref(dev);
            return CLI_EXIT_NO_INPUT;
        }
    } else {
        const char *key = NULL;
        size_t i;
        json_t *a;
        json_array_foreach(json_object_get(dev, "accounts"), i, a)
        {
            const char *role = json_string_value(json_object_get(a, "role"));
            if (role && strcmp(role, "user") == 0)
                key = json_string_value(json_object_get(a, "key_file"));
        }
        if (!key || near_credentials_read_file(key, &cred, err, sizeof err)) {
            cli_error("dev.json names no usable user key file%s%s", key ? ": " : "", key ? err : "");
            json_decref(dev);
            return CLI_EXIT_NO_INPUT;
        }
    }

    /* The code source. */
    json_t *source;
    if (o.repo) {
        source = json_pack("{s:{s:s, s:s, s:s}}", "GitHub", "repo", o.repo, "commit", o.commit, "build_target",
                           o.build_target);
    } else {
        char hash[65], url[600];
        if (o.wasm_file) {
            const char *dir = json_string_value(json_object_get(dev, "wasm_dir"));
            const char *base = json_string_value(json_object_get(dev, "wasm_url_base"));
            if (!dir || !base) {
                cli_error("dev.json has no wasm_dir / wasm_url_base");
                goto out;
            }
            if (dev_files_add(dir, o.wasm_file, hash, err, sizeof err)) {
                cli_error("%s", err);
                rc = CLI_EXIT_NO_INPUT;
                goto out;
            }
            snprintf(url, sizeof url, "%s/%s.wasm", base, hash);
        } else {
            snprintf(hash, sizeof hash, "%s", o.hash);
            snprintf(url, sizeof url, "%s", o.wasm_url);
        }
        source = json_pack("{s:{s:s, s:s, s:s}}", "WasmUrl", "url", url, "hash", hash, "build_target", o.build_target);
    }
    char *input = NULL;
    if (o.input_file) {
        size_t n;
        input = (char *)cli_read_file(o.input_file, &n);
        if (!input) {
            cli_error("cannot read %s", o.input_file);
            json_decref(source);
            rc = CLI_EXIT_NO_INPUT;
            goto out;
        }
    }
    int bad = 0;
    json_t *limits =
        json_pack("{s:o, s:o, s:o}", "max_instructions", limit_value(o.max_instructions, "max-instructions", &bad),
                  "max_memory_mb", limit_value(o.max_memory_mb, "max-memory-mb", &bad), "max_execution_seconds",
                  limit_value(o.max_seconds, "max-seconds", &bad));
    args = json_pack("{s:o, s:o, s:s, s:s}", "code_source", source, "resource_limits", limits, "input_data",
                     input     ? input
                     : o.input ? o.input
                               : "",
                     "response_format", o.format);
    free(input);
    if (!args || bad) {
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (o.secrets_profile)
        json_object_set_new(args, "secrets_ref",
                            json_pack("{s:s, s:s}", "profile", o.secrets_profile, "account_id",
                                      o.secrets_owner ? o.secrets_owner : cred.account_id));
    if (o.payer)
        json_object_set_new(args, "payer_account_id", json_string(o.payer));
    if (o.http_allow)
        json_object_set_new(args, "http_allow", json_string(o.http_allow));
    near_u128 deposit;
    if (near_amount_parse_near(o.deposit, &deposit)) {
        cli_error("--deposit: expected an amount of NEAR like 0.1, got '%s'", o.deposit);
        rc = CLI_EXIT_USAGE;
        goto out;
    }

    rpc = near_rpc_new(rpc_url);
    near_rpc_set_retry(rpc, 2, 200);
    char *text = json_dumps(args, JSON_COMPACT);
    near_outcome oc;
    char tx_hash[64] = "";
    near_status st = dc_call(rpc, &cred, contract, "request_execution", text, 300 * DC_TGAS, deposit,
                             NEAR_WAIT_INCLUDED, &oc, tx_hash, err, sizeof err);
    free(text);
    if (st != NEAR_OK) {
        cli_error("request_execution: %s", err);
        goto out;
    }
    near_outcome_free(&oc);
    if (!o.quiet && !o.json_out)
        fprintf(stderr, "request sent: transaction %s\n", tx_hash);
    if (dc_wait_final(rpc, tx_hash, cred.account_id, o.timeout_s * 1000, o.quiet ? NULL : progress, NULL, &oc)) {
        if (isatty(2))
            fputc('\n', stderr);
        cli_error("no final outcome within %d s (transaction %s)", o.timeout_s, tx_hash);
        rc = 75;
        goto out;
    }
    if (isatty(2) && !o.quiet)
        fprintf(stderr, "\r%60s\r", "");
    if (oc.kind != NEAR_OUTCOME_SUCCESS) {
        cli_error("the request failed on chain: %s (transaction %s)", oc.failure_message, tx_hash);
        near_outcome_free(&oc);
        goto out;
    }
    json_t *ev = dc_completed_event(&oc);
    json_t *value = json_loadb((const char *)oc.value, oc.value_len, JSON_DECODE_ANY, NULL);
    bool success = json_is_true(json_object_get(ev, "success"));
    if (o.json_out) {
        json_t *j = json_pack("{s:s, s:O, s:O}", "tx_hash", tx_hash, "value", value ? value : json_null(), "event",
                              ev ? ev : json_null());
        char *s = json_dumps(j, JSON_COMPACT);
        puts(s);
        free(s);
        json_decref(j);
    } else {
        json_t *used = json_object_get(ev, "resources_used");
        char charged[NEAR_AMOUNT_TEXT_MAX], refunded[NEAR_AMOUNT_TEXT_MAX];
        near_u128 c = 0, f = 0;
        if (near_u128_parse(json_string_value(json_object_get(ev, "payment_charged")), &c) != NEAR_OK)
            c = 0; /* absent or malformed in the event: show 0 */
        if (near_u128_parse(json_string_value(json_object_get(ev, "payment_refunded")), &f) != NEAR_OK)
            f = 0;
        if (success) {
            if (json_is_string(value)) {
                const char *v = json_string_value(value);
                size_t n = strlen(v);
                printf("%s%s", v, n && v[n - 1] == '\n' ? "" : "\n");
            } else {
                char *s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
                printf("%s\n", s ? s : "null");
                free(s);
            }
        } else {
            const char *e = json_string_value(json_object_get(ev, "error_message"));
            fprintf(stderr, "failed: %s\n", e ? e : "(no reason given)");
        }
        fflush(stdout); /* the answer first, then what it cost */
        fprintf(stderr, "instructions %lld, time %lld ms",
                (long long)json_integer_value(json_object_get(used, "instructions")),
                (long long)json_integer_value(json_object_get(used, "time_ms")));
        if (json_integer_value(json_object_get(used, "compile_time_ms")))
            fprintf(stderr, ", compile %lld ms",
                    (long long)json_integer_value(json_object_get(used, "compile_time_ms")));
        fprintf(stderr, "; charged %s NEAR, refunded %s NEAR; transaction %s\n", near_amount_format_near(c, charged),
                near_amount_format_near(f, refunded), tx_hash);
    }
    rc = ev && success ? CLI_EXIT_OK : 1;
    json_decref(ev);
    json_decref(value);
    near_outcome_free(&oc);
out:
    near_keypair_wipe(&cred.keypair);
    json_decref(args);
    json_decref(dev);
    if (rpc)
        near_rpc_free(rpc);
    return rc;
}
