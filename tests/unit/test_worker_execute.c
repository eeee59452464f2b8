/* test_worker_execute.c — the worker's execution core: ExecutionRequest
 * parsing, the guest environment (spec §9.6), running the probe program
 * (tests/worker/probe.c) under each limit, output conversion (§9.5), the
 * resolve payload rule (§10.3) and the feed's execution_requested events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

#define PROBE "../../build/tests/worker/probe.wasm"

static uint8_t *probe;
static size_t probe_len;

static int load_probe(void **state)
{
    FILE *f = fopen(PROBE, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    probe_len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    probe = malloc(probe_len);
    size_t got = fread(probe, 1, probe_len, f);
    fclose(f);
    return got == probe_len ? 0 : -1;
}

static int free_probe(void **state)
{
    free(probe);
    return 0;
}

static const char *BASE_REQ =
    "{\"request_id\":7,\"data_id\":\"ab\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"file:///x\","
    "\"hash\":\"00\",\"build_target\":\"wasm32-wasip1\"},\"resource_limits\":{\"max_instructions\":2000000000,"
    "\"max_memory_mb\":16,\"max_execution_seconds\":20},\"input_data\":\"\",\"response_format\":\"Text\","
    "\"context\":{\"sender_id\":\"alice.near\",\"block_height\":12,\"contract_id\":\"outlayer.near\","
    "\"transaction_hash\":\"TXH\",\"gas_burnt\":5},\"user_account_id\":\"alice.near\","
    "\"near_payment_yocto\":\"100\",\"lease_id\":\"L1\",\"lease_seconds\":30,\"attempt\":1}";

/* A request from BASE_REQ with input and format replaced. */
static void make_req(wk_request *r, const char *input, const char *format, uint64_t fuel, uint32_t mem, uint64_t secs)
{
    json_error_t je;
    json_t *o = json_loads(BASE_REQ, 0, &je);
    assert_non_null(o);
    json_object_set_new(o, "input_data", json_string(input));
    json_object_set_new(o, "response_format", json_string(format));
    json_t *l = json_object_get(o, "resource_limits");
    if (fuel)
        json_object_set_new(l, "max_instructions", json_integer((json_int_t)fuel));
    if (mem)
        json_object_set_new(l, "max_memory_mb", json_integer(mem));
    if (secs)
        json_object_set_new(l, "max_execution_seconds", json_integer((json_int_t)secs));
    char err[WK_ERR] = "";
    assert_int_equal(wk_request_parse(o, r, err, sizeof err), 0);
    json_decref(o);
}

static void run(const char *input, const char *format, uint64_t fuel, uint32_t mem, uint64_t secs, wk_result *res)
{
    wk_request r;
    make_req(&r, input, format, fuel, mem, secs);
    wk_exec_limits lim = {.max_output_bytes = 4096};
    wk_execute(&r, probe, probe_len, NULL, &lim, res);
    wk_request_free(&r);
}

static const char *text_of(const wk_result *res) { return json_string_value(json_object_get(res->output, "Text")); }

