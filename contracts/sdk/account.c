/* account.c — NEAR account id validation. */
#include "account.h"

static bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool account_id_valid(const char *s, size_t len)
{
    if (len < 2 || len > 64)
        return false;
    bool prev_separator = true; /* the id may not start with a separator */
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (is_alnum(c)) {
            prev_separator = false;
        } else if (c == '-' || c == '_' || c == '.') {
            if (prev_separator)
                return false;
            prev_separator = true;
        } else {
            return false;
        }
    }
    return !prev_separator;
}
