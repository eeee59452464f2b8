/* test_keystore.c — the real outlayer-keystore against a real
 * outlayer-devnet running the OutLayer contract: secrets are sealed on the
 * client side, stored with store_secrets, and read back through /decrypt
 * for allowed and denied callers; then the RPC goes down.
 * Every log and data file is scanned for the secret values at the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devnet_harness.h"
#include "ks_harness.h"
#include "near/encoding.h"
#include "secrets/attest.h"
#include "secrets/blob.h"
#include "secrets/client.h"
#include "secrets/kdf.h"

#define OUTLAYER "outlayer.test.near"
#define ALICE "alice.test.near"
#define BOB "bob.test.near"
#define CAROL "carol.test.near"
#define REPO "github.com/alice/project"
#define HASH "41c1c7b3528565f3fd139943f439d61c0768e9abdb9b579bd0921ecbfcabeded"
#define SECRET_VALUE "sk-live-7f3a9c-recognisable-secret"
#define MASTER_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static dn_node node;
static dn_node n2; /* test_request_binding's; stopped by teardown if an assertion skipped that */
static ks_node ks;
static near_credentials outlayer, alice, bob, carol;

/* ------------------------------------------------------------- helpers */

static char *pubkey_for(const char *seed)
{
    json_t *out;
    int st = ks_post(&ks, "/pubkey", KS_TEST_TOKEN, json_pack("{s:s}", "seed", seed), &out);
    assert_int_equal(st, 200);
    char *pk = strdup(json_string_value(json_object_get(out, "pubkey")));
    json_decref(out);
    return pk;
}

/* Seals text to the keystore's key for seed, as `outlayer secrets encrypt` does. */
static char *seal_for(const char *seed, const char *text)
{
    char *hex = pubkey_for(seed), err[256];
    uint8_t pk[32];
    assert_int_equal(sec_unhex(hex, pk, 32), 0);
    free(hex);
    char *b64 = sec_blob_seal(pk, (const uint8_t *)text, strlen(text), err, sizeof err);
    assert_non_null(b64);
    return b64;
}

/* store_secrets as `who`; accessor and access are JSON text. */
static void store(const near_credentials *who, const char *accessor, const char *profile, const char *blob,
                  const char *access)
{
    char *args = NULL;
    assert_true(asprintf(&args,
                         "{\"accessor\":%s,\"profile\":\"%s\",\"encrypted_secrets_base64\":\"%s\",\"access\":%s}",
                         accessor, profile, blob, access) > 0);
    near_outcome o;
    near_rpc_error err = {0};
    near_status st =
        dn_call(&node, who, OUTLAYER, "store_secrets", args, DN_NEAR / 10, NEAR_WAIT_FINAL, &o, &err, NULL);
    if (st != NEAR_OK)
        fail_msg("store_secrets %s: %s %s", profile, near_status_name(st), o.failure_message);
    near_outcome_free(&o);
    near_rpc_error_clear(&err);
    free(args);
}

/* /decrypt: returns the status; *secrets the decoded map on 200, *error the message otherwise. */
static int decrypt(const char *accessor, const char *profile, const char *owner, const char *caller, json_t **secrets,
                   char *error, size_t errlen)
{
    json_t *acc = json_loads(accessor, 0, NULL);
    assert_non_null(acc);
    json_t *body = json_pack("{s:o,s:s,s:s,s:s,s:s}", "accessor", acc, "profile", profile, "owner", owner,
                             "user_account_id", caller, "task_id", "job-1");
    json_t *out;
    int st = ks_post(&ks, "/decrypt", KS_TEST_TOKEN, body, &out);
    *secrets = NULL;
    if (error)
        snprintf(error, errlen, "%s", json_string_value(json_object_get(out, "error")) ?: "");
    if (st == 200) {
        const char *b64 = json_string_value(json_object_get(out, "plaintext_secrets"));
        assert_non_null(b64);
        uint8_t *plain;
        size_t n;
        assert_int_equal(near_base64_decode(b64, &plain, &n), 0);
        *secrets = json_loadb((const char *)plain, n, 0, NULL);
        assert_non_null(*secrets);
        free(plain);
    }
    json_decref(out);
    return st;
}

#define REPO_ANY "{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":null}"
#define CONTRACT_REPO_ANY "{\"Repo\":{\"repo\":\"" REPO "\",\"branch\":null}}"
#define SEED_ANY REPO ":" ALICE
#define SECRETS_JSON "{\"API_KEY\":\"" SECRET_VALUE "\",\"MODE\":\"test\"}"

static void expect_granted(const char *accessor, const char *profile, const char *caller, const char *key,
                           const char *value)
{
    json_t *s;
    char err[512];
    int st = decrypt(accessor, profile, ALICE, caller, &s, err, sizeof err);
    if (st != 200)
        fail_msg("%s/%s for %s: %d %s", accessor, profile, caller, st, err);
    const char *got = json_string_value(json_object_get(s, key));
    if (value)
        assert_string_equal(got, value);
    else
        assert_non_null(got);
    json_decref(s);
}

static void expect_error(const char *accessor, const char *profile, const char *caller, int status, const char *needle)
{
    json_t *s;
    char err[512];
    int st = decrypt(accessor, profile, ALICE, caller, &s, err, sizeof err);
    if (st != status || !strstr(err, needle))
        fail_msg("%s/%s for %s: got %d '%s', wanted %d '%s'", accessor, profile, caller, st, err, status, needle);
    assert_null(s);
}

/* --------------------------------------------------------------- setup */

