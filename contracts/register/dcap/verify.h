/* verify.h — the whole DCAP verification of a TDX quote against Intel
 * collateral (QuoteCollateralV3 JSON), down to a trusted root certificate.
 * Uses the SDK's JSON reader (and its allocator), so it links with the
 * contract SDK (natively: with the mock runtime). */
#ifndef DCAP_VERIFY_H
#define DCAP_VERIFY_H

#include "dcap.h"

struct dcap_verified {
    struct tdx_quote quote;   /* views into the caller's quote bytes */
    char tcb_status[40];      /* combined platform + QE status, e.g. "UpToDate" */
    char platform_status[40]; /* the matching TCB info level's status */
    char qe_status[40];       /* the matching QE identity level's status */
    char module_status[40];   /* the TDX module identity's level status ("UpToDate" for module version 0) */
    char advisory_ids[256];   /* comma-separated; "" when none; ends "..." if cut */
    uint8_t fmspc[6];
    int64_t collateral_expires; /* earliest nextUpdate / notAfter of the collateral */
};

/* Verifies quote against collateral JSON at time now (Unix seconds) with
 * root_der as the only trust anchor. On failure returns false and e->msg
 * says which check failed. A verified quote may still have a TCB status
 * other than UpToDate: the caller applies its policy (dcap_status_allowed). */
bool dcap_verify(const uint8_t *quote, size_t quote_len, const uint8_t *collateral_json, size_t collateral_len,
                 const uint8_t *root_der, size_t root_len, int64_t now, struct dcap_verified *out, struct dcap_err *e);

/* Checks only the collateral: every signature up to the root (root CA CRL,
 * PCK CRL and its issuer chain, TCB info, QE identity and their chains) and
 * every validity window at now. *expires gets the earliest nextUpdate. */
bool dcap_verify_collateral(const uint8_t *collateral_json, size_t collateral_len, const uint8_t *root_der,
                            size_t root_len, int64_t now, int64_t *expires, struct dcap_err *e);

/* dcap_verify for collateral that dcap_verify_collateral accepted earlier
 * with the same root (the contract verifies collateral when the owner
 * uploads it): skips the collateral's signatures, keeps every other check,
 * time windows included. Only for collateral from trusted storage. */
bool dcap_verify_with_verified_collateral(const uint8_t *quote, size_t quote_len, const uint8_t *collateral_json,
                                          size_t collateral_len, const uint8_t *root_der, size_t root_len, int64_t now,
                                          struct dcap_verified *out, struct dcap_err *e);

/* True when status appears in allowed, a comma-separated list. */
bool dcap_status_allowed(const char *status, const char *allowed);

#endif
