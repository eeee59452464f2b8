/* fuzz_secrets_cond.c — the access-condition parser and evaluator on
 * arbitrary bytes. The first byte picks the caller; the chain is a fake
 * that answers every view with text taken from the input, so the
 * evaluator's handling of odd contract answers is fuzzed too. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secrets/cond.h"

static const char *answer;

static int view(void *ctx, const char *contract, const char *method, const char *args, char **result, char *err,
                size_t errlen)
{
    (void)ctx, (void)contract, (void)method, (void)args, (void)err, (void)errlen;
    *result = strdup(answer);
    return *result ? 0 : -1;
}

static int balance(void *ctx, const char *account, near_u128 *amount, char *err, size_t errlen)
{
    (void)ctx, (void)account, (void)err, (void)errlen;
    *amount = (near_u128)strlen(answer) * 1000;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const callers[] = {"alice.near", "malice.near", "bob.testnet", "a.gov.near"};
    if (size < 1 || size > 65536)
        return 0;
    /* input = caller byte, condition JSON, optional "\n\n" + contract answer */
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    char *sep = strstr(text, "\n\n");
    answer = "null";
    if (sep) {
        *sep = 0;
        answer = sep + 2;
    }
    sec_cond *c = NULL;
    char err[256], reason[256];
    if (sec_cond_parse_text(text, &c, err, sizeof err) == 0) {
        sec_chain chain = {NULL, view, balance};
        sec_cond_check(c, callers[data[0] % 4], &chain, reason, sizeof reason);
        sec_cond_free(c);
    }
    free(text);
    return 0;
}
