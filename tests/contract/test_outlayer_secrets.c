/* test_outlayer_secrets.c — secrets storage, deposits, access conditions,
 * views and the storage key layout (spec §9). */
#include "harness.h"
#include "outlayer.h"

#define OWNER "alice.testnet"
#define REPO_ACC "{\"Repo\":{\"repo\":\"github.com/test/repo\",\"branch\":null}}"
#define HASH64 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
#define HASH_ACC "{\"WasmHash\":{\"hash\":\"" HASH64 "\"}}"

static int setup(void **state)
{
    (void)state;
    mock_reset();
    mock_set_predecessor(OWNER);
    call_ok(ol_new, "{\"owner_id\":\"" OWNER "\"}");
    mock_set_predecessor("bob.near");
    return 0;
}

static const char *store_args(const char *accessor, const char *profile, const char *data, const char *access)
{
    return fmt("{\"accessor\":%s,\"profile\":\"%s\",\"encrypted_secrets_base64\":\"%s\",\"access\":%s}", accessor,
               profile, data, access);
}

static u128 estimate(const char *accessor, const char *profile, const char *owner, const char *data, const char *access)
{
    call_ok(
        ol_estimate_storage_cost,
        fmt("{\"accessor\":%s,\"profile\":\"%s\",\"owner\":\"%s\",\"encrypted_secrets_base64\":\"%s\",\"access\":%s}",
            accessor, profile, owner, data, access));
    const char *r = mock_return_text();
    assert_true(r[0] == '"');
    char digits[64];
    snprintf(digits, sizeof digits, "%.*s", (int)strlen(r) - 2, r + 1);
    return u128_dec(digits);
}

static void store(const char *args, u128 deposit)
{
    mock_set_deposit(deposit);
    call_ok(ol_store_secrets, args);
    mock_set_deposit(0);
}

static const struct mock_promise *transfer_at(size_t i)
{
    const struct mock_promise *p = mock_promise(i);
    assert_non_null(p);
    assert_int_equal(p->kind, MOCK_PROMISE_BATCH);
    assert_int_equal(p->actions[0].kind, MOCK_TRANSFER);
    return p;
}

static void test_deposit_example(void **state)
{
    (void)state;
    /* spec §9.5: 228 bytes -> 2 280 000 000 000 000 000 000 yocto */
    u128 cost = estimate(REPO_ACC, "default", "bob.near", "test_encrypted_data", "\"AllowAll\"");
    assert_string_equal(u128_str(cost), "2280000000000000000000");
    const char *args = store_args(REPO_ACC, "default", "test_encrypted_data", "\"AllowAll\"");
    mock_set_deposit(cost - 1);
    call_panics(ol_store_secrets, args,
                "Insufficient storage deposit. Required: 2280000000000000000000 yoctoNEAR, attached: "
                "2279999999999999999999 yoctoNEAR");
    store(args, cost + 5);
    assert_log("Secrets stored: accessor=Repo { repo: \"github.com/test/repo\", branch: None }, profile=default, "
               "owner=bob.near, deposit=2280000000000000000000 yoctoNEAR");
    /* excess refunded to the caller */
    const struct mock_promise *t = transfer_at(0);
    assert_string_equal(t->account, "bob.near");
    assert_true(t->actions[0].amount == 5);
    /* once stored, the estimate no longer includes the 64-byte overhead */
    u128 again = estimate(REPO_ACC, "default", "bob.near", "test_encrypted_data", "\"AllowAll\"");
    assert_true(again == cost - (u128)64 * 10000000000000000000ull);
    /* at least 40 bytes of overhead are always charged */
    assert_true(cost >= (u128)40 * 10000000000000000000ull);
}

