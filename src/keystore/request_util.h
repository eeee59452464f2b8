/* request_util.h — helpers the keystore's request handlers share. */
#ifndef OUTLAYER_KEYSTORE_REQUEST_UTIL_H
#define OUTLAYER_KEYSTORE_REQUEST_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "secrets/seed.h"

#define LOG_COMP "keystore"

/* The string at key, NULL when absent or null; sets *bad when it is
 * present but not a string. */
const char *ks_opt_string(const json_t *req, const char *key, bool *bad);

/* The accessor of a request, internally tagged ({"type":"Repo",...}, as the
 * reference's worker sends it) or externally tagged ({"Repo":{...}}, as the
 * contract writes it); the repo normalised, the hash lower-cased. 0 or -1
 * with err. */
int ks_parse_accessor(const json_t *j, sec_accessor *a, char *err, size_t errlen);

#endif
