/*
 * tee.h — the simulated TDX platform (libtee) and the report-data binding
 * the register contract checks.
 *
 * A simulated platform is a complete development PCK hierarchy made with
 * OpenSSL: a root CA (stands in for the Intel SGX Root CA), a PCK CA, a PCK
 * certificate carrying Intel's SGX extension (FMSPC, CPUSVN, PCESVN), a TCB
 * signing certificate and an attestation key. From it come quotes in the real
 * TDX v4 (or v5) format, signed through that chain exactly like a real
 * quoting enclave's, and collateral (QuoteCollateralV3 JSON: CRLs, signed TCB
 * info and QE identity). The register contract verifies them with the same
 * DCAP code as Intel's when, and only when, it was initialised with this
 * platform's root (new(..., root_ca_hex)); a contract on the Intel root
 * refuses them. A platform can be saved to a directory (PEM files, private
 * keys 0600) so `outlayer dev`, the worker and `outlayer tee` share one.
 *
 * Every function returns 0 / a value, or -1 with a message in err.
 */
#ifndef OUTLAYER_TEE_H
#define OUTLAYER_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define TEE_ERR 256

/* Serial numbers of the platform's certificates (tests revoke them). */
#define TEE_SIM_ROOT_SERIAL 0x1001
#define TEE_SIM_PCK_CA_SERIAL 0x2001
#define TEE_SIM_PCK_SERIAL 0x3001
#define TEE_SIM_TCB_SERIAL 0x4001

/* TD attributes a registration accepts: SEPT_VE_DISABLE set, debug clear. */
#define TEE_TD_ATTRIBUTES_OK (1ull << 28)

/* The QE identity's MRSIGNER on simulated platforms (hex). */
#define TEE_SIM_QE_MRSIGNER "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5"

typedef struct tee_sim {
    EVP_PKEY *root_key, *pck_ca_key, *pck_key, *tcb_key, *att_key;
    X509 *root, *pck_ca, *pck, *tcb;
    int64_t now; /* certificates were made around this time */
    uint8_t fmspc[6];
    uint8_t cpusvn[16];
    uint16_t pcesvn;
    /* collateral knobs (tests): */
    long revoked_pck_serial;  /* the PCK CRL lists this serial (0 = none) */
    long revoked_root_serial; /* the root CA CRL lists this serial (0 = none) */
    const char *tcb_status;   /* status of the single TCB level ("UpToDate") */
    const char *advisories;   /* JSON array text ("[]") */
    /* the TDX module identity TDX_03 (quotes carry module version 3, ISVSVN 3): */
    const char *module_status;    /* its TCB level's status ("UpToDate") */
    int module_isvsvn;            /* its TCB level's isvsvn (3) */
    uint8_t module_mrsigner_byte; /* every byte of its mrsigner (0, as the quotes' MRSIGNERSEAM) */
    uint8_t tee_tcb_svn[16];      /* the quotes' TEE TCB SVN: [0] module ISVSVN, [1] module version (3,3,3,0,...) */
    uint8_t tdx_components[16];   /* the TCB level's tdxtcbcomponents (2,2,2,0,...) */
} tee_sim;

/* A new platform whose certificates are valid from now - 1 year to now + 10
 * years. 0, or -1 (OpenSSL failure). */
int tee_sim_create(tee_sim *t, int64_t now, char *err, size_t errlen);
void tee_sim_free(tee_sim *t);
/* Writes the platform to dir (created 0700 if missing; keys 0600). */
int tee_sim_save(const tee_sim *t, const char *dir, char *err, size_t errlen);
/* Reads a platform written by tee_sim_save. */
int tee_sim_load(tee_sim *t, const char *dir, char *err, size_t errlen);
/* Loads dir if it holds a platform, else creates one at now and saves it
 * there. *created (may be NULL) says which. */
int tee_sim_open(tee_sim *t, const char *dir, int64_t now, bool *created, char *err, size_t errlen);

/* The root certificate's DER (malloc'd) — what the register contract's
 * root_ca_hex carries. */
int tee_sim_root_der(const tee_sim *t, uint8_t **der, size_t *len);
/* The same as lowercase hex (malloc'd) or NULL. */
char *tee_sim_root_hex(const tee_sim *t);

/* The collateral (QuoteCollateralV3 JSON, malloc'd) valid from now - 1 h
 * (CRLs: now - 1 day) to now + 30 days. NULL on failure. */
char *tee_sim_collateral(const tee_sim *t, int64_t now);

/* A quote of the given version (4, or 5 with a TD 1.5 body) over a TD report
 * with measurements = MRTD, RTMR0..3, report_data and td_attributes (v5: the
 * MRSERVICETD bytes are all mr_service_td_byte). *out is malloc'd. */
int tee_sim_quote(const tee_sim *t, int version, const uint8_t measurements[5][48], const uint8_t report_data[64],
                  uint64_t td_attributes, uint8_t mr_service_td_byte, uint8_t **out, size_t *out_len, char *err,
                  size_t errlen);

/* The measurements a simulated worker reports: MRTD = SHA-384 of its
 * executable's SHA-256 under a label, RTMR0..3 = SHA-384 of fixed labels.
 * So approving a worker build means approving the hash of its binary. */
void tee_sim_measurements(const uint8_t exe_sha256[32], uint8_t out[5][48]);

/* report_data the register contract requires (docs/attestation.md):
 *   [0..32]  the worker's ed25519 public key
 *   [32..64] SHA-256("outlayer-register-v1:" || register_id || ":" || worker_account) */
void tee_report_data(const uint8_t public_key[32], const char *register_id, const char *worker_account,
                     uint8_t out[64]);

/* SHA-256 of a file (e.g. /proc/self/exe). 0 or -1. */
int tee_file_sha256(const char *path, uint8_t out[32]);

/* Hex helpers: lowercase hex of n bytes (malloc'd); hex text to bytes
 * (whitespace ignored), 0 or -1. */
char *tee_hex(const uint8_t *p, size_t n);
int tee_unhex(const char *hex, uint8_t **out, size_t *out_len);

#endif