static int setup(void **state)
{
    (void)state;
    if (dn_start(&node, 20, NULL))
        return -1;
    if (dn_create_account(&node, &node.test_root, OUTLAYER, 20 * DN_NEAR, &outlayer) ||
        dn_create_account(&node, &node.test_root, ALICE, 20 * DN_NEAR, &alice) ||
        dn_create_account(&node, &node.test_root, BOB, 20 * DN_NEAR, &bob) ||
        dn_create_account(&node, &node.test_root, CAROL, DN_NEAR, &carol))
        return -1;
    if (dn_deploy(&node, &outlayer, "build/contracts/outlayer.wasm",
                  "{\"owner_id\":\"test.near\",\"operator_id\":\"" OUTLAYER "\"}"))
        return -1;
    const char *args[] = {"--near-rpc-url", node.url, "--contract-id", OUTLAYER, NULL};
    if (ks_start(&ks, NULL, args, NULL)) {
        fprintf(stderr, "keystore did not start; see %s\n", ks.log);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    int problems = ks_stop(&ks);
    if (n2.pid > 0)
        dn_stop(&n2, false);
    problems += dn_finish(&node);
    ks_cleanup(&ks);
    return problems ? -1 : 0;
}

/* ---------------------------------------------------------------- tests */

static void test_auth_and_health(void **state)
{
    (void)state;
    json_t *out;
    assert_int_equal(ks_get(&ks, "/health", &out), 200);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "ok");
    json_decref(out);
    assert_int_equal(ks_post(&ks, "/pubkey", NULL, json_pack("{s:s}", "seed", SEED_ANY), &out), 401);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "Missing Authorization"));
    json_decref(out);
    assert_int_equal(ks_post(&ks, "/pubkey", "wrong-token", json_pack("{s:s}", "seed", SEED_ANY), &out), 401);
    assert_string_equal(json_string_value(json_object_get(out, "error")), "Invalid token");
    json_decref(out);
    assert_int_equal(ks_post(&ks, "/decrypt", "wrong-token", json_object(), &out), 401);
    json_decref(out);
    /* every normalised spelling of the repo gives the same key */
    char *a = pubkey_for(SEED_ANY), *b = pubkey_for("https://github.com/Alice/project.git:" ALICE),
         *c = pubkey_for("alice/project:" ALICE), *d = pubkey_for(SEED_ANY ":main");
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    assert_string_not_equal(a, d);
    free(a), free(b), free(c), free(d);
    /* bad input: 400 with a reason */
    assert_int_equal(ks_post(&ks, "/pubkey", KS_TEST_TOKEN, json_pack("{s:s}", "seed", "nope"), &out), 400);
    json_decref(out);
    assert_int_equal(ks_post(&ks, "/pubkey", KS_TEST_TOKEN,
                             json_pack("{s:s,s:s}", "seed", SEED_ANY, "secrets_json", "{\"PROTECTED_X\":\"v\"}"), &out),
                     400);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "PROTECTED_"));
    json_decref(out);
    assert_int_equal(
        ks_post(&ks, "/pubkey", KS_TEST_TOKEN,
                json_pack("{s:s,s:{s:{s:s}}}", "seed", SEED_ANY, "access", "AccountPattern", "pattern", "(unclosed"),
                &out),
        400);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "invalid pattern"));
    json_decref(out);
}

static void test_allow_whitelist_pattern_balance(void **state)
{
    (void)state;
    char *blob = seal_for(SEED_ANY, SECRETS_JSON);
    store(&alice, CONTRACT_REPO_ANY, "default", blob, "\"AllowAll\"");
    store(&alice, CONTRACT_REPO_ANY, "wl", blob, "{\"Whitelist\":{\"accounts\":[\"" BOB "\"]}}");
    store(&alice, CONTRACT_REPO_ANY, "pat", blob, "{\"AccountPattern\":{\"pattern\":\"bob\"}}");
    store(&alice, CONTRACT_REPO_ANY, "pat2", blob, "{\"AccountPattern\":{\"pattern\":\"[a-z]+\\\\.test\\\\.near\"}}");
    store(&alice, CONTRACT_REPO_ANY, "rich", blob,
          "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"5000000000000000000000000\"}}");
    store(&alice, CONTRACT_REPO_ANY, "notcarol", blob,
          "{\"Not\":{\"condition\":{\"Whitelist\":{\"accounts\":[\"" CAROL "\"]}}}}");
    store(&alice, CONTRACT_REPO_ANY, "badpat", blob, "{\"AccountPattern\":{\"pattern\":\"(unclosed\"}}");
    store(&alice, CONTRACT_REPO_ANY, "ftdown", blob,
          "{\"FtBalance\":{\"contract\":\"nothing-here.test.near\",\"operator\":\"Gte\",\"value\":\"1\"}}");
    free(blob);

    expect_granted(REPO_ANY, "default", CAROL, "API_KEY", SECRET_VALUE);
    expect_granted("{\"type\":\"Repo\",\"repo\":\"https://github.com/alice/project.git\"}", "default", CAROL, "MODE",
                   "test");
    expect_granted("{\"Repo\":{\"repo\":\"alice/project\",\"branch\":null}}", "default", BOB, "MODE", "test");
    expect_granted(REPO_ANY, "wl", BOB, "API_KEY", SECRET_VALUE);
    expect_error(REPO_ANY, "wl", CAROL, 401, "Access denied");
    /* anchored: "bob" does not match bob.test.near (the reference allowed it) */
    expect_error(REPO_ANY, "pat", BOB, 401, "whole account id");
    expect_granted(REPO_ANY, "pat2", BOB, "MODE", "test");
    expect_error(REPO_ANY, "pat2", "bob.evil.near", 401, "does not match");
    expect_granted(REPO_ANY, "rich", BOB, "MODE", "test");
    expect_error(REPO_ANY, "rich", CAROL, 401, "NEAR balance of " CAROL);
    expect_error(REPO_ANY, "rich", "ghost.test.near", 401, "no such account");
    expect_granted(REPO_ANY, "notcarol", BOB, "MODE", "test");
    expect_error(REPO_ANY, "notcarol", CAROL, 401, "Access denied");
    /* a condition the contract accepted but that does not compile denies */
    expect_error(REPO_ANY, "badpat", BOB, 401, "stored condition is invalid");
    /* an RPC failure inside a condition is a denial with its reason */
    expect_error(REPO_ANY, "ftdown", ALICE, 401, "FtBalance check failed");
    /* a profile that was never stored */
    expect_error(REPO_ANY, "nosuchprofile", BOB, 404, "not found");
    /* another repository cannot read them */
    expect_error("{\"type\":\"Repo\",\"repo\":\"github.com/mallory/project\"}", "default", BOB, 404, "not found");
    /* bad requests */
    expect_error("{\"type\":\"Repo\",\"repo\":\"not a repo\"}", "default", BOB, 400, "invalid repository");
    expect_error("{\"type\":\"Zip\"}", "default", BOB, 400, "Repo or WasmHash");
    expect_error(REPO_ANY, "bad profile!", BOB, 400, "profile");
}

static void test_branches_and_hashes(void **state)
{
    (void)state;
    /* a branch-bound secret decrypts (the reference cannot) */
    char *main_blob = seal_for(SEED_ANY ":main", "{\"WHICH\":\"main\"}");
    store(&alice, "{\"Repo\":{\"repo\":\"" REPO "\",\"branch\":\"main\"}}", "br", main_blob, "\"AllowAll\"");
    free(main_blob);
    expect_granted("{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":\"main\"}", "br", BOB, "WHICH", "main");
    /* another branch falls back to the all-branches entry, which has the all-branches key */
    char *any_blob = seal_for(SEED_ANY, "{\"WHICH\":\"any\"}");
    store(&alice, CONTRACT_REPO_ANY, "br", any_blob, "\"AllowAll\"");
    free(any_blob);
    expect_granted("{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":\"dev\"}", "br", BOB, "WHICH", "any");
    expect_granted("{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":\"main\"}", "br", BOB, "WHICH", "main");
    /* a blob sealed for one branch but stored under another does not open */
    char *wrong = seal_for(SEED_ANY ":main", "{\"WHICH\":\"x\"}");
    store(&alice, "{\"Repo\":{\"repo\":\"" REPO "\",\"branch\":\"dev\"}}", "br", wrong, "\"AllowAll\"");
    free(wrong);
    expect_error("{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":\"dev\"}", "br", BOB, 422, "another repository");

    /* WASM hash accessor, hash in upper case on one side */
    char *hblob = seal_for("wasm_hash:" HASH ":" ALICE, "{\"H\":\"yes\"}");
    store(&alice, "{\"WasmHash\":{\"hash\":\"" HASH "\"}}", "default", hblob, "\"AllowAll\"");
    free(hblob);
    expect_granted(
        "{\"type\":\"WasmHash\",\"hash\":\"41C1C7B3528565F3FD139943F439D61C0768E9ABDB9B579BD0921ECBFCABEDED\"}",
        "default", BOB, "H", "yes");
    /* owner is part of the key: bob cannot store under alice's seed and have it read as his */
    char *stolen = seal_for(SEED_ANY, "{\"X\":\"1\"}");
    store(&bob, CONTRACT_REPO_ANY, "default", stolen, "\"AllowAll\"");
    free(stolen);
    json_t *s;
    char err[512];
    assert_int_equal(decrypt(REPO_ANY, "default", BOB, BOB, &s, err, sizeof err), 422);
}

