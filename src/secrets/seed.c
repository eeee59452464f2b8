/* seed.c — see seed.h. */
#include "secrets/seed.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "near/account_id.h"

#define FAIL(...)                               \
    do {                                        \
        if (err && errlen)                      \
            snprintf(err, errlen, __VA_ARGS__); \
        return -1;                              \
    } while (0)

static bool host_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '-'; }
static bool path_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_'; }

/* One path component of [start, end): non-empty, allowed characters, not
 * "." or "..". */
static bool component_ok(const char *s, size_t n, bool (*ok)(char))
{
    if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!ok(s[i]))
            return false;
    return true;
}

static bool has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

int sec_repo_normalize(const char *in, char *out, size_t cap, char *err, size_t errlen)
{
    if (!in)
        FAIL("repository is missing");
    /* trim */
    while (*in && isspace((unsigned char)*in))
        in++;
    size_t n = strlen(in);
    while (n > 0 && isspace((unsigned char)in[n - 1]))
        n--;
    if (n == 0)
        FAIL("repository cannot be empty");
    if (n >= 512)
        FAIL("repository is too long (at most 511 bytes)");
    char buf[512];
    memcpy(buf, in, n);
    buf[n] = 0;

    /* Strip the scheme, turning every form into HOST/OWNER/REPO or OWNER/REPO. */
    char *p = buf;
    bool had_scheme = false;
    if (has_prefix(p, "https://"))
        p += 8, had_scheme = true;
    else if (has_prefix(p, "http://"))
        p += 7, had_scheme = true;
    else if (has_prefix(p, "ssh://")) {
        p += 6, had_scheme = true;
        if (has_prefix(p, "git@"))
            p += 4;
    } else if (has_prefix(p, "git@")) {
        /* scp-like: git@HOST:OWNER/REPO */
        p += 4;
        char *colon = strchr(p, ':');
        if (!colon)
            FAIL("invalid repository '%s': expected git@HOST:OWNER/REPO", buf);
        *colon = '/';
        had_scheme = true;
    }
    if (strchr(p, '@'))
        FAIL("invalid repository '%s': user names or passwords are not part of a repository", buf);
    if (strchr(p, '?') || strchr(p, '#'))
        FAIL("invalid repository '%s': query strings and fragments are not allowed", buf);
    size_t plen = strlen(p);
    if (plen > 0 && p[plen - 1] == '/')
        p[--plen] = 0;
    if (plen > 4 && strcmp(p + plen - 4, ".git") == 0)
        p[plen -= 4] = 0;

    /* Split on '/'. */
    const char *part[4];
    size_t len[4];
    int count = 0;
    const char *s = p;
    for (;;) {
        const char *slash = strchr(s, '/');
        size_t l = slash ? (size_t)(slash - s) : strlen(s);
        if (count == 4)
            FAIL("invalid repository '%s': expected HOST/OWNER/REPO, OWNER/REPO or a git URL of one", buf);
        part[count] = s;
        len[count++] = l;
        if (!slash)
            break;
        s = slash + 1;
    }
    const char *host = "github.com";
    size_t host_len = 10;
    int first = 0;
    if (count == 3) {
        host = part[0], host_len = len[0], first = 1;
    } else if (count != 2 || had_scheme) {
        FAIL("invalid repository '%s': expected HOST/OWNER/REPO, OWNER/REPO or a git URL of one", buf);
    } else if (memchr(part[0], '.', len[0])) {
        /* OWNER/REPO means GitHub, whose user names have no '.': this is a
         * host with the owner or the name missing ("github.com/alice"). */
        FAIL("invalid repository '%s': expected HOST/OWNER/REPO or OWNER/REPO (a GitHub owner has no '.')", buf);
    }
    if (!component_ok(host, host_len, host_char) || host[0] == '-' || host[0] == '.')
        FAIL("invalid repository '%s': bad host name (ports are not allowed)", buf);
    if (!component_ok(part[first], len[first], path_char) || !component_ok(part[first + 1], len[first + 1], path_char))
        FAIL("invalid repository '%s': owner and name may hold only letters, digits, '.', '-' and '_'", buf);
    int w = snprintf(out, cap, "%.*s/%.*s/%.*s", (int)host_len, host, (int)len[first], part[first], (int)len[first + 1],
                     part[first + 1]);
    if (w < 0 || (size_t)w >= cap)
        FAIL("repository is too long");
    /* Host names are case-insensitive everywhere; on github.com owner and
     * repository names are too (GitHub redirects any casing to the same
     * repository), so the whole name is lower-cased there. Other hosts may
     * be case-sensitive, so their paths keep their case: two repositories
     * that differ only in case must not share secrets. */
    for (size_t i = 0; i < host_len; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    if (strncmp(out, "github.com/", 11) == 0)
        for (char *c = out; *c; c++)
            *c = (char)tolower((unsigned char)*c);
    return 0;
}

int sec_branch_check(const char *branch, char *err, size_t errlen)
{
    size_t n = branch ? strlen(branch) : 0;
    if (n == 0)
        FAIL("branch name cannot be empty if given");
    if (n >= SEC_BRANCH_MAX)
        FAIL("branch name is too long (at most 255 bytes)");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)branch[i];
        if (c <= ' ' || c == 0x7f || c == ':')
            FAIL("branch name may not contain ':', spaces or control characters");
    }
    return 0;
}