static void test_parse_request(void **state)
{
    wk_request r;
    make_req(&r, "hi", "Json", 0, 0, 0);
    assert_int_equal(r.request_id, 7);
    assert_string_equal(r.data_id, "ab");
    assert_false(r.source.is_git);
    assert_string_equal(r.source.url, "file:///x");
    assert_int_equal(r.max_instructions, 2000000000);
    assert_int_equal(r.max_memory_mb, 16);
    assert_int_equal(r.format, WK_FMT_JSON);
    assert_string_equal(r.transaction_hash, "TXH");
    assert_string_equal(r.lease_id, "L1");
    assert_int_equal(r.lease_seconds, 30);
    wk_request_free(&r);

    const char *bad[] = {
        "[]",
        "{\"data_id\":\"ab\"}",
        "{\"request_id\":-1,\"data_id\":\"ab\"}",
        "{\"request_id\":1,\"data_id\":\"ab\",\"code_source\":{\"type\":\"Ftp\"},\"resource_limits\":{}}",
        "{\"request_id\":1,\"data_id\":\"ab\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"u\",\"hash\":\"h\"},"
        "\"resource_limits\":{\"max_instructions\":\"9\",\"max_memory_mb\":1,\"max_execution_seconds\":1}}",
        "{\"request_id\":1,\"data_id\":\"ab\",\"code_source\":{\"type\":\"WasmUrl\",\"url\":\"u\",\"hash\":\"h\"},"
        "\"resource_limits\":{\"max_instructions\":9,\"max_memory_mb\":1,\"max_execution_seconds\":1},"
        "\"response_format\":\"Xml\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_error_t je;
        json_t *o = json_loads(bad[i], 0, &je);
        char err[WK_ERR] = "";
        assert_int_equal(wk_request_parse(o, &r, err, sizeof err), -1);
        assert_true(err[0] != 0);
        json_decref(o);
    }
}

static void test_env(void **state)
{
    wk_request r;
    make_req(&r, "", "Text", 0, 0, 0);
    json_error_t je;
    json_t *secrets = json_loads("{\"SECRET_A\":\"1\",\"NEAR_REQUEST_ID\":\"forged\",\"bad=key\":\"x\"}", 0, &je);
    size_t n;
    char **env = wk_build_env(&r, secrets, &n);
    int saw_secret = 0, saw_id = 0, saw_sender = 0, saw_height = 0, saw_bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(env[i], "SECRET_A=1") == 0)
            saw_secret++;
        if (strncmp(env[i], "NEAR_REQUEST_ID=", 16) == 0) {
            saw_id++;
            assert_string_equal(env[i], "NEAR_REQUEST_ID=7");
        }
        if (strcmp(env[i], "NEAR_SENDER_ID=alice.near") == 0)
            saw_sender++;
        if (strcmp(env[i], "NEAR_BLOCK_HEIGHT=12") == 0)
            saw_height++;
        if (strstr(env[i], "bad"))
            saw_bad++;
    }
    assert_null(env[n]);
    assert_int_equal(saw_secret, 1);
    assert_int_equal(saw_id, 1);
    assert_int_equal(saw_sender, 1);
    assert_int_equal(saw_height, 1);
    assert_int_equal(saw_bad, 0);
    wk_env_free(env, n);
    json_decref(secrets);
    wk_request_free(&r);
}

static void test_run_ok_formats(void **state)
{
    wk_result res;
    run("echo:Heads", "Text", 0, 0, 0, &res);
    assert_true(res.success);
    assert_string_equal(text_of(&res), "Heads");
    assert_true(res.instructions > 0);
    wk_result_free(&res);

    run("json", "Json", 0, 0, 0, &res);
    assert_true(res.success);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(res.output, "Json"), "answer")), 42);
    wk_result_free(&res);

    run("bytes", "Bytes", 0, 0, 0, &res);
    assert_true(res.success);
    json_t *arr = json_object_get(res.output, "Bytes");
    assert_int_equal(json_array_size(arr), 256);
    assert_int_equal(json_integer_value(json_array_get(arr, 255)), 255);
    wk_result_free(&res);

    run("badjson", "Json", 0, 0, 0, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "Failed to parse output as JSON"));
    wk_result_free(&res);

    run("bytes", "Text", 0, 0, 0, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "not valid UTF-8"));
    wk_result_free(&res);

    run("env", "Text", 0, 0, 0, &res);
    assert_true(res.success);
    assert_non_null(strstr(text_of(&res), "NEAR_CONTRACT_ID=outlayer.near\n"));
    assert_non_null(strstr(text_of(&res), "NEAR_MAX_MEMORY_MB=16\n"));
    assert_non_null(strstr(text_of(&res), "NEAR_PAYMENT_YOCTO=100\n"));
    wk_result_free(&res);
}

