/* account_id.c — validation and classification of NEAR account ids. */
#include "near/account_id.h"

#include <stdio.h>
#include <string.h>

static int is_alnum_lower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static int is_separator(char c) { return c == '-' || c == '_' || c == '.'; }

static bool set_err(char *err, size_t errlen, const char *msg, const char *id, size_t n, size_t pos)
{
    if (err && errlen)
        snprintf(err, errlen, "invalid account id \"%.*s\": %s (at %zu)", (int)(n < 80 ? n : 80), id, msg, pos);
    return false;
}

bool near_account_id_valid(const char *id, char *err, size_t errlen)
{
    if (!id)
        return set_err(err, errlen, "missing", "", 0, 0);
    return near_account_id_valid_n(id, strlen(id), err, errlen);
}

bool near_account_id_valid_n(const char *id, size_t n, char *err, size_t errlen)
{
    if (n < NEAR_ACCOUNT_ID_MIN_LEN || n > NEAR_ACCOUNT_ID_MAX_LEN) {
        if (err && errlen)
            snprintf(err, errlen, "invalid account id \"%.*s\": length %zu is outside 2..64", (int)(n < 80 ? n : 80),
                     id, n);
        return false;
    }
    int last_was_sep = 1; /* the start behaves like a separator */
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        if (is_alnum_lower(c)) {
            last_was_sep = 0;
        } else if (is_separator(c)) {
            if (last_was_sep)
                return set_err(err, errlen, i == 0 ? "starts with a separator" : "two separators in a row", id, n, i);
            last_was_sep = 1;
        } else {
            return set_err(err, errlen,
                           (c >= 'A' && c <= 'Z') ? "uppercase letters are not allowed"
                                                  : "character not allowed (only a-z 0-9 . - _)",
                           id, n, i);
        }
    }
    if (last_was_sep)
        return set_err(err, errlen, "ends with a separator", id, n, n - 1);
    return true;
}

static int all_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

near_account_kind near_account_id_kind(const char *id)
{
    if (!near_account_id_valid(id, NULL, 0))
        return NEAR_ACCOUNT_INVALID;
    size_t n = strlen(id);
    if (n == 64 && all_lower_hex(id, 64))
        return NEAR_ACCOUNT_NEAR_IMPLICIT;
    if (n == 42 && id[0] == '0' && id[1] == 'x' && all_lower_hex(id + 2, 40))
        return NEAR_ACCOUNT_ETH_IMPLICIT;
    return NEAR_ACCOUNT_NAMED;
}

bool near_account_id_is_top_level(const char *id)
{
    return near_account_id_kind(id) == NEAR_ACCOUNT_NAMED && !strchr(id, '.');
}

bool near_account_id_is_sub_account_of(const char *id, const char *parent)
{
    if (!near_account_id_valid(id, NULL, 0) || !near_account_id_valid(parent, NULL, 0))
        return false;
    size_t n = strlen(id), p = strlen(parent);
    if (n <= p + 1 || strcmp(id + n - p, parent) != 0 || id[n - p - 1] != '.')
        return false;
    /* Direct child: the prefix before ".parent" has no dot of its own. */
    return memchr(id, '.', n - p - 1) == NULL;
}