static void test_storage_key_layout(void **state)
{
    (void)state;
    store(store_args(REPO_ACC, "default", "d", "\"AllowAll\""), NEAR_1);
    /* secrets map: 0x01 ++ borsh(SecretKey{Repo{repo, None}, profile, owner}) */
    uint8_t key[128];
    size_t n = 0;
    key[n++] = 0x01;
    key[n++] = 0; /* Repo */
    memcpy(key + n, "\x14\0\0\0github.com/test/repo", 24);
    n += 24;
    key[n++] = 0; /* branch None */
    memcpy(key + n, "\x07\0\0\0default", 11);
    n += 11;
    memcpy(key + n, "\x08\0\0\0bob.near", 12);
    n += 12;
    size_t len;
    const uint8_t *rec = mock_storage_get(key, n, &len);
    assert_non_null(rec);
    /* value: String "d", AllowAll (2), created, updated, deposit */
    assert_int_equal(len, 5 + 1 + 8 + 8 + 16);
    assert_memory_equal(rec, "\x01\0\0\0d\x02", 6);
    /* index map: 0x02 ++ borsh("bob.near") -> UnorderedSet{P'i', Vector{1, P'e'}} */
    const uint8_t *set = mock_storage_get("\x02\x08\0\0\0bob.near", 13, &len);
    assert_non_null(set);
    const uint8_t expect_set[] = {14,  0,   0,   0, 3, 8,   0,   0,   0,   'b', 'o', 'b', '.', 'n', 'e',
                                  'a', 'r', 'i', 1, 0, 0,   0,   0,   0,   0,   0,   14,  0,   0,   0,
                                  3,   8,   0,   0, 0, 'b', 'o', 'b', '.', 'n', 'e', 'a', 'r', 'e'};
    assert_int_equal(len, sizeof expect_set);
    assert_memory_equal(set, expect_set, sizeof expect_set);
    /* element 0 and its index entry */
    uint8_t ekey[64];
    memcpy(ekey, "\x03\x08\0\0\0bob.neare\0\0\0\0\0\0\0\0", 22);
    const uint8_t *elem = mock_storage_get(ekey, 22, &len);
    assert_non_null(elem);
    assert_int_equal(len, n - 1);
    assert_memory_equal(elem, key + 1, n - 1);
    uint8_t ikey[128];
    memcpy(ikey, "\x03\x08\0\0\0bob.neari", 14);
    memcpy(ikey + 14, key + 1, n - 1);
    const uint8_t *idx = mock_storage_get(ikey, 14 + n - 1, &len);
    assert_non_null(idx);
    assert_int_equal(len, 8);
    assert_memory_equal(idx, "\0\0\0\0\0\0\0\0", 8);
}

static void test_update_refunds_and_charges(void **state)
{
    (void)state;
    const char *large =
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    u128 large_cost = estimate(REPO_ACC, "p", "bob.near", large, "\"AllowAll\"");
    store(store_args(REPO_ACC, "p", large, "\"AllowAll\""), large_cost);
    /* large -> small with no deposit: succeeds, the difference comes back */
    u128 small_cost = estimate(REPO_ACC, "p", "bob.near", "s", "\"AllowAll\"");
    mock_set_block(101, 1731000000000000777ull);
    store(store_args(REPO_ACC, "p", "s", "\"AllowAll\""), 0);
    u128 refund = large_cost - small_cost;
    assert_log(fmt("Updating secrets: accessor=Repo { repo: \"github.com/test/repo\", branch: None }, profile=p, "
                   "old_deposit=%s, attached=0, new_required=%s, refund=%s",
                   u128_str(large_cost), u128_str(small_cost), u128_str(refund)));
    assert_true(transfer_at(0)->actions[0].amount == refund);
    call_ok(ol_get_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"p\",\"owner\":\"bob.near\"}");
    /* fix: created_at survives the update; updated_at moves */
    assert_return(fmt("{\"encrypted_secrets\":\"s\",\"access\":\"AllowAll\",\"created_at\":1731000000000000000,"
                      "\"updated_at\":1731000000000000777,\"storage_deposit\":\"%s\",\"accessor\":" REPO_ACC "}",
                      u128_str(small_cost)));
    /* small -> large with no deposit fails; exactly the difference works */
    u128 large_update = estimate(REPO_ACC, "p", "bob.near", large, "\"AllowAll\"");
    const char *args = store_args(REPO_ACC, "p", large, "\"AllowAll\"");
    call_panics(ol_store_secrets, args,
                fmt("Insufficient deposit for update. Required: %s yoctoNEAR, available (attached 0 + old %s): %s "
                    "yoctoNEAR",
                    u128_str(large_update), u128_str(small_cost), u128_str(small_cost)));
    store(args, large_update - small_cost);
    assert_int_equal(mock_promise_count(), 0);
    call_ok(ol_list_user_secrets, "{\"account_id\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(), fmt("\"storage_deposit\":\"%s\"", u128_str(large_update))));
}