static void test_run_limits(void **state)
{
    wk_result res;
    run("spin", "Text", 50000000, 0, 0, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "Instruction limit exceeded"));
    assert_int_equal(res.instructions, 0);
    wk_result_free(&res);

    run("alloc", "Text", 0, 8, 0, &res);
    /* malloc may fail cleanly inside the guest (then it prints and exits 0)
     * or the grow traps: either way the cap held. */
    if (res.success)
        assert_string_equal(text_of(&res), "malloc failed\n");
    else if (!strstr(res.error, "Memory limit exceeded"))
        fail_msg("alloc: %s", res.error);
    wk_result_free(&res);

    run("wait", "Text", UINT64_C(500000000000), 0, 1, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "Time limit exceeded"));
    assert_true(res.time_ms >= 900 && res.time_ms < 15000);
    wk_result_free(&res);

    run("exit3", "Text", 0, 0, 0, &res);
    assert_false(res.success);
    assert_string_equal(res.error, "Program exited with code 3: bad input");
    wk_result_free(&res);

    run("flood:5000", "Text", 0, 0, 0, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "Output too large"));
    wk_result_free(&res);

    run("flood:4096", "Text", 0, 0, 0, &res);
    assert_true(res.success);
    wk_result_free(&res);

    wk_request r;
    make_req(&r, "", "Text", 0, 0, 0);
    wk_execute(&r, (const uint8_t *)"\0asm\x02\0\0\0", 8, NULL, NULL, &res);
    assert_false(res.success);
    assert_non_null(strstr(res.error, "Failed to load WASM binary"));
    wk_result_free(&res);
    wk_request_free(&r);
}

