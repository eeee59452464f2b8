/* test_secrets_cond.c — access conditions: parser and evaluator
 * (src/secrets/cond.c), with a fake chain standing in for NEAR RPC.
 * The same conditions against real contracts on the devnet are in
 * tests/keystore/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/cond.h"

/* ------------------------------------------------------------ fake chain */

typedef struct {
    int calls;
    int down; /* every call fails, as when the RPC is unreachable */
} fake;

#define YOCTO_1NEAR "1000000000000000000000000"

static int fake_balance(void *ctx, const char *account, near_u128 *amount, char *err, size_t errlen)
{
    fake *f = ctx;
    f->calls++;
    if (f->down)
        return snprintf(err, errlen, "RPC TRANSPORT: connection refused"), -1;
    if (strcmp(account, "rich.near") == 0)
        return near_u128_parse("340282366920938463463374607431768211455", amount) == NEAR_OK ? 0 : -1;
    if (strcmp(account, "alice.near") == 0)
        return near_u128_parse(YOCTO_1NEAR, amount) == NEAR_OK ? 0 : -1;
    if (strcmp(account, "bob.near") == 0)
        return *amount = 5, 0;
    if (strcmp(account, "flaky.near") == 0)
        return snprintf(err, errlen, "RPC TIMEOUT: timed out"), -1;
    return *amount = 0, 1; /* no such account */
}

static int reply(char **result, const char *text)
{
    *result = strdup(text);
    return 0;
}

static int fake_view(void *ctx, const char *contract, const char *method, const char *args_json, char **result,
                     char *err, size_t errlen)
{
    fake *f = ctx;
    f->calls++;
    if (f->down)
        return snprintf(err, errlen, "RPC TRANSPORT: connection refused"), -1;
    json_t *args = json_loads(args_json, 0, NULL);
    const char *acc = json_string_value(json_object_get(args, "account_id"));
    const char *tok = json_string_value(json_object_get(args, "token_id"));
    char buf[256];
    int rc = -1;
    if (strcmp(contract, "ft.near") == 0 && strcmp(method, "ft_balance_of") == 0) {
        const char *bal = strcmp(acc, "alice.near") == 0  ? "1000000"
                          : strcmp(acc, "rich.near") == 0 ? "340282366920938463463374607431768211455"
                                                          : "0";
        snprintf(buf, sizeof buf, "\"%s\"", bal);
        rc = reply(result, buf);
    } else if (strcmp(contract, "numft.near") == 0) {
        rc = reply(result, "1000000"); /* a bare number, not a string */
    } else if (strcmp(contract, "garbage.near") == 0) {
        rc = reply(result, "not json at all");
    } else if (strcmp(contract, "nft.near") == 0 && strcmp(method, "nft_token") == 0) {
        rc = reply(result, strcmp(tok, "1") == 0 ? "{\"token_id\":\"1\",\"owner_id\":\"alice.near\"}" : "null");
    } else if (strcmp(contract, "nft.near") == 0 && strcmp(method, "nft_tokens_for_owner") == 0) {
        if (json_integer_value(json_object_get(args, "limit")) != 1)
            return json_decref(args), -1;
        rc =
            reply(result, strcmp(acc, "alice.near") == 0 ? "[{\"token_id\":\"1\",\"owner_id\":\"alice.near\"}]" : "[]");
    } else if (strcmp(contract, "dao.near") == 0 && strcmp(method, "get_policy") == 0) {
        rc = reply(result, "{\"roles\":["
                           "{\"name\":\"all\",\"kind\":\"Everyone\",\"permissions\":[]},"
                           "{\"name\":\"council\",\"kind\":{\"Group\":[\"alice.near\",\"bob.near\"]}},"
                           "{\"name\":\"holders\",\"kind\":{\"Member\":\"100\"}},"
                           "{\"name\":\"odd\",\"kind\":{\"Future\":1}}]}");
    } else if (strcmp(contract, "dao.near") == 0 && strcmp(method, "delegation_balance_of") == 0) {
        rc = reply(result, strcmp(acc, "alice.near") == 0 ? "\"150\""
                           : strcmp(acc, "bob.near") == 0 ? "\"50\""
                                                          : "\"0\"");
    } else if (strcmp(contract, "nodao.near") == 0) {
        rc = reply(result, "{\"proposal_bond\":\"1\"}");
    } else {
        snprintf(err, errlen, "RPC CONTRACT_EXECUTION: %s has no method %s", contract, method);
    }
    json_decref(args);
    return rc;
}

