/* fuzz_keystore_decrypt.c — /decrypt request bodies (and the contract's
 * answer) through the keystore's request logic, as the daemon runs it
 * after HTTP parsing. Input: the request JSON, optionally followed by
 * "\n\n" and the text the fake get_secrets returns (the default answer is
 * an AllowAll profile with a real blob for github.com/a/b:alice.near, so
 * requests for that seed go all the way to a granted reply). Every other
 * view returns "1". The same body also goes through /add_generated_secret
 * and /pubkey. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"

static const char *answer;

static int view(void *ctx, const char *contract, const char *method, const char *args, char **result, char *err,
                size_t errlen)
{
    (void)ctx, (void)contract, (void)args, (void)err, (void)errlen;
    *result = strdup(strcmp(method, "get_secrets") == 0 && answer ? answer : "\"1\"");
    return *result ? 0 : -1;
}

static int balance(void *ctx, const char *account, near_u128 *amount, char *err, size_t errlen)
{
    (void)ctx, (void)account, (void)err, (void)errlen;
    *amount = 1;
    return 0;
}

static int worker_key(void *ctx, const char *account, const char *pk, const char *receiver, char *err, size_t errlen)
{
    (void)ctx, (void)account, (void)pk, (void)receiver, (void)err, (void)errlen;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        log_set_level(LOG_ERROR);
        init = 1;
    }
    if (size < 1 || size > 65536)
        return 0;
    ks_state ks = {0};
    memset(ks.master, 7, sizeof ks.master);
    ks.contract_id = "outlayer.near";
    ks.chain = (sec_chain){NULL, view, balance};
    ks.require_attestation = data[0] & 1;
    ks.register_contract = "register.near";
    ks.worker_key = worker_key;
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    char *sep = strstr(text, "\n\n");
    /* a real blob sealed for github.com/a/b:alice.near under this master
     * ({"API_KEY":"x","B":"y"}), so requests for that seed decrypt */
    answer =
        "{\"encrypted_secrets\":\"b2wBRo5lVIaJwDY8J7OkyUSd7eckxoQPAtkWwhM2FrVVlzFTPsDAocp87CnP74Gjbt6BBXEDUK3WDrNZf+6Be+"
        "65m2axH+AaaiU=\",\"access\":\"AllowAll\",\"accessor\":{\"Repo\":{\"repo\":\"github.com/a/b\",\"branch\":null}}}";
    if (sep) {
        *sep = 0;
        answer = sep + 2;
    }
    json_t *req = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (json_is_object(req)) {
        ks_reply r = {0, NULL};
        ks_decrypt(&ks, req, &r);
        if (r.status < 200 || r.status > 599 || !r.body)
            abort();
        if (r.status == 200 && !json_is_string(json_object_get(r.body, "plaintext_secrets")))
            abort();
        json_decref(r.body);
        r.body = NULL;
        ks_add_generated(&ks, req, &r);
        json_decref(r.body);
        r.body = NULL;
        ks_pubkey(&ks, req, &r);
        json_decref(r.body);
    }
    json_decref(req);
    free(text);
    return 0;
}
