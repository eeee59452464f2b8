/* cond.c — see cond.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "secrets/cond.h"

#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "near/account_id.h"

typedef enum {
    C_ALLOW_ALL,
    C_WHITELIST,
    C_PATTERN,
    C_NEAR_BALANCE,
    C_FT_BALANCE,
    C_NFT_OWNED,
    C_DAO_MEMBER,
    C_AND,
    C_OR,
    C_NOT,
} cond_kind;

typedef enum { CMP_GTE, CMP_LTE, CMP_GT, CMP_LT, CMP_EQ, CMP_NE } cmp_op;
static const char *const CMP_NAMES[] = {"Gte", "Lte", "Gt", "Lt", "Eq", "Ne"};

struct sec_cond {
    cond_kind kind;
    cmp_op op;
    near_u128 value;
    char *contract; /* FtBalance, NftOwned, DaoMember */
    char *text;     /* pattern, token_id (NULL = any token), role */
    pcre2_code *re;
    char **accounts;
    size_t n_accounts;
    sec_cond **kids;
    size_t n_kids;
};

/* ---------------------------------------------------------------- parse */

typedef struct {
    int nodes;
    char *err;
    size_t errlen;
} parse_ctx;

static int fail(parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parse_ctx *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* The object body of a struct variant must have exactly these keys. */
static int check_keys(parse_ctx *p, const char *variant, const json_t *body, const char *const *keys, size_t n)
{
    if (!json_is_object(body))
        return fail(p, "%s: expected an object with its fields", variant);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)body, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < n; i++)
            known |= strcmp(k, keys[i]) == 0;
        if (!known)
            return fail(p, "%s: unknown field '%.40s'", variant, k);
    }
    (void)v;
    return 0;
}

static const char *req_string(parse_ctx *p, const char *variant, const json_t *body, const char *key)
{
    const json_t *v = json_object_get(body, key);
    if (!json_is_string(v)) {
        fail(p, "%s: field '%s' must be a string", variant, key);
        return NULL;
    }
    return json_string_value(v);
}

static char *req_account(parse_ctx *p, const char *variant, const json_t *body, const char *key)
{
    const char *s = req_string(p, variant, body, key);
    char why[128];
    if (!s)
        return NULL;
    if (!near_account_id_valid(s, why, sizeof why)) {
        fail(p, "%s: '%s' is not a valid account id: %s", variant, key, why);
        return NULL;
    }
    return strdup(s);
}

static int parse_cmp(parse_ctx *p, const char *variant, const json_t *body, sec_cond *c)
{
    const char *op = req_string(p, variant, body, "operator");
    if (!op)
        return -1;
    int found = -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(op, CMP_NAMES[i]) == 0)
            found = i;
    if (found < 0)
        return fail(p, "%s: operator must be one of Gte, Lte, Gt, Lt, Eq, Ne, not '%.20s'", variant, op);
    c->op = (cmp_op)found;
    const char *val = req_string(p, variant, body, "value");
    if (!val)
        return -1;
    if (near_u128_parse(val, &c->value) != 0)
        return fail(p, "%s: value must be a decimal u128 string, not '%.45s'", variant, val);
    return 0;
}

static int compile_pattern(parse_ctx *p, sec_cond *c, const char *pattern)
{
    if (strlen(pattern) > SEC_COND_MAX_PATTERN)
        return fail(p, "AccountPattern: pattern is longer than %d bytes", SEC_COND_MAX_PATTERN);
    int code;
    PCRE2_SIZE off;
    c->re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE, &code,
                          &off, NULL);
    if (!c->re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(code, msg, sizeof msg);
        return fail(p, "AccountPattern: invalid pattern at offset %zu: %s", (size_t)off, (const char *)msg);
    }
    c->text = strdup(pattern);
    return c->text ? 0 : fail(p, "out of memory");
}

static int parse_node(parse_ctx *p, const json_t *j, int depth, sec_cond **out);