static void test_resolve_args(void **state)
{
    const char *method;
    wk_result res = {0};
    res.success = true;
    res.output = json_pack("{s:s}", "Text", "Heads");
    res.instructions = 10;
    res.time_ms = 3;
    char *args = wk_resolve_args(5, &res, &method);
    assert_string_equal(method, "resolve_execution");
    assert_string_equal(args, "{\"request_id\":5,\"response\":{\"success\":true,\"output\":{\"Text\":\"Heads\"},"
                              "\"error\":null,\"resources_used\":{\"instructions\":10,\"time_ms\":3,"
                              "\"compile_time_ms\":null},\"compilation_note\":null}}");
    free(args);
    wk_result_free(&res);

    /* Large output: stored by submit_execution_output_and_resolve. */
    char big[3000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = 0;
    res.success = true;
    res.output = json_pack("{s:s}", "Text", big);
    args = wk_resolve_args(5, &res, &method);
    assert_string_equal(method, "submit_execution_output_and_resolve");
    json_error_t je;
    json_t *a = json_loads(args, 0, &je);
    assert_string_equal(json_string_value(json_object_get(json_object_get(a, "output"), "Text")), big);
    assert_true(json_is_true(json_object_get(a, "success")));
    json_decref(a);
    free(args);
    wk_result_free(&res);

    /* A long error is cut at a character boundary, and fits the payload. */
    char err[2000] = "";
    for (int i = 0; i < 600; i++)
        strcat(err, "é"); /* 2 bytes each */
    wk_result_fail(&res, "execution_failed", "%s", err);
    args = wk_resolve_args(5, &res, &method);
    assert_string_equal(method, "resolve_execution");
    a = json_loads(args, 0, &je);
    assert_non_null(a); /* still valid UTF-8 JSON */
    json_t *resp = json_object_get(a, "response");
    char *payload = json_dumps(resp, JSON_COMPACT);
    assert_true(strlen(payload) < 1024);
    assert_non_null(
        strstr(json_string_value(json_object_get(resp, "error")), "(truncated, original size: 1200 bytes)"));
    assert_true(json_is_false(json_object_get(resp, "success")));
    free(payload);
    json_decref(a);
    free(args);
    wk_result_free(&res);
}

static void test_block_events(void **state)
{
    const char *rd =
        "{\"request_id\":3,\"sender_id\":\"bob.near\",\"code_source\":{\"WasmUrl\":{\"url\":\"http://h/p.wasm\","
        "\"hash\":\"aa\",\"build_target\":null}},\"resource_limits\":{\"max_instructions\":1000,"
        "\"max_memory_mb\":8,\"max_execution_seconds\":5},\"input_data\":\"in\",\"secrets_ref\":null,"
        "\"response_format\":\"Json\",\"payment\":\"77\",\"timestamp\":99,\"compile_only\":false,"
        "\"force_rebuild\":false,\"store_on_fastfs\":false}";
    json_t *data_id = json_array();
    for (int i = 0; i < 32; i++)
        json_array_append_new(data_id, json_integer(i == 0 ? 255 : i));
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:o, s:i}]}", "standard", "near-outlayer", "version", "1.0.0", "event",
                  "execution_requested", "data", "request_data", rd, "data_id", data_id, "timestamp", 99);
    char *evs = json_dumps(ev, JSON_COMPACT);
    char log[4096];
    snprintf(log, sizeof log, "EVENT_JSON:%s", evs);
    json_t *block =
        json_pack("{s:[{s:[{s:{s:s, s:s, s:s, s:{s:{s:s}}}, s:{s:{s:[s, s], s:i}}, s:s},"
                  "        {s:{s:s, s:s, s:s}, s:{s:{s:[s], s:i}}, s:s}]}]}",
                  "shards", "receipt_execution_outcomes", "receipt", "receiver_id", "outlayer.near", "receipt_id", "R1",
                  "predecessor_id", "bob.near", "receipt", "Action", "signer_public_key", "ed25519:K",
                  "execution_outcome", "outcome", "logs", "hello", log, "gas_burnt", 123, "tx_hash", "T1",
                  /* the same log from another contract is not ours */
                  "receipt", "receiver_id", "evil.near", "receipt_id", "R2", "predecessor_id", "x", "execution_outcome",
                  "outcome", "logs", log, "gas_burnt", 1, "tx_hash", "T2");
    json_t *creates = NULL;
    char err[WK_ERR] = "";
    assert_int_equal(wk_block_events(block, 42, "outlayer.near", &creates, err, sizeof err), 0);
    assert_int_equal(json_array_size(creates), 1);
    json_t *c = json_array_get(creates, 0);
    assert_int_equal(json_integer_value(json_object_get(c, "request_id")), 3);
    assert_string_equal(json_string_value(json_object_get(c, "data_id")),
                        "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    json_t *cs = json_object_get(c, "code_source");
    assert_string_equal(json_string_value(json_object_get(cs, "type")), "WasmUrl");
    assert_string_equal(json_string_value(json_object_get(cs, "build_target")), "wasm32-wasi");
    assert_string_equal(json_string_value(json_object_get(c, "response_format")), "Json");
    assert_string_equal(json_string_value(json_object_get(c, "near_payment_yocto")), "77");
    json_t *ctx = json_object_get(c, "context");
    assert_int_equal(json_integer_value(json_object_get(ctx, "block_height")), 42);
    assert_string_equal(json_string_value(json_object_get(ctx, "transaction_hash")), "T1");
    assert_string_equal(json_string_value(json_object_get(ctx, "signer_public_key")), "ed25519:K");
    assert_int_equal(json_integer_value(json_object_get(ctx, "gas_burnt")), 123);
    assert_null(json_object_get(c, "secrets_ref"));
    /* The create body parses as an ExecutionRequest (what the coordinator hands back). */
    wk_request r;
    assert_int_equal(wk_request_parse(c, &r, err, sizeof err), 0);
    assert_string_equal(r.source.url, "http://h/p.wasm");
    wk_request_free(&r);
    json_decref(creates);

    /* null = skipped height; a wrong shape is an error (retried, not skipped). */
    assert_int_equal(wk_block_events(json_null(), 1, "outlayer.near", &creates, err, sizeof err), 0);
    assert_int_equal(json_array_size(creates), 0);
    json_decref(creates);
    json_t *bad = json_pack("{s:i}", "shards", 3);
    assert_int_equal(wk_block_events(bad, 1, "outlayer.near", &creates, err, sizeof err), -1);
    json_decref(bad);
    json_decref(block);
    json_decref(ev);
    free(evs);
}

