/*
 * dev_signer.h — the development signer of `outlayer dev`: lets the
 * dashboard (served by the local coordinator) sign transactions as the
 * development user account without the page ever holding its key.
 *
 * It listens on 127.0.0.1 only (on a port the OS picks, so it can never take
 * a port another stack was given) and answers only requests that come from the
 * dashboard's own origin (the Origin header must be the dashboard's, the Host
 * header must name this loopback port — so neither another web site open in
 * the same browser nor a DNS-rebinding page can use it), with a JSON body
 * (which forces a CORS preflight), to the OutLayer and coin-flip contracts
 * of the local network only, for the few methods the dashboard calls, with
 * at most DEV_SIGNER_MAX_DEPOSIT attached. See docs/dashboard.md, "Signing".
 *
 *   GET  /account  -> {"account_id": "...", "network": "localnet"}
 *   POST /call     {"receiver_id","method_name","args":{...},"gas":"N","deposit":"yocto","wait":"INCLUDED"|"EXECUTED"}
 *                  -> {"transaction_hash","signer_id","status":"pending"|"success"|"failure","value"?,"failure"?}
 */
#ifndef OUTLAYER_CLI_DEV_SIGNER_H
#define OUTLAYER_CLI_DEV_SIGNER_H

/* Starts the signer on 127.0.0.1 on a port the OS picks, signing with the
 * near-cli credential file key_file (read at the first request, so it may
 * not exist yet), sending to rpc_url, for pages from http://127.0.0.1:D or
 * http://localhost:D (D = dashboard_port). Returns the port, or -1. */
int dev_signer_start(const char *key_file, const char *rpc_url, int dashboard_port);
void dev_signer_stop(void);

#endif