static int parse_body(parse_ctx *p, const char *variant, const json_t *body, int depth, sec_cond *c)
{
    if (strcmp(variant, "Whitelist") == 0) {
        static const char *const K[] = {"accounts"};
        if (check_keys(p, variant, body, K, 1))
            return -1;
        c->kind = C_WHITELIST;
        const json_t *list = json_object_get(body, "accounts");
        if (!json_is_array(list))
            return fail(p, "Whitelist: 'accounts' must be an array of account ids");
        size_t n = json_array_size(list);
        if (n > SEC_COND_MAX_ACCOUNTS)
            return fail(p, "Whitelist: more than %d accounts", SEC_COND_MAX_ACCOUNTS);
        c->accounts = calloc(n ? n : 1, sizeof *c->accounts);
        if (!c->accounts)
            return fail(p, "out of memory");
        for (size_t i = 0; i < n; i++) {
            const json_t *a = json_array_get(list, i);
            char why[128];
            if (!json_is_string(a) || !near_account_id_valid(json_string_value(a), why, sizeof why))
                return fail(p, "Whitelist: entry %zu is not a valid account id", i);
            c->accounts[c->n_accounts++] = strdup(json_string_value(a));
            if (!c->accounts[i])
                return fail(p, "out of memory");
        }
        return 0;
    }
    if (strcmp(variant, "AccountPattern") == 0) {
        static const char *const K[] = {"pattern"};
        if (check_keys(p, variant, body, K, 1))
            return -1;
        c->kind = C_PATTERN;
        const char *pat = req_string(p, variant, body, "pattern");
        return pat ? compile_pattern(p, c, pat) : -1;
    }
    if (strcmp(variant, "NearBalance") == 0) {
        static const char *const K[] = {"operator", "value"};
        if (check_keys(p, variant, body, K, 2))
            return -1;
        c->kind = C_NEAR_BALANCE;
        return parse_cmp(p, variant, body, c);
    }
    if (strcmp(variant, "FtBalance") == 0) {
        static const char *const K[] = {"contract", "operator", "value"};
        if (check_keys(p, variant, body, K, 3))
            return -1;
        c->kind = C_FT_BALANCE;
        if (!(c->contract = req_account(p, variant, body, "contract")))
            return -1;
        return parse_cmp(p, variant, body, c);
    }
    if (strcmp(variant, "NftOwned") == 0) {
        static const char *const K[] = {"contract", "token_id"};
        if (check_keys(p, variant, body, K, 2))
            return -1;
        c->kind = C_NFT_OWNED;
        if (!(c->contract = req_account(p, variant, body, "contract")))
            return -1;
        const json_t *t = json_object_get(body, "token_id");
        if (t && !json_is_null(t)) {
            if (!json_is_string(t))
                return fail(p, "NftOwned: 'token_id' must be a string or null");
            if (!(c->text = strdup(json_string_value(t))))
                return fail(p, "out of memory");
        }
        return 0;
    }
    if (strcmp(variant, "DaoMember") == 0) {
        static const char *const K[] = {"dao_contract", "role"};
        if (check_keys(p, variant, body, K, 2))
            return -1;
        c->kind = C_DAO_MEMBER;
        if (!(c->contract = req_account(p, variant, body, "dao_contract")))
            return -1;
        const char *role = req_string(p, variant, body, "role");
        if (!role)
            return -1;
        return (c->text = strdup(role)) ? 0 : fail(p, "out of memory");
    }
    if (strcmp(variant, "Logic") == 0) {
        static const char *const K[] = {"operator", "conditions"};
        if (check_keys(p, variant, body, K, 2))
            return -1;
        const char *op = req_string(p, variant, body, "operator");
        if (!op)
            return -1;
        if (strcmp(op, "And") == 0)
            c->kind = C_AND;
        else if (strcmp(op, "Or") == 0)
            c->kind = C_OR;
        else
            return fail(p, "Logic: operator must be And or Or, not '%.20s'", op);
        const json_t *list = json_object_get(body, "conditions");
        if (!json_is_array(list))
            return fail(p, "Logic: 'conditions' must be an array");
        size_t n = json_array_size(list);
        c->kids = calloc(n ? n : 1, sizeof *c->kids);
        if (!c->kids)
            return fail(p, "out of memory");
        for (size_t i = 0; i < n; i++) {
            if (parse_node(p, json_array_get(list, i), depth + 1, &c->kids[i]))
                return -1;
            c->n_kids++;
        }
        return 0;
    }
    if (strcmp(variant, "Not") == 0) {
        static const char *const K[] = {"condition"};
        if (check_keys(p, variant, body, K, 1))
            return -1;
        c->kind = C_NOT;
        const json_t *inner = json_object_get(body, "condition");
        if (!inner)
            return fail(p, "Not: field 'condition' is missing");
        c->kids = calloc(1, sizeof *c->kids);
        if (!c->kids)
            return fail(p, "out of memory");
        if (parse_node(p, inner, depth + 1, &c->kids[0]))
            return -1;
        c->n_kids = 1;
        return 0;
    }
    if (strcmp(variant, "AllowAll") == 0)
        return fail(p, "AllowAll is written as the bare string \"AllowAll\"");
    return fail(p,
                "unknown access condition '%.40s' (expected AllowAll, Whitelist, AccountPattern, NearBalance, "
                "FtBalance, NftOwned, DaoMember, Logic or Not)",
                variant);
}

