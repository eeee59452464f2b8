/*
 * dev.h — what `outlayer dev` and `outlayer request` agree on: the account
 * names of the local network and the default home.
 */
#ifndef OUTLAYER_CLI_DEV_H
#define OUTLAYER_CLI_DEV_H

#define DEV_DEFAULT_HOME ".outlayer-dev"
#define DEV_CONTRACT "outlayer.test.near"
#define DEV_OWNER "owner.test.near"
#define DEV_OPERATOR "operator.test.near"
#define DEV_USER "bob.test.near"
/* The register contract (contracts/register): admits the workers' TEE keys
 * and is the OutLayer contract's operator (src/cli/dev_tee.c). */
#define DEV_REGISTER "register.test.near"
/* The example caller contract (contracts/examples/coinflip.c), running
 * examples/coin_flip.c served by outlayer dev. */
#define DEV_COINFLIP "coinflip.test.near"
/* The forwarding example caller (contracts/examples/forwarder.c): ask
 * {code_source, input_data} with a deposit; the program's JSON is stored. */
#define DEV_FORWARDER "forwarder.test.near"

/* With OUTLAYER_DEV_TIMINGS=1 in the environment, `outlayer dev` prints
 * each start-up step with the seconds since it started (to stderr), to
 * see where the ready time goes (docs/benchmarks.md). */
void dev_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
