/* sim_internal.h — helpers shared by libtee's files. */
#ifndef OUTLAYER_TEE_SIM_INTERNAL_H
#define OUTLAYER_TEE_SIM_INTERNAL_H

#include "tee/tee.h"

/* Raw r||s ECDSA-SHA256 signature of msg. 0 or -1. */
int tee_sim_sign(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t out[64]);
/* The raw public key x||y. 0 or -1. */
int tee_sim_pub(EVP_PKEY *k, uint8_t out[64]);
/* PEM of PCK certificate, PCK CA, root (malloc'd): the quote's cert data. */
char *tee_sim_pem_chain(const tee_sim *t);
/* Lowercase hex into out (2n+1 bytes). */
void tee_hex_into(const uint8_t *p, size_t n, char *out);

#endif
