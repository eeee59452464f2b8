/*
 * cmd_secrets.c — `outlayer secrets`: seal secrets for the keystore and
 * manage them on the OutLayer contract.
 *
 *   pubkey   print the keystore's public key for (accessor, owner)
 *   encrypt  secrets on stdin -> the base64 blob on stdout (nothing else)
 *   put      encrypt + store_secrets with the exact storage deposit
 *   ls       list the owner's stored secrets (names of profiles, never values)
 *   rm       delete_secrets (the deposit is refunded)
 *
 * Secrets are sealed here, on the user's machine (crypto_box_seal to the
 * per-seed X25519 key); the plaintext is never sent anywhere. See
 * docs/secrets.md.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http_client.h"
#include "cli/cli.h"
#include "near/account_id.h"
#include "near/credentials.h"
#include "near/rpc.h"
#include "secrets/blob.h"
#include "secrets/cond.h"
#include "secrets/kdf.h"
#include "secrets/names.h"
#include "secrets/seed.h"

#define TGAS 1000000000000ull

typedef struct {
    const char *sub;
    const char *repo, *branch, *hash, *owner, *profile, *access;
    const char *coordinator, *keystore, *keystore_token, *pubkey;
    const char *rpc, *contract, *credentials, *credentials_dir, *network;
    const char *input;
    const char *generate; /* put: NAME:TYPE[,NAME:TYPE...] made inside the keystore */
} sec_args;

void cmd_secrets_help(FILE *out)
{
    fprintf(out,
            "usage: outlayer secrets pubkey  ACCESSOR --owner ACCOUNT [KEY SOURCE]\n"
            "       outlayer secrets encrypt ACCESSOR --owner ACCOUNT [KEY SOURCE] [--input FILE] < secrets\n"
            "       outlayer secrets put     ACCESSOR --owner ACCOUNT --profile NAME [--access JSON] [KEY SOURCE]\n"
            "                                [CHAIN] [--input FILE] < secrets\n"
            "       outlayer secrets put     ... --generate PROTECTED_NAME:TYPE[,...] [--input FILE]\n"
            "       outlayer secrets ls      --owner ACCOUNT [CHAIN]\n"
            "       outlayer secrets rm      ACCESSOR --owner ACCOUNT --profile NAME [CHAIN]\n"
            "\n"
            "Secrets are sealed on this machine to the keystore's public key for the accessor and owner\n"
            "(X25519 sealed box); only the keystore can open them, and it gives them only to a job of\n"
            "that program whose caller passes the access condition.\n"
            "\n"
            "ACCESSOR (which program may read the secrets):\n"
            "  --repo REPO [--branch B]   a git repository (github.com/o/r, o/r, https://…, git@…:o/r.git;\n"
            "                             all name the same repository); with --branch only that branch\n"
            "  --wasm-hash HEX            a WASM binary by its SHA-256 (64 hex digits)\n"
            "  --owner ACCOUNT            the account that stores the secrets (and signs `put`/`rm`)\n"
            "\n"
            "secrets on stdin (or --input FILE): a JSON object of NAME: \"value\" strings, or KEY=VALUE lines\n"
            "(blank lines and # comments skipped; spaces around '=' ignored, the value is the rest of the\n"
            "line, taken literally). Names: letters, digits, '_'; not the\n"
            "NEAR_* names the worker sets, not PROTECTED_* (those are generated inside the keystore).\n"
            "\n"
            "--generate PROTECTED_NAME:TYPE[,...] (put): secrets made inside the keystore, whose values nobody\n"
            "sees, not even you; TYPE hex16, hex32, hex64, ed25519, ed25519_seed or password[:N]. With\n"
            "--generate, stdin is not read: give secrets of your own with --input FILE (they are sealed here\n"
            "and merged by the keystore). Asks the coordinator's /secrets/add_generated_secret (or with\n"
            "--keystore, the keystore's /add_generated_secret).\n"
            "\n"
            "KEY SOURCE (where the public key comes from; first given wins):\n"
            "  --pubkey HEX               the key itself (from `outlayer secrets pubkey`)\n"
            "  --keystore URL             a keystore directly; token from --keystore-token or\n"
            "                             $KEYSTORE_AUTH_TOKEN\n"
            "  --coordinator URL          a coordinator's POST /secrets/pubkey\n"
            "                             (default $OUTLAYER_COORDINATOR_URL, else http://127.0.0.1:8080)\n"
            "\n"
            "CHAIN (for put, ls, rm):\n"
            "  --rpc URL                  NEAR JSON-RPC (default $NEAR_RPC_URL, else http://127.0.0.1:3030)\n"
            "  --contract ID              the OutLayer contract (default $OUTLAYER_CONTRACT_ID)\n"
            "  --credentials FILE         near-cli credential file of the owner, or\n"
            "  --credentials-dir DIR      with --network NET: DIR/NET/OWNER.json\n"
            "                             (default ~/.near-credentials and $NEAR_NETWORK, else testnet)\n"
            "  --access JSON              access condition (default \"AllowAll\"); checked here, e.g.\n"
            "                             '{\"Whitelist\":{\"accounts\":[\"bob.near\"]}}',\n"
            "                             '{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.gov\\\\.near\"}}' (whole id)\n"
            "\n"
            "exit codes: 0 ok, %d usage or bad input, %d unreadable input file, %d keystore/chain failure\n",
            CLI_EXIT_USAGE, CLI_EXIT_NO_INPUT, CLI_EXIT_INTERNAL);
}