/* -------------------------------------------------------- the big table */

typedef struct {
    const char *cond;
    const char *caller;
    bool granted;
    const char *reason; /* substring of the reason, or NULL */
} cond_case;

#define FT(op, v) "{\"FtBalance\":{\"contract\":\"ft.near\",\"operator\":\"" op "\",\"value\":\"" v "\"}}"
#define NB(op, v) "{\"NearBalance\":{\"operator\":\"" op "\",\"value\":\"" v "\"}}"
#define PAT(p) "{\"AccountPattern\":{\"pattern\":\"" p "\"}}"
#define WL "{\"Whitelist\":{\"accounts\":[\"alice.near\",\"bob.near\"]}}"
#define DAO(r) "{\"DaoMember\":{\"dao_contract\":\"dao.near\",\"role\":\"" r "\"}}"
#define NOT(c) "{\"Not\":{\"condition\":" c "}}"
#define AND2(a, b) "{\"Logic\":{\"operator\":\"And\",\"conditions\":[" a "," b "]}}"
#define OR2(a, b) "{\"Logic\":{\"operator\":\"Or\",\"conditions\":[" a "," b "]}}"

static const cond_case CASES[] = {
    /* AllowAll, Whitelist */
    {"\"AllowAll\"", "anyone.near", true, "AllowAll"},
    {WL, "alice.near", true, "in the whitelist"},
    {WL, "bob.near", true, NULL},
    {WL, "carol.near", false, "not in the whitelist"},
    {WL, "alice.near.evil", false, NULL},
    {"{\"Whitelist\":{\"accounts\":[]}}", "alice.near", false, NULL},
    /* AccountPattern: anchored (the reference's bug: "alice" matched "malice.near") */
    {PAT("alice"), "malice.near", false, "whole account id"},
    {PAT("alice"), "alice", true, NULL},
    {PAT("alice"), "alice.near", false, NULL},
    {PAT(".*\\\\.gov\\\\.near"), "treasury.gov.near", true, NULL},
    {PAT(".*\\\\.gov\\\\.near"), "alice.near", false, NULL},
    {PAT(".*\\\\.gov\\\\.near"), "treasury.gov.near.evil.near", false, NULL},
    {PAT(".*\\\\.testnet$"), "bob.testnet", true, NULL},
    {PAT("^[a-z]+\\\\.near$"), "carol.near", true, NULL},
    {PAT("alice|bob\\\\.near"), "bob.near", true, NULL},
    {PAT("alice|bob\\\\.near"), "xbob.near", false, NULL},
    {PAT("user\\\\d+\\\\.near"), "user42.near", true, NULL},
    {PAT("(?i)ALICE\\\\.NEAR"), "alice.near", true, NULL},
    {PAT("(a+)+b"), "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", false, NULL},
    /* NearBalance: u128, liquid balance */
    {NB("Gte", YOCTO_1NEAR), "alice.near", true, "NEAR balance of alice.near is " YOCTO_1NEAR},
    {NB("Gt", YOCTO_1NEAR), "alice.near", false, NULL},
    {NB("Eq", YOCTO_1NEAR), "alice.near", true, NULL},
    {NB("Ne", YOCTO_1NEAR), "alice.near", false, NULL},
    {NB("Lt", "6"), "bob.near", true, NULL},
    {NB("Lte", "4"), "bob.near", false, NULL},
    {NB("Gte", "340282366920938463463374607431768211455"), "rich.near", true, NULL},
    {NB("Gte", "1"), "ghost.near", false, "no such account"},
    {NB("Lt", "1"), "ghost.near", true, NULL},
    {NB("Gte", "0"), "flaky.near", false, "TIMEOUT"},
    /* FtBalance */
    {FT("Gte", "1000000"), "alice.near", true, "FT balance of alice.near is 1000000"},
    {FT("Gt", "1000000"), "alice.near", false, NULL},
    {FT("Gte", "1"), "bob.near", false, NULL},
    {FT("Eq", "340282366920938463463374607431768211455"), "rich.near", true, NULL},
    {"{\"FtBalance\":{\"contract\":\"numft.near\",\"operator\":\"Gte\",\"value\":\"1\"}}", "alice.near", false,
     "u128 string"},
    {"{\"FtBalance\":{\"contract\":\"garbage.near\",\"operator\":\"Gte\",\"value\":\"1\"}}", "alice.near", false,
     "not JSON"},
    {"{\"FtBalance\":{\"contract\":\"missing.near\",\"operator\":\"Gte\",\"value\":\"1\"}}", "alice.near", false,
     "has no method"},
    /* NftOwned */
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":\"1\"}}", "alice.near", true, "owns token 1"},
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":\"1\"}}", "bob.near", false, "does not own"},
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":\"2\"}}", "alice.near", false, "does not exist"},
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":null}}", "alice.near", true, NULL},
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":null}}", "bob.near", false, "owns no token"},
    {"{\"NftOwned\":{\"contract\":\"nft.near\"}}", "alice.near", true, NULL},
    /* DaoMember: Everyone, Group, token-weighted Member */
    {DAO("council"), "alice.near", true, "is in role"},
    {DAO("council"), "carol.near", false, "is not in role"},
    {DAO("all"), "carol.near", true, "Everyone"},
    {DAO("holders"), "alice.near", true, "delegation balance"},
    {DAO("holders"), "bob.near", false, NULL},
    {DAO("odd"), "alice.near", false, "does not understand"},
    {DAO("nobody"), "alice.near", false, "no role named"},
    {"{\"DaoMember\":{\"dao_contract\":\"nodao.near\",\"role\":\"council\"}}", "alice.near", false, "'roles'"},
    /* Logic and Not, nested */
    {AND2(WL, PAT(".*\\\\.near")), "alice.near", true, NULL},
    {AND2(WL, NB("Gte", YOCTO_1NEAR)), "bob.near", false, "NEAR balance of bob.near is 5"},
    {OR2(WL, PAT(".*\\\\.gov\\\\.near")), "x.gov.near", true, NULL},
    {OR2(WL, PAT(".*\\\\.gov\\\\.near")), "carol.near", false, "none of the 2 Or"},
    {"{\"Logic\":{\"operator\":\"And\",\"conditions\":[]}}", "alice.near", true, NULL},
    {"{\"Logic\":{\"operator\":\"Or\",\"conditions\":[]}}", "alice.near", false, NULL},
    {NOT(WL), "carol.near", true, NULL},
    {NOT(WL), "alice.near", false, NULL},
    {NOT(NOT(WL)), "alice.near", true, NULL},
    {AND2(NOT(PAT("bad.*")), OR2(DAO("council"), FT("Gte", "1"))), "bob.near", true, NULL},
    {AND2(NOT(PAT("bad.*")), OR2(DAO("council"), FT("Gte", "1"))), "badbob.near", false, NULL},
    /* unknown (RPC failure) is never turned into a grant by Not, and decides
     * nothing that the other parts decide */
    {NOT(NB("Gte", "0")), "flaky.near", false, "TIMEOUT"},
    {NOT(NOT(NB("Gte", "0"))), "flaky.near", false, "TIMEOUT"},
    {OR2(NB("Gte", "0"), WL), "flaky.near", false, "TIMEOUT"},
    {OR2(NB("Gte", "0"), "\"AllowAll\""), "flaky.near", true, NULL},
    {AND2(NB("Gte", "0"), "{\"Whitelist\":{\"accounts\":[]}}"), "flaky.near", false, NULL},
    {AND2(NB("Gte", "0"), "\"AllowAll\""), "flaky.near", false, "TIMEOUT"},
    /* a caller that is not an account id */
    {"\"AllowAll\"", "Not An Account", false, "not a valid account id"},
    {"\"AllowAll\"", "", false, NULL},
};