static int parse_node_in(parse_ctx *p, const json_t *j, int depth, sec_cond **out);

/* On failure nothing is left allocated and *out is NULL. */
static int parse_node(parse_ctx *p, const json_t *j, int depth, sec_cond **out)
{
    if (parse_node_in(p, j, depth, out) == 0)
        return 0;
    sec_cond_free(*out);
    *out = NULL;
    return -1;
}

static int parse_node_in(parse_ctx *p, const json_t *j, int depth, sec_cond **out)
{
    *out = NULL;
    if (depth > SEC_COND_MAX_DEPTH)
        return fail(p, "access condition is nested deeper than %d", SEC_COND_MAX_DEPTH);
    if (++p->nodes > SEC_COND_MAX_NODES)
        return fail(p, "access condition has more than %d parts", SEC_COND_MAX_NODES);
    sec_cond *c = calloc(1, sizeof *c);
    if (!c)
        return fail(p, "out of memory");
    *out = c;
    if (json_is_string(j)) {
        if (strcmp(json_string_value(j), "AllowAll") == 0) {
            c->kind = C_ALLOW_ALL;
            return 0;
        }
        return fail(p, "unknown access condition \"%.40s\" (the only bare string is \"AllowAll\")",
                    json_string_value(j));
    }
    if (!json_is_object(j) || json_object_size(j) != 1)
        return fail(p, "an access condition is \"AllowAll\" or an object with exactly one key naming its kind");
    const char *variant = json_object_iter_key(json_object_iter((json_t *)j));
    return parse_body(p, variant, json_object_get(j, variant), depth, c);
}

int sec_cond_parse(const json_t *j, sec_cond **out, char *err, size_t errlen)
{
    parse_ctx p = {0, err, errlen};
    if (!j) {
        *out = NULL;
        return fail(&p, "access condition is missing");
    }
    return parse_node(&p, j, 0, out);
}

int sec_cond_parse_text(const char *text, sec_cond **out, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        *out = NULL;
        snprintf(err, errlen, "access condition is not valid JSON: %s", je.text);
        return -1;
    }
    int r = sec_cond_parse(j, out, err, errlen);
    json_decref(j);
    return r;
}

void sec_cond_free(sec_cond *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_kids; i++)
        sec_cond_free(c->kids[i]);
    free(c->kids);
    for (size_t i = 0; i < c->n_accounts; i++)
        free(c->accounts[i]);
    free(c->accounts);
    free(c->contract);
    free(c->text);
    if (c->re)
        pcre2_code_free(c->re);
    free(c);
}

/* ------------------------------------------------------------- evaluate */

typedef enum { V_FALSE = 0, V_TRUE = 1, V_UNKNOWN = 2 } tri;