static void test_formats_and_generated(void **state)
{
    (void)state;
    /* the reference's format (spec §A.5 vector) is refused with advice */
    store(&alice, CONTRACT_REPO_ANY, "legacy",
          "AAECAwQFBgcICQoLTbdwMKpQ3F/JwtATTVKMMH7vpNms4foE+kP1vtOmbFVOiL2DWQ==", "\"AllowAll\"");
    expect_error(REPO_ANY, "legacy", BOB, 422, "outlayer secrets encrypt");
    /* a client blob may not carry PROTECTED_ names */
    char *fake = seal_for(SEED_ANY, "{\"PROTECTED_KEY\":\"made-up\"}");
    store(&alice, CONTRACT_REPO_ANY, "fakeprot", fake, "\"AllowAll\"");
    free(fake);
    expect_error(REPO_ANY, "fakeprot", BOB, 422, "PROTECTED_");
    /* reserved names are refused when opened too */
    char *res = seal_for(SEED_ANY, "{\"NEAR_SENDER_ID\":\"spoof\"}");
    store(&alice, CONTRACT_REPO_ANY, "reserved", res, "\"AllowAll\"");
    free(res);
    expect_error(REPO_ANY, "reserved", BOB, 422, "reserved");

    /* generated secrets: made in the keystore, merged with manual ones */
    char *manual = seal_for(SEED_ANY, "{\"MANUAL\":\"m\"}");
    json_t *out;
    json_t *req = json_pack("{s:s,s:s,s:[{s:s,s:s},{s:s,s:s}]}", "seed", "alice/project:" ALICE,
                            "encrypted_secrets_base64", manual, "new_secrets", "name", "PROTECTED_SEED",
                            "generation_type", "hex32", "name", "PROTECTED_PW", "generation_type", "password:20");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 200);
    json_t *keys = json_object_get(out, "all_keys");
    assert_int_equal(json_array_size(keys), 3);
    assert_string_equal(json_string_value(json_array_get(keys, 0)), "MANUAL");
    char *gen = strdup(json_string_value(json_object_get(out, "encrypted_data_base64")));
    json_decref(out);
    store(&alice, CONTRACT_REPO_ANY, "gen", gen, "\"AllowAll\"");
    json_t *s;
    char err[512];
    assert_int_equal(decrypt(REPO_ANY, "gen", ALICE, BOB, &s, err, sizeof err), 200);
    assert_string_equal(json_string_value(json_object_get(s, "MANUAL")), "m");
    assert_int_equal(strlen(json_string_value(json_object_get(s, "PROTECTED_SEED"))), 64);
    assert_int_equal(strlen(json_string_value(json_object_get(s, "PROTECTED_PW"))), 20);
    json_decref(s);
    /* a blob with generated secrets can be extended (the reference refuses) but not overwritten */
    req = json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "seed", SEED_ANY, "encrypted_secrets_base64", gen, "new_secrets", "name",
                    "PROTECTED_MORE", "generation_type", "ed25519");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 200);
    assert_int_equal(json_array_size(json_object_get(out, "all_keys")), 4);
    json_decref(out);
    req = json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "seed", SEED_ANY, "encrypted_secrets_base64", gen, "new_secrets", "name",
                    "PROTECTED_SEED", "generation_type", "hex16");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 400);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "already exist"));
    json_decref(out);
    /* generated names must be PROTECTED_*, types must be known, and the blob must be for this seed */
    req =
        json_pack("{s:s,s:[{s:s,s:s}]}", "seed", SEED_ANY, "new_secrets", "name", "PLAIN", "generation_type", "hex32");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 400);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "PROTECTED_"));
    json_decref(out);
    req = json_pack("{s:s,s:[{s:s,s:s}]}", "seed", SEED_ANY, "new_secrets", "name", "PROTECTED_Z", "generation_type",
                    "rsa4096");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 400);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "Unknown secret type"));
    json_decref(out);
    req = json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "seed", "wasm_hash:" HASH ":" ALICE, "encrypted_secrets_base64", gen,
                    "new_secrets", "name", "PROTECTED_Q", "generation_type", "hex16");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 400);
    json_decref(out);
    req = json_pack("{s:s,s:[]}", "seed", SEED_ANY, "new_secrets");
    assert_int_equal(ks_post(&ks, "/add_generated_secret", KS_TEST_TOKEN, req, &out), 400);
    json_decref(out);
    free(gen);
    free(manual);
}

/* Conditions backed by real contracts on the devnet (tests/keystore/contracts). */
#define FT "ft.test.near"
#define NFT "nft.test.near"
#define DAO "dao.test.near"
#define BIG "1267650600228229401496703205376" /* 2^100: needs u128 */

static void call_ok(const near_credentials *who, const char *receiver, const char *method, const char *args)
{
    near_outcome o;
    near_rpc_error e = {0};
    near_status st = dn_call(&node, who, receiver, method, args, 0, NEAR_WAIT_FINAL, &o, &e, NULL);
    if (st != NEAR_OK)
        fail_msg("%s.%s: %s %s", receiver, method, near_status_name(st), o.failure_message);
    near_outcome_free(&o);
    near_rpc_error_clear(&e);
}

