/* pubkey.c — POST /pubkey: the public key of a seed (keystore.h). */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "keystore/keystore.h"
#include "keystore/request_util.h"
#include "secrets/blob.h"
#include "secrets/names.h"
#include "secrets/seed.h"

/* ------------------------------------------------------------ /pubkey */

void ks_pubkey(const ks_state *ks, const json_t *req, ks_reply *r)
{
    char err[512], seed[SEC_SEED_MAX], owner[SEC_OWNER_MAX];
    sec_accessor a;
    bool bad = false;
    const char *seed_in = ks_opt_string(req, "seed", &bad);
    if (bad || !seed_in)
        return ks_error(r, 400, "field 'seed' (string) is required");
    if (sec_seed_parse(seed_in, &a, owner, err, sizeof err) ||
        sec_seed_build(&a, owner, seed, sizeof seed, err, sizeof err))
        return ks_error(r, 400, "invalid seed: %s", err);
    /* Optional checks before the client stores anything: the secrets
     * (reference-compatible; our CLI checks them locally instead) and the
     * access condition it means to store. */
    const char *secrets_json = ks_opt_string(req, "secrets_json", &bad);
    if (bad)
        return ks_error(r, 400, "field 'secrets_json' must be a string");
    if (secrets_json) {
        json_t *obj;
        if (sec_secrets_parse(secrets_json, strlen(secrets_json), SEC_BLOB_CLIENT, &obj, err, sizeof err))
            return ks_error(r, 400, "%s", err);
        json_decref(obj);
    }
    const json_t *access = json_object_get(req, "access");
    if (access) {
        sec_cond *c;
        if (sec_cond_parse(access, &c, err, sizeof err))
            return ks_error(r, 400, "invalid access condition: %s", err);
        sec_cond_free(c);
    }
    sec_keys k;
    if (sec_kdf_derive(ks->master, seed, &k))
        return ks_error(r, 500, "key derivation failed");
    char hex[2 * SEC_PK_LEN + 1];
    sec_hex(k.pk, SEC_PK_LEN, hex);
    sec_keys_wipe(&k);
    r->status = 200;
    r->body = json_pack("{s:s,s:s,s:s}", "pubkey", hex, "seed", seed, "format", "x25519-sealed-box-v1");
    log_info(LOG_COMP, "pubkey seed=%s", seed);
}
