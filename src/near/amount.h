/* amount.h — NEAR token amounts and gas as text.
 * 1 NEAR = 10^24 yoctoNEAR; 1 Tgas = 10^12 gas. */
#ifndef OUTLAYER_NEAR_AMOUNT_H
#define OUTLAYER_NEAR_AMOUNT_H

#include "near/status.h"

#include <stddef.h>
#include <stdint.h>

#include "near/u128.h"

#define NEAR_YOCTO_PER_NEAR ((near_u128)1000000000000000000ull * 1000000ull)
#define NEAR_GAS_PER_TGAS 1000000000000ull

/* "1", "1.5", "0.000000000000000000000001", "1,000.25" is rejected.
 * At most 24 fractional digits; an optional " NEAR" suffix is accepted.
 * NEAR_OK and yoctoNEAR in *out, or NEAR_ERR_INVALID on malformed text or overflow. */
NEAR_MUST_USE near_status near_amount_parse_near(const char *text, near_u128 *yocto);
/* yoctoNEAR → "1.5" (trailing zeros dropped, no suffix; "0" for zero).
 * out needs NEAR_AMOUNT_TEXT_MAX bytes. */
#define NEAR_AMOUNT_TEXT_MAX 48
char *near_amount_format_near(near_u128 yocto, char out[NEAR_AMOUNT_TEXT_MAX]);

/* Gas: "30000000000000", "30 Tgas", "30Tgas", "0.5 Tgas", "300 TGas",
 * "1 Pgas" (case-insensitive unit; Ggas, Tgas, Pgas). NEAR_OK or NEAR_ERR_INVALID. */
NEAR_MUST_USE near_status near_gas_parse(const char *text, uint64_t *gas);
/* 30000000000000 → "30 Tgas"; values that are not whole Tgas are written
 * with up to 12 fractional digits ("0.000000000001 Tgas"); 0 → "0 Tgas".
 * out needs NEAR_GAS_TEXT_MAX bytes. */
#define NEAR_GAS_TEXT_MAX 40
char *near_gas_format(uint64_t gas, char out[NEAR_GAS_TEXT_MAX]);

#endif
