/* u128.h — unsigned 128-bit integers for NEAR balances (yoctoNEAR).
 * We use the compiler's unsigned __int128 (gcc and clang on 64-bit targets);
 * the helpers here add decimal text conversion and checked arithmetic. */
#ifndef OUTLAYER_NEAR_U128_H
#define OUTLAYER_NEAR_U128_H

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 near_u128;

#define NEAR_U128_MAX (~(near_u128)0)
/* Longest decimal form of a u128 is 39 digits; plus the NUL. */
#define NEAR_U128_DEC_MAX 40

/* Parses a plain decimal integer (digits only, no sign, no spaces).
 * NEAR_OK, or NEAR_ERR_INVALID on empty input, a non-digit or overflow. */
NEAR_MUST_USE near_status near_u128_parse(const char *s, near_u128 *out);
/* Same with an explicit length (the text need not be NUL-terminated). */
NEAR_MUST_USE near_status near_u128_parse_n(const char *s, size_t n, near_u128 *out);
/* Writes the decimal form into out (at least NEAR_U128_DEC_MAX bytes). */
char *near_u128_format(near_u128 v, char out[NEAR_U128_DEC_MAX]);
/* Checked arithmetic: NEAR_OK, or NEAR_ERR_INVALID on overflow / underflow / division
 * by zero (then *out is left unchanged). */
NEAR_MUST_USE near_status near_u128_add(near_u128 a, near_u128 b, near_u128 *out);
NEAR_MUST_USE near_status near_u128_sub(near_u128 a, near_u128 b, near_u128 *out);
NEAR_MUST_USE near_status near_u128_mul(near_u128 a, near_u128 b, near_u128 *out);
NEAR_MUST_USE near_status near_u128_div(near_u128 a, near_u128 b, near_u128 *out);
int near_u128_cmp(near_u128 a, near_u128 b);

#endif
