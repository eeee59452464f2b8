/*
 * cmd_verify.c — `outlayer verify TX_HASH|REQUEST_ID`: re-runs a finished
 * request and compares, field by field, what the worker claimed with what
 * the program does. Nothing of the worker is trusted: the request and its
 * resolution come from the chain (verify_chain.c), the attestation record
 * from the coordinator (verify_coord.c) only for the run's replay nonce and
 * the hashes the worker attested; the WASM is downloaded (and hashed) or
 * rebuilt from repo@commit with the worker's own build code (src/builder/);
 * the run is the worker's own code (wk_execute: the same limits, the same
 * NEAR_* environment, the same input, random and clocks from the same seed).
 * See docs/verify.md.
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/http_client.h"
#include "base/log.h"
#include "builder/builder.h"
#include "cli/cli.h"
#include "cli/dev.h"
#include "cli/verify.h"
#include "near/utf8.h"
#include "worker/worker.h"

enum { VF_MISMATCH = 1, VF_CANNOT = 3, VF_HTTP = 4, VF_NETWORK = 70 };

void cmd_verify_help(FILE *out)
{
    fprintf(out, "usage: outlayer verify TX_HASH|REQUEST_ID [options]\n"
                 "\n"
                 "Re-runs a finished OutLayer request on this machine and checks the worker's result field by\n"
                 "field: the WASM hash, the input hash, success or the trap, the instruction count, the output\n"
                 "and its hash. The request and its resolution are read from the chain, the attestation record\n"
                 "(the run's replay nonce, the attested hashes) from the coordinator; the WASM is downloaded\n"
                 "and hashed, or rebuilt from repo@commit exactly as a worker builds it (outlayer build).\n"
                 "\n"
                 "where:\n"
                 "  --home DIR            an `outlayer dev` home: RPC, contract and coordinator from DIR/dev.json\n"
                 "                        (default $OUTLAYER_DEV_HOME or ./" DEV_DEFAULT_HOME ")\n"
                 "  --rpc URL             NEAR JSON-RPC (or --network testnet|mainnet)\n"
                 "  --contract ID         the OutLayer contract\n"
                 "  --coordinator URL     the coordinator that has the job's attestation\n"
                 "  --api-key KEY         X-API-Key for GET /attestations (env OUTLAYER_API_KEY)\n"
                 "  --sender ACCOUNT      the transaction's signer (default: the coordinator's record)\n"
                 "how:\n"
                 "  --wasm FILE           use this WASM instead of downloading / rebuilding (its hash is checked)\n"
                 "  --git-base-url U      rebuild github.com/OWNER/REPO from U/OWNER/REPO (env GIT_BASE_URL)\n"
                 "  --secrets-file FILE   the decrypted secrets of a request that used them (JSON object)\n"
                 "  --max-output N        the workers' --max-output (default 65536)\n"
                 "  --http-transcript FILE  the job's transcript (the worker's --http-transcript-dir/JOB.http):\n"
                 "                        its SHA-256 must be the attested one; the program's HTTP, storage and\n"
                 "                        view calls are then answered from it (replayed)\n"
                 "  --json                print one JSON object instead of the table\n"
                 "\n"
                 "Exit status: 0 every field matches; 1 a field differs (named in the table); 3 the request\n"
                 "cannot be verified here (not resolved, no attestation, secrets you cannot give); 4 the program\n"
                 "made HTTP, storage or view calls and no --http-transcript was given (not re-executable; the attested\n"
                 "transcript hash is shown); 64 usage; 70 chain, coordinator or download error.\n");
}

typedef struct vf_opts {
    const char *home, *rpc, *network, *contract, *coordinator, *api_key, *sender;
    const char *wasm_file, *git_base_url, *secrets_file;
    const char *http_transcript; /* --http-transcript FILE (replay) */
    uint64_t max_output;
    bool json_out;
    const char *id;
} vf_opts;

