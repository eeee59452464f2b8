/*
 * vrfcall.c — outlayer_v1.vrf and vrf_public_key: verifiable randomness
 * bound to the request (ECVRF-EDWARDS25519-SHA512-TAI, vrf.h).
 *
 * The program chooses only the tail of the VRF input; the host prefixes
 * the request's identity (the OutLayer contract and the request id there),
 * so a worker cannot shop among inputs, and the key is the worker's chain
 * signing key, fixed before the request existed, so it cannot shop among
 * keys either: for one request and one program alpha there is exactly one
 * valid output. docs/program-api.md says how to check a proof.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostapi/internal.h"
#include "hostapi/vrf.h"

/* Fuel for one proof: four scalar multiplications and try-and-increment
 * hashing, some 0.3 ms of host work, charged like that many instructions. */
#define VRF_FUEL 300000u

static uint8_t *put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

size_t hostapi_vrf_input(const char *contract_id, uint64_t request_id, const uint8_t *alpha, size_t alpha_len,
                         uint8_t *out, size_t cap)
{
    const char *c = contract_id ? contract_id : "";
    size_t clen = strlen(c);
    size_t need = sizeof HOSTAPI_VRF_DOMAIN + 4 + clen + 8 + 4 + alpha_len;
    if (!out || cap < need)
        return need;
    uint8_t *p = out;
    memcpy(p, HOSTAPI_VRF_DOMAIN, sizeof HOSTAPI_VRF_DOMAIN); /* with its NUL */
    p += sizeof HOSTAPI_VRF_DOMAIN;
    p = put_le32(p, (uint32_t)clen);
    memcpy(p, c, clen);
    p += clen;
    for (int i = 0; i < 8; i++)
        *p++ = (uint8_t)(request_id >> (8 * i));
    p = put_le32(p, (uint32_t)alpha_len);
    if (alpha_len)
        memcpy(p, alpha, alpha_len);
    return need;
}

bool hostapi_vrf_setup(hostapi_ctx *h, const hostapi_config *cfg, char *err, size_t errlen)
{
    h->vrf_max_calls = cfg && cfg->vrf_max_calls ? cfg->vrf_max_calls : HOSTAPI_VRF_DEFAULT_MAX_CALLS;
    if (!cfg || !cfg->vrf_seed)
        return true;
    memcpy(h->vrf_seed, cfg->vrf_seed, 32);
    uint8_t sk[64];
    if (crypto_sign_seed_keypair(h->vrf_pk, sk, h->vrf_seed) != 0) {
        snprintf(err, errlen, "the VRF key is not usable");
        return false;
    }
    sodium_memzero(sk, sizeof sk);
    h->vrf_contract = strdup(cfg->vrf_contract_id ? cfg->vrf_contract_id : "");
    if (!h->vrf_contract) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    if (strlen(h->vrf_contract) > 256) {
        snprintf(err, errlen, "the VRF contract id is longer than 256 bytes");
        return false;
    }
    h->vrf_request_id = cfg->vrf_request_id;
    h->vrf_enabled = true;
    return true;
}

void hostapi_vrf_free(hostapi_ctx *h)
{
    sodium_memzero(h->vrf_seed, sizeof h->vrf_seed);
    free(h->vrf_contract);
}

uint32_t hostapi_vrf_calls(const hostapi_ctx *h) { return h->vrf_calls; }

uint32_t hostapi_vrf_keyless_calls(const hostapi_ctx *h) { return h->vrf_keyless; }

void hostapi_vrf_public_key(const hostapi_ctx *h, uint8_t pk[32])
{
    if (h->vrf_enabled)
        memcpy(pk, h->vrf_pk, 32);
    else
        memset(pk, 0, 32);
}

static uint64_t u32_arg(const uint64_t *args, int i) { return (uint32_t)olw_slot_get_i32(args[i]); }

static olw_trap_code ret(uint64_t *results, int code)
{
    results[0] = olw_slot_of_i32(code);
    return OLW_TRAP_NONE;
}

