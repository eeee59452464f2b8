/* test_worker_secrets.c — the worker's secrets step (src/worker/secrets.c)
 * against a stand-in keystore on loopback (libmicrohttpd): the /decrypt
 * body the worker sends (accessor by source kind, branch only for a branch
 * name, caller, task_id, request_id, bearer token, signed attestation) and
 * the category each answer maps to (spec worker §8.3 step 4, §11). The real
 * keystore is exercised end to end by `make worker-test`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/http_client.h"
#include "near/encoding.h"
#include "worker/worker.h"

#define HASH "41c1c7b3528565f3fd139943f439d61c0768e9abdb9b579bd0921ecbfcabeded"

/* ------------------------------------------------ the stand-in keystore */
static struct MHD_Daemon *fake;
static char fake_url[64];
static int reply_status = 200;
static char reply_body[1024];
static json_t *last_body;   /* what the worker sent */
static char last_auth[256]; /* its Authorization header */

typedef struct upload {
    char *data;
    size_t len;
} upload;

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *data, size_t *data_len, void **ptr)
{
    upload *u = *ptr;
    if (!u) {
        *ptr = calloc(1, sizeof *u);
        return MHD_YES;
    }
    if (*data_len) {
        u->data = realloc(u->data, u->len + *data_len + 1);
        memcpy(u->data + u->len, data, *data_len);
        u->len += *data_len;
        u->data[u->len] = 0;
        *data_len = 0;
        return MHD_YES;
    }
    json_decref(last_body);
    last_body = strcmp(url, "/decrypt") == 0 && u->data ? json_loads(u->data, 0, NULL) : NULL;
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    snprintf(last_auth, sizeof last_auth, "%s", auth ? auth : "");
    free(u->data);
    free(u);
    *ptr = NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(reply_body), reply_body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result ok = MHD_queue_response(conn, (unsigned)reply_status, r);
    MHD_destroy_response(r);
    return ok;
}

static int start_fake(void **state)
{
    if (sodium_init() < 0 || hc_global_init())
        return -1;
    fake = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve, NULL, MHD_OPTION_END);
    if (!fake)
        return -1;
    snprintf(fake_url, sizeof fake_url, "http://127.0.0.1:%u",
             (unsigned)MHD_get_daemon_info(fake, MHD_DAEMON_INFO_BIND_PORT)->port);
    return 0;
}

static int stop_fake(void **state)
{
    MHD_stop_daemon(fake);
    json_decref(last_body);
    return 0;
}

/* The keystore answers status with body next. */
static void answer(int status, const char *body)
{
    reply_status = status;
    snprintf(reply_body, sizeof reply_body, "%s", body);
}

/* A 200 answer carrying this plaintext map. */
static void answer_secrets(const char *json_text)
{
    char *b64 = near_base64_encode((const uint8_t *)json_text, strlen(json_text));
    char body[900];
    snprintf(body, sizeof body, "{\"plaintext_secrets\":\"%s\"}", b64);
    free(b64);
    answer(200, body);
}

/* ------------------------------------------------------------- fixtures */
static wk_worker W;

static void worker_with(const char *url)
{
    memset(&W, 0, sizeof W);
    W.cfg.keystore_url = (char *)url;
    W.cfg.keystore_token = "ks-token-123";
    W.cfg.tee = "simulated";
    memset(W.exe_hash, 0xab, sizeof W.exe_hash);
    assert_int_equal(near_keypair_generate(&W.chain.keypair), 0);
}

/* A request whose code_source is the given JSON, with secrets_ref unless secrets is false. */
static void request(wk_request *r, const char *code_source, bool secrets, bool with_user)
{
    char text[2048];
    snprintf(
        text, sizeof text,
        "{\"request_id\":77,\"data_id\":\"d4t4\",\"code_source\":%s,\"resource_limits\":{\"max_instructions\":1000,"
        "\"max_memory_mb\":16,\"max_execution_seconds\":5},\"input_data\":\"\",\"response_format\":\"Text\","
        "\"context\":{\"sender_id\":\"bob.near\"}%s%s}",
        code_source, secrets ? ",\"secrets_ref\":{\"profile\":\"prod\",\"account_id\":\"alice.near\"}" : "",
        with_user ? ",\"user_account_id\":\"bob.near\"" : "");
    json_t *o = json_loads(text, 0, NULL);
    assert_non_null(o);
    char err[WK_ERR] = "";
    if (wk_request_parse(o, r, err, sizeof err))
        fail_msg("parse: %s", err);
    json_decref(o);
}

