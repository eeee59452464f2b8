/* fuzz_near_tx.c — libFuzzer target for the NEAR transaction decoder.
 * Any input must decode cleanly or fail with an error (never crash, leak
 * or read out of bounds); whatever decodes must re-encode to exactly the
 * same bytes (borsh is canonical) and hashing/verifying it must not crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "near/transaction.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const uint8_t *data, size_t size, const uint8_t *enc, size_t len)
{
    if (len != size || memcmp(enc, data, size) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    near_signed_transaction stx;
    if (near_signed_transaction_from_bytes(data, size, &stx, err, sizeof err) == 0) {
        size_t len;
        uint8_t *enc = near_signed_transaction_to_bytes(&stx, &len);
        if (enc)
            check_round_trip(data, size, enc, len);
        free(enc);
        (void)near_signed_transaction_verify(&stx);
        near_signed_transaction_free(&stx);
    }

    near_transaction tx;
    if (near_transaction_from_bytes(data, size, &tx, err, sizeof err) == 0) {
        uint8_t hash[NEAR_HASH_LEN];
        near_borsh_writer w;
        near_borsh_writer_init(&w);
        near_transaction_encode(&w, &tx);
        if (!w.failed)
            check_round_trip(data, size, w.buf, w.len);
        near_borsh_writer_free(&w);
        (void)near_transaction_hash(&tx, hash);
        near_transaction_free(&tx);
    }

    near_borsh_reader r;
    near_borsh_reader_init(&r, data, size);
    near_signed_delegate sd;
    if (near_signed_delegate_decode(&r, &sd) == 0) {
        (void)near_signed_delegate_verify(&sd);
        near_signed_delegate_free(&sd);
    }
    return 0;
}