/* vrf_public_key(dst_ptr) -> errno: 32 bytes */
static olw_trap_code fn_vrf_public_key(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint8_t *dst = mem ? olw_memory_ptr(mem, u32_arg(args, 0), 32) : NULL;
    if (!dst)
        return ret(results, HOSTAPI_EFAULT);
    if (!h->vrf_enabled) {
        h->vrf_keyless++;
        return ret(results, HOSTAPI_EDISABLED);
    }
    memcpy(dst, h->vrf_pk, 32);
    return ret(results, HOSTAPI_OK);
}

/* vrf(alpha_ptr, alpha_len, dst_ptr, dst_len, out_len_ptr) -> errno
 * dst gets output[64] ‖ proof[80] ‖ the full VRF input; *out_len its length. */
static olw_trap_code fn_vrf(olw_call *call, const uint64_t *args, uint64_t *results)
{
    hostapi_ctx *h = olw_call_env(call);
    olw_memory *mem = olw_call_memory(call);
    uint64_t a_ptr = u32_arg(args, 0), a_len = u32_arg(args, 1), d_ptr = u32_arg(args, 2), d_len = u32_arg(args, 3),
             l_ptr = u32_arg(args, 4);
    if (!mem || !olw_memory_ptr(mem, a_ptr, a_len) || !olw_memory_ptr(mem, d_ptr, d_len) ||
        !olw_memory_ptr(mem, l_ptr, 4))
        return ret(results, HOSTAPI_EFAULT);
    if (!h->vrf_enabled) {
        h->vrf_keyless++;
        return ret(results, HOSTAPI_EDISABLED);
    }
    if (a_len > HOSTAPI_VRF_MAX_ALPHA)
        return ret(results, HOSTAPI_EINVAL);
    if (h->vrf_calls >= h->vrf_max_calls)
        return ret(results, HOSTAPI_ETOO_MANY);
    size_t in_len = hostapi_vrf_input(h->vrf_contract, h->vrf_request_id, NULL, a_len, NULL, 0);
    size_t need = VRF_OUTPUT_BYTES + VRF_PROOF_BYTES + in_len;
    put_le32(olw_memory_ptr(mem, l_ptr, 4), (uint32_t)need);
    if (d_len < need)
        return ret(results, HOSTAPI_EBUFFER);
    olw_trap_code t;
    if ((t = olw_call_charge(call, VRF_FUEL + in_len / 64)))
        return t;
    uint8_t *input = malloc(in_len);
    if (!input)
        return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory");
    hostapi_vrf_input(h->vrf_contract, h->vrf_request_id, olw_memory_ptr(mem, a_ptr, a_len), a_len, input, in_len);
    uint8_t pi[VRF_PROOF_BYTES], beta[VRF_OUTPUT_BYTES];
    bool ok = vrf_prove(h->vrf_seed, input, in_len, pi) && vrf_proof_to_hash(pi, beta);
    if (!ok) {
        free(input);
        return olw_call_trap(call, OLW_TRAP_HOST, "the VRF proof could not be made");
    }
    h->vrf_calls++;
    uint8_t *dst = olw_memory_ptr(mem, d_ptr, need);
    memcpy(dst, beta, VRF_OUTPUT_BYTES);
    memcpy(dst + VRF_OUTPUT_BYTES, pi, VRF_PROOF_BYTES);
    memcpy(dst + VRF_OUTPUT_BYTES + VRF_PROOF_BYTES, input, in_len);
    free(input);
    return ret(results, HOSTAPI_OK);
}

bool hostapi_define_vrf(olw_linker *l, hostapi_ctx *h)
{
    return olw_linker_define_host(l, HOSTAPI_MODULE, "vrf_public_key", "i>i", fn_vrf_public_key, h) &&
           olw_linker_define_host(l, HOSTAPI_MODULE, "vrf", "iiiii>i", fn_vrf, h);
}