#define WASM_SRC "{\"type\":\"WasmUrl\",\"url\":\"https://x.example/a.wasm\",\"hash\":\"" HASH "\"}"

static int fetch(const wk_request *r, json_t **env, char category[32], char *err)
{
    return wk_fetch_secrets(&W, r, env, category, err, WK_ERR);
}

/* ---------------------------------------------------------------- tests */

static void test_no_secrets_ref_no_call(void **state)
{
    worker_with(fake_url);
    wk_request r;
    request(&r, WASM_SRC, false, true);
    json_decref(last_body);
    last_body = NULL;
    json_t *env = (json_t *)1;
    char cat[32], err[WK_ERR];
    assert_int_equal(fetch(&r, &env, cat, err), 0);
    assert_null(env);
    assert_null(last_body); /* the keystore was not asked */
    wk_request_free(&r);
}

static void test_no_keystore_fails_clearly(void **state)
{
    worker_with(NULL);
    wk_request r;
    request(&r, WASM_SRC, true, true);
    json_t *env = NULL;
    char cat[32], err[WK_ERR];
    assert_int_equal(fetch(&r, &env, cat, err), -1);
    assert_null(env);
    assert_string_equal(cat, "failed");
    assert_non_null(strstr(err, "no keystore configured"));
    assert_non_null(strstr(err, "profile 'prod' of alice.near"));
    wk_request_free(&r);
}

static void test_wasm_hash_body_and_env(void **state)
{
    worker_with(fake_url);
    answer_secrets("{\"API_KEY\":\"v4lue\",\"MODE\":\"x\"}");
    wk_request r;
    request(&r, WASM_SRC, true, true);
    json_t *env = NULL;
    char cat[32], err[WK_ERR];
    if (fetch(&r, &env, cat, err))
        fail_msg("fetch: %s", err);
    assert_string_equal(json_string_value(json_object_get(env, "API_KEY")), "v4lue");
    wk_secrets_free(env);
    assert_string_equal(last_auth, "Bearer ks-token-123");
    json_t *acc = json_object_get(last_body, "accessor");
    assert_string_equal(json_string_value(json_object_get(acc, "type")), "WasmHash");
    assert_string_equal(json_string_value(json_object_get(acc, "hash")), HASH);
    assert_string_equal(json_string_value(json_object_get(last_body, "profile")), "prod");
    assert_string_equal(json_string_value(json_object_get(last_body, "owner")), "alice.near");
    assert_string_equal(json_string_value(json_object_get(last_body, "user_account_id")), "bob.near");
    assert_string_equal(json_string_value(json_object_get(last_body, "task_id")), "d4t4");
    assert_int_equal(json_integer_value(json_object_get(last_body, "request_id")), 77);
    json_t *att = json_object_get(last_body, "attestation");
    assert_string_equal(json_string_value(json_object_get(att, "tee_type")), "simulated");
    char *quote = near_base64_encode(W.exe_hash, 32); /* spec §11: base64(SHA-256(executable)) */
    assert_string_equal(json_string_value(json_object_get(att, "quote")), quote);
    free(quote);
    char pk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&W.chain.keypair.public_key, pk);
    assert_string_equal(json_string_value(json_object_get(att, "worker_pubkey")), pk);
    assert_non_null(json_string_value(json_object_get(att, "signature")));
    wk_request_free(&r);
    /* Without user_account_id the caller is the owner. */
    request(&r, WASM_SRC, true, false);
    if (fetch(&r, &env, cat, err))
        fail_msg("fetch: %s", err);
    wk_secrets_free(env);
    assert_string_equal(json_string_value(json_object_get(last_body, "user_account_id")), "alice.near");
    wk_request_free(&r);
}

