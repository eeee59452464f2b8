/* generated.c — POST /add_generated_secret: PROTECTED_* secrets made
 * inside the keystore and sealed as a version-2 blob (keystore.h). */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"
#include "keystore/request_util.h"
#include "secrets/blob.h"
#include "secrets/generate.h"
#include "secrets/names.h"
#include "secrets/seed.h"

/* ------------------------------------------------ /add_generated_secret */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The names of a map, sorted (the plaintext is serialised sorted too). */
static json_t *all_keys_sorted(json_t *map)
{
    size_t n = json_object_size(map), i = 0;
    const char **names = calloc(n ? n : 1, sizeof *names);
    json_t *keys = json_array();
    const char *key;
    json_t *val;
    if (!names)
        return keys;
    json_object_foreach(map, key, val) names[i++] = key;
    qsort(names, n, sizeof *names, cmp_str);
    for (i = 0; i < n; i++)
        json_array_append_new(keys, json_string(names[i]));
    free(names);
    return keys;
}

void ks_add_generated(const ks_state *ks, const json_t *req, ks_reply *r)
{
    char err[512], seed[SEC_SEED_MAX], owner[SEC_OWNER_MAX];
    sec_accessor a;
    bool bad = false;
    const char *seed_in = ks_opt_string(req, "seed", &bad);
    const char *existing = ks_opt_string(req, "encrypted_secrets_base64", &bad);
    const json_t *list = json_object_get(req, "new_secrets");
    if (bad || !seed_in)
        return ks_error(r, 400, "field 'seed' (string) is required; encrypted_secrets_base64 is a string or null");
    if (sec_seed_parse(seed_in, &a, owner, err, sizeof err) ||
        sec_seed_build(&a, owner, seed, sizeof seed, err, sizeof err))
        return ks_error(r, 400, "invalid seed: %s", err);
    if (!json_is_array(list) || json_array_size(list) == 0)
        return ks_error(r, 400, "field 'new_secrets' must be a non-empty array of {name, generation_type}");
    if (json_array_size(list) > KS_NEW_SECRETS_MAX)
        return ks_error(r, 400, "at most %d secrets can be generated at once", KS_NEW_SECRETS_MAX);
    /* Check every new name before generating anything. */
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        const char *type = json_string_value(json_object_get(item, "generation_type"));
        if (!name || !type)
            return ks_error(r, 400, "new_secrets[%zu] needs string fields name and generation_type", i);
        if (!sec_name_is_protected(name))
            return ks_error(r, 400, "Generated secrets must start with 'PROTECTED_' prefix: %.64s", name);
        if (!sec_name_is_valid(name))
            return ks_error(r, 400, "invalid secret name %.64s (letters, digits and '_' only, at most %d)", name,
                            SEC_NAME_MAX);
        for (size_t k = 0; k < i; k++)
            if (strcmp(json_string_value(json_object_get(json_array_get(list, k), "name")), name) == 0)
                return ks_error(r, 400, "new_secrets names %.64s twice", name);
    }
    sec_keys k;
    if (sec_kdf_derive(ks->master, seed, &k))
        return ks_error(r, 500, "key derivation failed");
    json_t *map = NULL;
    if (existing && *existing) {
        uint8_t *plain;
        size_t n;
        sec_blob_kind kind;
        if (sec_blob_open(&k, existing, &plain, &n, &kind, err, sizeof err)) {
            sec_keys_wipe(&k);
            return ks_error(r, 400, "cannot open encrypted_secrets_base64 for this seed: %s", err);
        }
        int pr = sec_secrets_parse((const char *)plain, n, kind, &map, err, sizeof err);
        sec_wipe_free(plain, n + 1);
        if (pr) {
            sec_keys_wipe(&k);
            return ks_error(r, 400, "existing secrets: %s", err);
        }
    } else {
        map = json_object();
    }
    char clash[256] = "";
    json_array_foreach(list, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (json_object_get(map, name) && strlen(clash) + strlen(name) + 3 < sizeof clash)
            snprintf(clash + strlen(clash), sizeof clash - strlen(clash), "%s%s", *clash ? ", " : "", name);
    }
    if (*clash) {
        json_decref(map);
        sec_keys_wipe(&k);
        return ks_error(r, 400, "Cannot generate secrets: keys already exist: %s", clash);
    }
    json_array_foreach(list, i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        char *v = sec_generate(json_string_value(json_object_get(item, "generation_type")), err, sizeof err);
        if (!v) {
            json_decref(map);
            sec_keys_wipe(&k);
            return ks_error(r, 400, "%s: %s", name, err);
        }
        json_object_set_new(map, name, json_string(v));
        sec_wipe_free(v, strlen(v));
    }
    char *text = json_dumps(map, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *keys = all_keys_sorted(map);
    json_decref(map); /* jansson does not wipe; the values were short-lived */
    if (!text)
        snprintf(err, sizeof err, "out of memory");
    char *blob = text ? sec_blob_seal_keystore(&k, (const uint8_t *)text, strlen(text), err, sizeof err) : NULL;
    if (text)
        sec_wipe_free(text, strlen(text));
    sec_keys_wipe(&k);
    if (!blob) {
        json_decref(keys);
        return ks_error(r, 400, "cannot seal the secrets: %s", err);
    }
    r->status = 200;
    r->body = json_pack("{s:s,s:o}", "encrypted_data_base64", blob, "all_keys", keys);
    free(blob);
    log_info(LOG_COMP, "add_generated_secret seed=%s: %zu new, %zu in all", seed, json_array_size(list),
             json_array_size(json_object_get(r->body, "all_keys")));
}
