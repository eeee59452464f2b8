/* test_wasm_reader.c — the LEB128 and fixed-width readers of
 * src/wasm/reader.h at the limits the spec sets: maximum lengths, unused
 * bits of the last byte (zero or sign extension), truncation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wasm/reader.h"

static olw_reader reader_of(const uint8_t *b, size_t n) { return olw_reader_at(b, b, b + n); }

static bool u32_of(const uint8_t *b, size_t n, uint32_t *out, size_t *used)
{
    olw_reader r = reader_of(b, n);
    bool ok = olw_read_u32(&r, out);
    *used = olw_reader_offset(&r);
    return ok;
}

static bool s32_of(const uint8_t *b, size_t n, int32_t *out)
{
    olw_reader r = reader_of(b, n);
    return olw_read_i32(&r, out);
}

static bool s64_of(const uint8_t *b, size_t n, int64_t *out)
{
    olw_reader r = reader_of(b, n);
    return olw_read_i64(&r, out);
}

static void test_u32_values(void **state)
{
    (void)state;
    uint32_t v;
    size_t used;
    assert_true(u32_of((const uint8_t *)"\x00", 1, &v, &used));
    assert_int_equal(v, 0);
    assert_int_equal(used, 1);
    assert_true(u32_of((const uint8_t *)"\x7f", 1, &v, &used));
    assert_int_equal(v, 127);
    assert_true(u32_of((const uint8_t *)"\x80\x01", 2, &v, &used));
    assert_int_equal(v, 128);
    assert_int_equal(used, 2);
    assert_true(u32_of((const uint8_t *)"\xe5\x8e\x26", 3, &v, &used));
    assert_int_equal(v, 624485);
    /* the largest u32 in the maximal five bytes */
    assert_true(u32_of((const uint8_t *)"\xff\xff\xff\xff\x0f", 5, &v, &used));
    assert_int_equal(v, UINT32_MAX);
    assert_int_equal(used, 5);
    /* non-minimal encodings are allowed */
    assert_true(u32_of((const uint8_t *)"\x82\x80\x80\x80\x00", 5, &v, &used));
    assert_int_equal(v, 2);
}

static void test_u32_limits(void **state)
{
    (void)state;
    uint32_t v;
    size_t used;
    /* too long: a sixth byte */
    assert_false(u32_of((const uint8_t *)"\x82\x80\x80\x80\x80\x00", 6, &v, &used));
    /* too large: unused bits of the fifth byte set */
    assert_false(u32_of((const uint8_t *)"\xff\xff\xff\xff\x1f", 5, &v, &used));
    assert_false(u32_of((const uint8_t *)"\x82\x80\x80\x80\x70", 5, &v, &used));
    assert_false(u32_of((const uint8_t *)"\x82\x80\x80\x80\x10", 5, &v, &used));
    /* truncated */
    assert_false(u32_of((const uint8_t *)"\x80", 1, &v, &used));
    assert_false(u32_of((const uint8_t *)"", 0, &v, &used));
}

