/*
 * dev_accounts.h — the accounts and contracts of `outlayer dev`'s chain.
 *
 * Every account (dev.h) has its key in HOME/credentials/localnet/ (near-cli
 * format). A missing account is created by test.near in one transaction
 * that also deploys and initialises its contract (CreateAccount, Transfer,
 * AddKey, then DeployContract and FunctionCall new(...) — allowed in the
 * receipt that creates the account), and all missing accounts are in flight
 * at once (consecutive nonces of test.near): a new home takes the blocks of
 * one transaction, a used one only view calls.
 */
#ifndef OUTLAYER_CLI_DEV_ACCOUNTS_H
#define OUTLAYER_CLI_DEV_ACCOUNTS_H

#include "near/credentials.h"
#include "near/rpc.h"

typedef struct dev_accounts_cfg {
    const char *home;          /* HOME (absolute) */
    const char *bin_dir;       /* examples/ are in BIN_DIR/../examples */
    const char *contracts_dir; /* outlayer.wasm, coinflip.wasm, register.wasm, forwarder.wasm */
    int files_port;            /* the .wasm file server (the coin flip's program URL) */
} dev_accounts_cfg;

/* Makes sure every account exists with its contract; *owner gets the owner's
 * credentials. 0, or -1 with a message in err. */
int dev_accounts_setup(near_rpc *rpc, const dev_accounts_cfg *cfg, near_credentials *owner, char *err, size_t errlen);

#endif
