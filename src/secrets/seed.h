/* seed.h — who a secret belongs to: the accessor (a repository, optionally
 * one branch, or a WASM hash) plus the owner account, and the "seed" string
 * the keystore derives the key pair from.
 *
 * Every side (CLI, coordinator, keystore, worker) must name a repository
 * the same way, or the seed and the contract key differ and the secret is
 * "not found". sec_repo_normalize is that one function:
 *
 *   git@HOST:OWNER/REPO[.git]            -> HOST/OWNER/REPO
 *   ssh://[git@]HOST/OWNER/REPO[.git]    -> HOST/OWNER/REPO
 *   http(s)://HOST/OWNER/REPO[.git][/]   -> HOST/OWNER/REPO
 *   HOST/OWNER/REPO[.git]                -> HOST/OWNER/REPO
 *   OWNER/REPO[.git]                     -> github.com/OWNER/REPO
 *
 * Surrounding whitespace is trimmed and the host is lower-cased (DNS names
 * are case-insensitive); on github.com owner and repo are lower-cased too
 * (GitHub names are case-insensitive), elsewhere they keep their case. Anything else is
 * refused: ports, user:password@, extra path segments (/tree/main), query
 * strings, characters outside [A-Za-z0-9._-], "." or ".." components.
 * So a normalised repo never contains ':' and a seed parses one way only.
 *
 * Seeds (what the reference's coordinator sends to /pubkey):
 *   <repo>:<owner>              any branch
 *   <repo>:<owner>:<branch>     one branch (git refs cannot contain ':')
 *   wasm_hash:<hex64>:<owner>   the hash lower-cased
 */
#ifndef OUTLAYER_SECRETS_SEED_H
#define OUTLAYER_SECRETS_SEED_H

#include <stdbool.h>
#include <stddef.h>

#define SEC_REPO_MAX 300   /* normalised repo, with the NUL */
#define SEC_BRANCH_MAX 256 /* the contract allows 255 bytes */
#define SEC_OWNER_MAX 65
#define SEC_HASH_HEX 64
#define SEC_SEED_MAX (SEC_REPO_MAX + SEC_OWNER_MAX + SEC_BRANCH_MAX + 16)

typedef struct sec_accessor {
    bool is_wasm_hash;
    char repo[SEC_REPO_MAX]; /* normalised (Repo) */
    bool has_branch;
    char branch[SEC_BRANCH_MAX]; /* when has_branch */
    char hash[SEC_HASH_HEX + 1]; /* lower-case hex (WasmHash) */
} sec_accessor;

/* 0 and the normalised form in out, or -1 with a sentence in err. */
int sec_repo_normalize(const char *in, char *out, size_t cap, char *err, size_t errlen);

/* Checks a branch name (1..255 bytes, no ':', whitespace or control
 * characters). 0 or -1 with err. */
int sec_branch_check(const char *branch, char *err, size_t errlen);

/* 64 hex digits (either case) -> lower case. 0 or -1 with err. */
int sec_hash_normalize(const char *in, char out[SEC_HASH_HEX + 1], char *err, size_t errlen);

/* Fills an accessor from its parts (repo normalised, hash lower-cased).
 * Exactly one of repo / hash must be given; branch only with repo. */
int sec_accessor_make(sec_accessor *a, const char *repo, const char *branch, const char *hash, char *err,
                      size_t errlen);

/* The seed for (accessor, owner). The owner must be a valid NEAR account
 * id. 0 or -1 with err. */
int sec_seed_build(const sec_accessor *a, const char *owner, char *out, size_t cap, char *err, size_t errlen);

/* Parses a seed string as sent by a coordinator, normalising its repo or
 * hash; fills *a and owner. 0 or -1 with err. */
int sec_seed_parse(const char *seed, sec_accessor *a, char owner[SEC_OWNER_MAX], char *err, size_t errlen);

#endif
