/* test_keystore_requests.c — the keystore's request logic
 * (src/keystore/decrypt.c, generated.c) with a fake chain: what /decrypt answers when
 * the contract's answer is odd, the branch fallback's choice of key, the
 * caller default, and /add_generated_secret's checks. The same routes over
 * HTTP against the devnet are in tests/keystore/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"
#include "near/encoding.h"
#include "secrets/blob.h"

static char *g_answer;   /* what get_secrets returns */
static int g_view_fails; /* get_secrets fails like a dead RPC */
static char g_last_args[1024];

static int view(void *ctx, const char *contract, const char *method, const char *args, char **result, char *err,
                size_t errlen)
{
    (void)ctx;
    if (g_view_fails)
        return snprintf(err, errlen, "RPC TRANSPORT: connection refused"), -1;
    if (strcmp(method, "get_secrets") == 0) {
        snprintf(g_last_args, sizeof g_last_args, "%s", args);
        *result = strdup(g_answer);
        return 0;
    }
    if (strcmp(method, "ft_balance_of") == 0)
        return *result = strdup("\"5\""), 0;
    if (strcmp(method, "get_request") == 0) {
        if (!strstr(args, "\"request_id\":3}"))
            return *result = strdup("null"), 0;
        /* as the contract writes it: payment is a bare u128 number */
        *result = strdup("{\"request_id\":3,\"sender_id\":\"bob.near\",\"payment\":100000000000000000000000,"
                         "\"code_source\":{\"GitHub\":{\"repo\":\"https://github.com/A/B.git\",\"commit\":\"main\"}},"
                         "\"secrets_ref\":{\"profile\":\"p\",\"account_id\":\"alice.near\"}}");
        return 0;
    }
    return snprintf(err, errlen, "%s has no method %s", contract, method), -1;
}

static ks_state ks;

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR);
    memset(&ks, 0, sizeof ks);
    memset(ks.master, 0x42, sizeof ks.master);
    ks.contract_id = "outlayer.near";
    ks.chain = (sec_chain){NULL, view, NULL};
    return 0;
}

static char *seal(const char *seed, const char *text)
{
    sec_keys k;
    char err[256];
    assert_int_equal(sec_kdf_derive(ks.master, seed, &k), 0);
    char *b = sec_blob_seal(k.pk, (const uint8_t *)text, strlen(text), err, sizeof err);
    sec_keys_wipe(&k);
    return b;
}

static void set_answer(const char *blob, const char *access, const char *branch)
{
    free(g_answer);
    json_t *a = json_pack("{s:s,s:o,s:{s:{s:s,s:o}}}", "encrypted_secrets", blob, "access",
                          json_loads(access, JSON_DECODE_ANY, NULL), "accessor", "Repo", "repo", "github.com/a/b",
                          "branch", branch ? json_string(branch) : json_null());
    g_answer = json_dumps(a, JSON_COMPACT);
    json_decref(a);
}

static int decrypt(const char *body_text, char *msg, size_t msglen, json_t **secrets)
{
    json_t *req = json_loads(body_text, 0, NULL);
    assert_non_null(req);
    ks_reply r = {0, NULL};
    ks_decrypt(&ks, req, &r);
    json_decref(req);
    assert_non_null(r.body);
    snprintf(msg, msglen, "%s", json_string_value(json_object_get(r.body, "error")) ?: "");
    if (secrets)
        *secrets = NULL;
    if (r.status == 200 && secrets) {
        uint8_t *plain;
        size_t n;
        assert_int_equal(
            near_base64_decode(json_string_value(json_object_get(r.body, "plaintext_secrets")), &plain, &n), 0);
        *secrets = json_loadb((char *)plain, n, 0, NULL);
        free(plain);
    }
    json_decref(r.body);
    return r.status;
}

#define REQ(branch, caller)                                                \
    "{\"accessor\":{\"type\":\"Repo\",\"repo\":\"a/b\",\"branch\":" branch \
    "},\"profile\":\"p\",\"owner\":\"alice.near\"" caller "}"