static void test_contract_conditions(void **state)
{
    (void)state;
    near_credentials ft, nft, dao;
    assert_int_equal(dn_create_account(&node, &node.test_root, FT, 5 * DN_NEAR, &ft), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, NFT, 5 * DN_NEAR, &nft), 0);
    assert_int_equal(dn_create_account(&node, &node.test_root, DAO, 5 * DN_NEAR, &dao), 0);
    assert_int_equal(dn_deploy(&node, &ft, "build/tests/keystore/contracts/ft.wasm", NULL), 0);
    assert_int_equal(dn_deploy(&node, &nft, "build/tests/keystore/contracts/nft.wasm", NULL), 0);
    assert_int_equal(dn_deploy(&node, &dao, "build/tests/keystore/contracts/dao.wasm",
                               "{\"policy\":{\"roles\":["
                               "{\"name\":\"council\",\"kind\":{\"Group\":[\"" BOB "\"]},\"permissions\":[\"*:*\"]},"
                               "{\"name\":\"all\",\"kind\":\"Everyone\",\"permissions\":[]},"
                               "{\"name\":\"holders\",\"kind\":{\"Member\":\"100\"},\"permissions\":[]}]}}"),
                     0);
    call_ok(&ft, FT, "mint", "{\"account_id\":\"" BOB "\",\"amount\":\"1000\"}");
    call_ok(&ft, FT, "mint", "{\"account_id\":\"" ALICE "\",\"amount\":\"" BIG "\"}");
    call_ok(&nft, NFT, "mint", "{\"token_id\":\"7\",\"owner_id\":\"" BOB "\"}");
    call_ok(&dao, DAO, "delegate", "{\"account_id\":\"" BOB "\",\"amount\":\"150\"}");
    call_ok(&dao, DAO, "delegate", "{\"account_id\":\"" CAROL "\",\"amount\":\"50\"}");

    char *blob = seal_for(SEED_ANY, SECRETS_JSON);
    store(&alice, CONTRACT_REPO_ANY, "ft", blob,
          "{\"FtBalance\":{\"contract\":\"" FT "\",\"operator\":\"Gte\",\"value\":\"1000\"}}");
    store(&alice, CONTRACT_REPO_ANY, "ftbig", blob,
          "{\"FtBalance\":{\"contract\":\"" FT "\",\"operator\":\"Eq\",\"value\":\"" BIG "\"}}");
    store(&alice, CONTRACT_REPO_ANY, "nft7", blob, "{\"NftOwned\":{\"contract\":\"" NFT "\",\"token_id\":\"7\"}}");
    store(&alice, CONTRACT_REPO_ANY, "nftany", blob, "{\"NftOwned\":{\"contract\":\"" NFT "\",\"token_id\":null}}");
    store(&alice, CONTRACT_REPO_ANY, "nft8", blob, "{\"NftOwned\":{\"contract\":\"" NFT "\",\"token_id\":\"8\"}}");
    store(&alice, CONTRACT_REPO_ANY, "council", blob,
          "{\"DaoMember\":{\"dao_contract\":\"" DAO "\",\"role\":\"council\"}}");
    store(&alice, CONTRACT_REPO_ANY, "everyone", blob,
          "{\"DaoMember\":{\"dao_contract\":\"" DAO "\",\"role\":\"all\"}}");
    store(&alice, CONTRACT_REPO_ANY, "holders", blob,
          "{\"DaoMember\":{\"dao_contract\":\"" DAO "\",\"role\":\"holders\"}}");
    store(&alice, CONTRACT_REPO_ANY, "norole", blob,
          "{\"DaoMember\":{\"dao_contract\":\"" DAO "\",\"role\":\"nobody\"}}");
    store(&alice, CONTRACT_REPO_ANY, "nested", blob,
          "{\"Logic\":{\"operator\":\"And\",\"conditions\":[{\"Logic\":{\"operator\":\"Or\",\"conditions\":["
          "{\"DaoMember\":{\"dao_contract\":\"" DAO "\",\"role\":\"council\"}},"
          "{\"FtBalance\":{\"contract\":\"" FT "\",\"operator\":\"Gt\",\"value\":\"1000000\"}}]}},"
          "{\"Not\":{\"condition\":{\"NftOwned\":{\"contract\":\"" NFT "\",\"token_id\":\"8\"}}}}]}}");
    /* a DAO-shaped condition against a contract that has no get_policy */
    store(&alice, CONTRACT_REPO_ANY, "notdao", blob,
          "{\"DaoMember\":{\"dao_contract\":\"" FT "\",\"role\":\"council\"}}");
    free(blob);

    expect_granted(REPO_ANY, "ft", BOB, "API_KEY", SECRET_VALUE);
    expect_error(REPO_ANY, "ft", CAROL, 401, "FT balance of " CAROL " is 0");
    expect_granted(REPO_ANY, "ftbig", ALICE, "MODE", "test");
    expect_error(REPO_ANY, "ftbig", BOB, 401, "FT balance of " BOB " is 1000");
    expect_granted(REPO_ANY, "nft7", BOB, "MODE", "test");
    expect_error(REPO_ANY, "nft7", CAROL, 401, "does not own token 7");
    expect_granted(REPO_ANY, "nftany", BOB, "MODE", "test");
    expect_error(REPO_ANY, "nftany", CAROL, 401, "owns no token");
    expect_error(REPO_ANY, "nft8", BOB, 401, "does not exist");
    expect_granted(REPO_ANY, "council", BOB, "MODE", "test");
    expect_error(REPO_ANY, "council", CAROL, 401, "is not in role 'council'");
    expect_granted(REPO_ANY, "everyone", CAROL, "MODE", "test");
    expect_granted(REPO_ANY, "holders", BOB, "MODE", "test");
    expect_error(REPO_ANY, "holders", CAROL, 401, "DAO delegation balance of " CAROL " is 50");
    expect_error(REPO_ANY, "norole", BOB, 401, "no role named");
    expect_granted(REPO_ANY, "nested", BOB, "MODE", "test");
    expect_granted(REPO_ANY, "nested", ALICE, "MODE", "test"); /* via the 2^100 FT balance */
    expect_error(REPO_ANY, "nested", CAROL, 401, "none of the 2 Or conditions");
    expect_error(REPO_ANY, "notdao", BOB, 401, "DaoMember check failed");
}

/* ------------------------------------------------- `outlayer secrets` */

static char cred_dir[300];

/* Runs `outlayer secrets ARGS` with stdin from `input`; returns the exit
 * code, stdout and stderr (both malloc'd). */
