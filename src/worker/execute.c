/*
 * execute.c — run one request's program with src/runner under the request's
 * limits (instructions, memory, wall time — all three enforced, DESIGN §8)
 * and turn what happened into a wk_result: the output converted by response
 * format (spec §9.5), or a failure whose message names the limit or the
 * cause. The error texts are documented in docs/worker.md.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/kv.h"
#include "runner/runner.h"
#include "near/utf8.h"
#include "worker/worker.h"

static int env_add(char ***env, size_t *n, size_t *cap, const char *key, const char *value)
{
    /* A later value for the same key replaces the earlier one (NEAR_* over secrets). */
    size_t klen = strlen(key);
    for (size_t i = 0; i < *n; i++) {
        if (strncmp((*env)[i], key, klen) == 0 && (*env)[i][klen] == '=') {
            free((*env)[i]);
            (*env)[i] = NULL;
            if (asprintf(&(*env)[i], "%s=%s", key, value) < 0)
                return -1;
            return 0;
        }
    }
    if (*n + 2 > *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        char **ne = realloc(*env, nc * sizeof *ne);
        if (!ne)
            return -1;
        *env = ne;
        *cap = nc;
    }
    if (asprintf(&(*env)[*n], "%s=%s", key, value) < 0)
        return -1;
    (*n)++;
    (*env)[*n] = NULL;
    return 0;
}

static void ctx_var(char ***env, size_t *n, size_t *cap, json_t *ctx, const char *field, const char *name)
{
    json_t *v = json_object_get(ctx, field);
    char num[32];
    if (json_is_string(v))
        env_add(env, n, cap, name, json_string_value(v));
    else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        env_add(env, n, cap, name, num);
    }
}

char **wk_build_env(const wk_request *req, json_t *secrets, size_t *count)
{
    char **env = NULL;
    size_t n = 0, cap = 0;
    const char *k;
    json_t *v;
    /* Secrets first; a secret named like a NEAR_* variable is overwritten. */
    if (json_is_object(secrets))
        json_object_foreach(secrets, k, v) if (json_is_string(v) && k[0] && !strchr(k, '='))
            env_add(&env, &n, &cap, k, json_string_value(v));
    json_t *ctx = req->context;
    ctx_var(&env, &n, &cap, ctx, "sender_id", "NEAR_SENDER_ID");
    ctx_var(&env, &n, &cap, ctx, "contract_id", "NEAR_CONTRACT_ID");
    ctx_var(&env, &n, &cap, ctx, "block_height", "NEAR_BLOCK_HEIGHT");
    ctx_var(&env, &n, &cap, ctx, "block_timestamp", "NEAR_BLOCK_TIMESTAMP");
    ctx_var(&env, &n, &cap, ctx, "receipt_id", "NEAR_RECEIPT_ID");
    ctx_var(&env, &n, &cap, ctx, "predecessor_id", "NEAR_PREDECESSOR_ID");
    ctx_var(&env, &n, &cap, ctx, "signer_public_key", "NEAR_SIGNER_PUBLIC_KEY");
    ctx_var(&env, &n, &cap, ctx, "gas_burnt", "NEAR_GAS_BURNT");
    if (req->user_account_id)
        env_add(&env, &n, &cap, "NEAR_USER_ACCOUNT_ID", req->user_account_id);
    if (req->payment)
        env_add(&env, &n, &cap, "NEAR_PAYMENT_YOCTO", req->payment);
    if (req->transaction_hash)
        env_add(&env, &n, &cap, "NEAR_TRANSACTION_HASH", req->transaction_hash);
    char num[32];
    snprintf(num, sizeof num, "%" PRIu64, req->max_instructions);
    env_add(&env, &n, &cap, "NEAR_MAX_INSTRUCTIONS", num);
    snprintf(num, sizeof num, "%u", req->max_memory_mb);
    env_add(&env, &n, &cap, "NEAR_MAX_MEMORY_MB", num);
    snprintf(num, sizeof num, "%" PRIu64, req->max_execution_seconds);
    env_add(&env, &n, &cap, "NEAR_MAX_EXECUTION_SECONDS", num);
    snprintf(num, sizeof num, "%" PRIu64, req->request_id);
    env_add(&env, &n, &cap, "NEAR_REQUEST_ID", num);
    *count = n;
    return env;
}