static void test_decrypt_paths(void **state)
{
    (void)state;
    char msg[512];
    json_t *s;
    /* branch request served by the all-branches entry: the all-branches key */
    char *any = seal("github.com/a/b:alice.near", "{\"K\":\"any\"}");
    set_answer(any, "\"AllowAll\"", NULL);
    assert_int_equal(decrypt(REQ("\"main\"", ""), msg, sizeof msg, &s), 200);
    assert_string_equal(json_string_value(json_object_get(s, "K")), "any");
    json_decref(s);
    /* the contract was asked for the normalised repo and the branch */
    assert_non_null(strstr(g_last_args, "\"repo\":\"github.com/a/b\",\"branch\":\"main\""));
    /* the branch entry itself: the branch key */
    char *br = seal("github.com/a/b:alice.near:main", "{\"K\":\"main\"}");
    set_answer(br, "\"AllowAll\"", "main");
    assert_int_equal(decrypt(REQ("\"main\"", ""), msg, sizeof msg, &s), 200);
    assert_string_equal(json_string_value(json_object_get(s, "K")), "main");
    json_decref(s);
    /* the caller defaults to the owner */
    set_answer(any, "{\"Whitelist\":{\"accounts\":[\"alice.near\"]}}", NULL);
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, &s), 200);
    json_decref(s);
    assert_int_equal(decrypt(REQ("null", ",\"user_account_id\":\"bob.near\""), msg, sizeof msg, NULL), 401);
    assert_non_null(strstr(msg, "Access denied by access condition: bob.near is not in the whitelist"));
    /* a condition needing a balance with no balance function: denial, reason */
    set_answer(any, "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"1\"}}", NULL);
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 401);
    assert_non_null(strstr(msg, "no NEAR RPC configured"));
    /* job binding */
    set_answer(any, "\"AllowAll\"", NULL);
    assert_int_equal(decrypt(REQ("null", ",\"user_account_id\":\"bob.near\",\"request_id\":3"), msg, sizeof msg, &s),
                     200);
    json_decref(s);
    assert_int_equal(
        decrypt(REQ("null", ",\"user_account_id\":\"bob.near\",\"request_id\":\"3\""), msg, sizeof msg, &s), 200);
    json_decref(s);
    assert_int_equal(decrypt(REQ("null", ",\"user_account_id\":\"eve.near\",\"request_id\":3"), msg, sizeof msg, NULL),
                     401);
    assert_non_null(strstr(msg, "was sent by bob.near"));
    assert_int_equal(decrypt(REQ("null", ",\"request_id\":4"), msg, sizeof msg, NULL), 401);
    assert_non_null(strstr(msg, "not pending"));
    assert_int_equal(decrypt(REQ("null", ",\"request_id\":-1"), msg, sizeof msg, NULL), 401);
    ks.require_request = true;
    assert_int_equal(decrypt(REQ("null", ",\"user_account_id\":\"bob.near\""), msg, sizeof msg, NULL), 401);
    assert_non_null(strstr(msg, "request_id"));
    ks.require_request = false;
    /* odd answers from the contract */
    free(g_answer), g_answer = strdup("not json");
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 502);
    free(g_answer), g_answer = strdup("{\"access\":\"AllowAll\"}");
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 502);
    assert_non_null(strstr(msg, "encrypted_secrets"));
    free(g_answer), g_answer = strdup("{\"encrypted_secrets\":\"b2wB\"}");
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 401); /* no access: denied */
    assert_non_null(strstr(msg, "missing"));
    free(g_answer), g_answer = strdup("null");
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 404);
    g_view_fails = 1;
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 502);
    assert_non_null(strstr(msg, "connection refused"));
    g_view_fails = 0;
    /* bad requests */
    assert_int_equal(decrypt("{\"profile\":\"p\",\"owner\":\"alice.near\"}", msg, sizeof msg, NULL), 400);
    assert_int_equal(decrypt(REQ("5", ""), msg, sizeof msg, NULL), 400);
    assert_int_equal(decrypt(REQ("null", ",\"user_account_id\":\"NOT VALID\""), msg, sizeof msg, NULL), 400);
    assert_int_equal(decrypt(REQ("null", ",\"task_id\":7"), msg, sizeof msg, NULL), 400);
    /* no contract configured */
    ks.contract_id = NULL;
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 503);
    ks.contract_id = "outlayer.near";
    /* --require-attestation without an attestation */
    ks.require_attestation = true;
    assert_int_equal(decrypt(REQ("null", ""), msg, sizeof msg, NULL), 401);
    assert_non_null(strstr(msg, "Attestation verification failed"));
    ks.require_attestation = false;
    free(any);
    free(br);
    free(g_answer), g_answer = NULL;
}

