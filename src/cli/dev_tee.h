/*
 * dev_tee.h — the register contract and simulated TEE of `outlayer dev`.
 *
 * HOME/tee/ holds the simulated platform (libtee; made on the first start).
 * The register contract (DEV_REGISTER) is deployed once, trusting that
 * platform's root (its simulated/dev mode: new(..., root_ca_hex)); at every
 * start the owner uploads fresh collateral, approves the measurements of
 * the outlayer-worker binary that will run, and makes the register contract
 * the OutLayer contract's operator. The workers then register themselves
 * (--tee simulated --register-contract) and resolve as DEV_REGISTER.
 */
#ifndef OUTLAYER_CLI_DEV_TEE_H
#define OUTLAYER_CLI_DEV_TEE_H

#include <stdbool.h>

#include "near/credentials.h"
#include "near/rpc.h"

/* made_register: the DEV_REGISTER account was just created (deploy it).
 * 0, or -1 with a message in err. */
int dev_tee_setup(near_rpc *rpc, const char *home, const char *contracts_dir, const char *bin_dir,
                  const near_credentials *owner, const near_credentials *reg, bool made_register, char *err,
                  size_t errlen);

#endif
