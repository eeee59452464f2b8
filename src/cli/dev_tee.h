/*
 * dev_tee.h — the register contract and simulated TEE of `outlayer dev`.
 *
 * HOME/tee/ holds the simulated platform (libtee; made on the first start).
 * The register contract (DEV_REGISTER) is deployed once, trusting that
 * platform's root (its simulated/dev mode: new(..., root_ca_hex)), in the
 * transaction that creates its account. At every start the register
 * contract is made ready for the workers about to start: collateral valid
 * for a while yet, the measurements of the outlayer-worker binary that will
 * run approved, the register contract the OutLayer contract's operator.
 * What view calls show in place already is not sent again; the rest goes in
 * one transaction (plus set_operator, in flight at the same time). The
 * workers then register themselves (--tee simulated --register-contract)
 * and resolve as DEV_REGISTER.
 */
#ifndef OUTLAYER_CLI_DEV_TEE_H
#define OUTLAYER_CLI_DEV_TEE_H

#include <stdbool.h>

#include "near/credentials.h"
#include "near/rpc.h"

/* Collateral on chain with less than this left (seconds) is replaced; fresh
 * collateral is valid 30 days, so a session of up to 15 days never sees a
 * (re)starting worker refused for stale collateral. */
#define DEV_TEE_COLLATERAL_MIN_LEFT (15 * 86400)

/* The register contract's `new` arguments (JSON, to free), trusting the root
 * of the platform in HOME/tee (made there if missing); NULL with err. */
char *dev_tee_register_init(const char *home, char *err, size_t errlen);

/* Makes the deployed register contract ready for workers running
 * BIN_DIR/outlayer-worker, signing as owner; waits until it is final.
 * 0, or -1 with a message in err. */
int dev_tee_setup(near_rpc *rpc, const char *home, const char *bin_dir, const near_credentials *owner, char *err,
                  size_t errlen);

#endif
