/* account_id.h — NEAR account ids (near-account-id rules, validity v2).
 * 2..64 bytes of [a-z0-9._-]; parts separated by '.'; '-' and '_' only
 * between two alphanumerics; no separator at either end or twice in a row. */
#ifndef OUTLAYER_NEAR_ACCOUNT_ID_H
#define OUTLAYER_NEAR_ACCOUNT_ID_H

#include <stdbool.h>
#include <stddef.h>

#define NEAR_ACCOUNT_ID_MIN_LEN 2
#define NEAR_ACCOUNT_ID_MAX_LEN 64

typedef enum near_account_kind {
    NEAR_ACCOUNT_INVALID = 0,
    NEAR_ACCOUNT_NAMED,         /* alice, alice.near */
    NEAR_ACCOUNT_NEAR_IMPLICIT, /* 64 lowercase hex: an ed25519 public key */
    NEAR_ACCOUNT_ETH_IMPLICIT,  /* 0x + 40 lowercase hex */
} near_account_kind;

/* True when id is valid; otherwise false and, if err is given, a sentence
 * saying what is wrong. */
bool near_account_id_valid(const char *id, char *err, size_t errlen);
/* The same for `len` bytes that need not end in a NUL (a NUL inside is
 * invalid): what the NEAR VM reads from contract memory. The one
 * implementation of the rules in the C code; contracts/sdk/account.c keeps a
 * freestanding copy for contracts, which cannot link this library. */
bool near_account_id_valid_n(const char *id, size_t len, char *err, size_t errlen);
near_account_kind near_account_id_kind(const char *id);
/* Named account without a '.' (implicit ids are not top-level names). */
bool near_account_id_is_top_level(const char *id);
/* True if `id` is a direct sub-account of `parent` ("a.b" of "b"; "x.a.b" is
 * not a direct sub-account of "b"). Both must be valid. */
bool near_account_id_is_sub_account_of(const char *id, const char *parent);

#endif
