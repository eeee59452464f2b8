/*
 * cmd_vrf.c — `outlayer verify-vrf`: checks an ECVRF-EDWARDS25519-SHA512-TAI
 * proof (RFC 9381) against a public key and input, and prints the output
 * (beta) when it holds (src/hostapi/vrf.h, docs/program-api.md).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "hostapi/vrf.h"

void cmd_verify_vrf_help(FILE *out)
{
    fprintf(out, "usage: outlayer verify-vrf --public-key HEX --proof HEX (--alpha HEX | --alpha-text TEXT)\n"
                 "\n"
                 "Checks a VRF proof: ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03).\n"
                 "  --public-key HEX   the prover's Ed25519 public key (32 bytes)\n"
                 "  --proof HEX        the proof pi (80 bytes)\n"
                 "  --alpha HEX        the input, as hex (may be empty: --alpha '')\n"
                 "  --alpha-text TEXT  the input, as text\n"
                 "\n"
                 "Prints the output beta (64 bytes, hex) and exits 0 when the proof is valid;\n"
                 "exits 1 with a message when it is not, %d on a usage error.\n",
            CLI_EXIT_USAGE);
}

static bool hex_exact(const char *h, uint8_t *out, size_t want)
{
    size_t n = 0;
    return strlen(h) == want * 2 && sodium_hex2bin(out, want, h, strlen(h), NULL, &n, NULL) == 0 && n == want;
}

int cmd_verify_vrf(int argc, char **argv)
{
    const char *pk_hex = NULL, *pi_hex = NULL, *alpha_hex = NULL, *alpha_text = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--public-key") == 0  ? &pk_hex
                            : strcmp(a, "--proof") == 0     ? &pi_hex
                            : strcmp(a, "--alpha") == 0     ? &alpha_hex
                            : strcmp(a, "--alpha-text") == 0 ? &alpha_text
                                                            : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cmd_verify_vrf_help(stdout);
            return CLI_EXIT_OK;
        }
        if (!slot || i + 1 >= argc) {
            cli_error("verify-vrf: %s %s (see outlayer verify-vrf --help)", slot ? "missing a value after" : "unknown argument", a);
            return CLI_EXIT_USAGE;
        }
        *slot = argv[++i];
    }
    if (!pk_hex || !pi_hex || (!alpha_hex == !alpha_text)) {
        cli_error("verify-vrf needs --public-key, --proof and one of --alpha / --alpha-text");
        return CLI_EXIT_USAGE;
    }
    uint8_t pk[32], pi[VRF_PROOF_BYTES], beta[VRF_OUTPUT_BYTES];
    if (!hex_exact(pk_hex, pk, sizeof pk)) {
        cli_error("verify-vrf: --public-key must be 64 hex digits");
        return CLI_EXIT_USAGE;
    }
    if (!hex_exact(pi_hex, pi, sizeof pi)) {
        cli_error("verify-vrf: --proof must be 160 hex digits");
        return CLI_EXIT_USAGE;
    }
    size_t alen = alpha_text ? strlen(alpha_text) : strlen(alpha_hex) / 2;
    uint8_t *alpha = malloc(alen + 1);
    if (!alpha) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    if (alpha_text)
        memcpy(alpha, alpha_text, alen);
    else if (strlen(alpha_hex) % 2 || (alen && !hex_exact(alpha_hex, alpha, alen))) {
        free(alpha);
        cli_error("verify-vrf: --alpha must be hex");
        return CLI_EXIT_USAGE;
    }
    if (sodium_init() < 0 || !vrf_verify(pk, alpha, alen, pi, beta)) {
        free(alpha);
        cli_error("verify-vrf: the proof is NOT valid for this key and input");
        return 1;
    }
    free(alpha);
    char hex[2 * VRF_OUTPUT_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, beta, sizeof beta);
    printf("%s\n", hex);
    return CLI_EXIT_OK;
}