static int cli(const char *input, char **out, char **err, const char *args)
{
    const char *bin = getenv("OUTLAYER_BIN") ? getenv("OUTLAYER_BIN") : "build/bin/outlayer";
    char in_path[] = "/tmp/ks-cli-in-XXXXXX", out_path[] = "/tmp/ks-cli-out-XXXXXX",
         err_path[] = "/tmp/ks-cli-err-XXXXXX";
    int fi = mkstemp(in_path), fo = mkstemp(out_path), fe = mkstemp(err_path);
    assert_true(fi >= 0 && fo >= 0 && fe >= 0);
    if (input)
        assert_int_equal(write(fi, input, strlen(input)), (ssize_t)strlen(input));
    close(fi), close(fo), close(fe);
    char *cmd = NULL;
    assert_true(asprintf(&cmd, "%s secrets %s <%s >%s 2>%s", bin, args, in_path, out_path, err_path) > 0);
    int st = system(cmd);
    free(cmd);
    size_t n;
    *out = (char *)dn_read_file(out_path, &n);
    *err = (char *)dn_read_file(err_path, &n);
    unlink(in_path), unlink(out_path), unlink(err_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_cli(const char *input, int code, const char *needle, const char *fmt, ...)
{
    char args[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    char *out, *err;
    int rc = cli(input, &out, &err, args);
    if (rc != code || (needle && !strstr(err, needle) && !strstr(out, needle)))
        fail_msg("outlayer secrets %s: exit %d (wanted %d), stdout '%s', stderr '%s', wanted '%s'", args, rc, code, out,
                 err, needle ? needle : "");
    free(out), free(err);
}

static void test_cli(void **state)
{
    (void)state;
    char err[256];
    snprintf(cred_dir, sizeof cred_dir, "%s/cli-credentials", ks.dir);
    assert_int_equal(near_credentials_write(cred_dir, "localnet", &alice, err, sizeof err), 0);
    char chain[1024], key[256];
    snprintf(key, sizeof key, "--keystore %s --keystore-token " KS_TEST_TOKEN, ks.url);
    snprintf(chain, sizeof chain, "--rpc %s --contract " OUTLAYER " --credentials-dir %s --network localnet", node.url,
             cred_dir);

    /* put: KEY=VALUE lines, a whitelist, the exact deposit */
    expect_cli("# comment\nAPI_KEY=" SECRET_VALUE "\n\nMODE = cli\n", 0, "stored profile 'cli'",
               "put --repo https://github.com/alice/project.git --owner " ALICE " --profile cli "
               "--access '{\"Whitelist\":{\"accounts\":[\"" BOB "\"]}}' %s %s",
               key, chain);
    expect_granted(REPO_ANY, "cli", BOB, "MODE", "cli");
    expect_granted(REPO_ANY, "cli", BOB, "API_KEY", SECRET_VALUE);
    expect_error(REPO_ANY, "cli", CAROL, 401, "not in the whitelist");
    /* ls shows it, never the values */
    char *out, *errt, args[2048];
    snprintf(args, sizeof args, "ls --owner " ALICE " %s", chain);
    assert_int_equal(cli(NULL, &out, &errt, args), 0);
    assert_non_null(strstr(out, "cli"));
    assert_non_null(strstr(out, "Whitelist"));
    assert_null(strstr(out, SECRET_VALUE));
    free(out), free(errt);
    /* rm deletes it */
    expect_cli(NULL, 0, "deleted profile 'cli'", "rm --repo alice/project --owner " ALICE " --profile cli %s", chain);
    expect_error(REPO_ANY, "cli", BOB, 404, "not found");

    /* encrypt prints only the blob, which the keystore opens */
    snprintf(args, sizeof args, "encrypt --repo alice/project --branch main --owner " ALICE " %s", key);
    assert_int_equal(cli("{\"TOKEN\":\"abc\"}", &out, &errt, args), 0);
    size_t len = strlen(out);
    assert_true(len > 10 && out[len - 1] == '\n' && strchr(out, '\n') == out + len - 1);
    assert_memory_equal(out, "b2wB", 4);
    out[len - 1] = 0;
    store(&alice, "{\"Repo\":{\"repo\":\"" REPO "\",\"branch\":\"main\"}}", "clienc", out, "\"AllowAll\"");
    expect_granted("{\"type\":\"Repo\",\"repo\":\"" REPO "\",\"branch\":\"main\"}", "clienc", BOB, "TOKEN", "abc");
    free(out), free(errt);
    /* pubkey matches the keystore's, and --pubkey works offline */
    snprintf(args, sizeof args, "pubkey --repo alice/project --owner " ALICE " %s", key);
    assert_int_equal(cli(NULL, &out, &errt, args), 0);
    char *pk = pubkey_for(SEED_ANY);
    assert_memory_equal(out, pk, 64);
    free(out), free(errt);
    expect_cli("A=1\n", 0, "b2wB", "encrypt --repo alice/project --owner " ALICE " --pubkey %s", pk);
    free(pk);

    /* clear errors for bad input */
    expect_cli("A=1\n", 64, "invalid pattern",
               "put --repo alice/project --owner " ALICE
               " --profile x --access '{\"AccountPattern\":{\"pattern\":\"(\"}}' %s %s",
               key, chain);
    expect_cli("PROTECTED_A=1\n", 64, "PROTECTED_", "encrypt --repo alice/project --owner " ALICE " %s", key);
    expect_cli("NEAR_SENDER_ID=x\n", 64, "reserved", "encrypt --repo alice/project --owner " ALICE " %s", key);
    expect_cli("just words\n", 64, "line 1", "encrypt --repo alice/project --owner " ALICE " %s", key);
    expect_cli("{\"A\":1}", 64, "strings", "encrypt --repo alice/project --owner " ALICE " %s", key);
    expect_cli("", 64, "no secrets", "encrypt --repo alice/project --owner " ALICE " %s", key);
    expect_cli("A=1\n", 64, "--owner", "encrypt --repo alice/project %s", key);
    expect_cli("A=1\n", 64, "invalid repository", "encrypt --repo nope --owner " ALICE " %s", key);
    expect_cli("A=1\n", 64, "64 hex", "encrypt --wasm-hash abc --owner " ALICE " %s", key);
    expect_cli("A=1\n", 64, "unknown argument", "encrypt --frobnicate %s", key);
    expect_cli("A=1\n", 70, "Invalid token", "encrypt --repo a/b --owner " ALICE " --keystore %s --keystore-token bad",
               ks.url);
    expect_cli("A=1\n", 70, "cannot reach", "encrypt --repo a/b --owner " ALICE " --keystore http://127.0.0.1:1");
    expect_cli("A=1\n", 66, "credentials", "put --repo a/b --owner " BOB " --profile p %s %s", key, chain);
    expect_cli(NULL, 64, "unknown subcommand", "frob");
    expect_cli(NULL, 0, "ACCESSOR", "--help");
}

/* --require-attestation: only a worker whose key the register contract
 * added (a function-call key for the OutLayer contract) may decrypt. */
#define REGISTER "register.test.near"

static int attested_decrypt(ks_node *k, const near_keypair *kp, long long ts, const char *sign_profile, char *error,
                            size_t errlen)
{
    char who[] = REPO ":" ALICE, text[1024], pk[NEAR_KEY_TEXT_MAX], sig_text[NEAR_KEY_TEXT_MAX];
    sec_attestation_text(text, sizeof text, ts, "job-7", who, sign_profile, BOB);
    near_signature sig;
    assert_int_equal(near_sign(kp, (const uint8_t *)text, strlen(text), &sig), 0);
    near_public_key_format(&kp->public_key, pk);
    near_signature_format(&sig, sig_text);
    json_t *body = json_pack("{s:{s:s,s:s},s:s,s:s,s:s,s:s,s:{s:s,s:s,s:I,s:s,s:s}}", "accessor", "type", "Repo",
                             "repo", REPO, "profile", "default", "owner", ALICE, "user_account_id", BOB, "task_id",
                             "job-7", "attestation", "tee_type", "simulated", "quote", "", "timestamp", (json_int_t)ts,
                             "worker_pubkey", pk, "signature", sig_text);
    json_t *out;
    int st = ks_post(k, "/decrypt", KS_TEST_TOKEN, body, &out);
    snprintf(error, errlen, "%s", json_string_value(json_object_get(out, "error")) ?: "");
    json_decref(out);
    return st;
}

static void test_attestation(void **state)
{
    (void)state;
    near_credentials reg;
    assert_int_equal(dn_create_account(&node, &node.test_root, REGISTER, 5 * DN_NEAR, &reg), 0);
    near_keypair worker, stranger, full;
    assert_int_equal(near_keypair_generate(&worker), 0);
    assert_int_equal(near_keypair_generate(&stranger), 0);
    assert_int_equal(near_keypair_generate(&full), 0);
    /* what the register contract does for an admitted worker */
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, REGISTER, &reg.keypair, REGISTER, &tx), 0);
    const char *methods[] = {"resolve_execution"};
    assert_int_equal(
        near_add_function_call_key(near_tx_actions(&tx), &worker.public_key, 0, NULL, OUTLAYER, methods, 1), 0);
    assert_int_equal(near_add_full_access_key(near_tx_actions(&tx), &full.public_key, 0), 0);
    near_outcome o;
    near_rpc_error e = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &reg.keypair, NEAR_WAIT_FINAL, &o, &e, NULL), NEAR_OK);
    near_outcome_free(&o);

    ks_node k;
    const char *args[] = {
        "--near-rpc-url", node.url, "--contract-id", OUTLAYER, "--require-attestation", "--register-contract",
        REGISTER,         NULL};
    /* the same master as the main keystore, so the stored secrets open */
    char path[400], master_env[128] = "OUTLAYER_KEYSTORE_MASTER=";
    snprintf(path, sizeof path, "%s/master.key", ks.dir);
    FILE *mf = fopen(path, "r");
    assert_non_null(mf);
    assert_non_null(fgets(master_env + strlen(master_env), 65, mf));
    fclose(mf);
    const char *env[] = {master_env, NULL};
    assert_int_equal(ks_start(&k, NULL, args, env), 0);
    char err[512];
    long long now = (long long)time(NULL);
    int st = attested_decrypt(&k, &worker, now, "default", err, sizeof err);
    if (st != 200)
        fail_msg("registered worker: %d %s", st, err);
    /* the worker-side client signs the same way */
    sec_keystore_client kc = {
        .base_url = k.url, .token = KS_TEST_TOKEN, .tee_type = "simulated", .worker_key = &worker};
    sec_decrypt_request dr = {.repo = "https://github.com/alice/project",
                              .profile = "default",
                              .owner = ALICE,
                              .caller = BOB,
                              .task_id = "job-9"};
    json_t *got;
    char msg[512];
    assert_int_equal(sec_keystore_decrypt(&kc, &dr, &got, msg, sizeof msg), SEC_FETCH_OK);
    assert_string_equal(json_string_value(json_object_get(got, "API_KEY")), SECRET_VALUE);
    json_decref(got);
    kc.worker_key = &stranger;
    assert_int_equal(sec_keystore_decrypt(&kc, &dr, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "Secret access error: Attestation verification failed"));
    assert_int_equal(attested_decrypt(&k, &stranger, now, "default", err, sizeof err), 401);
    assert_non_null(strstr(err, "not registered"));
    assert_int_equal(attested_decrypt(&k, &full, now, "default", err, sizeof err), 401); /* not a worker key */
    assert_int_equal(attested_decrypt(&k, &worker, now - 1000, "default", err, sizeof err), 401);
    assert_non_null(strstr(err, "expired"));
    /* a signature over another request does not carry over */
    assert_int_equal(attested_decrypt(&k, &worker, now, "other", err, sizeof err), 401);
    assert_non_null(strstr(err, "does not verify"));
    /* no attestation at all */
    json_t *out;
    assert_int_equal(ks_post(&k, "/decrypt", KS_TEST_TOKEN,
                             json_pack("{s:{s:s,s:s},s:s,s:s}", "accessor", "type", "Repo", "repo", REPO, "profile",
                                       "default", "owner", ALICE),
                             &out),
                     401);
    assert_non_null(strstr(json_string_value(json_object_get(out, "error")), "Attestation verification failed"));
    json_decref(out);
    assert_int_equal(ks_stop(&k), 0);
    ks_cleanup(&k);
    /* --require-attestation without --register-contract refuses to start */
    const char *bad[] = {"--require-attestation", NULL};
    assert_int_equal(ks_start(&k, NULL, bad, NULL), -1);
    ks_cleanup(&k);
}

