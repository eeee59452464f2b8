/*
 * attest.c — the attestation record of an execute job (spec worker §3.11,
 * §12.5): what ran (WASM hash), on what (input hash), what came out (output
 * hash), where (worker id), bound together by a task hash that the quote
 * covers.
 *
 *   task_hash = SHA-256("execute" ‖ i64_le(job_id) ‖ [repo] ‖ [commit] ‖
 *               build_target ‖ [wasm_hash] ‖ input_hash ‖ output_hash ‖
 *               [u64_le(block_height)] ‖ [http_transcript_sha256])
 *               (absent parts omitted, hashes as hex text; the HTTP
 *               transcript only when the program made requests, see
 *               docs/program-api.md, and then also a record field)
 * The quote is shaped like a TDX quote (632 bytes, version 4, TEE type
 * TDX) so that verifiers and the coordinator parse it, but it is not
 * signed: with no TEE hardware it proves nothing and says so.
 *   --tee none       marker "OUTLAYER-NO-TEE" at byte 12, measurement zero
 *   --tee simulated  marker "OUTLAYER-SIMULATED-TDX", measurement (bytes
 *                    256..303) = SHA-256 of this executable, zero-padded
 *   both             report_data (bytes 568..631) = task_hash ‖ replay nonce
 *                    (24 bytes: the run's random and clocks are derived from
 *                    it, wk_replay_seed) ‖ u64_le(instructions executed);
 *                    zeros when the program did not run
 * With a simulated platform (tee.c, libtee) a real-format v4 quote signed by
 * it replaces the unsigned one: MRTD/RTMR0..3 as registered, the same
 * report_data; the record also carries tee, tee_measurements, tee_public_key
 * and register_contract_id.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

#define WK_QUOTE_LEN 632         /* header 48 + TD report body 584 */
#define WK_QUOTE_MEASUREMENT 256 /* 48 bytes: the worker measurement */
#define WK_QUOTE_REPORT_DATA 568 /* 64 bytes: task_hash ‖ replay nonce */

static void put_str(crypto_hash_sha256_state *st, const char *s)
{
    if (s)
        crypto_hash_sha256_update(st, (const uint8_t *)s, strlen(s));
}

json_t *wk_attestation(const wk_worker *w, int64_t job_id, const wk_request *r, const char *wasm_hash,
                       const wk_result *res)
{
    char input_hash[65], output_hash[65], task_hex[65];
    wk_sha256_hex((const uint8_t *)r->input, r->input_len, input_hash);
    if (res->has_output_hash)
        sodium_bin2hex(output_hash, sizeof output_hash, res->output_hash, 32);
    else
        strcpy(output_hash, "no-output");
    json_t *bh = json_object_get(r->context, "block_height");

    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    put_str(&st, "execute");
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)((uint64_t)job_id >> (8 * i));
    crypto_hash_sha256_update(&st, le, 8);
    if (r->source.is_git) {
        put_str(&st, r->source.repo);
        put_str(&st, r->source.commit);
    }
    put_str(&st, r->source.build_target);
    put_str(&st, wasm_hash);
    put_str(&st, input_hash);
    put_str(&st, output_hash);
    if (json_is_integer(bh)) {
        uint64_t v = (uint64_t)json_integer_value(bh);
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(v >> (8 * i));
        crypto_hash_sha256_update(&st, le, 8);
    }
    char http_hex[65] = "";
    if (res->transcript_calls > 0) {
        sodium_bin2hex(http_hex, sizeof http_hex, res->http_transcript, 32);
        put_str(&st, http_hex);
    }
    uint8_t task_hash[32];
    crypto_hash_sha256_final(&st, task_hash);
    sodium_bin2hex(task_hex, sizeof task_hex, task_hash, 32);

    /* A TDX-quote-shaped record (the coordinator, like the reference,
     * reads the measurement at bytes 256..303), unsigned: a marker in the
     * header says what it is. */
    uint8_t q[WK_QUOTE_LEN] = {0};
    q[0] = 4;    /* version 4, as a TDX quote */
    q[4] = 0x81; /* TEE type TDX */
    bool simulated = w->cfg.tee && strcmp(w->cfg.tee, "simulated") == 0;
    const char *marker = simulated ? "OUTLAYER-SIMULATED-TDX" : "OUTLAYER-NO-TEE";
    memcpy(q + 12, marker, strlen(marker)); /* QE vendor id + user data area */
    if (simulated)
        memcpy(q + WK_QUOTE_MEASUREMENT, w->exe_hash, 32);
    memcpy(q + WK_QUOTE_REPORT_DATA, task_hash, 32);
    /* The run's replay nonce (random and clocks are derived from it and the
     * request: wk_replay_seed) and the instructions it executed (also when it
     * failed, which reports 0 on chain), so `outlayer verify` can repeat the
     * run and check where it stopped. */
    if (res->has_replay_nonce)
        memcpy(q + WK_QUOTE_REPORT_DATA + 32, res->replay_nonce, WK_NONCE_LEN);
    for (int i = 0; i < 8; i++)
        q[WK_QUOTE_REPORT_DATA + 32 + WK_NONCE_LEN + i] = (uint8_t)(res->executed >> (8 * i));
    char quote[sodium_base64_ENCODED_LEN(WK_QUOTE_LEN, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(quote, sizeof quote, q, sizeof q, sodium_base64_VARIANT_ORIGINAL);

    json_t *record = json_pack(
        "{s:I, s:s, s:s, s:I, s:s?, s:s?, s:O, s:s?, s:s?, s:s, s:s?, s:s, s:s, s:s, s:s}", "task_id",
        (json_int_t)job_id, "task_type", "execute", "tdx_quote", quote, "request_id", (json_int_t)r->request_id,
        "caller_account_id", r->user_account_id, "transaction_hash", r->transaction_hash, "block_height",
        json_is_integer(bh) ? bh : json_null(), "repo_url", r->source.is_git ? r->source.repo : NULL, "commit_hash",
        r->source.is_git ? r->source.commit : NULL, "build_target", r->source.build_target, "wasm_hash", wasm_hash,
        "input_hash", input_hash, "output_hash", output_hash, "worker_id", w->coord.worker_id, "task_hash", task_hex);
    if (record && res->transcript_calls > 0) {
        json_object_set_new(record, "http_requests", json_integer(res->http_requests));
        json_object_set_new(record, "http_transcript_sha256", json_string(http_hex));
    }
    /* outlayer_v1.vrf (docs/program-api.md): the proving key, for readers of
     * the record; the proofs themselves are in the program's output. */
    if (record && res->vrf_calls > 0) {
        char vrf_hex[65];
        sodium_bin2hex(vrf_hex, sizeof vrf_hex, res->vrf_public_key, 32);
        json_object_set_new(record, "vrf_calls", json_integer(res->vrf_calls));
        json_object_set_new(record, "vrf_public_key", json_string(vrf_hex));
    }
    /* --tee simulated: a quote signed by the simulated platform, over the
     * same report_data, replaces the unsigned one (tee.c). */
    if (record && wk_tee_record(w, q + WK_QUOTE_REPORT_DATA, record))
        WK_WARN("job %" PRId64 ": cannot make a simulated quote", job_id);
    return record;
}
