/* credentials.h — near-cli credential files.
 * Layout: <dir>/<network>/<account>.json holding
 *   {"account_id":"…","public_key":"ed25519:…","private_key":"ed25519:…"}
 * (dir is usually ~/.near-credentials). Files we write are created with
 * mode 0600 and replaced atomically (write to a temp file, then rename). */
#ifndef OUTLAYER_NEAR_CREDENTIALS_H
#define OUTLAYER_NEAR_CREDENTIALS_H

#include "near/status.h"

#include <stddef.h>

#include "near/keys.h"

typedef struct near_credentials {
    char account_id[65];
    near_keypair keypair;
} near_credentials;

/* Reads and checks a credential file (the public key, if present, must
 * match the private key). NEAR_OK, or a failure with a message in err; the message never
 * quotes the file's contents, so it may be logged, and *out holds no key. */
NEAR_MUST_USE near_status near_credentials_read_file(const char *path, near_credentials *out, char *err, size_t errlen);
/* Reads <dir>/<network>/<account_id>.json, refusing a network name or
 * account id that could leave dir, and a file for another account. */
NEAR_MUST_USE near_status near_credentials_read(const char *dir, const char *network, const char *account_id,
                                                near_credentials *out, char *err, size_t errlen);
/* Writes <dir>/<network>/<account>.json, creating directories (0700). */
NEAR_MUST_USE near_status near_credentials_write(const char *dir, const char *network, const near_credentials *cred,
                                                 char *err, size_t errlen);

#endif