/* The worker-side client (src/secrets/client.h) against the keystore:
 * the categories and sentences of spec worker §11. */
static void test_client(void **state)
{
    (void)state;
    sec_keystore_client kc = {.base_url = ks.url, .token = KS_TEST_TOKEN};
    sec_decrypt_request r = {
        .repo = "https://github.com/alice/project.git", .profile = "wl", .owner = ALICE, .caller = BOB, .task_id = "7"};
    json_t *env;
    char msg[512];
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_OK);
    assert_string_equal(json_string_value(json_object_get(env, "API_KEY")), SECRET_VALUE);
    json_decref(env);
    r.caller = CAROL;
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_DENIED);
    assert_non_null(strstr(msg, "Access to secrets denied"));
    assert_non_null(strstr(msg, "not in the whitelist"));
    assert_null(env);
    r.profile = "nosuch";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_USER_ERROR);
    assert_string_equal(msg, "Secrets not found for this repository, branch, and profile.");
    r.repo = NULL;
    r.wasm_hash = HASH;
    r.profile = "default";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_OK);
    assert_string_equal(json_string_value(json_object_get(env, "H")), "yes");
    json_decref(env);
    r.profile = "legacy";
    r.wasm_hash = NULL;
    r.repo = REPO;
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "Failed to decrypt secrets"));
    kc.token = "bad";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "Secret access error: Invalid token"));
    kc.base_url = "http://127.0.0.1:1";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &env, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_string_equal(msg, "Failed to send decrypt request");
}

/* Job binding: with request_id the keystore checks the pending request on
 * chain (sender = caller, secrets_ref = owner/profile, code = accessor).
 * A second devnet with 200 ms blocks keeps the request pending (yield
 * timeout 200 blocks = 40 s) for the few calls below. */