static int usage(const char *fmt, const char *arg)
{
    fputs("outlayer: secrets: ", stderr);
    fprintf(stderr, fmt, arg ? arg : "");
    fputs(" (see `outlayer help secrets`)\n", stderr);
    return CLI_EXIT_USAGE;
}

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* ------------------------------------------------------------ arguments */

static int parse_args(int argc, char **argv, sec_args *a)
{
    static const struct {
        const char *name;
        size_t off;
    } OPTS[] = {
#define O(n, f) {n, offsetof(sec_args, f)}
        O("--repo", repo),
        O("--branch", branch),
        O("--wasm-hash", hash),
        O("--owner", owner),
        O("--profile", profile),
        O("--access", access),
        O("--coordinator", coordinator),
        O("--keystore", keystore),
        O("--keystore-token", keystore_token),
        O("--pubkey", pubkey),
        O("--rpc", rpc),
        O("--contract", contract),
        O("--credentials", credentials),
        O("--credentials-dir", credentials_dir),
        O("--network", network),
        O("--input", input),
        O("--generate", generate),
#undef O
    };
    memset(a, 0, sizeof *a);
    if (argc < 2)
        return usage("missing subcommand: pubkey, encrypt, put, ls or rm%s", NULL);
    a->sub = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cmd_secrets_help(stdout);
            return CLI_EXIT_OK;
        }
        bool found = false;
        for (size_t k = 0; k < sizeof OPTS / sizeof OPTS[0] && !found; k++) {
            size_t n = strlen(OPTS[k].name);
            if (strncmp(arg, OPTS[k].name, n) != 0 || (arg[n] != 0 && arg[n] != '='))
                continue;
            const char *v = arg[n] == '=' ? arg + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return usage("option %s needs a value", OPTS[k].name);
            const char **slot = (const char **)((char *)a + OPTS[k].off);
            if (*slot)
                return usage("option %s given twice", OPTS[k].name);
            *slot = v;
            found = true;
        }
        if (!found)
            return usage("unknown argument '%s'", arg);
    }
    return -1;
}