/* The creates of a one-log block whose event carries request_data rd. */
static json_t *creates_for(const char *rd)
{
    json_t *data_id = json_array();
    for (int i = 0; i < 32; i++)
        json_array_append_new(data_id, json_integer(i));
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:o, s:i}]}", "standard", "near-outlayer", "version", "1.0.0", "event",
                  "execution_requested", "data", "request_data", rd, "data_id", data_id, "timestamp", 99);
    char *evs = json_dumps(ev, JSON_COMPACT);
    char log[4096];
    snprintf(log, sizeof log, "EVENT_JSON:%s", evs);
    json_t *block = json_pack("{s:[{s:[{s:{s:s, s:s}, s:{s:{s:[s], s:i}}, s:s}]}]}", "shards",
                              "receipt_execution_outcomes", "receipt", "receiver_id", "outlayer.near", "receipt_id",
                              "R1", "execution_outcome", "outcome", "logs", log, "gas_burnt", 1, "tx_hash", "T1");
    json_t *creates = NULL;
    char err[WK_ERR] = "";
    assert_int_equal(wk_block_events(block, 42, "outlayer.near", &creates, err, sizeof err), 0);
    json_decref(block);
    json_decref(ev);
    free(evs);
    return creates;
}

/* request_execution's http_allow: carried from the event to the request, and
 * a malformed one fails the job before the program runs. */
static void test_request_http_allow(void **state)
{
#define RD_HEAD                                                                                               \
    "{\"request_id\":3,\"sender_id\":\"bob.near\",\"code_source\":{\"WasmUrl\":{\"url\":\"http://h/p.wasm\"," \
    "\"hash\":\"aa\",\"build_target\":null}},\"resource_limits\":{\"max_instructions\":1000,"                 \
    "\"max_memory_mb\":8,\"max_execution_seconds\":5},\"input_data\":\"in\",\"secrets_ref\":null,"            \
    "\"response_format\":\"Text\",\"payment\":\"77\",\"timestamp\":99,\"compile_only\":false,"                \
    "\"force_rebuild\":false,\"store_on_fastfs\":false"
    char err[WK_ERR] = "";
    wk_request r;
    json_t *creates = creates_for(RD_HEAD "}");
    assert_int_equal(json_array_size(creates), 1);
    assert_null(json_object_get(json_array_get(creates, 0), "http_allow"));
    assert_int_equal(wk_request_parse(json_array_get(creates, 0), &r, err, sizeof err), 0);
    assert_null(r.http_allow);
    wk_request_free(&r);
    json_decref(creates);

    creates = creates_for(RD_HEAD ",\"http_allow\":\"api.example.com,*.example.org\"}");
    assert_int_equal(json_array_size(creates), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(creates, 0), "http_allow")),
                        "api.example.com,*.example.org");
    assert_int_equal(wk_request_parse(json_array_get(creates, 0), &r, err, sizeof err), 0);
    assert_string_equal(r.http_allow, "api.example.com,*.example.org");
    wk_request_free(&r);
    json_decref(creates);

    /* not a string: the event is skipped rather than run with a wider policy */
    creates = creates_for(RD_HEAD ",\"http_allow\":[\"api.example.com\"]}");
    assert_int_equal(json_array_size(creates), 0);
    json_decref(creates);

    /* a malformed list that got past the contract fails the job with a reason */
    make_req(&r, "", "Text", 0, 0, 0);
    r.http_allow = strdup("api.example.com,http://evil");
    wk_exec_limits lim = {.max_output_bytes = 4096, .http_allow = "*"};
    wk_result res;
    wk_execute(&r, probe, probe_len, NULL, &lim, &res);
    assert_false(res.success);
    assert_string_equal(res.category, "execution_failed");
    assert_non_null(strstr(res.error, "http_allow is malformed"));
    assert_non_null(strstr(res.error, "http://evil"));
    wk_result_free(&res);
    /* a valid one lets the program run */
    free(r.http_allow);
    r.http_allow = strdup("api.example.com");
    wk_execute(&r, probe, probe_len, NULL, &lim, &res);
    assert_null(res.error);
    wk_result_free(&res);
    wk_request_free(&r);