static void test_separate_deposits_and_delete(void **state)
{
    (void)state;
    const char *a1 = store_args(REPO_ACC, "one", "aaaa", "\"AllowAll\"");
    const char *a2 = store_args(HASH_ACC, "two", "bbbbbbbbbbbb", "\"AllowAll\"");
    u128 c1 = estimate(REPO_ACC, "one", "bob.near", "aaaa", "\"AllowAll\"");
    u128 c2 = estimate(HASH_ACC, "two", "bob.near", "bbbbbbbbbbbb", "\"AllowAll\"");
    store(a1, c1);
    store(a2, c2);
    call_ok(ol_secrets_exist, "{\"accessor\":" HASH_ACC ",\"profile\":\"two\",\"owner\":\"bob.near\"}");
    assert_return("true");
    call_ok(ol_get_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"two\",\"owner\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(), "\"encrypted_secrets\":\"bbbbbbbbbbbb\""));
    mock_set_deposit(1);
    call_panics(ol_delete_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"one\"}",
                "Method delete_secrets doesn't accept deposit");
    mock_set_deposit(0);
    call_ok(ol_delete_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"one\"}");
    assert_string_equal(mock_log(0), fmt("Refunded %s yoctoNEAR", u128_str(c1)));
    assert_string_equal(mock_log(1), "Secrets deleted: accessor=Repo { repo: \"github.com/test/repo\", branch: None }, "
                                     "profile=one, owner=bob.near");
    assert_true(transfer_at(0)->actions[0].amount == c1);
    call_ok(ol_secrets_exist, "{\"accessor\":" REPO_ACC ",\"profile\":\"one\",\"owner\":\"bob.near\"}");
    assert_return("false");
    call_ok(ol_get_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"two\",\"owner\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(), fmt("\"storage_deposit\":\"%s\"", u128_str(c2))));
    call_panics(ol_delete_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"one\"}", "Secrets not found");
    /* deleting the last one removes the owner's index entry */
    call_ok(ol_delete_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"two\"}");
    size_t len;
    assert_null(mock_storage_get("\x02\x08\0\0\0bob.near", 13, &len));
    call_ok(ol_list_user_secrets, "{\"account_id\":\"bob.near\"}");
    assert_return("[]");
    /* only STATE remains */
    assert_int_equal(mock_storage_count(), 1);
}

static void test_whitelist_costs_more(void **state)
{
    (void)state;
    u128 allow = estimate(REPO_ACC, "p", "bob.near", "d", "\"AllowAll\"");
    u128 wl = estimate(REPO_ACC, "p", "bob.near", "d",
                       "{\"Whitelist\":{\"accounts\":[\"a.near\",\"b.near\",\"c.near\",\"d.near\",\"e.near\"]}}");
    assert_true(wl > allow);
    /* compact JSON length drives the price: 73 bytes vs 10 */
    assert_true(wl - allow == (u128)(73 - 10) * 10000000000000000000ull);
}

static void test_validation_messages(void **state)
{
    (void)state;
    mock_set_deposit(NEAR_1);
    struct {
        const char *accessor, *profile, *data, *msg;
    } cases[] = {
        {"{\"Repo\":{\"repo\":\"\"}}", "p", "d", "Repository cannot be empty"},
        {"{\"Repo\":{\"repo\":\"r\",\"branch\":\"\"}}", "p", "d", "Branch name cannot be empty if provided"},
        {"{\"WasmHash\":{\"hash\":\"\"}}", "p", "d", "WASM hash cannot be empty"},
        {"{\"WasmHash\":{\"hash\":\"abc\"}}", "p", "d", "WASM hash must be 64 hex characters (SHA256)"},
        {"{\"WasmHash\":{\"hash\":\"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}", "p", "d",
         "WASM hash must be hex encoded"},
        {REPO_ACC, "", "d", "Profile cannot be empty"},
        {REPO_ACC, "invalid profile!", "d", "Profile name must contain only alphanumeric, dash, or underscore"},
        {REPO_ACC, "caf\xc3\xa9", "d", "Profile name must contain only alphanumeric, dash, or underscore"},
        {REPO_ACC, "p", "", "Encrypted secrets cannot be empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        call_panics(ol_store_secrets, store_args(cases[i].accessor, cases[i].profile, cases[i].data, "\"AllowAll\""),
                    cases[i].msg);
    char branch[300];
    memset(branch, 'b', 256);
    branch[256] = 0;
    call_panics(ol_store_secrets,
                store_args(fmt("{\"Repo\":{\"repo\":\"r\",\"branch\":\"%s\"}}", branch), "p", "d", "\"AllowAll\""),
                "Branch name too long (max 255 chars)");
    char profile[80];
    memset(profile, 'p', 65);
    profile[65] = 0;
    call_panics(ol_store_secrets, store_args(REPO_ACC, profile, "d", "\"AllowAll\""),
                "Profile name too long (max 64 chars)");
    profile[64] = 0;
    call_ok(ol_store_secrets, store_args(REPO_ACC, profile, "d", "\"AllowAll\""));
    call_ok(ol_store_secrets, store_args(REPO_ACC, "A-b_9", "d", "\"AllowAll\""));
    call_panics(ol_store_secrets, store_args(REPO_ACC, "p", "d", "\"DenyAll\""),
                "Failed to deserialize input from JSON.");
    call_panics(ol_store_secrets, store_args("\"Repo\"", "p", "d", "\"AllowAll\""),
                "Failed to deserialize input from JSON.");
    call_panics(ol_store_secrets, store_args(REPO_ACC, "p", "d", "{\"Whitelist\":{\"accounts\":[\"NOT VALID\"]}}"),
                "Failed to deserialize input from JSON.");
}