/* The accessor and the seed from --repo/--branch/--wasm-hash and --owner. */
static int accessor_of(const sec_args *a, sec_accessor *acc, char seed[SEC_SEED_MAX])
{
    char err[256];
    if (!a->repo && !a->hash)
        return usage("give the accessor: --repo REPO [--branch B] or --wasm-hash HEX%s", NULL);
    if (a->repo && a->hash)
        return usage("give either --repo or --wasm-hash, not both%s", NULL);
    if (!a->owner)
        return usage("--owner ACCOUNT is required%s", NULL);
    if (sec_accessor_make(acc, a->repo, a->branch, a->hash, err, sizeof err))
        return usage("%s", err);
    if (sec_seed_build(acc, a->owner, seed, SEC_SEED_MAX, err, sizeof err))
        return usage("%s", err);
    return -1;
}

/* The accessor as the contract writes it. */
static json_t *accessor_json(const sec_accessor *acc)
{
    if (acc->is_wasm_hash)
        return json_pack("{s:{s:s}}", "WasmHash", "hash", acc->hash);
    return json_pack("{s:{s:s,s:o}}", "Repo", "repo", acc->repo, "branch",
                     acc->has_branch ? json_string(acc->branch) : json_null());
}

/* ------------------------------------------------------------ public key */

