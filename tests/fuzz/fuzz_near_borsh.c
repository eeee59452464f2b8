/* fuzz_near_borsh.c — libFuzzer target for the borsh reader.
 * The first byte of each step picks a read operation that is applied to
 * the rest of the input through one reader; every read must either succeed
 * within bounds or fail with an error message and leave the reader usable. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "near/borsh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    near_borsh_reader r;
    near_borsh_reader_init(&r, data + 1, size - 1);
    uint8_t ops = data[0];
    for (int step = 0; step < 64; step++) {
        size_t before = r.pos;
        int rc = 0;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        near_u128 u128;
        uint8_t fixed[32];
        uint8_t *bytes = NULL;
        char *str = NULL;
        size_t n;
        int flag;
        switch ((ops + step * 7) % 11) {
        case 0: rc = near_borsh_read_u8(&r, &u8); break;
        case 1: rc = near_borsh_read_u16(&r, &u16); break;
        case 2: rc = near_borsh_read_u32(&r, &u32); break;
        case 3: rc = near_borsh_read_u64(&r, &u64); break;
        case 4: rc = near_borsh_read_u128(&r, &u128); break;
        case 5: rc = near_borsh_read_fixed(&r, fixed, sizeof fixed); break;
        case 6: rc = near_borsh_read_option(&r, &flag); break;
        case 7: rc = near_borsh_read_bool(&r, &flag); break;
        case 8:
            rc = near_borsh_read_bytes(&r, &bytes, &n);
            if (rc == 0 && (n > size || bytes[n] != 0))
                abort();
            break;
        case 9:
            rc = near_borsh_read_string(&r, &str);
            if (rc == 0 && strlen(str) > size)
                abort();
            break;
        case 10: rc = near_borsh_read_vec_len(&r, 1 + step % 4, &u32); break;
        }
        free(bytes);
        free(str);
        if (r.pos > r.len)
            abort();
        if (rc != 0) {
            /* A failed read reports why; reset the error to keep going. */
            if (r.err[0] == '\0')
                abort();
            r.err[0] = '\0';
            if (r.pos == before)
                r.pos += r.pos < r.len; /* skip a byte so the loop progresses */
        }
        if (near_borsh_remaining(&r) == 0)
            break;
    }

    /* The writer: encoding what we read back must not fail or overflow. */
    near_borsh_writer w;
    near_borsh_writer_init(&w);
    near_borsh_write_bytes(&w, data, size);
    near_borsh_write_u128(&w, (near_u128)size << 64);
    if (w.failed || w.len != size + 4 + 16)
        abort();
    near_borsh_writer_free(&w);
    return 0;
}