int sec_hash_normalize(const char *in, char out[SEC_HASH_HEX + 1], char *err, size_t errlen)
{
    if (!in || strlen(in) != SEC_HASH_HEX)
        FAIL("invalid WASM hash: must be 64 hex characters (SHA-256)");
    for (size_t i = 0; i < SEC_HASH_HEX; i++) {
        if (!isxdigit((unsigned char)in[i]))
            FAIL("invalid WASM hash: must be 64 hex characters (SHA-256)");
        out[i] = (char)tolower((unsigned char)in[i]);
    }
    out[SEC_HASH_HEX] = 0;
    return 0;
}

int sec_accessor_make(sec_accessor *a, const char *repo, const char *branch, const char *hash, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if ((repo != NULL) == (hash != NULL))
        FAIL("give either a repository or a WASM hash");
    if (hash) {
        if (branch)
            FAIL("a branch goes with a repository, not with a WASM hash");
        a->is_wasm_hash = true;
        return sec_hash_normalize(hash, a->hash, err, errlen);
    }
    if (sec_repo_normalize(repo, a->repo, sizeof a->repo, err, errlen))
        return -1;
    if (branch) {
        if (sec_branch_check(branch, err, errlen))
            return -1;
        a->has_branch = true;
        snprintf(a->branch, sizeof a->branch, "%s", branch);
    }
    return 0;
}

int sec_seed_build(const sec_accessor *a, const char *owner, char *out, size_t cap, char *err, size_t errlen)
{
    char why[160];
    if (!owner || !*owner)
        FAIL("owner account id is required");
    if (!near_account_id_valid(owner, why, sizeof why))
        FAIL("invalid owner account id '%s': %s", owner, why);
    int w;
    if (a->is_wasm_hash)
        w = snprintf(out, cap, "wasm_hash:%s:%s", a->hash, owner);
    else if (a->has_branch)
        w = snprintf(out, cap, "%s:%s:%s", a->repo, owner, a->branch);
    else
        w = snprintf(out, cap, "%s:%s", a->repo, owner);
    if (w < 0 || (size_t)w >= cap)
        FAIL("seed is too long");
    return 0;
}

/* Splits buf at its last `n` colons into n+1 parts (in place). */
static bool split_right(char *buf, int n, char **parts)
{
    for (int i = n; i > 0; i--) {
        char *c = strrchr(buf, ':');
        if (!c)
            return false;
        *c = 0;
        parts[i] = c + 1;
    }
    parts[0] = buf;
    return true;
}

static int repo_seed(const char *seed, int colons, sec_accessor *a, char owner[SEC_OWNER_MAX], char *err, size_t errlen)
{
    char buf[SEC_SEED_MAX], *part[3];
    snprintf(buf, sizeof buf, "%s", seed);
    if (!split_right(buf, colons, part))
        FAIL("invalid seed: expected REPO:OWNER[:BRANCH] or wasm_hash:HASH:OWNER");
    char why[160];
    if (!near_account_id_valid(part[1], why, sizeof why))
        FAIL("invalid owner account id in seed: %s", why);
    if (sec_accessor_make(a, part[0], colons == 2 ? part[2] : NULL, NULL, err, errlen))
        return -1;
    snprintf(owner, SEC_OWNER_MAX, "%s", part[1]);
    return 0;
}

int sec_seed_parse(const char *seed, sec_accessor *a, char owner[SEC_OWNER_MAX], char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    if (!seed || !*seed)
        FAIL("seed is empty");
    if (strlen(seed) >= SEC_SEED_MAX)
        FAIL("seed is too long");
    if (strncmp(seed, "wasm_hash:", 10) == 0) {
        char buf[SEC_SEED_MAX], *part[3];
        snprintf(buf, sizeof buf, "%s", seed + 10);
        char *c = strchr(buf, ':');
        if (!c)
            FAIL("invalid seed: expected wasm_hash:HASH:OWNER");
        *c = 0;
        part[1] = buf, part[2] = c + 1;
        if (sec_accessor_make(a, NULL, NULL, part[1], err, errlen))
            return -1;
        char why[160];
        if (!near_account_id_valid(part[2], why, sizeof why))
            FAIL("invalid owner account id in seed: %s", why);
        snprintf(owner, SEC_OWNER_MAX, "%s", part[2]);
        return 0;
    }
    /* A repository may itself hold ':' ("https://…", "git@host:o/r"), and
     * owners and branches never do, so split from the right: REPO:OWNER
     * first, then REPO:OWNER:BRANCH. A string can be read both ways only
     * if "REPO:OWNER" were itself a repository, which needs an owner
     * containing '/', never a valid account id. */
    char first_err[256];
    if (repo_seed(seed, 1, a, owner, first_err, sizeof first_err) == 0)
        return 0;
    int colons = 0;
    for (const char *c = seed; *c; c++)
        colons += *c == ':';
    if (colons >= 2 && repo_seed(seed, 2, a, owner, err, errlen) == 0)
        return 0;
    if (colons == 0)
        FAIL("invalid seed: expected REPO:OWNER[:BRANCH] or wasm_hash:HASH:OWNER");
    if (colons == 1)
        FAIL("%s", first_err);
    return -1;
}