static int fetch_pubkey(const sec_args *a, const sec_accessor *acc, const char *seed, uint8_t pk[SEC_PK_LEN])
{
    char err[512], url[1024];
    if (a->pubkey) {
        if (sec_unhex(a->pubkey, pk, SEC_PK_LEN))
            return usage("--pubkey must be 64 hex digits%s", NULL);
        return -1;
    }
    hc_global_init();
    json_t *body, *out = NULL;
    hc_options o = {.timeout_ms = 30000};
    const char *base;
    if (a->keystore) {
        base = a->keystore;
        snprintf(url, sizeof url, "%s/pubkey", base);
        o.bearer = a->keystore_token ? a->keystore_token : getenv("KEYSTORE_AUTH_TOKEN");
        body = json_pack("{s:s}", "seed", seed);
    } else {
        base = a->coordinator ? a->coordinator : env_or("OUTLAYER_COORDINATOR_URL", "http://127.0.0.1:8080");
        snprintf(url, sizeof url, "%s/secrets/pubkey", base);
        json_t *ja = acc->is_wasm_hash ? json_pack("{s:s,s:s}", "type", "WasmHash", "hash", acc->hash)
                                       : json_pack("{s:s,s:s}", "type", "Repo", "repo", acc->repo);
        if (!acc->is_wasm_hash && acc->has_branch)
            json_object_set_new(ja, "branch", json_string(acc->branch));
        /* The reference coordinator insists on secrets_json; never send the real ones. */
        body = json_pack("{s:o,s:s,s:s}", "accessor", ja, "owner", a->owner, "secrets_json", "{}");
    }
    long status = 0;
    int r = hc_post_json(url, body, &o, &status, &out, err, sizeof err);
    json_decref(body);
    if (r != 0) {
        cli_error("secrets: cannot reach %s: %s", base, err);
        return CLI_EXIT_INTERNAL;
    }
    const char *hex = json_string_value(json_object_get(out, "pubkey"));
    if (status != 200 || !hex || sec_unhex(hex, pk, SEC_PK_LEN)) {
        const char *e = json_string_value(json_object_get(out, "error"));
        cli_error("secrets: %s answered %ld%s%s", url, status, e ? ": " : " without a public key", e ? e : "");
        json_decref(out);
        return status == 400 ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    json_decref(out);
    return -1;
}

/* -------------------------------------------------------------- secrets */

/* stdin (or --input): a JSON object or KEY=VALUE lines -> checked JSON text. */
static int read_secrets(const sec_args *a, char **text_out)
{
    size_t n = 0;
    const char *path = a->input ? a->input : "-";
    uint8_t *raw = cli_read_file(path, &n);
    char err[512];
    if (!raw) {
        cli_error("secrets: cannot read %s: %s", strcmp(path, "-") ? path : "stdin", strerror(errno));
        return CLI_EXIT_NO_INPUT;
    }
    if (n > SEC_PLAINTEXT_MAX) {
        sec_wipe_free(raw, n);
        cli_error("secrets: input is larger than %zu bytes", SEC_PLAINTEXT_MAX);
        return CLI_EXIT_USAGE;
    }
    const char *p = (const char *)raw;
    while (*p && isspace((unsigned char)*p))
        p++;
    json_t *obj = NULL;
    if (*p == '{') {
        if (sec_secrets_parse((const char *)raw, n, SEC_BLOB_CLIENT, &obj, err, sizeof err)) {
            sec_wipe_free(raw, n);
            cli_error("secrets: %s", err);
            return CLI_EXIT_USAGE;
        }
    } else {
        json_t *map = json_object();
        int line_no = 0;
        for (char *line = (char *)raw; line && *line;) {
            char *next = strchr(line, '\n');
            if (next)
                *next++ = 0;
            line_no++;
            size_t len = strlen(line);
            if (len && line[len - 1] == '\r')
                line[--len] = 0;
            char *s = line;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s && *s != '#') {
                char *eq = strchr(s, '=');
                if (!eq) {
                    json_decref(map);
                    sec_wipe_free(raw, n);
                    cli_error("secrets: line %d is not KEY=VALUE (and the input is not a JSON object)", line_no);
                    return CLI_EXIT_USAGE;
                }
                char *k_end = eq;
                while (k_end > s && (k_end[-1] == ' ' || k_end[-1] == '\t'))
                    k_end--;
                *k_end = 0;
                if (json_object_get(map, s)) {
                    json_decref(map);
                    sec_wipe_free(raw, n);
                    cli_error("secrets: line %d: %s is given twice", line_no, s);
                    return CLI_EXIT_USAGE;
                }
                char *val = eq + 1;
                while (*val == ' ' || *val == '\t')
                    val++;
                json_t *v = json_string(val);
                if (!v) {
                    json_decref(map);
                    sec_wipe_free(raw, n);
                    cli_error("secrets: line %d: the value is not valid UTF-8", line_no);
                    return CLI_EXIT_USAGE;
                }
                json_object_set_new(map, s, v);
            }
            line = next;
        }
        char *text = json_dumps(map, JSON_COMPACT);
        json_decref(map);
        if (!text)
            snprintf(err, sizeof err, "out of memory");
        int r = text ? sec_secrets_parse(text, strlen(text), SEC_BLOB_CLIENT, &obj, err, sizeof err) : -1;
        if (text)
            sec_wipe_free(text, strlen(text));
        if (r) {
            sec_wipe_free(raw, n);
            cli_error("secrets: %s", err);
            return CLI_EXIT_USAGE;
        }
    }
    sec_wipe_free(raw, n);
    if (json_object_size(obj) == 0) {
        json_decref(obj);
        cli_error("secrets: no secrets given on %s", a->input ? a->input : "stdin");
        return CLI_EXIT_USAGE;
    }
    *text_out = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    return *text_out ? -1 : CLI_EXIT_INTERNAL;
}

static int seal_input(const sec_args *a, const sec_accessor *acc, const char *seed, char **blob)
{
    uint8_t pk[SEC_PK_LEN];
    char *text = NULL, err[256];
    int rc = read_secrets(a, &text);
    if (rc >= 0)
        return rc;
    rc = fetch_pubkey(a, acc, seed, pk);
    if (rc >= 0) {
        sec_wipe_free(text, strlen(text));
        return rc;
    }
    *blob = sec_blob_seal(pk, (const uint8_t *)text, strlen(text), err, sizeof err);
    sec_wipe_free(text, strlen(text));
    if (!*blob) {
        cli_error("secrets: %s", err);
        return CLI_EXIT_INTERNAL;
    }
    return -1;
}

/* ---------------------------------------------------------------- chain */