static void test_access_conditions_round_trip(void **state)
{
    (void)state;
    const char *conds[] = {
        "\"AllowAll\"",
        "{\"Whitelist\":{\"accounts\":[\"a.near\",\"b.near\"]}}",
        "{\"AccountPattern\":{\"pattern\":\".*\\\\.gov\\\\.near\"}}",
        "{\"Logic\":{\"operator\":\"And\",\"conditions\":[{\"AccountPattern\":{\"pattern\":\".*\\\\.near\"}},"
        "{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"10000000000000000000000000\"}}]}}",
        "{\"Not\":{\"condition\":{\"Logic\":{\"operator\":\"Or\",\"conditions\":[]}}}}",
        "{\"FtBalance\":{\"contract\":\"usdc.near\",\"operator\":\"Ne\",\"value\":\"0\"}}",
        "{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":null}}",
        "{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":\"42\"}}",
        "{\"DaoMember\":{\"dao_contract\":\"dao.sputnik-dao.near\",\"role\":\"council\"}}",
    };
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        const char *profile = fmt("p%zu", i);
        store(store_args(HASH_ACC, profile, "data", conds[i]), NEAR_1);
        call_ok(ol_get_secrets, fmt("{\"accessor\":" HASH_ACC ",\"profile\":\"%s\",\"owner\":\"bob.near\"}", profile));
        assert_non_null(strstr(mock_return_text(), fmt("\"access\":%s,", conds[i])));
    }
    /* key order in input does not matter; output is declaration order */
    store(store_args(HASH_ACC, "q", "data",
                     "{\"FtBalance\":{\"value\":\"7\",\"operator\":\"Lt\",\"contract\":\"f.near\"}}"),
          NEAR_1);
    call_ok(ol_get_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"q\",\"owner\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(),
                           "\"access\":{\"FtBalance\":{\"contract\":\"f.near\",\"operator\":\"Lt\",\"value\":\"7\"}}"));
}

static void test_update_access(void **state)
{
    (void)state;
    u128 cost = estimate(REPO_ACC, "p", "bob.near", "d", "\"AllowAll\"");
    store(store_args(REPO_ACC, "p", "d", "\"AllowAll\""), cost);
    mock_set_block(120, 1731000000000009999ull);
    call_ok(ol_update_access, "{\"accessor\":" REPO_ACC ",\"profile\":\"p\",\"new_access\":{\"Whitelist\":{"
                              "\"accounts\":[\"x.near\"]}}}");
    assert_log("Access control updated: accessor=Repo { repo: \"github.com/test/repo\", branch: None }, profile=p");
    call_ok(ol_get_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"p\",\"owner\":\"bob.near\"}");
    /* the deposit is not re-priced (kept from the reference) */
    assert_return(fmt("{\"encrypted_secrets\":\"d\",\"access\":{\"Whitelist\":{\"accounts\":[\"x.near\"]}},"
                      "\"created_at\":1731000000000000000,\"updated_at\":1731000000000009999,\"storage_deposit\":"
                      "\"%s\",\"accessor\":" REPO_ACC "}",
                      u128_str(cost)));
    call_panics(ol_update_access, "{\"accessor\":" REPO_ACC ",\"profile\":\"nope\",\"new_access\":\"AllowAll\"}",
                "Secrets not found");
    mock_set_predecessor("eve.near");
    call_panics(ol_update_access, "{\"accessor\":" REPO_ACC ",\"profile\":\"p\",\"new_access\":\"AllowAll\"}",
                "Secrets not found");
    mock_set_deposit(1);
    call_panics(ol_update_access, "{}", "Method update_access doesn't accept deposit");
}