static int parse(int argc, char **argv, vf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->api_key = getenv("OUTLAYER_API_KEY");
    o->git_base_url = getenv("GIT_BASE_URL");
    o->max_output = WK_DEFAULT_MAX_OUTPUT;
    static const struct option longs[] = {{"home", 1, 0, 'h'},         {"rpc", 1, 0, 'r'},
                                          {"network", 1, 0, 'N'},      {"contract", 1, 0, 'c'},
                                          {"coordinator", 1, 0, 'C'},  {"api-key", 1, 0, 'k'},
                                          {"sender", 1, 0, 's'},       {"wasm", 1, 0, 'w'},
                                          {"git-base-url", 1, 0, 'g'}, {"secrets-file", 1, 0, 'S'},
                                          {"max-output", 1, 0, 'm'},   {"json", 0, 0, 'j'},
                                          {"help", 0, 0, 'H'},         {"http-transcript", 1, 0, 'T'},
                                          {0, 0, 0, 0}};
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'h': o->home = optarg; break;
        case 'r': o->rpc = optarg; break;
        case 'N': o->network = optarg; break;
        case 'c': o->contract = optarg; break;
        case 'C': o->coordinator = optarg; break;
        case 'k': o->api_key = optarg; break;
        case 's': o->sender = optarg; break;
        case 'w': o->wasm_file = optarg; break;
        case 'g': o->git_base_url = optarg; break;
        case 'S': o->secrets_file = optarg; break;
        case 'm':
            if (!cli_parse_u64(optarg, 1, (uint64_t)1 << 30, &o->max_output)) {
                cli_error("--max-output: bytes, 1..2^30");
                return CLI_EXIT_USAGE;
            }
            break;
        case 'j': o->json_out = true; break;
        case 'T': o->http_transcript = optarg; break;
        case 'H': cmd_verify_help(stdout); return 1;
        default: return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("give one TX_HASH or REQUEST_ID (see `outlayer help verify`)");
        return CLI_EXIT_USAGE;
    }
    o->id = argv[optind];
    if (o->network && strcmp(o->network, "testnet") && strcmp(o->network, "mainnet")) {
        cli_error("--network is testnet or mainnet");
        return CLI_EXIT_USAGE;
    }
    return 0;
}

/* ---- the table ---- */

typedef struct vf_row {
    const char *field;
    char claimed[200], rerun[200];
    int state; /* 1 match, 0 differs, -1 not compared (why in rerun) */
} vf_row;

typedef struct vf_report {
    vf_row rows[16];
    size_t n;
} vf_report;

static void shorten(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n < cap) {
        memcpy(dst, s, n + 1);
        return;
    }
    snprintf(dst, cap, "%.*s...", (int)(cap - 4), s);
    near_utf8_truncate(dst, cap - 1);
}

static void row(vf_report *r, const char *field, const char *claimed, const char *rerun, int state)
{
    if (r->n >= sizeof r->rows / sizeof *r->rows)
        return;
    vf_row *w = &r->rows[r->n++];
    w->field = field;
    shorten(w->claimed, sizeof w->claimed, claimed ? claimed : "-");
    shorten(w->rerun, sizeof w->rerun, rerun ? rerun : "-");
    w->state = state;
}

static void row_str(vf_report *r, const char *field, const char *claimed, const char *rerun)
{
    int state = claimed && rerun ? strcmp(claimed, rerun) == 0 : -1;
    row(r, field, claimed, rerun, state);
}

static const char *state_name(int s) { return s == 1 ? "match" : s == 0 ? "MISMATCH" : "not compared"; }

static void print_table(const vf_report *r)
{
    printf("%-13s %-9s %s\n", "field", "result", "claimed (chain / attestation) | re-run");
    for (size_t i = 0; i < r->n; i++) {
        const vf_row *w = &r->rows[i];
        if (w->state == 1)
            printf("%-13s %-9s %s\n", w->field, state_name(w->state), w->claimed);
        else
            printf("%-13s %-9s %s | %s\n", w->field, state_name(w->state), w->claimed, w->rerun);
    }
}

