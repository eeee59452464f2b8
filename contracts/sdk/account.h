/* account.h — NEAR account id validation (near-account-id rules).
 * A freestanding copy for contracts, which link no library of ours; native
 * code uses near_account_id_valid / _valid_n (src/near/account_id.h). */
#ifndef SDK_ACCOUNT_H
#define SDK_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>

/* 2..64 bytes of [a-z0-9] parts joined by '.', where '-' or '_' may only
 * sit between two alphanumerics. */
bool account_id_valid(const char *s, size_t len);

#endif