static void test_get_secrets_branch_wildcard(void **state)
{
    (void)state;
    store(store_args("{\"Repo\":{\"repo\":\"github.com/a/b\"}}", "default", "wild", "\"AllowAll\""), NEAR_1);
    store(store_args("{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":\"dev\"}}", "default", "dev", "\"AllowAll\""),
          NEAR_1);
    mock_set_predecessor("anyone.near");
    call_ok(ol_get_secrets,
            "{\"accessor\":{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":\"main\"}},\"profile\":\"default\","
            "\"owner\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(), "\"encrypted_secrets\":\"wild\""));
    assert_non_null(
        strstr(mock_return_text(), "\"accessor\":{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":null}}"));
    call_ok(ol_get_secrets,
            "{\"accessor\":{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":\"dev\"}},\"profile\":\"default\","
            "\"owner\":\"bob.near\"}");
    assert_non_null(strstr(mock_return_text(), "\"encrypted_secrets\":\"dev\""));
    /* secrets_exist is exact */
    call_ok(ol_secrets_exist, "{\"accessor\":{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":\"main\"}},"
                              "\"profile\":\"default\",\"owner\":\"bob.near\"}");
    assert_return("false");
    call_ok(ol_get_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"default\",\"owner\":\"bob.near\"}");
    assert_return("null");
    call_panics(ol_get_secrets, "{\"accessor\":" HASH_ACC ",\"profile\":\"default\"}", "missing field `owner`");
}

static void test_list_user_secrets_swap_remove_order(void **state)
{
    (void)state;
    store(store_args(REPO_ACC, "a", "1", "\"AllowAll\""), NEAR_1);
    store(store_args("{\"Repo\":{\"repo\":\"github.com/test/repo\",\"branch\":\"main\"}}", "b", "2", "\"AllowAll\""),
          NEAR_1);
    store(store_args(HASH_ACC, "c", "3", "\"AllowAll\""), NEAR_1);
    call_ok(ol_list_user_secrets, "{\"account_id\":\"bob.near\"}");
    const char *r = mock_return_text();
    assert_true(strstr(r, "\"profile\":\"a\"") < strstr(r, "\"profile\":\"b\""));
    assert_true(strstr(r, "\"profile\":\"b\"") < strstr(r, "\"profile\":\"c\""));
    assert_non_null(strstr(r, "{\"accessor\":{\"Repo\":{\"repo\":\"github.com/test/repo\",\"branch\":\"main\"}},"
                              "\"profile\":\"b\",\"created_at\":1731000000000000000,\"updated_at\":1731000000000000000,"
                              "\"storage_deposit\":\""));
    call_ok(ol_delete_secrets, "{\"accessor\":" REPO_ACC ",\"profile\":\"a\"}");
    call_ok(ol_list_user_secrets, "{\"account_id\":\"bob.near\"}");
    r = mock_return_text();
    /* swap-remove: c moved into a's slot */
    assert_null(strstr(r, "\"profile\":\"a\""));
    assert_true(strstr(r, "\"profile\":\"c\"") < strstr(r, "\"profile\":\"b\""));
    call_ok(ol_list_user_secrets, "{\"account_id\":\"nobody.near\"}");
    assert_return("[]");
    call_panics(ol_list_user_secrets, "{\"account_id\":\"-bad\"}", "Failed to deserialize input from JSON.");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_deposit_example, setup),
        cmocka_unit_test_setup(test_storage_key_layout, setup),
        cmocka_unit_test_setup(test_update_refunds_and_charges, setup),
        cmocka_unit_test_setup(test_separate_deposits_and_delete, setup),
        cmocka_unit_test_setup(test_whitelist_costs_more, setup),
        cmocka_unit_test_setup(test_validation_messages, setup),
        cmocka_unit_test_setup(test_access_conditions_round_trip, setup),
        cmocka_unit_test_setup(test_update_access, setup),
        cmocka_unit_test_setup(test_get_secrets_branch_wildcard, setup),
        cmocka_unit_test_setup(test_list_user_secrets_swap_remove_order, setup),
    };
    int rc = cmocka_run_group_tests_name("outlayer_secrets", tests, NULL, NULL);
    mock_reset();
    return rc;
}
