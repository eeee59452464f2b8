/* chain.h — NEAR RPC pieces of the keystore daemon (see chain.c). */
#ifndef OUTLAYER_KEYSTORE_CHAIN_H
#define OUTLAYER_KEYSTORE_CHAIN_H

#include <stddef.h>

#include "secrets/chain_near.h"

/* ks_state.worker_key backed by view_access_key; ctx is a sec_near_chain. */
int ks_worker_key_rpc(void *ctx, const char *account, const char *public_key, const char *receiver, char *err,
                      size_t errlen);

#endif