static void test_request_binding(void **state)
{
    (void)state;
    near_credentials o2, a2, b2;
    assert_int_equal(dn_start(&n2, 200, NULL), 0);
    assert_int_equal(dn_create_account(&n2, &n2.test_root, OUTLAYER, 20 * DN_NEAR, &o2), 0);
    assert_int_equal(dn_create_account(&n2, &n2.test_root, ALICE, 20 * DN_NEAR, &a2), 0);
    assert_int_equal(dn_create_account(&n2, &n2.test_root, BOB, 20 * DN_NEAR, &b2), 0);
    assert_int_equal(dn_deploy(&n2, &o2, "build/contracts/outlayer.wasm",
                               "{\"owner_id\":\"test.near\",\"operator_id\":\"" OUTLAYER "\"}"),
                     0);
    /* secrets sealed with the main keystore's key; k2 shares its master */
    char *blob = seal_for(SEED_ANY, SECRETS_JSON);
    char *args = NULL;
    assert_true(asprintf(&args,
                         "{\"accessor\":" CONTRACT_REPO_ANY ",\"profile\":\"default\","
                         "\"encrypted_secrets_base64\":\"%s\",\"access\":\"AllowAll\"}",
                         blob) > 0);
    near_outcome o;
    near_rpc_error e = {0};
    assert_int_equal(dn_call(&n2, &a2, OUTLAYER, "store_secrets", args, DN_NEAR / 10, NEAR_WAIT_FINAL, &o, &e, NULL),
                     NEAR_OK);
    near_outcome_free(&o);
    free(args), free(blob);
    /* bob asks for an execution of alice/project with alice's secrets */
    assert_int_equal(
        dn_call(&n2, &b2, OUTLAYER, "request_execution",
                "{\"code_source\":{\"GitHub\":{\"repo\":\"https://github.com/alice/project\",\"commit\":\"main\","
                "\"build_target\":\"wasm32-wasip1\"}},\"resource_limits\":{\"max_instructions\":1000000000,"
                "\"max_memory_mb\":128,\"max_execution_seconds\":60},\"secrets_ref\":{\"profile\":\"default\","
                "\"account_id\":\"" ALICE "\"},\"response_format\":\"Text\"}",
                DN_NEAR / 10, NEAR_WAIT_INCLUDED, &o, &e, NULL),
        NEAR_OK);
    near_outcome_free(&o);
    near_rpc_error_clear(&e);
    /* the request is visible once its receipt ran */
    char *q = NULL;
    for (int i = 0; i < 100; i++) {
        near_call_result r = {0};
        near_rpc_error re = {0};
        if (near_view_function(n2.rpc, OUTLAYER, "get_request", "{\"request_id\":0}", &r, &re) == NEAR_OK &&
            strncmp((char *)r.result, "null", 4) != 0)
            q = strdup((char *)r.result);
        near_call_result_free(&r);
        near_rpc_error_clear(&re);
        if (q)
            break;
        usleep(50000);
    }
    assert_non_null(q);
    free(q);

    char path[400], master_env[128] = "OUTLAYER_KEYSTORE_MASTER=";
    snprintf(path, sizeof path, "%s/master.key", ks.dir);
    FILE *mf = fopen(path, "r");
    assert_non_null(mf);
    assert_non_null(fgets(master_env + strlen(master_env), 65, mf));
    fclose(mf);
    const char *env[] = {master_env, NULL};
    const char *kargs[] = {"--near-rpc-url", n2.url, "--contract-id", OUTLAYER, "--require-request", NULL};
    ks_node k2;
    assert_int_equal(ks_start(&k2, NULL, kargs, env), 0);

    sec_keystore_client kc = {.base_url = k2.url, .token = KS_TEST_TOKEN};
    sec_decrypt_request r = {.repo = "alice/project",
                             .branch = "main",
                             .profile = "default",
                             .owner = ALICE,
                             .caller = BOB,
                             .task_id = "t",
                             .has_request_id = true,
                             .request_id = 0};
    json_t *got;
    char msg[512];
    sec_fetch_status st = sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg);
    if (st != SEC_FETCH_OK)
        fail_msg("bound request: %s", msg);
    assert_string_equal(json_string_value(json_object_get(got, "API_KEY")), SECRET_VALUE);
    json_decref(got);
    r.caller = CAROL;
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "was sent by " BOB));
    r.caller = BOB;
    r.repo = "alice/other";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "other code"));
    r.repo = "alice/project";
    r.profile = "wl";
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "does not refer"));
    r.profile = "default";
    r.request_id = 99;
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "not pending"));
    r.has_request_id = false; /* --require-request */
    assert_int_equal(sec_keystore_decrypt(&kc, &r, &got, msg, sizeof msg), SEC_FETCH_FAILED);
    assert_non_null(strstr(msg, "request_id"));
    assert_int_equal(ks_stop(&k2), 0);
    ks_cleanup(&k2);
    /* dn_stop, not dn_finish: its token-supply check does not count what
     * the still-pending (yielded) request holds. */
    assert_int_equal(dn_stop(&n2, false), 0);
    n2.pid = 0;
}

/* A blob sealed by an independent implementation (tweetnacl + noble
 * BLAKE2b in Node, as a browser would) opens in the keystore. */
static void test_js_interop(void **state)
{
    (void)state;
    char *pk = pubkey_for(SEED_ANY), cmd[512], blob[1024] = "";
    snprintf(cmd, sizeof cmd, "node tests/keystore/seal_interop.mjs %s '{\"FROM_JS\":\"sealed in node\"}'", pk);
    free(pk);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(blob, sizeof blob, p));
    assert_int_equal(pclose(p), 0);
    blob[strcspn(blob, "\n")] = 0;
    assert_memory_equal(blob, "b2wB", 4);
    store(&alice, CONTRACT_REPO_ANY, "js", blob, "\"AllowAll\"");
    expect_granted(REPO_ANY, "js", BOB, "FROM_JS", "sealed in node");
}

/* The real coordinator's keystore proxy in front of this keystore:
 * `outlayer secrets --coordinator` gets the same key, and what it stores
 * decrypts; the coordinator never sees the plaintext. */
