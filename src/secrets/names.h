/* names.h — what a decrypted secrets map may contain.
 *
 * The plaintext of a blob is the UTF-8 text of a JSON object whose values
 * are strings; each entry becomes an environment variable of the program.
 * Rules (checked when secrets are made and again when they are opened):
 *   - key names are 1..128 bytes of [A-Za-z0-9_], not starting with a digit
 *     (so they are valid environment variable names);
 *   - the 15 NEAR_* names the worker sets itself are reserved;
 *   - PROTECTED_* names are generated inside the keystore: a client-sealed
 *     blob (version 1) may not hold one, and every generated secret must
 *     have one. The keystore marks blobs it made (version 2, see blob.h), so
 *     the rule is enforced both ways, also when a blob is opened. */
#ifndef OUTLAYER_SECRETS_NAMES_H
#define OUTLAYER_SECRETS_NAMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "secrets/blob.h"

#define SEC_PROTECTED_PREFIX "PROTECTED_"
#define SEC_NAME_MAX 128

extern const char *const sec_reserved_names[];
extern const size_t sec_reserved_count;

bool sec_name_is_reserved(const char *name);
bool sec_name_is_protected(const char *name);
/* Valid environment variable name of at most SEC_NAME_MAX bytes. */
bool sec_name_is_valid(const char *name);

/* Parses the plaintext of secrets made by `kind` and checks every rule
 * above. On success returns 0 and *out (a JSON object, caller decrefs);
 * on failure -1 with a sentence in err that names the offending keys but
 * never quotes a value. */
int sec_secrets_parse(const char *text, size_t n, sec_blob_kind kind, json_t **out, char *err, size_t errlen);

#endif