static void test_u64(void **state)
{
    (void)state;
    uint64_t v;
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    olw_reader r = reader_of(max, sizeof max);
    assert_true(olw_read_uleb(&r, 64, &v));
    assert_true(v == UINT64_MAX);
    const uint8_t too_large[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    r = reader_of(too_large, sizeof too_large);
    assert_false(olw_read_uleb(&r, 64, &v));
    const uint8_t too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    r = reader_of(too_long, sizeof too_long);
    assert_false(olw_read_uleb(&r, 64, &v));
}

static void test_s32(void **state)
{
    (void)state;
    int32_t v;
    assert_true(s32_of((const uint8_t *)"\x7f", 1, &v));
    assert_int_equal(v, -1);
    assert_true(s32_of((const uint8_t *)"\x3f", 1, &v));
    assert_int_equal(v, 63);
    assert_true(s32_of((const uint8_t *)"\x40", 1, &v));
    assert_int_equal(v, -64);
    assert_true(s32_of((const uint8_t *)"\xc0\xbb\x78", 3, &v));
    assert_int_equal(v, -123456);
    assert_true(s32_of((const uint8_t *)"\xff\xff\xff\xff\x07", 5, &v));
    assert_int_equal(v, INT32_MAX);
    assert_true(s32_of((const uint8_t *)"\x80\x80\x80\x80\x78", 5, &v));
    assert_int_equal(v, INT32_MIN);
    /* non-minimal -1 and 0 */
    assert_true(s32_of((const uint8_t *)"\xff\xff\xff\xff\x7f", 5, &v));
    assert_int_equal(v, -1);
    assert_true(s32_of((const uint8_t *)"\x80\x80\x80\x80\x00", 5, &v));
    assert_int_equal(v, 0);
    /* unused bits must extend the sign */
    assert_false(s32_of((const uint8_t *)"\xff\xff\xff\xff\x0f", 5, &v)); /* positive, bit 3 = 1 */
    assert_false(s32_of((const uint8_t *)"\x80\x80\x80\x80\x70", 5, &v)); /* negative, bits not all 1 */
    assert_false(s32_of((const uint8_t *)"\xff\xff\xff\xff\x4f", 5, &v));
    /* too long, truncated */
    assert_false(s32_of((const uint8_t *)"\xff\xff\xff\xff\xff\x7f", 6, &v));
    assert_false(s32_of((const uint8_t *)"\xff", 1, &v));
}

static void test_s64(void **state)
{
    (void)state;
    int64_t v;
    const uint8_t min[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f};
    assert_true(s64_of(min, sizeof min, &v));
    assert_true(v == INT64_MIN);
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00};
    assert_true(s64_of(max, sizeof max, &v));
    assert_true(v == INT64_MAX);
    const uint8_t bad_pos[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    assert_false(s64_of(bad_pos, sizeof bad_pos, &v));
    const uint8_t bad_neg[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7e};
    assert_false(s64_of(bad_neg, sizeof bad_neg, &v));
    const uint8_t too_long[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    assert_false(s64_of(too_long, sizeof too_long, &v));
}

static void test_s33_block_type(void **state)
{
    (void)state;
    int64_t v;
    olw_reader r = reader_of((const uint8_t *)"\x40", 1);
    assert_true(olw_read_sleb(&r, 33, &v));
    assert_int_equal(v, -64);
    /* the largest type index an s33 holds: 2^32 - 1 */
    r = reader_of((const uint8_t *)"\xff\xff\xff\xff\x0f", 5);
    assert_true(olw_read_sleb(&r, 33, &v));
    assert_true(v == (int64_t)UINT32_MAX);
    r = reader_of((const uint8_t *)"\xff\xff\xff\xff\x7f", 5);
    assert_true(olw_read_sleb(&r, 33, &v));
    assert_int_equal(v, -1);
    r = reader_of((const uint8_t *)"\xff\xff\xff\xff\x1f", 5); /* negative, unused bits not all 1 */
    assert_false(olw_read_sleb(&r, 33, &v));
    r = reader_of((const uint8_t *)"\xff\xff\xff\xff\x2f", 5);
    assert_false(olw_read_sleb(&r, 33, &v));
}

static void test_fixed_width(void **state)
{
    (void)state;
    uint32_t f;
    uint64_t d;
    const uint8_t b[] = {0x00, 0x00, 0xc0, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    olw_reader r = reader_of(b, sizeof b);
    assert_true(olw_read_f32_bits(&r, &f));
    assert_int_equal(f, 0x7fc00000u);
    assert_true(olw_read_f64_bits(&r, &d));
    assert_true(d == 0x0807060504030201ull);
    assert_true(olw_reader_done(&r));
    assert_false(olw_read_f32_bits(&r, &f));
    r = reader_of(b, 7);
    assert_false(olw_read_f64_bits(&r, &d));
    assert_int_equal(olw_reader_offset(&r), 0); /* a failed read consumes nothing */
    const uint8_t *p;
    assert_false(olw_read_bytes(&r, 8, &p));
    assert_true(olw_read_bytes(&r, 7, &p));
    assert_ptr_equal(p, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u32_values),  cmocka_unit_test(test_u32_limits), cmocka_unit_test(test_u64),
        cmocka_unit_test(test_s32),         cmocka_unit_test(test_s64),        cmocka_unit_test(test_s33_block_type),
        cmocka_unit_test(test_fixed_width),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