static json_t *report_json(const vf_report *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "field", r->rows[i].field, "claimed",
                                             r->rows[i].claimed, "rerun", r->rows[i].rerun, "result",
                                             state_name(r->rows[i].state)));
    return arr;
}

/* ---- pieces ---- */

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The program's WASM: --wasm FILE, the URL, or a rebuild of repo@commit. */
static int obtain_wasm(const vf_opts *o, const wk_request *r, uint8_t **wasm, size_t *len, char *how, size_t howlen,
                       char *err, size_t errlen)
{
    if (o->wasm_file) {
        *wasm = cli_read_file(o->wasm_file, len);
        if (!*wasm) {
            snprintf(err, errlen, "cannot read %s", o->wasm_file);
            return -1;
        }
        snprintf(how, howlen, "file %s", o->wasm_file);
        return 0;
    }
    if (!r->source.is_git) {
        snprintf(how, howlen, "downloaded %s", r->source.url);
        /* The worker's download code: size cap, redirects re-checked, hash checked. Private and
         * loopback addresses are allowed: the verifier runs for its user, on the user's machine,
         * and a dev stack serves its programs from 127.0.0.1. */
        wk_fetch_opts fo = {.max_bytes = BLD_DEFAULT_MAX_WASM, .timeout_ms = 60000, .allow_private = true};
        return wk_fetch_wasm(r->source.url, r->source.hash, &fo, wasm, len, err, errlen);
    }
    bld_options b = {.git_base_url = o->git_base_url && *o->git_base_url ? o->git_base_url : NULL};
    char commit[41];
    if (bld_build_git(&b, r->source.repo, r->source.commit, wasm, len, commit, err, errlen))
        return -1;
    snprintf(how, howlen, "rebuilt %s at %s", r->source.repo, commit);
    return 0;
}

/* The output as the contract returns it: the one value of {"Text"|"Json"|"Bytes": v}. */
static json_t *output_value(json_t *output)
{
    const char *k;
    json_t *v;
    json_object_foreach(output, k, v) return v;
    return NULL;
}

static char *dump(json_t *v) { return v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("null"); }

/* The error exactly as the worker puts it on chain (long ones are cut). */
static char *chain_error_of(const wk_request *r, const wk_result *res)
{
    const char *method;
    char *args = wk_resolve_args(r->request_id, res, &method);
    json_t *a = args ? json_loads(args, 0, NULL) : NULL;
    free(args);
    const char *e = json_string_value(json_object_get(json_object_get(a, "response"), "error"));
    if (!e)
        e = json_string_value(json_object_get(a, "error"));
    char *out = e ? strdup(e) : NULL;
    json_decref(a);
    return out;
}