typedef struct {
    near_rpc *rpc;
    const char *contract;
    near_credentials cred;
    bool have_cred;
} chain_ctx;

static int chain_open(const sec_args *a, chain_ctx *c, bool need_signer)
{
    char err[512];
    memset(c, 0, sizeof *c);
    c->contract = a->contract ? a->contract : getenv("OUTLAYER_CONTRACT_ID");
    if (!c->contract || !*c->contract)
        return usage("--contract ID (or $OUTLAYER_CONTRACT_ID) is required%s", NULL);
    if (!near_account_id_valid(c->contract, err, sizeof err))
        return usage("--contract: %s", err);
    if (!a->owner)
        return usage("--owner ACCOUNT is required%s", NULL);
    if (!near_account_id_valid(a->owner, err, sizeof err))
        return usage("--owner: %s", err);
    if (need_signer) {
        int r;
        if (a->credentials) {
            r = near_credentials_read_file(a->credentials, &c->cred, err, sizeof err);
            if (r == 0 && strcmp(c->cred.account_id, a->owner) != 0) {
                near_keypair_wipe(&c->cred.keypair);
                cli_error("secrets: %s holds the key of %s, not of --owner %s", a->credentials, c->cred.account_id,
                          a->owner);
                return CLI_EXIT_USAGE;
            }
        } else {
            char dir[1024];
            const char *home = getenv("HOME");
            snprintf(dir, sizeof dir, "%s", a->credentials_dir ? a->credentials_dir : "");
            if (!a->credentials_dir)
                snprintf(dir, sizeof dir, "%s/.near-credentials", home ? home : ".");
            r = near_credentials_read(dir, a->network ? a->network : env_or("NEAR_NETWORK", "testnet"), a->owner,
                                      &c->cred, err, sizeof err);
        }
        if (r) {
            cli_error("secrets: credentials of %s: %s", a->owner, err);
            return CLI_EXIT_NO_INPUT;
        }
        c->have_cred = true;
    }
    if (near_keys_init() != NEAR_OK || near_rpc_global_init() != NEAR_OK) {
        cli_error("secrets: cannot initialise libsodium or libcurl");
        return CLI_EXIT_INTERNAL;
    }
    c->rpc = near_rpc_new(a->rpc ? a->rpc : env_or("NEAR_RPC_URL", "http://127.0.0.1:3030"));
    if (!c->rpc) {
        cli_error("secrets: invalid --rpc URL");
        return CLI_EXIT_USAGE;
    }
    near_rpc_set_retry(c->rpc, 2, 200);
    return -1;
}

static void chain_close(chain_ctx *c)
{
    if (c->have_cred)
        near_keypair_wipe(&c->cred.keypair);
    near_rpc_free(c->rpc);
}

/* A view returning JSON; NULL (after an error message) on failure. */
static json_t *view(chain_ctx *c, const char *method, json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    near_call_result out = {0};
    near_rpc_error err = {0};
    near_status st = near_view_function(c->rpc, c->contract, method, text, &out, &err);
    free(text);
    json_t *j = NULL;
    if (st != NEAR_OK)
        cli_error("secrets: %s.%s failed: %s", c->contract, method, err.message);
    else if (!(j = json_loadb((const char *)out.result, out.result_len, JSON_DECODE_ANY, NULL)))
        cli_error("secrets: %s.%s returned something that is not JSON", c->contract, method);
    near_call_result_free(&out);
    near_rpc_error_clear(&err);
    return j;
}

