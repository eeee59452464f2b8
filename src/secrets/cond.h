/* cond.h — access conditions: who may have a secret decrypted (spec §A.7).
 *
 * Wire format (as the contract stores it, externally tagged):
 *   "AllowAll"
 *   {"Whitelist":{"accounts":["a.near",…]}}
 *   {"AccountPattern":{"pattern":"[a-z]+\\.gov\\.near"}}
 *   {"NearBalance":{"operator":"Gte","value":"<yocto u128>"}}
 *   {"FtBalance":{"contract":"usdt.near","operator":"Gte","value":"<u128>"}}
 *   {"NftOwned":{"contract":"x.near","token_id":"7"|null}}
 *   {"DaoMember":{"dao_contract":"dao.near","role":"council"}}
 *   {"Logic":{"operator":"And"|"Or","conditions":[…]}}
 *   {"Not":{"condition":…}}
 * operators: Gte Lte Gt Lt Eq Ne, meaning `actual OP value`, compared as
 * unsigned 128-bit integers.
 *
 * Differences from the reference (DESIGN §8):
 *  - AccountPattern is PCRE2 matched against the WHOLE account id
 *    (PCRE2_ANCHORED | PCRE2_ENDANCHORED): "alice" matches only "alice",
 *    never "malice.near". PCRE2 (not POSIX regex) because its syntax is a
 *    superset of what users write for the reference's Rust `regex` crate
 *    (\d \w \b (?i) non-greedy) where POSIX ERE has none of it, and because
 *    it has match and depth limits that bound the cost of a hostile pattern.
 *    A pattern that does not compile is rejected by sec_cond_parse (so the
 *    CLI refuses to store it, and a condition stored anyway denies).
 *  - Every failure — bad condition, RPC error, unexpected answer from a
 *    contract, limits exceeded — is a denial with a reason, never a 500.
 *    Evaluation is three-valued (true / false / unknown): Not(unknown) is
 *    unknown, And is false if any part is false, Or is true if any part is
 *    true, and only a final true grants access. So an RPC failure under a
 *    Not can never turn into a grant.
 *  - DaoMember understands the Sputnik roles Everyone, Group (membership)
 *    and token-weighted Member (delegation_balance_of(caller) >= amount).
 *  - Limits: depth 16, 256 nodes, 1000 whitelist entries, patterns of at
 *    most 512 bytes, 32 RPC calls per evaluation.
 *
 * RPC-backed conditions use a sec_chain given by the caller, so tests can
 * pass a fake; chain_near.h makes one from a NEAR JSON-RPC client. */
#ifndef OUTLAYER_SECRETS_COND_H
#define OUTLAYER_SECRETS_COND_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "near/u128.h"

#define SEC_COND_MAX_DEPTH 16
#define SEC_COND_MAX_NODES 256
#define SEC_COND_MAX_ACCOUNTS 1000
#define SEC_COND_MAX_PATTERN 512
#define SEC_COND_MAX_CALLS 32

typedef struct sec_cond sec_cond;

/* Read-only chain access for the RPC-backed conditions. */
typedef struct sec_chain {
    void *ctx;
    /* Calls `method` of `contract` with JSON args. 0 and *result (malloc'd,
     * NUL-terminated, the bytes the method returned), or -1 with err. */
    int (*view)(void *ctx, const char *contract, const char *method, const char *args_json, char **result, char *err,
                size_t errlen);
    /* Liquid balance (`amount` of view_account). 0 and *amount; 1 when the
     * account does not exist (its balance counts as 0); -1 with err. */
    int (*balance)(void *ctx, const char *account, near_u128 *amount, char *err, size_t errlen);
} sec_chain;

/* Parses and checks a condition (variant names, fields, account ids, u128
 * values, compiles patterns, enforces the limits). 0 and *out, or -1 with
 * a sentence in err. */
int sec_cond_parse(const json_t *j, sec_cond **out, char *err, size_t errlen);
int sec_cond_parse_text(const char *text, sec_cond **out, char *err, size_t errlen);
void sec_cond_free(sec_cond *c);

/* Does `caller` pass? true = granted. On false, reason says why (e.g.
 * "bob.near is not in the whitelist", "FtBalance check failed: RPC …"). */
bool sec_cond_check(const sec_cond *c, const char *caller, const sec_chain *chain, char *reason, size_t rlen);

#endif
