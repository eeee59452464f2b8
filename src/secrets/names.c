/* names.c — see names.h. */
#include "secrets/names.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const sec_reserved_names[] = {
    "NEAR_SENDER_ID",       "NEAR_CONTRACT_ID",           "NEAR_BLOCK_HEIGHT",      "NEAR_BLOCK_TIMESTAMP",
    "NEAR_RECEIPT_ID",      "NEAR_PREDECESSOR_ID",        "NEAR_SIGNER_PUBLIC_KEY", "NEAR_GAS_BURNT",
    "NEAR_USER_ACCOUNT_ID", "NEAR_PAYMENT_YOCTO",         "NEAR_TRANSACTION_HASH",  "NEAR_MAX_INSTRUCTIONS",
    "NEAR_MAX_MEMORY_MB",   "NEAR_MAX_EXECUTION_SECONDS", "NEAR_REQUEST_ID",
};
const size_t sec_reserved_count = sizeof sec_reserved_names / sizeof sec_reserved_names[0];

bool sec_name_is_reserved(const char *name)
{
    for (size_t i = 0; i < sec_reserved_count; i++)
        if (strcmp(name, sec_reserved_names[i]) == 0)
            return true;
    return false;
}

bool sec_name_is_protected(const char *name)
{
    return strncmp(name, SEC_PROTECTED_PREFIX, strlen(SEC_PROTECTED_PREFIX)) == 0;
}

bool sec_name_is_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SEC_NAME_MAX || isdigit((unsigned char)name[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return false;
    return true;
}

/* Appends ", name" (or "name") to a list, truncating quietly. */
static void list_add(char *list, size_t cap, const char *name)
{
    size_t used = strlen(list);
    if (used + 1 >= cap)
        return;
    snprintf(list + used, cap - used, "%s%.*s", used ? ", " : "", 64, name);
}

int sec_secrets_parse(const char *text, size_t n, sec_blob_kind kind, json_t **out, char *err, size_t errlen)
{
    json_error_t je;
    *out = NULL;
    json_t *obj = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
    if (!obj) {
        snprintf(err, errlen, "secrets are not valid JSON (line %d, column %d): %s", je.line, je.column, je.text);
        return -1;
    }
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "secrets must be a JSON object of NAME: \"value\" strings");
        json_decref(obj);
        return -1;
    }
    char bad[256] = "", reserved[256] = "", prot[256] = "", nonstr[256] = "";
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (!sec_name_is_valid(key))
            list_add(bad, sizeof bad, key);
        else if (sec_name_is_reserved(key))
            list_add(reserved, sizeof reserved, key);
        else if (sec_name_is_protected(key) && kind != SEC_BLOB_KEYSTORE)
            list_add(prot, sizeof prot, key);
        if (!json_is_string(v))
            list_add(nonstr, sizeof nonstr, key);
    }
    const char *why = NULL;
    if (*bad)
        snprintf(err, errlen, "invalid secret names: %s (use 1-%d letters, digits or '_', not starting with a digit)",
                 bad, SEC_NAME_MAX),
            why = err;
    else if (*reserved)
        snprintf(err, errlen,
                 "Cannot use reserved system keywords as secret keys: %s. These environment variables are "
                 "automatically set by OutLayer worker. Please use different key names.",
                 reserved),
            why = err;
    else if (*prot)
        snprintf(err, errlen,
                 "Manual secrets cannot use 'PROTECTED_' prefix (reserved for auto-generated secrets): %s. This "
                 "prefix proves that a secret was generated in the keystore and never seen by anyone.",
                 prot),
            why = err;
    else if (*nonstr)
        snprintf(err, errlen, "secret values must be strings: %s", nonstr), why = err;
    if (why) {
        json_decref(obj);
        return -1;
    }
    *out = obj;
    return 0;
}