int cmd_verify(int argc, char **argv)
{
    vf_opts o;
    int rc = parse(argc, argv, &o);
    if (rc == 1)
        return CLI_EXIT_OK;
    if (rc)
        return rc;
    if (sodium_init() < 0 || hc_global_init() || near_rpc_global_init())
        return CLI_EXIT_INTERNAL;
    log_set_level(LOG_WARN); /* the worker code's info lines are not for this terminal */

    /* Where: dev.json for whatever is not given. */
    json_t *dev = NULL;
    if (!o.rpc && o.network)
        o.rpc = strcmp(o.network, "mainnet") == 0 ? "https://rpc.mainnet.near.org" : "https://rpc.testnet.near.org";
    if (!o.rpc || !o.contract || !o.coordinator) {
        char path[PATH_MAX + 16];
        const char *eh = getenv("OUTLAYER_DEV_HOME");
        snprintf(path, sizeof path, "%s/dev.json", o.home ? o.home : eh && *eh ? eh : DEV_DEFAULT_HOME);
        dev = json_load_file(path, 0, NULL);
        if (!dev) {
            cli_error("no %s: give --rpc (or --network), --contract and --coordinator", path);
            return CLI_EXIT_USAGE;
        }
    }
    const char *rpc_url = o.rpc ? o.rpc : json_string_value(json_object_get(dev, "rpc_url"));
    const char *contract = o.contract ? o.contract : json_string_value(json_object_get(dev, "contract_id"));
    const char *coord = o.coordinator ? o.coordinator : json_string_value(json_object_get(dev, "coordinator_url"));
    if (!rpc_url || !contract || !coord) {
        cli_error("dev.json lacks rpc_url, contract_id or coordinator_url");
        json_decref(dev);
        return CLI_EXIT_USAGE;
    }

    char err[2048] = "";
    vf_report rep = {0};
    vf_chain ch = {0};
    wk_request req = {0};
    bool have_req = false;
    json_t *att = NULL, *secrets = NULL;
    uint8_t *wasm = NULL, *transcript = NULL;
    size_t wasm_len = 0, transcript_len = 0;
    wk_result res = {0};
    const char *a_http_hash = NULL; /* the attested HTTP transcript, if any */
    json_int_t http_n = 0;
    bool no_replay = false;
    near_rpc *rpc = near_rpc_new(rpc_url);
    near_rpc_set_retry(rpc, 2, 200);
    rc = VF_NETWORK;

    /* 1. The job (coordinator), then the chain. */
    bool by_tx = !all_digits(o.id);
    uint64_t want_id = 0;
    if (!by_tx && !cli_parse_u64(o.id, 0, UINT64_MAX / 2, &want_id)) {
        cli_error("%s is neither a transaction hash nor a request id", o.id);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    vf_job job;
    int found = vf_coord_find_job(coord, by_tx, want_id, o.id, &job, err, sizeof err);
    if (found < 0) {
        cli_error("coordinator: %s", err);
        goto out;
    }
    const char *tx_hash = by_tx ? o.id : job.tx_hash;
    const char *sender = o.sender ? o.sender : job.sender;
    if (found == 1 && (!by_tx || !o.sender)) {
        cli_error("the coordinator at %s knows no execute job for %s %s%s", coord, by_tx ? "transaction" : "request",
                  o.id, by_tx ? " (give --sender to read the chain anyway)" : "");
        rc = VF_CANNOT;
        goto out;
    }
    if (!tx_hash[0] || !sender[0]) {
        cli_error("the coordinator's record of request %s has no transaction hash or sender", o.id);
        rc = VF_CANNOT;
        goto out;
    }
    if (vf_chain_read(rpc, tx_hash, sender, contract, &ch, err, sizeof err)) {
        cli_error("chain: %s", err);
        goto out;
    }
    if (!ch.resolved) {
        cli_error("request %" PRIu64 " was not resolved by a worker (still pending, or timed out): nothing to verify",
                  ch.request_id);
        rc = VF_CANNOT;
        goto out;
    }
    if (wk_request_parse(ch.create, &req, err, sizeof err)) {
        cli_error("the request on chain cannot be read as a job: %s", err);
        rc = VF_CANNOT;
        goto out;
    }
    have_req = true;
    /* 2. Secrets: only someone who can decrypt them can re-run such a request. */
    if (req.has_secrets) {
        if (!o.secrets_file) {
            cli_error("request %" PRIu64 " ran with secrets (profile '%s' of %s): it can be re-run only by someone who "
                      "can decrypt them. If you can, pass --secrets-file FILE with the decrypted values as a JSON "
                      "object; otherwise it cannot be verified here",
                      ch.request_id, req.secrets_profile, req.secrets_owner);
            rc = VF_CANNOT;
            goto out;
        }
        secrets = json_load_file(o.secrets_file, 0, NULL);
        if (!json_is_object(secrets)) {
            cli_error("%s is not a JSON object of name -> value", o.secrets_file);
            rc = CLI_EXIT_NO_INPUT;
            goto out;
        }
    }

    if (found == 0) {
        /* The worker stores the record just after the resolution: a
         * request verified the moment it is answered may wait a little. */
        int a = 1;
        for (int i = 0; i < 20 && a == 1; i++) {
            if (i)
                usleep(500 * 1000);
            a = vf_coord_attestation(coord, o.api_key, job.job_id, &att, err, sizeof err);
        }
        if (a < 0) {
            cli_error("coordinator: %s", err);
            goto out;
        }
    }
    if (!att) {
        cli_error("no attestation record for request %" PRIu64 " (job %" PRId64 "): the run's replay nonce is unknown",
                  ch.request_id, job.job_id);
        rc = VF_CANNOT;
        goto out;
    }

    /* 3. The WASM. */
    char how[1300] = "", actual_hash[65] = "";
    if (obtain_wasm(&o, &req, &wasm, &wasm_len, how, sizeof how, err, sizeof err)) {
        cli_error("the program: %s", err);
        if (!req.source.is_git)
            goto out; /* a download error: nothing to compare */
        /* A commit that does not build (or not here) cannot have given the attested WASM. */
        rc = VF_MISMATCH;
        row(&rep, "wasm_hash", json_string_value(json_object_get(att, "wasm_hash")), err, 0);
        goto report;
    }
    wk_sha256_hex(wasm, wasm_len, actual_hash);

    /* 4. The run: the worker's code, limits, environment and seed. */
    uint8_t nonce[WK_NONCE_LEN] = {0};
    uint64_t attested_executed = 0;
    char quote_task[65] = "";
    bool have_quote = vf_quote_parts(att, nonce, &attested_executed, quote_task) == 0;
    wk_exec_limits lim = {.max_output_bytes = (size_t)o.max_output, .replay_nonce = nonce};
    /* HTTP (docs/verify.md): the live world cannot be re-run bit for bit.
     * With the worker's transcript the requests are answered from it; its
     * SHA-256 must be the attested hash, and the replay must consume all of
     * it. Without it the run is not repeated: the verdict says so (exit 4). */
    json_t *a_http_n = json_object_get(att, "http_requests");
    a_http_hash = json_string_value(json_object_get(att, "http_transcript_sha256"));
    http_n = json_is_integer(a_http_n) ? json_integer_value(a_http_n) : 0;
    char http_claim[160] = "", file_hash[65] = "";
    snprintf(http_claim, sizeof http_claim, "%" JSON_INTEGER_FORMAT " requests, transcript %s", http_n,
             a_http_hash ? a_http_hash : "(none)");
    /* The transcript also covers storage and view calls (a record with a
     * transcript hash and 0 HTTP requests made only those). */
    no_replay = (http_n > 0 || a_http_hash) && !o.http_transcript;
    if (o.http_transcript) {
        transcript = cli_read_file(o.http_transcript, &transcript_len);
        if (!transcript) {
            cli_error("cannot read the HTTP transcript %s", o.http_transcript);
            rc = CLI_EXIT_NO_INPUT;
            goto out;
        }
        wk_sha256_hex(transcript, transcript_len, file_hash);
        lim.http_replay = transcript;
        lim.http_replay_len = transcript_len;
    }
    if (!no_replay)
        wk_execute(&req, wasm, wasm_len, secrets, &lim, &res);

    /* 5. Field by field. */
    char buf[128], buf2[128];
    row_str(&rep, "wasm_hash", json_string_value(json_object_get(att, "wasm_hash")), actual_hash);
    if (!req.source.is_git) {
        char want[65];
        snprintf(want, sizeof want, "%s", req.source.hash);
        for (char *p = want; *p; p++)
            if (*p >= 'A' && *p <= 'F')
                *p = (char)(*p - 'A' + 'a');
        row_str(&rep, "request_hash", want, actual_hash);
    }
    /* The record is about this request: its request, transaction, block and caller are the chain's. */
    char rec_req[400], chain_req[400];
    json_t *a_bh = json_object_get(att, "block_height");
    const char *a_tx = json_string_value(json_object_get(att, "transaction_hash"));
    const char *a_caller = json_string_value(json_object_get(att, "caller_account_id"));
    snprintf(rec_req, sizeof rec_req, "request %" JSON_INTEGER_FORMAT " at block %" JSON_INTEGER_FORMAT " by %s, tx %s",
             json_integer_value(json_object_get(att, "request_id")), json_integer_value(a_bh),
             a_caller ? a_caller : "?", a_tx ? a_tx : "?");
    snprintf(chain_req, sizeof chain_req, "request %" PRIu64 " at block %" PRIu64 " by %s, tx %s", ch.request_id,
             ch.block_height, req.user_account_id ? req.user_account_id : "?", tx_hash);
    row_str(&rep, "request", rec_req, chain_req);
    char in_hash[65];
    wk_sha256_hex((const uint8_t *)req.input, req.input_len, in_hash);
    row_str(&rep, "input_hash", json_string_value(json_object_get(att, "input_hash")), in_hash);
    /* Wall time is the one limit that depends on the machine: a request that
     * timed out is compared only as far as the re-run also timed out, and
     * what it wrote before the deadline is not compared. */
    bool timeout = ch.error && strncmp(ch.error, "Time limit exceeded", 19) == 0;
    if (no_replay) {
        row(&rep, "http", http_claim,
            http_n > 0 ? "not re-executed: the program made HTTP requests; pass --http-transcript FILE to replay them"
                       : "not re-executed: the program made storage or view calls; pass --http-transcript FILE to "
                         "replay them",
            -1);
        goto record;
    }
    if (o.http_transcript) {
        char replayed[160];
        row(&rep, "http_transcript", a_http_hash ? a_http_hash : "(no HTTP attested)", file_hash,
            a_http_hash && strcmp(a_http_hash, file_hash) == 0);
        sodium_bin2hex(file_hash, sizeof file_hash, res.http_transcript, 32);
        snprintf(replayed, sizeof replayed, "%u requests, transcript %s%s", res.http_requests, file_hash,
                 res.http_replay_incomplete ? " (fewer requests than recorded)" : "");
        row(&rep, "http", http_claim, replayed,
            (json_int_t)res.http_requests == http_n && !res.http_replay_incomplete && a_http_hash &&
                strcmp(a_http_hash, file_hash) == 0);
    }
    if (res.vrf_keyless_calls > 0) {
        /* outlayer_v1.vrf: only the worker holds the key (docs/program-api.md),
         * so the re-run diverged at its first vrf call: nothing after it is
         * comparable, and the outputs are checked with verify-vrf instead. */
        char vrf[200];
        snprintf(vrf, sizeof vrf, "the program asked for %u VRF output(s): only the worker's key can make them; check "
                 "the proofs in its output with outlayer verify-vrf", res.vrf_keyless_calls);
        row(&rep, "vrf", "VRF outputs by the worker's key", vrf, -1);
        goto record;
    }
    char *rerun_error = !ch.success || !res.success ? chain_error_of(&req, &res) : NULL;
    bool same_error = ch.error && rerun_error ? strcmp(ch.error, rerun_error) == 0 : ch.error == rerun_error;
    if (timeout && !same_error) {
        row(&rep, "success", "false", res.success ? "true" : "false", -1);
        row(&rep, "trap", ch.error, "not reproducible: this machine's run did not time out the same way", -1);
    } else {
        row(&rep, "success", ch.success ? "true" : "false", res.success ? "true" : "false", ch.success == res.success);
        if (!ch.success || !res.success)
            row(&rep, "trap", ch.error ? ch.error : "none", rerun_error ? rerun_error : "none", same_error);
    }
    free(rerun_error);
    snprintf(buf, sizeof buf, "%" PRIu64, ch.instructions);
    snprintf(buf2, sizeof buf2, "%" PRIu64, res.instructions);
    row_str(&rep, "instructions", buf, buf2);
    /* Where the run stopped, attested for failures too (the chain gets 0 then). */
    snprintf(buf, sizeof buf, "%" PRIu64, attested_executed);
    snprintf(buf2, sizeof buf2, "%" PRIu64, res.executed);
    if (timeout)
        row(&rep, "executed", buf, "not compared: a timeout stops at a machine-dependent point", -1);
    else
        row_str(&rep, "executed", buf, buf2);
    if (ch.success && res.success) {
        char *want = dump(ch.value), *got = dump(output_value(res.output));
        row(&rep, "output", want, got, json_equal(ch.value, output_value(res.output)) ? 1 : 0);
        free(want);
        free(got);
    }
    char out_hash[65] = "no-output";
    if (res.has_output_hash)
        sodium_bin2hex(out_hash, sizeof out_hash, res.output_hash, 32);
    if (timeout)
        row(&rep, "output_hash", json_string_value(json_object_get(att, "output_hash")),
            "not compared: output written before a timeout depends on the machine", -1);
    else
        row_str(&rep, "output_hash", json_string_value(json_object_get(att, "output_hash")), out_hash);
record:;
    /* The record itself: its fields are those the quote's report_data binds. */
    char rec_task[65];
    vf_record_task_hash(att, rec_task);
    row(&rep, "record", have_quote ? quote_task : "no quote", rec_task,
        have_quote && strcmp(quote_task, rec_task) == 0);
    /* 0 only on a full match; a field not compared makes it "cannot verify". */
    rc = 0;
    for (size_t i = 0; i < rep.n; i++)
        if (rep.rows[i].state == -1 && rc == 0)
            rc = no_replay ? VF_HTTP : VF_CANNOT;
    for (size_t i = 0; i < rep.n; i++)
        if (rep.rows[i].state == 0)
            rc = VF_MISMATCH;

report:
    if (o.json_out) {
        json_t *j = json_pack("{s:I, s:s, s:s?, s:I, s:s, s:o, s:b}", "request_id", (json_int_t)ch.request_id,
                              "tx_hash", tx_hash, "worker_id", job.worker_id[0] ? job.worker_id : NULL, "job_id",
                              (json_int_t)job.job_id, "program", how, "fields", report_json(&rep), "verified", rc == 0);
        char *s = json_dumps(j, JSON_COMPACT);
        puts(s ? s : "{}");
        free(s);
        json_decref(j);
    } else {
        printf("request %" PRIu64 " (transaction %s), job %" PRId64 " by %s\n", ch.request_id, tx_hash, job.job_id,
               job.worker_id[0] ? job.worker_id : "?");
        printf("program: %s\n\n", how);
        print_table(&rep);
        printf("\n");
        if (rc == 0)
            printf("verified: every field matches\n");
        else if (rc == VF_CANNOT)
            printf("not verified: some fields cannot be compared here (see above)\n");
        else if (rc == VF_HTTP && http_n > 0)
            printf("not re-executed: made %" JSON_INTEGER_FORMAT " HTTP requests: output not re-executable without "
                   "the transcript; transcript hash %s attested\n",
                   http_n, a_http_hash ? a_http_hash : "(none)");
        else if (rc == VF_HTTP)
            printf("not re-executed: made storage or view calls: output not re-executable without the transcript; "
                   "transcript hash %s attested\n",
                   a_http_hash);
        else {
            printf("NOT verified:");
            size_t bad = 0;
            for (size_t i = 0; i < rep.n; i++)
                if (rep.rows[i].state == 0)
                    printf(" %s", rep.rows[i].field), bad++;
            printf(" differ%s\n", bad > 1 ? "" : "s");
        }
    }
out:
    wk_result_free(&res);
    free(transcript);
    free(wasm);
    wk_secrets_free(secrets);
    json_decref(att);
    if (have_req)
        wk_request_free(&req);
    vf_chain_free(&ch);
    near_rpc_free(rpc);
    json_decref(dev);
    return rc;
}