void wk_env_free(char **env, size_t count)
{
    if (!env)
        return;
    for (size_t i = 0; i < count; i++) {
        if (env[i])
            sodium_memzero(env[i], strlen(env[i])); /* may hold secrets */
        free(env[i]);
    }
    free(env);
}

void wk_convert_output(wk_format fmt, const uint8_t *data, size_t len, wk_result *res)
{
    json_decref(res->output);
    res->output = NULL;
    crypto_hash_sha256(res->output_hash, data, len);
    res->has_output_hash = true;
    if (fmt == WK_FMT_BYTES) {
        json_t *arr = json_array();
        for (size_t i = 0; i < len; i++)
            json_array_append_new(arr, json_integer(data[i]));
        res->output = json_pack("{s:o}", "Bytes", arr);
    } else if (fmt == WK_FMT_TEXT) {
        json_t *s = json_stringn((const char *)data, len);
        if (!s) {
            wk_result_fail(res, "execution_failed",
                           "Output is not valid UTF-8 text (%zu bytes); use response_format Bytes", len);
            return;
        }
        res->output = json_pack("{s:o}", "Text", s);
    } else {
        json_error_t je;
        json_t *v = json_loadb((const char *)data, len, JSON_DECODE_ANY, &je);
        if (!v) {
            char shown[201];
            size_t m = len < 200 ? len : 200;
            memcpy(shown, data, m);
            shown[m] = 0;
            for (size_t i = 0; i < m; i++)
                if ((unsigned char)shown[i] < 0x20 && shown[i] != 0)
                    shown[i] = ' ';
            near_utf8_truncate(shown, strlen(shown));
            wk_result_fail(res, "execution_failed", "Failed to parse output as JSON: %s. Output was: %s%s", je.text,
                           shown, len > 200 ? "..." : "");
            return;
        }
        res->output = json_pack("{s:o}", "Json", v);
    }
    res->success = true;
}