static int call(chain_ctx *c, const char *method, json_t *args, uint64_t gas, near_u128 deposit)
{
    char *text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    near_signer signer = {c->cred.account_id, &c->cred.keypair};
    near_outcome out = {0};
    near_rpc_error err = {0};
    near_status st =
        near_call_function(c->rpc, &signer, c->contract, method, text, strlen(text), gas, deposit, &out, &err);
    free(text);
    int rc = -1;
    if (st == NEAR_OK) {
        for (size_t i = 0; i < out.n_logs; i++)
            fprintf(stderr, "log: %s\n", out.logs[i]);
        fprintf(stderr, "transaction %s\n", out.tx_hash);
    } else if (st == NEAR_ERR_TX_FAILED) {
        cli_error("secrets: %s failed: %s (transaction %s)", method, out.failure_message, out.tx_hash);
        rc = CLI_EXIT_INTERNAL;
    } else {
        cli_error("secrets: %s was not accepted: %s", method, err.message);
        rc = CLI_EXIT_INTERNAL;
    }
    near_outcome_free(&out);
    near_rpc_error_clear(&err);
    return rc;
}

/* ----------------------------------------------------------- subcommands */

static int do_pubkey(const sec_args *a)
{
    sec_accessor acc;
    char seed[SEC_SEED_MAX], hex[2 * SEC_PK_LEN + 1];
    uint8_t pk[SEC_PK_LEN];
    int rc = accessor_of(a, &acc, seed);
    if (rc >= 0)
        return rc;
    if ((rc = fetch_pubkey(a, &acc, seed, pk)) >= 0)
        return rc;
    sec_hex(pk, SEC_PK_LEN, hex);
    printf("%s\n", hex);
    fprintf(stderr, "seed: %s\n", seed);
    return CLI_EXIT_OK;
}

static int do_encrypt(const sec_args *a)
{
    sec_accessor acc;
    char seed[SEC_SEED_MAX], *blob = NULL;
    int rc = accessor_of(a, &acc, seed);
    if (rc >= 0)
        return rc;
    if ((rc = seal_input(a, &acc, seed, &blob)) >= 0)
        return rc;
    printf("%s\n", blob);
    free(blob);
    return CLI_EXIT_OK;
}

static bool profile_ok(const char *p)
{
    size_t n = p ? strlen(p) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
            return false;
    return true;
}

/* --generate: the keystore makes the PROTECTED_* secrets and seals them,
 * merged with the sealed --input secrets (if any), into a version-2 blob. */
static int generate_blob(const sec_args *a, const sec_accessor *acc, const char *seed, char **blob)
{
    json_t *list = json_array();
    char *spec = strdup(a->generate), *save = NULL;
    int rc = -1;
    for (char *item = strtok_r(spec, ",", &save); item && rc < 0; item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');
        if (!colon || colon == item || !colon[1])
            rc = usage("--generate: expected NAME:TYPE, got '%s'", item);
        else {
            *colon = 0;
            json_array_append_new(list, json_pack("{s:s,s:s}", "name", item, "generation_type", colon + 1));
        }
    }
    free(spec);
    char *manual = NULL;
    if (rc < 0 && a->input)
        rc = seal_input(a, acc, seed, &manual);
    if (rc >= 0) {
        json_decref(list);
        free(manual);
        return rc;
    }
    char url[1024], err[512];
    hc_options o = {.timeout_ms = 30000};
    json_t *body, *out = NULL;
    json_t *enc = manual ? json_string(manual) : json_null();
    free(manual);
    if (a->keystore) {
        snprintf(url, sizeof url, "%s/add_generated_secret", a->keystore);
        o.bearer = a->keystore_token ? a->keystore_token : getenv("KEYSTORE_AUTH_TOKEN");
        body = json_pack("{s:s,s:o,s:o}", "seed", seed, "encrypted_secrets_base64", enc, "new_secrets", list);
    } else {
        const char *base =
            a->coordinator ? a->coordinator : env_or("OUTLAYER_COORDINATOR_URL", "http://127.0.0.1:8080");
        snprintf(url, sizeof url, "%s/secrets/add_generated_secret", base);
        json_t *ja = acc->is_wasm_hash ? json_pack("{s:s,s:s}", "type", "WasmHash", "hash", acc->hash)
                                       : json_pack("{s:s,s:s}", "type", "Repo", "repo", acc->repo);
        if (!acc->is_wasm_hash && acc->has_branch)
            json_object_set_new(ja, "branch", json_string(acc->branch));
        body = json_pack("{s:o,s:s,s:o,s:o}", "accessor", ja, "owner", a->owner, "encrypted_secrets_base64", enc,
                         "new_secrets", list);
    }
    hc_global_init();
    long status = 0;
    int r = hc_post_json(url, body, &o, &status, &out, err, sizeof err);
    json_decref(body);
    if (r != 0) {
        cli_error("secrets: cannot reach %s: %s", url, err);
        return CLI_EXIT_INTERNAL;
    }
    const char *b64 = json_string_value(json_object_get(out, "encrypted_data_base64"));
    if (status != 200 || !b64) {
        const char *e = json_string_value(json_object_get(out, "error"));
        cli_error("secrets: %s answered %ld%s%s", url, status, e ? ": " : "", e ? e : "");
        json_decref(out);
        return status == 400 ? CLI_EXIT_USAGE : CLI_EXIT_INTERNAL;
    }
    *blob = strdup(b64);
    char *keys = json_dumps(json_object_get(out, "all_keys"), JSON_COMPACT);
    fprintf(stderr, "sealed by the keystore: %s\n", keys ? keys : "?");
    free(keys);
    json_decref(out);
    return -1;
}