#undef RD_HEAD
}

static void test_urls_and_cache(void **state)
{
    char *u = wk_feed_block_url("http://h:3030/v0", 42);
    assert_string_equal(u, "http://h:3030/v0/block/42");
    free(u);
    u = wk_feed_block_url("http://h/v0/", 7);
    assert_string_equal(u, "http://h/v0/block/7");
    free(u);
    u = wk_feed_block_url("https://testnet.neardata.xyz/v0/block/{block_id}?x=1", 9);
    assert_string_equal(u, "https://testnet.neardata.xyz/v0/block/9?x=1");
    free(u);

    char out[256], err[WK_ERR];
    assert_int_equal(wk_repo_url("https://github.com/a/b", NULL, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "https://github.com/a/b");
    assert_int_equal(wk_repo_url("github.com/a/b", "git://127.0.0.1:9418", out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "git://127.0.0.1:9418/a/b");
    assert_int_equal(wk_repo_url("https://gitlab.com/a/b", "git://x", out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, "https://gitlab.com/a/b");
    assert_int_equal(wk_repo_url("https://github.com/a/../../etc", NULL, out, sizeof out, err, sizeof err), -1);
    assert_int_equal(wk_repo_url("ssh://git@github.com/a/b", NULL, out, sizeof out, err, sizeof err), -1);
    assert_int_equal(wk_repo_url("file:///etc", NULL, out, sizeof out, err, sizeof err), -1);
    assert_int_equal(wk_repo_url("ext::sh -c touch% /tmp/x", NULL, out, sizeof out, err, sizeof err), -1);

    /* The WASM cache: copies out, least recently used goes first. */
    wk_cache *c = wk_cache_new(10);
    uint8_t a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8}, d[4] = {9, 9, 9, 9};
    wk_cache_put(c, "AA", a, 4);
    wk_cache_put(c, "bb", b, 4);
    size_t len = 0;
    uint8_t *got = wk_cache_get(c, "aa", &len); /* any case; now the most recent */
    assert_non_null(got);
    assert_int_equal(len, 4);
    assert_memory_equal(got, a, 4);
    free(got);
    wk_cache_put(c, "cc", d, 4); /* 12 > 10: bb (least recent) goes */
    assert_null(wk_cache_get(c, "bb", &len));
    got = wk_cache_get(c, "cc", &len);
    assert_non_null(got);
    free(got);
    uint8_t big[11] = {0};
    wk_cache_put(c, "dd", big, sizeof big); /* larger than the cache: not kept */
    assert_null(wk_cache_get(c, "dd", &len));
    wk_cache_free(c);

    char actual[65];
    assert_true(wk_hash_matches((const uint8_t *)"abc", 3,
                                "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", actual));
    assert_false(wk_hash_matches((const uint8_t *)"abd", 3,
                                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", actual));
    assert_false(wk_hash_matches((const uint8_t *)"abc", 3, "ba78", actual));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_request),  cmocka_unit_test(test_env),
        cmocka_unit_test(test_run_ok_formats), cmocka_unit_test(test_run_limits),
        cmocka_unit_test(test_resolve_args),   cmocka_unit_test(test_block_events),
        cmocka_unit_test(test_urls_and_cache), cmocka_unit_test(test_request_http_allow),
    };
    return cmocka_run_group_tests(tests, load_probe, free_probe);
}