/* The program's stderr as one printable line, for an error message. */
static void stderr_text(const runner_result *rr, char *out, size_t cap)
{
    size_t n = rr->stderr_len < cap - 1 ? rr->stderr_len : cap - 1;
    if (rr->stderr_data)
        memcpy(out, rr->stderr_data, n);
    out[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (out[i] == 0)
            out[i] = ' ';
    /* Drop a trailing newline; keep the rest valid UTF-8. */
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = 0;
    near_utf8_truncate(out, n);
    json_t *probe = json_string(out);
    if (!probe)
        out[0] = 0; /* not valid UTF-8: show nothing rather than garbage */
    json_decref(probe);
}

/* Storage and views for this job (storage.c); 0, or -1 out of memory. */
static int wk_program_kv(const wk_request *req, const wk_exec_limits *lim, hostapi_ctx *h)
{
    hostapi_kv_config kc = {.near_rpc_url = lim ? lim->views_rpc_url : NULL};
    /* the coordinator derives whose store it is from the lease (docs/program-api.md, "Whose store") */
    if (lim && lim->storage_url && req->lease_id && *req->lease_id)
        kc.store = hostapi_store_coordinator(lim->storage_url, lim->storage_token, req->lease_id, NULL, NULL);
    if (!kc.store && !kc.near_rpc_url)
        return 0;
    return hostapi_ctx_set_kv(h, &kc);
}

void wk_execute(const wk_request *req, const uint8_t *wasm, size_t wasm_len, json_t *secrets, const wk_exec_limits *lim,
                wk_result *res)
{
    memset(res, 0, sizeof *res);
    char aerr[200];
    if (req->http_allow && !hostapi_allow_validate(req->http_allow, aerr, sizeof aerr)) {
        /* it got past the contract (an older contract, or another caller of
         * the coordinator): the job fails before the program runs */
        wk_result_fail(res, "execution_failed", "The request's http_allow is malformed: %s", aerr);
        return;
    }
    size_t env_n = 0;
    char **env = wk_build_env(req, secrets, &env_n);
    size_t max_out = lim && lim->max_output_bytes ? lim->max_output_bytes : WK_DEFAULT_MAX_OUTPUT;
    runner_options o = {
        .wasm = wasm,
        .wasm_len = wasm_len,
        .input = (const uint8_t *)req->input,
        .input_len = req->input_len,
        .env = (const char *const *)env,
        .env_count = env_n,
        .fuel = req->max_instructions,
        .max_memory_mb = req->max_memory_mb ? req->max_memory_mb : 1,
        .timeout_ms = req->max_execution_seconds ? req->max_execution_seconds * 1000 : 1,
        .stdout_cap = max_out,
    };
    /* Random and clocks are deterministic, derived from the request and a
     * recorded nonce, so the run can be repeated (outlayer verify). */
    if (lim && lim->replay_nonce)
        memcpy(res->replay_nonce, lim->replay_nonce, WK_NONCE_LEN);
    else
        randombytes_buf(res->replay_nonce, WK_NONCE_LEN);
    res->has_replay_nonce = true;
    runner_replay replay = {0};
    wk_replay_seed(req, res->replay_nonce, replay.seed);
    json_t *bts = json_object_get(req->context, "block_timestamp");
    if (json_is_integer(bts) && json_integer_value(bts) > 0)
        replay.realtime_base_ns = (uint64_t)json_integer_value(bts);
    o.replay = &replay;
    /* outlayer_v1 is always offered, so programs that use it link; with no
     * allow-list every request is refused (EDISABLED). */
    hostapi_config hc = {.http_allow = lim ? lim->http_allow : NULL, .request_http_allow = req->http_allow};
    if (lim) {
        /* issue 16: a private CA, the VRF key bound to this request, transcripts */
        hc.ca_file = lim->http_ca_file;
        hc.vrf_seed = lim->vrf_seed;
        hc.vrf_contract_id = lim->vrf_contract_id;
        hc.vrf_request_id = req->request_id;
        hc.record_transcript = lim->record_transcript;
        hc.replay_transcript = lim->http_replay;
        hc.replay_transcript_len = lim->http_replay_len;
    }
    char herr[200] = "out of host memory";
    hostapi_ctx *hapi = hostapi_ctx_new_checked(&hc, herr, sizeof herr);
    if (hapi && wk_program_kv(req, lim, hapi)) {
        hostapi_ctx_free(hapi);
        hapi = NULL;
    }
    o.hostapi = hapi;
    runner_result rr;
    uint64_t t0 = wk_now_ms();
    if (req->max_instructions == 0) {
        /* runner treats 0 as "default"; a request for zero instructions gets none. */
        memset(&rr, 0, sizeof rr);
        rr.status = RUNNER_TRAP;
        rr.limit = RUNNER_LIMIT_FUEL;
    } else {
        if (hapi)
            runner_run(&o, &rr);
        else {
            memset(&rr, 0, sizeof rr);
            rr.status = RUNNER_INTERNAL;
            snprintf(rr.message, sizeof rr.message, "%s", herr);
        }
    }
    if (hapi) {
        hostapi_transcript(hapi, res->http_transcript, &res->http_requests);
        res->transcript_calls = hostapi_transcript_calls(hapi);
        res->vrf_calls = hostapi_vrf_calls(hapi);
        res->vrf_keyless_calls = hostapi_vrf_keyless_calls(hapi);
        hostapi_vrf_public_key(hapi, res->vrf_public_key);
        size_t tlen = 0;
        const uint8_t *tb = hostapi_transcript_bytes(hapi, &tlen);
        if (tb && (res->http_transcript_bytes = malloc(tlen ? tlen : 1))) {
            memcpy(res->http_transcript_bytes, tb, tlen);
            res->http_transcript_len = tlen;
        }
        res->http_replay_incomplete = !hostapi_replay_complete(hapi);
        if (*hostapi_kv_store_error(hapi))
            WK_WARN("request %" PRIu64 ": program storage: %s", req->request_id, hostapi_kv_store_error(hapi));
        hostapi_ctx_free(hapi);
    }
    wk_env_free(env, env_n);
    res->time_ms = wk_now_ms() - t0;
    res->instructions = rr.instructions;
    res->executed = rr.instructions;
    char errtext[600];
    switch (rr.status) {
    case RUNNER_OK:
#ifdef OUTLAYER_TEST_TAMPER_OUTPUT
        /* Test-only (tests/verify: a dishonest worker, built into a separate
         * binary, never the shipped one): resolves an output the program
         * did not write, with a matching output hash. */
        {
            static const char mark[] = "TAMPERED ";
            uint8_t *t = malloc(rr.stdout_len + sizeof mark);
            if (t) {
                memcpy(t, mark, sizeof mark - 1);
                if (rr.stdout_len)
                    memcpy(t + sizeof mark - 1, rr.stdout_data, rr.stdout_len);
                free(rr.stdout_data);
                rr.stdout_data = t;
                rr.stdout_len += sizeof mark - 1;
            }
        }
#endif
        wk_convert_output(req->format, rr.stdout_data ? rr.stdout_data : (const uint8_t *)"", rr.stdout_len, res);
        break;
    case RUNNER_EXIT:
        stderr_text(&rr, errtext, sizeof errtext);
        wk_result_fail(res, "execution_failed", "Program exited with code %d%s%s", rr.exit_code, errtext[0] ? ": " : "",
                       errtext);
        break;
    case RUNNER_TRAP:
        switch (rr.limit) {
        case RUNNER_LIMIT_FUEL:
            wk_result_fail(res, "execution_failed",
                           "Instruction limit exceeded: the program used all %" PRIu64
                           " instructions allowed by max_instructions",
                           req->max_instructions);
            break;
        case RUNNER_LIMIT_MEMORY:
            wk_result_fail(res, "execution_failed",
                           "Memory limit exceeded: the program needed more than max_memory_mb = %u MB",
                           req->max_memory_mb);
            break;
        case RUNNER_LIMIT_TIMEOUT:
            wk_result_fail(res, "execution_failed",
                           "Time limit exceeded: the program ran longer than max_execution_seconds = %" PRIu64 " s",
                           req->max_execution_seconds);
            break;
        case RUNNER_LIMIT_OUTPUT:
            wk_result_fail(res, "execution_failed",
                           "Output too large: the program wrote more than the %zu bytes of output allowed", max_out);
            break;
        case RUNNER_LIMIT_STACK:
            wk_result_fail(res, "execution_failed", "Stack limit exceeded: call stack exhausted (%s)", rr.message);
            break;
        default:
            stderr_text(&rr, errtext, sizeof errtext);
            wk_result_fail(res, "execution_failed", "WASM execution failed: %s%s%s", rr.message,
                           errtext[0] ? "; stderr: " : "", errtext);
        }
        break;
    case RUNNER_LOAD_ERROR:
        wk_result_fail(res, "execution_failed", "Failed to load WASM binary: %s", rr.message);
        break;
    case RUNNER_LINK_ERROR:
        wk_result_fail(res, "execution_failed", "Cannot run the WASM as a WASI command: %s", rr.message);
        break;
    default: wk_result_fail(res, "failed", "Worker internal error while running the program: %s", rr.message);
    }
    if (!res->success) {
        /* As in the reference, a failed run reports no instructions: the
         * contract then charges only the base fee. */
        res->instructions = 0;
        /* The output hash of a failed run is that of what the program wrote
         * before it failed, so its attestation is stored too and `outlayer
         * verify` can check the failure. */
        crypto_hash_sha256(res->output_hash, rr.stdout_data ? rr.stdout_data : (const uint8_t *)"", rr.stdout_len);
        res->has_output_hash = true;
    }
    runner_result_free(&rr);
    sodium_memzero(&replay, sizeof replay);
}

void wk_replay_seed(const wk_request *req, const uint8_t nonce[WK_NONCE_LEN], uint8_t seed[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    static const char domain[] = "outlayer-replay-v1";
    crypto_hash_sha256_update(&st, (const uint8_t *)domain, sizeof domain - 1);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(req->request_id >> (8 * i));
    crypto_hash_sha256_update(&st, le, 8);
    if (req->data_id)
        crypto_hash_sha256_update(&st, (const uint8_t *)req->data_id, strlen(req->data_id));
    crypto_hash_sha256_update(&st, nonce, WK_NONCE_LEN);
    crypto_hash_sha256_final(&st, seed);
}