static int do_put(const sec_args *a)
{
    sec_accessor acc;
    char seed[SEC_SEED_MAX], err[512], *blob = NULL;
    int rc = accessor_of(a, &acc, seed);
    if (rc >= 0)
        return rc;
    if (!profile_ok(a->profile))
        return usage("--profile NAME is required: 1-64 letters, digits, '-' or '_'%s", NULL);
    json_error_t je;
    json_t *access = json_loads(a->access ? a->access : "\"AllowAll\"", JSON_DECODE_ANY, &je);
    if (!access)
        return usage("--access is not valid JSON: %s", je.text);
    sec_cond *cond;
    if (sec_cond_parse(access, &cond, err, sizeof err)) {
        json_decref(access);
        return usage("--access: %s", err);
    }
    sec_cond_free(cond);
    /* a --generate list that cannot be right is refused before any key or network is used */
    if (a->generate && (!strchr(a->generate, ':') || a->generate[0] == ':' || a->generate[0] == ',')) {
        json_decref(access);
        return usage("--generate: expected PROTECTED_NAME:TYPE[,PROTECTED_NAME:TYPE...], got '%s'", a->generate);
    }
    chain_ctx c;
    if ((rc = chain_open(a, &c, true)) >= 0) {
        json_decref(access);
        return rc;
    }
    if ((rc = a->generate ? generate_blob(a, &acc, seed, &blob) : seal_input(a, &acc, seed, &blob)) >= 0) {
        json_decref(access);
        chain_close(&c);
        return rc;
    }
    json_t *est = view(&c, "estimate_storage_cost",
                       json_pack("{s:o,s:s,s:s,s:s,s:O}", "accessor", accessor_json(&acc), "profile", a->profile,
                                 "owner", a->owner, "encrypted_secrets_base64", blob, "access", access));
    near_u128 deposit;
    if (!est || !json_is_string(est) || near_u128_parse(json_string_value(est), &deposit)) {
        if (est)
            cli_error("secrets: estimate_storage_cost did not return a u128 string");
        json_decref(est);
        json_decref(access);
        free(blob);
        chain_close(&c);
        return CLI_EXIT_INTERNAL;
    }
    json_decref(est);
    rc = call(&c, "store_secrets",
              json_pack("{s:o,s:s,s:s,s:o}", "accessor", accessor_json(&acc), "profile", a->profile,
                        "encrypted_secrets_base64", blob, "access", access),
              50 * TGAS, deposit);
    free(blob);
    chain_close(&c);
    if (rc >= 0)
        return rc;
    char d[NEAR_U128_DEC_MAX];
    fprintf(stderr, "stored profile '%s' for %s (deposit %s yoctoNEAR)\n", a->profile, seed,
            near_u128_format(deposit, d));
    return CLI_EXIT_OK;
}

