/* test_register_keys.c — the contract's ed25519 key text (pubkey.c) against
 * src/near's base58 as the oracle: round trips of random keys (leading zero
 * bytes included), refusal of malformed text, and the report_data binding
 * digest against OpenSSL's SHA-256. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "near/encoding.h"
#include "register.h"

/* pubkey.c's access-key imports are not in the SDK mock; unused here. */
void env_promise_batch_action_add_key_with_function_call(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                                         uint64_t f, uint64_t g, uint64_t h, uint64_t i);
void env_promise_batch_action_delete_key(uint64_t a, uint64_t b, uint64_t c);
void env_promise_batch_action_add_key_with_function_call(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
                                                         uint64_t f, uint64_t g, uint64_t h, uint64_t i)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
    fail_msg("unexpected add_key");
}
void env_promise_batch_action_delete_key(uint64_t a, uint64_t b, uint64_t c)
{
    (void)a, (void)b, (void)c;
    fail_msg("unexpected delete_key");
}

static void test_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < 300; i++) {
        uint8_t key[32];
        RAND_bytes(key, sizeof key);
        for (int z = 0; z < i % 5; z++)
            key[z] = 0; /* leading zero bytes become leading '1's */
        if (i == 299)
            memset(key, 0, 32);
        struct buf b;
        buf_init(&b);
        rg_format_ed25519(key, &b);
        const char *ours = buf_cstr(&b);
        char want[80] = "ed25519:";
        near_base58_encode(key, 32, want + 8, sizeof want - 8);
        assert_string_equal(ours, want);
        uint8_t back[32];
        assert_true(rg_parse_ed25519(ours, strlen(ours), back));
        assert_memory_equal(back, key, 32);
        sdk_mem_release_all();
    }
}

static void test_malformed(void **state)
{
    (void)state;
    uint8_t out[32];
    const char *bad[] = {
        "",
        "ed25519:",
        "ed25519",
        "secp256k1:11111111111111111111111111111111",
        "ED25519:11111111111111111111111111111111",
        "ed25519:0OIl",                                                 /* not in the alphabet */
        "ed25519:1111111111111111111111111111111111111111111111111111", /* too long */
        "ed25519:zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",         /* >= 2^256 */
        "ed25519:1AGNa15ZQXAZUgFiqJ2i7Z2DPU2J6hW62i", /* its leading '1's do not match the value's zero bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (rg_parse_ed25519(bad[i], strlen(bad[i]), out))
            fail_msg("accepted %s", bad[i]);
    /* canonical short key: 31 zero bytes then 0x01 */
    assert_true(rg_parse_ed25519("ed25519:11111111111111111111111111111112", 40, out));
    for (int i = 0; i < 31; i++)
        assert_int_equal(out[i], 0);
    assert_int_equal(out[31], 1);
}

static void test_binding(void **state)
{
    (void)state;
    uint8_t ours[32], want[32];
    rg_report_data_binding("register.near", "worker.near", ours);
    const char *text = "outlayer-register-v1:register.near:worker.near";
    SHA256((const uint8_t *)text, strlen(text), want);
    assert_memory_equal(ours, want, 32);
    sdk_mem_release_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