static void test_via_coordinator(void **state)
{
    (void)state;
    const char *bin = getenv("COORDINATOR_BIN") ? getenv("COORDINATOR_BIN") : "build/bin/outlayer-coordinator";
    char dir[] = "/tmp/outlayer-ks-coord-XXXXXX", log[300], ksurl[128];
    assert_non_null(mkdtemp(dir));
    snprintf(log, sizeof log, "%s/out.log", dir);
    snprintf(ksurl, sizeof ksurl, "%s", ks.url);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1), dup2(fd, 2), close(fd);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        setenv("ADMIN_BEARER_TOKEN", "admin-token-for-the-test", 1);
        execl(bin, bin, "--data-dir", dir, "--port", "0", "--host", "127.0.0.1", "--keystore-url", ksurl,
              "--keystore-token", KS_TEST_TOKEN, (char *)NULL);
        _exit(127);
    }
    int port = 0;
    for (int i = 0; i < 2500 && !port; i++) {
        size_t n;
        char *text = (char *)dn_read_file(log, &n);
        const char *p = text ? strstr(text, "listening port=") : NULL;
        if (p)
            port = atoi(p + strlen("listening port="));
        free(text);
        if (!port)
            usleep(4000);
    }
    if (!port) {
        kill(pid, SIGTERM), waitpid(pid, NULL, 0);
        fail_msg("coordinator did not start; see %s", log);
    }
    char url[64], args[2048], chain[1024], *out, *err;
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    /* same key through the coordinator as from the keystore itself */
    snprintf(args, sizeof args, "pubkey --repo https://github.com/alice/project --owner " ALICE " --coordinator %s",
             url);
    int rc = cli(NULL, &out, &err, args);
    if (rc != 0)
        fail_msg("pubkey via coordinator: %s", err);
    char *pk = pubkey_for(SEED_ANY);
    assert_memory_equal(out, pk, 64);
    free(pk), free(out), free(err);
    snprintf(chain, sizeof chain, "--rpc %s --contract " OUTLAYER " --credentials-dir %s --network localnet", node.url,
             cred_dir);
    expect_cli("VIA=coordinator\nAPI_KEY=" SECRET_VALUE "\n", 0, "stored profile 'viacoord'",
               "put --repo alice/project --owner " ALICE " --profile viacoord --coordinator %s %s", url, chain);
    expect_granted(REPO_ANY, "viacoord", BOB, "VIA", "coordinator");
    /* WASM-hash accessors through the coordinator too */
    expect_cli("{\"W\":\"1\"}", 0, "b2wB", "encrypt --wasm-hash %s --owner " ALICE " --coordinator %s", HASH, url);
    kill(pid, SIGTERM);
    int status;
    waitpid(pid, &status, 0);
    /* the plaintext never reached the coordinator's log or database */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "grep -r -l -a '%s' '%s'", SECRET_VALUE, dir);
    FILE *p = popen(cmd, "r");
    char found[256] = "";
    size_t n = fread(found, 1, sizeof found - 1, p);
    found[n] = 0;
    pclose(p);
    if (*found)
        fail_msg("secret found in the coordinator's files: %s", found);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_master_persistence(void **state)
{
    (void)state;
    char *before = pubkey_for(SEED_ANY);
    /* restart on the same data directory: same key */
    char dir[256];
    snprintf(dir, sizeof dir, "%s", ks.dir);
    assert_int_equal(ks_stop(&ks), 0);
    const char *args[] = {"--near-rpc-url", node.url, "--contract-id", OUTLAYER, NULL};
    assert_int_equal(ks_start(&ks, dir, args, NULL), 0);
    char *after = pubkey_for(SEED_ANY);
    assert_string_equal(before, after);
    expect_granted(REPO_ANY, "default", CAROL, "API_KEY", SECRET_VALUE);
    free(before), free(after);
    /* the master from the environment: the KDF test vector */
    ks_node k2;
    const char *env[] = {"OUTLAYER_KEYSTORE_MASTER=" MASTER_HEX, NULL};
    assert_int_equal(ks_start(&k2, NULL, NULL, env), 0);
    json_t *out;
    assert_int_equal(
        ks_post(&k2, "/pubkey", KS_TEST_TOKEN, json_pack("{s:s}", "seed", "alice/project:alice.near"), &out), 200);
    assert_string_equal(json_string_value(json_object_get(out, "pubkey")),
                        "c728939aceb84b0f8d06fb6bea969e82fdbe7f36f9da3cb9f70f067ac5807253");
    json_decref(out);
    /* no contract configured: a clear 503 */
    assert_int_equal(ks_post(&k2, "/decrypt", KS_TEST_TOKEN,
                             json_pack("{s:{s:s,s:s},s:s,s:s}", "accessor", "type", "Repo", "repo", REPO, "profile",
                                       "default", "owner", ALICE),
                             &out),
                     503);
    json_decref(out);
    assert_int_equal(ks_stop(&k2), 0);
    ks_cleanup(&k2);
    /* a bad master or a key file others can read: refuses to start */
    const char *badenv[] = {"OUTLAYER_KEYSTORE_MASTER=abcd", NULL};
    assert_int_equal(ks_start(&k2, NULL, NULL, badenv), -1);
    ks_cleanup(&k2);
    char path[300];
    snprintf(path, sizeof path, "%s/master.key", dir);
    assert_int_equal(chmod(path, 0644), 0);
    ks_node k3;
    assert_int_equal(ks_start(&k3, dir, args, NULL), -1);
    FILE *f = fopen(k3.log, "r");
    char line[1024] = "";
    size_t n = f ? fread(line, 1, sizeof line - 1, f) : 0;
    line[n] = 0;
    if (f)
        fclose(f);
    assert_non_null(strstr(line, "chmod 600"));
    assert_int_equal(chmod(path, 0600), 0);
}

static void test_rpc_down(void **state)
{
    (void)state;
    /* stop the chain: /decrypt says why instead of failing with a 500 */
    assert_int_equal(dn_stop(&node, true), 0);
    expect_error(REPO_ANY, "default", BOB, 502, "Failed to read secrets from contract");
    dn_restart(&node, 20, NULL);
}

/* No secret value and no master key in any log or data file. */
static void test_no_secret_in_logs(void **state)
{
    (void)state;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "grep -r -l -a -e '%s' -e 'made-up' '%s' '%s' '%s.log' '%s' 2>/dev/null", SECRET_VALUE,
             ks.log, node.home, node.home, ks.dir);
    FILE *p = popen(cmd, "r");
    char found[512] = "";
    size_t n = fread(found, 1, sizeof found - 1, p);
    found[n] = 0;
    pclose(p);
    /* The devnet stores the (sealed) blobs; the plaintext must appear nowhere. */
    if (*found)
        fail_msg("secret value found in: %s", found);
    char master_hex[80] = "";
    snprintf(cmd, sizeof cmd, "%s/master.key", ks.dir);
    FILE *m = fopen(cmd, "r");
    assert_non_null(m);
    assert_non_null(fgets(master_hex, sizeof master_hex, m));
    fclose(m);
    master_hex[64] = 0;
    snprintf(cmd, sizeof cmd, "grep -a -c '%s' '%s'", master_hex, ks.log);
    p = popen(cmd, "r");
    n = fread(found, 1, sizeof found - 1, p);
    found[n] = 0;
    pclose(p);
    assert_int_equal(atoi(found), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_and_health),
        cmocka_unit_test(test_allow_whitelist_pattern_balance),
        cmocka_unit_test(test_branches_and_hashes),
        cmocka_unit_test(test_formats_and_generated),
        cmocka_unit_test(test_contract_conditions),
        cmocka_unit_test(test_cli),
        cmocka_unit_test(test_js_interop),
        cmocka_unit_test(test_via_coordinator),
        cmocka_unit_test(test_client),
        cmocka_unit_test(test_attestation),
        cmocka_unit_test(test_request_binding),
        cmocka_unit_test(test_master_persistence),
        cmocka_unit_test(test_rpc_down),
        cmocka_unit_test(test_no_secret_in_logs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