static int do_ls(const sec_args *a)
{
    chain_ctx c;
    int rc = chain_open(a, &c, false);
    if (rc >= 0)
        return rc;
    json_t *list = view(&c, "list_user_secrets", json_pack("{s:s}", "account_id", a->owner));
    chain_close(&c);
    if (!list)
        return CLI_EXIT_INTERNAL;
    if (!json_is_array(list)) {
        json_decref(list);
        cli_error("secrets: list_user_secrets did not return an array");
        return CLI_EXIT_INTERNAL;
    }
    printf("%-50s %-8s %-16s %s\n", "ACCESSOR", "BRANCH", "PROFILE", "ACCESS");
    size_t i;
    json_t *it;
    json_array_foreach(list, i, it)
    {
        json_t *acc = json_object_get(it, "accessor");
        json_t *repo = json_object_get(acc, "Repo"), *hash = json_object_get(acc, "WasmHash");
        char *access = json_dumps(json_object_get(it, "access"), JSON_COMPACT | JSON_ENCODE_ANY);
        const char *branch = json_string_value(json_object_get(repo, "branch"));
        char name[128];
        if (repo)
            snprintf(name, sizeof name, "%s", json_string_value(json_object_get(repo, "repo")) ?: "?");
        else
            snprintf(name, sizeof name, "wasm:%s", json_string_value(json_object_get(hash, "hash")) ?: "?");
        printf("%-50s %-8s %-16s %s\n", name, repo ? (branch ? branch : "*") : "-",
               json_string_value(json_object_get(it, "profile")) ?: "?", access ? access : "?");
        free(access);
    }
    json_decref(list);
    return CLI_EXIT_OK;
}

static int do_rm(const sec_args *a)
{
    sec_accessor acc;
    char seed[SEC_SEED_MAX];
    int rc = accessor_of(a, &acc, seed);
    if (rc >= 0)
        return rc;
    if (!profile_ok(a->profile))
        return usage("--profile NAME is required: 1-64 letters, digits, '-' or '_'%s", NULL);
    chain_ctx c;
    if ((rc = chain_open(a, &c, true)) >= 0)
        return rc;
    rc = call(&c, "delete_secrets", json_pack("{s:o,s:s}", "accessor", accessor_json(&acc), "profile", a->profile),
              30 * TGAS, 0);
    chain_close(&c);
    if (rc >= 0)
        return rc;
    fprintf(stderr, "deleted profile '%s' for %s\n", a->profile, seed);
    return CLI_EXIT_OK;
}

int cmd_secrets(int argc, char **argv)
{
    sec_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (sodium_init() < 0) {
        cli_error("secrets: libsodium failed to initialise");
        return CLI_EXIT_INTERNAL;
    }
    if (a.generate && strcmp(a.sub, "put") != 0)
        return usage("--generate works with put only%s", NULL);
    if (strcmp(a.sub, "pubkey") == 0)
        return do_pubkey(&a);
    if (strcmp(a.sub, "encrypt") == 0)
        return do_encrypt(&a);
    if (strcmp(a.sub, "put") == 0)
        return do_put(&a);
    if (strcmp(a.sub, "ls") == 0)
        return do_ls(&a);
    if (strcmp(a.sub, "rm") == 0)
        return do_rm(&a);
    if (strcmp(a.sub, "--help") == 0 || strcmp(a.sub, "-h") == 0 || strcmp(a.sub, "help") == 0) {
        cmd_secrets_help(stdout);
        return CLI_EXIT_OK;
    }
    return usage("unknown subcommand '%s': expected pubkey, encrypt, put, ls or rm", a.sub);
}