typedef struct {
    const char *caller;
    const sec_chain *chain;
    int calls;
    char *reason;
    size_t rlen;
} eval_ctx;

/* Sets the reason (the last one set before returning wins, so a parent can
 * keep its child's). */
static tri why(eval_ctx *e, tri v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static tri why(eval_ctx *e, tri v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, e->rlen, fmt, ap);
    va_end(ap);
    return v;
}

static bool compare(near_u128 actual, cmp_op op, near_u128 want)
{
    switch (op) {
    case CMP_GTE: return actual >= want;
    case CMP_LTE: return actual <= want;
    case CMP_GT: return actual > want;
    case CMP_LT: return actual < want;
    case CMP_EQ: return actual == want;
    case CMP_NE: return actual != want;
    }
    return false;
}

/* One view call, counted against the limit, its result parsed as JSON. */
static json_t *view_json(eval_ctx *e, const char *what, const char *contract, const char *method, json_t *args,
                         tri *fail_v)
{
    char err[256];
    char *raw = NULL;
    *fail_v = V_UNKNOWN;
    char *args_text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    if (!e->chain || !e->chain->view) {
        free(args_text);
        why(e, V_UNKNOWN, "%s cannot be checked: the keystore has no NEAR RPC configured", what);
        return NULL;
    }
    if (++e->calls > SEC_COND_MAX_CALLS) {
        free(args_text);
        why(e, V_UNKNOWN, "%s not checked: the condition needs more than %d RPC calls", what, SEC_COND_MAX_CALLS);
        return NULL;
    }
    if (!args_text)
        snprintf(err, sizeof err, "out of memory");
    int r = args_text ? e->chain->view(e->chain->ctx, contract, method, args_text, &raw, err, sizeof err) : -1;
    free(args_text);
    if (r != 0) {
        why(e, V_UNKNOWN, "%s check failed: %s.%s: %s", what, contract, method, err);
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loads(raw, JSON_DECODE_ANY, &je);
    free(raw);
    if (!j)
        why(e, V_UNKNOWN, "%s check failed: %s.%s returned something that is not JSON", what, contract, method);
    return j;
}

static tri eval_u128_result(eval_ctx *e, const char *what, json_t *j, const char *contract, cmp_op op, near_u128 want)
{
    near_u128 actual;
    char a[NEAR_U128_DEC_MAX], w[NEAR_U128_DEC_MAX];
    if (!json_is_string(j) || near_u128_parse(json_string_value(j), &actual) != 0) {
        json_decref(j);
        return why(e, V_UNKNOWN, "%s check failed: %s did not return a decimal u128 string", what, contract);
    }
    json_decref(j);
    bool ok = compare(actual, op, want);
    return why(e, ok ? V_TRUE : V_FALSE, "%s of %s is %s, required %s %s", what, e->caller, near_u128_format(actual, a),
               CMP_NAMES[op], near_u128_format(want, w));
}

static tri eval_node(const sec_cond *c, eval_ctx *e);

static tri eval_dao(const sec_cond *c, eval_ctx *e)
{
    tri fv;
    json_t *pol = view_json(e, "DaoMember", c->contract, "get_policy", json_object(), &fv);
    if (!pol)
        return fv;
    json_t *roles = json_object_get(pol, "roles");
    if (!json_is_array(roles)) {
        json_decref(pol);
        return why(e, V_UNKNOWN, "DaoMember check failed: %s.get_policy has no 'roles' array", c->contract);
    }
    size_t i;
    json_t *role;
    json_array_foreach(roles, i, role)
    {
        if (!json_is_string(json_object_get(role, "name")) ||
            strcmp(json_string_value(json_object_get(role, "name")), c->text) != 0)
            continue;
        json_t *kind = json_object_get(role, "kind");
        if (json_is_string(kind) && strcmp(json_string_value(kind), "Everyone") == 0) {
            json_decref(pol);
            return why(e, V_TRUE, "role '%s' of %s is Everyone", c->text, c->contract);
        }
        json_t *group = json_object_get(kind, "Group");
        if (json_is_array(group)) {
            size_t k;
            json_t *m;
            json_array_foreach(group, k, m) if (json_is_string(m) && strcmp(json_string_value(m), e->caller) == 0)
            {
                json_decref(pol);
                return why(e, V_TRUE, "%s is in role '%s' of %s", e->caller, c->text, c->contract);
            }
            json_decref(pol);
            return why(e, V_FALSE, "%s is not in role '%s' of %s", e->caller, c->text, c->contract);
        }
        json_t *member = json_object_get(kind, "Member");
        if (member) {
            near_u128 min;
            if (!json_is_string(member) || near_u128_parse(json_string_value(member), &min) != 0) {
                json_decref(pol);
                return why(e, V_UNKNOWN, "DaoMember check failed: role '%s' of %s has a bad Member amount", c->text,
                           c->contract);
            }
            json_decref(pol);
            json_t *args = json_pack("{s:s}", "account_id", e->caller);
            json_t *bal = view_json(e, "DaoMember", c->contract, "delegation_balance_of", args, &fv);
            if (!bal)
                return fv;
            return eval_u128_result(e, "DAO delegation balance", bal, c->contract, CMP_GTE, min);
        }
        json_decref(pol);
        return why(e, V_FALSE,
                   "role '%s' of %s has a kind this keystore does not understand (it knows Everyone, "
                   "Group and Member)",
                   c->text, c->contract);
    }
    json_decref(pol);
    return why(e, V_FALSE, "%s has no role named '%s'", c->contract, c->text);
}

static tri eval_node(const sec_cond *c, eval_ctx *e)
{
    tri fv;
    switch (c->kind) {
    case C_ALLOW_ALL: return why(e, V_TRUE, "AllowAll");
    case C_WHITELIST:
        for (size_t i = 0; i < c->n_accounts; i++)
            if (strcmp(c->accounts[i], e->caller) == 0)
                return why(e, V_TRUE, "%s is in the whitelist", e->caller);
        return why(e, V_FALSE, "%s is not in the whitelist", e->caller);
    case C_PATTERN: {
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        pcre2_match_context *mc = pcre2_match_context_create(NULL);
        if (!md || !mc) {
            pcre2_match_data_free(md);
            pcre2_match_context_free(mc);
            return why(e, V_UNKNOWN, "AccountPattern check failed: out of memory");
        }
        pcre2_set_match_limit(mc, 100000);
        pcre2_set_depth_limit(mc, 1000);
        int r = pcre2_match(c->re, (PCRE2_SPTR)e->caller, strlen(e->caller), 0, 0, md, mc);
        pcre2_match_data_free(md);
        pcre2_match_context_free(mc);
        if (r >= 0)
            return why(e, V_TRUE, "%s matches the account pattern", e->caller);
        if (r == PCRE2_ERROR_NOMATCH)
            return why(e, V_FALSE, "%s does not match the account pattern (matched against the whole account id)",
                       e->caller);
        return why(e, V_UNKNOWN, "AccountPattern check failed: pattern too costly to match (PCRE2 error %d)", r);
    }
    case C_NEAR_BALANCE: {
        char err[256];
        near_u128 amount = 0;
        if (!e->chain || !e->chain->balance)
            return why(e, V_UNKNOWN, "NearBalance cannot be checked: the keystore has no NEAR RPC configured");
        if (++e->calls > SEC_COND_MAX_CALLS)
            return why(e, V_UNKNOWN, "NearBalance not checked: the condition needs more than %d RPC calls",
                       SEC_COND_MAX_CALLS);
        int r = e->chain->balance(e->chain->ctx, e->caller, &amount, err, sizeof err);
        if (r < 0)
            return why(e, V_UNKNOWN, "NearBalance check failed: %s", err);
        char a[NEAR_U128_DEC_MAX], w[NEAR_U128_DEC_MAX];
        return why(e, compare(amount, c->op, c->value) ? V_TRUE : V_FALSE, "NEAR balance of %s is %s%s, required %s %s",
                   e->caller, near_u128_format(amount, a), r == 1 ? " (no such account)" : "", CMP_NAMES[c->op],
                   near_u128_format(c->value, w));
    }
    case C_FT_BALANCE: {
        json_t *j =
            view_json(e, "FtBalance", c->contract, "ft_balance_of", json_pack("{s:s}", "account_id", e->caller), &fv);
        if (!j)
            return fv;
        return eval_u128_result(e, "FT balance", j, c->contract, c->op, c->value);
    }
    case C_NFT_OWNED: {
        if (c->text) {
            json_t *j =
                view_json(e, "NftOwned", c->contract, "nft_token", json_pack("{s:s}", "token_id", c->text), &fv);
            if (!j)
                return fv;
            json_t *owner = json_object_get(j, "owner_id");
            bool ok = json_is_string(owner) && strcmp(json_string_value(owner), e->caller) == 0;
            bool exists = json_is_object(j);
            json_decref(j);
            if (ok)
                return why(e, V_TRUE, "%s owns token %.64s of %s", e->caller, c->text, c->contract);
            return why(e, V_FALSE,
                       exists ? "%s does not own token %.64s of %s" : "%s: token %.64s of %s does not exist", e->caller,
                       c->text, c->contract);
        }
        json_t *j = view_json(e, "NftOwned", c->contract, "nft_tokens_for_owner",
                              json_pack("{s:s,s:i}", "account_id", e->caller, "limit", 1), &fv);
        if (!j)
            return fv;
        if (!json_is_array(j)) {
            json_decref(j);
            return why(e, V_UNKNOWN, "NftOwned check failed: %s.nft_tokens_for_owner did not return an array",
                       c->contract);
        }
        bool ok = json_array_size(j) > 0;
        json_decref(j);
        return why(e, ok ? V_TRUE : V_FALSE, ok ? "%s owns a token of %s" : "%s owns no token of %s", e->caller,
                   c->contract);
    }
    case C_DAO_MEMBER: return eval_dao(c, e);
    case C_NOT: {
        tri v = eval_node(c->kids[0], e);
        if (v == V_UNKNOWN)
            return V_UNKNOWN; /* keep the child's reason */
        return why(e, v == V_TRUE ? V_FALSE : V_TRUE, "Not(%s)", v == V_TRUE ? "true" : "false");
    }
    case C_AND:
    case C_OR: {
        bool is_and = c->kind == C_AND;
        tri decisive = is_and ? V_FALSE : V_TRUE;
        bool unknown = false;
        char first_unknown[256] = "";
        for (size_t i = 0; i < c->n_kids; i++) {
            tri v = eval_node(c->kids[i], e);
            if (v == decisive)
                return v; /* the child's reason explains it */
            if (v == V_UNKNOWN && !unknown) {
                unknown = true;
                snprintf(first_unknown, sizeof first_unknown, "%s", e->reason);
            }
        }
        if (unknown)
            return why(e, V_UNKNOWN, "%s", first_unknown);
        if (c->n_kids == 0)
            return why(e, is_and ? V_TRUE : V_FALSE, "empty %s", is_and ? "And" : "Or");
        if (is_and)
            return why(e, V_TRUE, "all %zu And conditions hold", c->n_kids);
        char last[256];
        snprintf(last, sizeof last, "%s", e->reason);
        return why(e, V_FALSE, "none of the %zu Or conditions holds (last: %.180s)", c->n_kids, last);
    }
    }
    return why(e, V_UNKNOWN, "unknown condition");
}

bool sec_cond_check(const sec_cond *c, const char *caller, const sec_chain *chain, char *reason, size_t rlen)
{
    char buf[256];
    eval_ctx e = {caller, chain, 0, reason ? reason : buf, reason ? rlen : sizeof buf};
    char why_not[128];
    if (!c)
        return why(&e, V_FALSE, "no access condition"), false;
    if (!caller || !near_account_id_valid(caller, why_not, sizeof why_not))
        return why(&e, V_FALSE, "the caller is not a valid account id"), false;
    tri v = eval_node(c, &e);
    return v == V_TRUE;
}
