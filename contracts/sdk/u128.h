/* u128.h — 128-bit balances (yoctoNEAR) for contracts: decimal text and
 * checked arithmetic that panics the way Rust's overflow checks do. */
#ifndef SDK_U128_H
#define SDK_U128_H

#include <stdbool.h>
#include <stddef.h>

typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)
#define U128_DEC_MAX 40 /* 39 digits + NUL */

/* Rust's u128::from_str: optional '+', then 1..39 digits, no overflow. */
bool u128_parse(const char *s, size_t n, u128 *out);
/* Writes the decimal digits plus a NUL; returns the digit count. */
size_t u128_format(u128 v, char out[U128_DEC_MAX]);
/* Panic "attempt to add with overflow" / "... multiply ..." on overflow. */
u128 u128_add(u128 a, u128 b);
u128 u128_mul(u128 a, u128 b);
/* a - b, or 0 if b > a. */
u128 u128_sub_sat(u128 a, u128 b);
u128 u128_min(u128 a, u128 b);

#endif