static void test_condition_table(void **state)
{
    (void)state;
    size_t n = sizeof CASES / sizeof CASES[0];
    assert_true(n >= 40);
    for (size_t i = 0; i < n; i++) {
        fake f = {0};
        sec_chain chain = {&f, fake_view, fake_balance};
        sec_cond *c;
        char err[256], reason[256] = "";
        if (sec_cond_parse_text(CASES[i].cond, &c, err, sizeof err) != 0)
            fail_msg("case %zu: %s does not parse: %s", i, CASES[i].cond, err);
        bool got = sec_cond_check(c, CASES[i].caller, &chain, reason, sizeof reason);
        if (got != CASES[i].granted)
            fail_msg("case %zu: %s for %s: got %s (%s)", i, CASES[i].cond, CASES[i].caller, got ? "granted" : "denied",
                     reason);
        if (CASES[i].reason && !strstr(reason, CASES[i].reason))
            fail_msg("case %zu: reason '%s' lacks '%s'", i, reason, CASES[i].reason);
        assert_true(strlen(reason) > 0);
        sec_cond_free(c);
    }
}

/* RPC down: every chain-backed condition is a denial with a reason. */
static void test_rpc_down(void **state)
{
    (void)state;
    const char *conds[] = {NB("Gte", "0"), FT("Gte", "0"), DAO("all"),
                           "{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":null}}", NOT(FT("Gte", "0"))};
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        fake f = {.down = 1};
        sec_chain chain = {&f, fake_view, fake_balance};
        sec_cond *c;
        char err[256], reason[256];
        assert_int_equal(sec_cond_parse_text(conds[i], &c, err, sizeof err), 0);
        assert_false(sec_cond_check(c, "alice.near", &chain, reason, sizeof reason));
        if (!strstr(reason, "connection refused"))
            fail_msg("%s: reason '%s'", conds[i], reason);
        assert_int_equal(f.calls, 1);
        /* without any chain configured */
        assert_false(sec_cond_check(c, "alice.near", NULL, reason, sizeof reason));
        assert_non_null(strstr(reason, "no NEAR RPC configured"));
        sec_cond_free(c);
    }
}

