/* pubkey.c — ed25519 public keys ("ed25519:" + base58) and the access-key
 * actions (host functions the SDK does not wrap yet; declared here so the
 * SDK stays untouched; native tests provide recording stand-ins). */
#include "register.h"

ENV_IMPORT(promise_batch_action_add_key_with_function_call)
void env_promise_batch_action_add_key_with_function_call(uint64_t promise_index, uint64_t public_key_len,
                                                         uint64_t public_key_ptr, uint64_t nonce,
                                                         uint64_t allowance_ptr, uint64_t receiver_id_len,
                                                         uint64_t receiver_id_ptr, uint64_t method_names_len,
                                                         uint64_t method_names_ptr);
ENV_IMPORT(promise_batch_action_delete_key)
void env_promise_batch_action_delete_key(uint64_t promise_index, uint64_t public_key_len, uint64_t public_key_ptr);

static const char B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

bool rg_parse_ed25519(const char *s, size_t len, uint8_t out[32])
{
    static const char prefix[] = "ed25519:";
    if (len < sizeof prefix || memcmp(s, prefix, sizeof prefix - 1) != 0)
        return false;
    s += sizeof prefix - 1;
    len -= sizeof prefix - 1;
    if (len > 50)
        return false;
    uint8_t num[32] = {0}; /* big-endian accumulator */
    size_t zeros = 0;
    while (zeros < len && s[zeros] == '1')
        zeros++;
    for (size_t i = 0; i < len; i++) {
        const char *p = NULL;
        for (int k = 0; k < 58; k++)
            if (B58[k] == s[i])
                p = B58 + k;
        if (!p)
            return false;
        uint32_t carry = (uint32_t)(p - B58);
        for (int j = 31; j >= 0; j--) {
            carry += (uint32_t)num[j] * 58;
            num[j] = (uint8_t)carry;
            carry >>= 8;
        }
        if (carry)
            return false; /* more than 32 bytes */
    }
    /* leading '1's are leading zero bytes: the encoding must be canonical */
    size_t lead = 0;
    while (lead < 32 && num[lead] == 0)
        lead++;
    if (lead != zeros && !(lead == 32 && zeros == 32))
        return false;
    memcpy(out, num, 32);
    return true;
}

void rg_promise_add_function_call_key(uint64_t promise, const uint8_t key[32], u128 allowance, const char *receiver,
                                      const char *methods)
{
    uint8_t pk[33];
    pk[0] = 0; /* ed25519 */
    memcpy(pk + 1, key, 32);
    uint8_t amount[16];
    for (int i = 0; i < 16; i++)
        amount[i] = (uint8_t)(allowance >> (8 * i));
    env_promise_batch_action_add_key_with_function_call(
        promise, sizeof pk, (uint64_t)(uintptr_t)pk, 0, (uint64_t)(uintptr_t)amount, strlen(receiver),
        (uint64_t)(uintptr_t)receiver, strlen(methods), (uint64_t)(uintptr_t)methods);
}

void rg_promise_delete_key(uint64_t promise, const uint8_t key[32])
{
    uint8_t pk[33];
    pk[0] = 0;
    memcpy(pk + 1, key, 32);
    env_promise_batch_action_delete_key(promise, sizeof pk, (uint64_t)(uintptr_t)pk);
}

void rg_report_data_binding(const char *contract, const char *worker, uint8_t out[32])
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, "outlayer-register-v1:");
    buf_str(&b, contract);
    buf_byte(&b, ':');
    buf_str(&b, worker);
    dcap_sha256(b.data, b.len, out);
}

void rg_format_ed25519(const uint8_t key[32], struct buf *out)
{
    uint8_t num[32];
    memcpy(num, key, 32);
    char digits[48];
    size_t n = 0;
    size_t start = 0;
    while (start < 32 && num[start] == 0)
        start++;
    size_t zeros = start;
    /* repeated division of the big-endian number by 58 */
    while (start < 32) {
        uint32_t rem = 0;
        for (size_t i = start; i < 32; i++) {
            uint32_t cur = rem * 256 + num[i];
            num[i] = (uint8_t)(cur / 58);
            rem = cur % 58;
        }
        digits[n++] = B58[rem];
        while (start < 32 && num[start] == 0)
            start++;
    }
    buf_str(out, "ed25519:");
    for (size_t i = 0; i < zeros; i++)
        buf_byte(out, '1');
    while (n)
        buf_byte(out, (uint8_t)digits[--n]);
}