static void test_bearer(void **state)
{
    (void)state;
    ks_state k = {0};
    const char *why;
    assert_int_equal(ks_add_token(&k, "tok-1"), 0);
    /* sha256("abc") */
    assert_int_equal(ks_add_token_hash(&k, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), 0);
    assert_int_equal(ks_add_token_hash(&k, "xyz"), -1);
    assert_int_equal(ks_check_bearer(&k, "Bearer tok-1", &why), 0);
    assert_int_equal(ks_check_bearer(&k, "Bearer abc", &why), 0);
    assert_int_equal(ks_check_bearer(&k, "Bearer tok-2", &why), -1);
    assert_string_equal(why, "Invalid token");
    assert_int_equal(ks_check_bearer(&k, "bearer tok-1", &why), -1);
    assert_int_equal(ks_check_bearer(&k, "Bearer ", &why), -1);
    assert_int_equal(ks_check_bearer(&k, NULL, &why), -1);
    assert_string_equal(why, "Missing Authorization header");
}

static void test_generated(void **state)
{
    (void)state;
    ks_reply r = {0, NULL};
    json_t *req =
        json_loads("{\"seed\":\"a/b:alice.near\",\"new_secrets\":[{\"name\":\"PROTECTED_A\",\"generation_type\":"
                   "\"hex16\"},{\"name\":\"PROTECTED_A\",\"generation_type\":\"hex16\"}]}",
                   0, NULL);
    ks_add_generated(&ks, req, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(json_string_value(json_object_get(r.body, "error")), "twice"));
    json_decref(r.body);
    json_decref(req);
    req = json_loads(
        "{\"seed\":\"a/b:alice.near\",\"new_secrets\":[{\"name\":\"PROTECTED_A\",\"generation_type\":\"hex16\"}]}", 0,
        NULL);
    ks_add_generated(&ks, req, &r);
    assert_int_equal(r.status, 200);
    const char *blob = json_string_value(json_object_get(r.body, "encrypted_data_base64"));
    assert_memory_equal(blob, "b2wC", 4);
    /* it decrypts under the normalised seed, as a keystore-made blob */
    sec_keys k;
    uint8_t *plain;
    size_t n;
    sec_blob_kind kind;
    char err[256];
    assert_int_equal(sec_kdf_derive(ks.master, "github.com/a/b:alice.near", &k), 0);
    assert_int_equal(sec_blob_open(&k, blob, &plain, &n, &kind, err, sizeof err), 0);
    assert_int_equal(kind, SEC_BLOB_KEYSTORE);
    json_t *m = json_loadb((char *)plain, n, 0, NULL);
    assert_int_equal(strlen(json_string_value(json_object_get(m, "PROTECTED_A"))), 32);
    json_decref(m);
    sec_wipe_free(plain, n + 1);
    sec_keys_wipe(&k);
    json_decref(r.body);
    json_decref(req);
    /* too many at once */
    json_t *list = json_array();
    for (int i = 0; i <= KS_NEW_SECRETS_MAX; i++) {
        char name[32];
        snprintf(name, sizeof name, "PROTECTED_%d", i);
        json_array_append_new(list, json_pack("{s:s,s:s}", "name", name, "generation_type", "hex16"));
    }
    req = json_pack("{s:s,s:o}", "seed", "a/b:alice.near", "new_secrets", list);
    ks_add_generated(&ks, req, &r);
    assert_int_equal(r.status, 400);
    json_decref(r.body);
    json_decref(req);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decrypt_paths),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_generated),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