/* No more than SEC_COND_MAX_CALLS RPC calls per check. */
static void test_call_budget(void **state)
{
    (void)state;
    json_t *list = json_array();
    for (int i = 0; i < SEC_COND_MAX_CALLS + 10; i++)
        json_array_append_new(
            list, json_pack("{s:{s:s,s:s,s:s}}", "FtBalance", "contract", "ft.near", "operator", "Gte", "value", "0"));
    json_t *j = json_pack("{s:{s:s,s:o}}", "Logic", "operator", "And", "conditions", list);
    sec_cond *c;
    char err[256], reason[256];
    assert_int_equal(sec_cond_parse(j, &c, err, sizeof err), 0);
    fake f = {0};
    sec_chain chain = {&f, fake_view, fake_balance};
    assert_false(sec_cond_check(c, "alice.near", &chain, reason, sizeof reason));
    assert_int_equal(f.calls, SEC_COND_MAX_CALLS);
    assert_non_null(strstr(reason, "RPC calls"));
    sec_cond_free(c);
    json_decref(j);
}

/* Conditions that must be refused when stored (and deny when read). */
static const struct {
    const char *cond, *err;
} BAD[] = {
    {PAT("(unclosed"), "invalid pattern"},
    {PAT("a{2,1}"), "invalid pattern"},
    {PAT("\\\\C"), "invalid pattern"},
    {"\"allowall\"", "unknown access condition"},
    {"{\"AllowAll\":{}}", "bare string"},
    {"{\"Everyone\":{}}", "unknown access condition"},
    {"{\"Whitelist\":{\"accounts\":[\"Bad Account\"]}}", "not a valid account id"},
    {"{\"Whitelist\":{\"accounts\":\"alice.near\"}}", "array"},
    {"{\"Whitelist\":{\"accounts\":[],\"extra\":1}}", "unknown field"},
    {"{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"-1\"}}", "u128"},
    {"{\"NearBalance\":{\"operator\":\"Gte\",\"value\":\"340282366920938463463374607431768211456\"}}", "u128"},
    {"{\"NearBalance\":{\"operator\":\"Gte\",\"value\":1}}", "string"},
    {"{\"NearBalance\":{\"operator\":\">=\",\"value\":\"1\"}}", "operator"},
    {"{\"FtBalance\":{\"contract\":\"NOT VALID\",\"operator\":\"Gte\",\"value\":\"1\"}}", "account id"},
    {"{\"NftOwned\":{\"contract\":\"nft.near\",\"token_id\":5}}", "token_id"},
    {"{\"DaoMember\":{\"dao_contract\":\"dao.near\"}}", "role"},
    {"{\"Logic\":{\"operator\":\"Xor\",\"conditions\":[]}}", "And or Or"},
    {"{\"Logic\":{\"operator\":\"And\",\"conditions\":[\"Nope\"]}}", "unknown access condition"},
    {"{\"Not\":{}}", "missing"},
    {"{\"Not\":{\"condition\":\"AllowAll\"},\"Whitelist\":{\"accounts\":[]}}", "exactly one key"},
    {"{\"type\":\"NearBalance\",\"operator\":\"Gte\",\"value\":\"1\"}", "exactly one key"},
    {"42", "exactly one key"},
    {"[\"AllowAll\"]", "exactly one key"},
    {"{not json", "not valid JSON"},
};

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        sec_cond *c = (sec_cond *)1;
        char err[256] = "";
        if (sec_cond_parse_text(BAD[i].cond, &c, err, sizeof err) == 0)
            fail_msg("%s accepted", BAD[i].cond);
        assert_null(c);
        if (!strstr(err, BAD[i].err))
            fail_msg("%s: error '%s' lacks '%s'", BAD[i].cond, err, BAD[i].err);
    }
    /* a very long pattern */
    char *pat = malloc(SEC_COND_MAX_PATTERN + 64);
    snprintf(pat, 32, "{\"AccountPattern\":{\"pattern\":\"");
    size_t l = strlen(pat);
    memset(pat + l, 'a', SEC_COND_MAX_PATTERN + 1);
    strcpy(pat + l + SEC_COND_MAX_PATTERN + 1, "\"}}");
    sec_cond *c;
    char err[256];
    assert_int_equal(sec_cond_parse_text(pat, &c, err, sizeof err), -1);
    free(pat);
    /* depth limit */
    char deep[2048] = "\"AllowAll\"";
    for (int i = 0; i <= SEC_COND_MAX_DEPTH; i++) {
        char tmp[2048];
        size_t len = strlen(deep);
        assert_true(len + 40 < sizeof tmp);
        memcpy(tmp, deep, len + 1);
        strcpy(deep, "{\"Not\":{\"condition\":");
        strcat(deep, tmp);
        strcat(deep, "}}");
    }
    assert_int_equal(sec_cond_parse_text(deep, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "deeper"));
    /* node limit */
    json_t *list = json_array();
    for (int i = 0; i < SEC_COND_MAX_NODES; i++)
        json_array_append_new(list, json_string("AllowAll"));
    json_t *j = json_pack("{s:{s:s,s:o}}", "Logic", "operator", "Or", "conditions", list);
    assert_int_equal(sec_cond_parse(j, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "parts"));
    json_decref(j);
    assert_int_equal(sec_cond_parse(NULL, &c, err, sizeof err), -1);
    assert_false(sec_cond_check(NULL, "alice.near", NULL, err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_condition_table),
        cmocka_unit_test(test_rpc_down),
        cmocka_unit_test(test_call_budget),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