static void test_repo_branch_only_for_names(void **state)
{
    worker_with(fake_url);
    answer_secrets("{\"K\":\"v\"}");
    wk_request r;
    json_t *env = NULL;
    char cat[32], err[WK_ERR];
    request(&r, "{\"type\":\"GitHub\",\"repo\":\"https://github.com/Alice/Flip.git\",\"commit\":\"dev\"}", true, true);
    if (fetch(&r, &env, cat, err))
        fail_msg("fetch: %s", err);
    wk_secrets_free(env);
    json_t *acc = json_object_get(last_body, "accessor");
    assert_string_equal(json_string_value(json_object_get(acc, "type")), "Repo");
    assert_string_equal(json_string_value(json_object_get(acc, "repo")), "github.com/alice/flip");
    assert_string_equal(json_string_value(json_object_get(acc, "branch")), "dev");
    wk_request_free(&r);
    /* A commit id names no branch: the key is omitted. */
    request(&r, "{\"type\":\"GitHub\",\"repo\":\"alice/flip\",\"commit\":\"0123456789abcdef0123456789ABCDEF01234567\"}",
            true, true);
    if (fetch(&r, &env, cat, err))
        fail_msg("fetch: %s", err);
    wk_secrets_free(env);
    acc = json_object_get(last_body, "accessor");
    assert_null(json_object_get(acc, "branch"));
    assert_string_equal(json_string_value(json_object_get(acc, "repo")), "github.com/alice/flip");
    wk_request_free(&r);
}

static void expect_category(int status, const char *body, const char *category, const char *needle)
{
    answer(status, body);
    wk_request r;
    request(&r, WASM_SRC, true, true);
    json_t *env = NULL;
    char cat[32], err[WK_ERR];
    assert_int_equal(fetch(&r, &env, cat, err), -1);
    assert_null(env);
    if (strcmp(cat, category) != 0 || !strstr(err, needle))
        fail_msg("%d %s: got %s '%s', wanted %s '%s'", status, body, cat, err, category, needle);
    wk_request_free(&r);
}

static void test_error_categories(void **state)
{
    worker_with(fake_url);
    expect_category(401, "{\"error\":\"Access denied by access condition: bob.near is not whitelisted\"}",
                    "access_denied", "Access to secrets denied");
    expect_category(401, "{}", "access_denied", "Access to secrets denied");
    expect_category(404, "{\"error\":\"Secrets not found\"}", "custom", "Secrets not found for this WASM hash");
    expect_category(400, "{\"error\":\"profile not found\"}", "custom", "Secrets not found");
    expect_category(200, "{\"plaintext_secrets\":\"WzEsMl0=\"}", "custom", "Invalid secrets format"); /* [1,2] */
    expect_category(401, "{\"error\":\"Attestation verification failed: stale\"}", "failed", "Secret access error");
    expect_category(502, "{\"error\":\"rpc down\"}", "failed", "Failed to decrypt secrets");
    /* Nobody listening. */
    worker_with("http://127.0.0.1:9");
    expect_category(200, "{}", "failed", "Failed to send decrypt request");
    /* A WasmUrl hash the keystore could never hold. */
    worker_with(fake_url);
    answer_secrets("{\"K\":\"v\"}");
    wk_request r;
    request(&r, "{\"type\":\"WasmUrl\",\"url\":\"https://x.example/a.wasm\",\"hash\":\"zz\"}", true, true);
    json_t *env = NULL;
    char cat[32], err[WK_ERR];
    assert_int_equal(fetch(&r, &env, cat, err), -1);
    assert_string_equal(cat, "custom");
    wk_request_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_secrets_ref_no_call), cmocka_unit_test(test_no_keystore_fails_clearly),
        cmocka_unit_test(test_wasm_hash_body_and_env), cmocka_unit_test(test_repo_branch_only_for_names),
        cmocka_unit_test(test_error_categories),
    };
    return cmocka_run_group_tests(tests, start_fake, stop_fake);
}
