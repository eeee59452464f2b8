/* execution.c — request_execution, the worker's resolve methods, the yield
 * callback and stale cancellation (spec §4–§6). */
#include "outlayer.h"

static void log_charged(u128 amount)
{
    struct buf b;
    buf_init(&b);
    buf_str(&b, "[[yNEAR charged: \"");
    buf_u128(&b, amount);
    buf_str(&b, "\"]]");
    sdk_log_buf(&b);
}

/* Rust's Debug of a [u8; 32]: "[1, 2, 3]". */
static void debug_bytes(struct buf *b, const uint8_t *p, size_t n)
{
    buf_byte(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_str(b, ", ");
        buf_u64(b, p[i]);
    }
    buf_byte(b, ']');
}

static void debug_opt_u64(struct buf *b, bool present, uint64_t v)
{
    if (present) {
        buf_str(b, "Some(");
        buf_u64(b, v);
        buf_byte(b, ')');
    } else {
        buf_str(b, "None");
    }
}

static void require_operator(const struct ol_state *st)
{
    if (!sdk_streq(sdk_predecessor(), st->operator_id))
        sdk_panic("Only operator can call this");
}

/* ------------------------------------------------------------------ */

SDK_EXPORT(request_execution) void ol_request_execution(void)
{
    const struct jr_value *a = sdk_args();
    struct ol_code_source cs;
    ol_parse_code_source(jr_req(a, "code_source"), &cs);
    const struct jr_value *rl = jr_opt(a, "resource_limits");
    struct ol_limits limits;
    if (rl)
        ol_parse_limits(rl, &limits);
    bool has_input;
    struct ol_str input = ol_opt_str(a, "input_data", &has_input);
    const struct jr_value *sr = jr_opt(a, "secrets_ref");
    struct ol_str secrets_profile = {"", 0};
    const char *secrets_account = NULL;
    if (sr) {
        jr_expect(sr, JR_OBJECT);
        secrets_profile = ol_json_str(jr_req(sr, "profile"));
        secrets_account = jr_as_account(jr_req(sr, "account_id"));
    }
    const struct jr_value *fmt_v = jr_opt(a, "response_format");
    enum ol_format fmt = fmt_v ? ol_parse_format(fmt_v) : OL_TEXT;
    const struct jr_value *payer_v = jr_opt(a, "payer_account_id");
    const char *payer = payer_v ? jr_as_account(payer_v) : NULL;
    /* Optional (ours, not the reference's): narrows the worker's HTTP allow-list. */
    const struct jr_value *http_allow_v = jr_opt(a, "http_allow");
    struct ol_str http_allow = {"", 0};
    if (http_allow_v)
        http_allow = ol_parse_http_allow(http_allow_v);
    bool force_rebuild = false, store_on_fastfs = false, compile_only_param = false;
    const struct jr_value *params = jr_opt(a, "params");
    if (params) {
        const struct jr_value *f;
        jr_expect(params, JR_OBJECT);
        if ((f = jr_get(params, "force_rebuild")))
            force_rebuild = jr_as_bool(f);
        if ((f = jr_get(params, "store_on_fastfs")))
            store_on_fastfs = jr_as_bool(f);
        if ((f = jr_get(params, "compile_only")))
            compile_only_param = jr_as_bool(f);
    }

    struct ol_state st;
    ol_state_load(&st);
    if (st.paused)
        sdk_panic("Contract is paused");

    /* Fix: explicit null limit fields take the defaults (the reference kept
     * the nulls, which workers cannot parse). */
    struct ol_limits defaults;
    ol_default_limits(&defaults);
    if (!rl) {
        limits = defaults;
    } else {
        if (!limits.has_instructions) {
            limits.has_instructions = true;
            limits.max_instructions = defaults.max_instructions;
        }
        if (!limits.has_memory) {
            limits.has_memory = true;
            limits.max_memory_mb = defaults.max_memory_mb;
        }
        if (!limits.has_seconds) {
            limits.has_seconds = true;
            limits.max_execution_seconds = defaults.max_execution_seconds;
        }
    }
    bool compile_only = compile_only_param || rl == NULL;

    if (cs.kind == OL_WASM_URL && force_rebuild)
        sdk_panic("force_rebuild is not applicable for WasmUrl code source");
    if (store_on_fastfs && !force_rebuild)
        sdk_panic("store_on_fastfs requires force_rebuild to ensure fresh compilation and upload");
    if (compile_only && has_input && input.n > 0)
        sdk_panic("input_data must be empty for compile_only mode - compilation does not use input_data");
    if (!compile_only) {
        if (limits.max_instructions > OL_MAX_INSTRUCTIONS) {
            struct buf b;
            buf_init(&b);
            buf_str(&b, "Requested max_instructions ");
            buf_u64(&b, limits.max_instructions);
            buf_str(&b, " exceeds hard limit of ");
            buf_u64(&b, OL_MAX_INSTRUCTIONS);
            sdk_panic_buf(&b);
        }
        if (limits.max_execution_seconds > OL_MAX_EXECUTION_SECONDS) {
            struct buf b;
            buf_init(&b);
            buf_str(&b, "Requested max_execution_seconds ");
            buf_u64(&b, limits.max_execution_seconds);
            buf_str(&b, " exceeds hard limit of ");
            buf_u64(&b, OL_MAX_EXECUTION_SECONDS);
            buf_str(&b, " seconds");
            sdk_panic_buf(&b);
        }
    }

    u128 required = compile_only ? st.base_fee : ol_estimate_cost(&st, &limits);
    u128 paid = sdk_attached_deposit();
    if (paid < required) {
        struct buf b;
        buf_init(&b);
        buf_str(&b, "Insufficient payment: required ");
        buf_u128(&b, required);
        buf_str(&b, " yoctoNEAR for requested limits (max_instructions: ");
        debug_opt_u64(&b, limits.has_instructions, limits.max_instructions);
        buf_str(&b, ", max_execution_seconds: ");
        debug_opt_u64(&b, limits.has_seconds, limits.max_execution_seconds);
        buf_str(&b, "), got ");
        buf_u128(&b, paid);
        buf_str(&b, " yoctoNEAR");
        sdk_panic_buf(&b);
    }

    struct ol_request req;
    memset(&req, 0, sizeof req);
    req.request_id = st.next_request_id++;
    req.sender_id = sdk_predecessor();
    req.payer_account_id = payer ? payer : req.sender_id;
    req.code_source = cs;
    req.limits = limits;
    req.payment = paid;
    req.timestamp = sdk_block_timestamp();
    req.has_secrets_ref = sr != NULL;
    req.secrets_profile = secrets_profile;
    req.secrets_account = secrets_account;
    req.response_format = fmt;
    req.has_input_data = has_input;
    req.input_data = input;

    /* The request_data the worker reads (keys in the reference's order). */
    struct buf rd;
    struct jw w;
    buf_init(&rd);
    jw_init(&w, &rd);
    jw_obj_begin(&w);
    jw_key(&w, "request_id");
    jw_u64(&w, req.request_id);
    jw_key(&w, "sender_id");
    jw_cstr(&w, req.sender_id);
    jw_key(&w, "code_source");
    ol_write_code_source(&w, &cs);
    jw_key(&w, "resource_limits");
    ol_write_limits(&w, &limits);
    jw_key(&w, "input_data");
    jw_str(&w, input.s, has_input ? input.n : 0);
    jw_key(&w, "secrets_ref");
    if (sr) {
        jw_obj_begin(&w);
        jw_key(&w, "profile");
        jw_str(&w, secrets_profile.s, secrets_profile.n);
        jw_key(&w, "account_id");
        jw_cstr(&w, secrets_account);
        jw_obj_end(&w);
    } else {
        jw_null(&w);
    }
    jw_key(&w, "response_format");
    jw_cstr(&w, ol_format_name(fmt));
    jw_key(&w, "payment");
    jw_u128_str(&w, paid);
    jw_key(&w, "timestamp");
    jw_u64(&w, req.timestamp);
    jw_key(&w, "compile_only");
    jw_bool(&w, compile_only);
    jw_key(&w, "force_rebuild");
    jw_bool(&w, force_rebuild);
    jw_key(&w, "store_on_fastfs");
    jw_bool(&w, store_on_fastfs);
    if (http_allow_v) {
        /* only when given, so other requests' events stay byte-identical to the reference's */
        jw_key(&w, "http_allow");
        jw_str(&w, http_allow.s, http_allow.n);
    }
    jw_obj_end(&w);

    uint64_t yield = promise_yield("on_execution_response", rd.data, rd.len, OL_MIN_RESPONSE_GAS, 1, req.data_id);
    ol_request_save(&req);

    struct buf ev;
    buf_init(&ev);
    jw_init(&w, &ev);
    jw_obj_begin(&w);
    jw_key(&w, "request_data");
    jw_str(&w, (const char *)rd.data, rd.len);
    jw_key(&w, "data_id");
    jw_byte_array(&w, req.data_id, 32);
    jw_key(&w, "timestamp");
    jw_u64(&w, req.timestamp);
    jw_obj_end(&w);
    sdk_emit_event(OL_EVENT_STANDARD, OL_EVENT_VERSION, "execution_requested", ev.data, ev.len);

    ol_state_save(&st);
    promise_return_value(yield);
}

/* ---- worker submissions ---- */

static void store_output(uint64_t request_id, const struct ol_output *output)
{
    struct ol_request req;
    if (!ol_request_load(request_id, &req))
        sdk_panic("Execution request not found");
    if (req.output_submitted)
        sdk_panic("Output already submitted for this request");
    req.has_pending_output = true;
    req.pending_output = *output;
    req.output_submitted = true;
    ol_request_save(&req);
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Stored pending output for request_id: ");
    buf_u64(&b, request_id);
    buf_str(&b, ", data_id: ");
    debug_bytes(&b, req.data_id, 32);
    sdk_log_buf(&b);
}

static void resolve(const struct ol_state *st, uint64_t request_id, const struct ol_response *resp)
{
    struct ol_request req;
    if (!ol_request_load(request_id, &req))
        sdk_panic("Execution request not found");
    u128 estimate = ol_calculate_cost(st, &resp->used);
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Resolving execution for request_id: ");
    buf_u64(&b, request_id);
    buf_str(&b, ", data_id: ");
    debug_bytes(&b, req.data_id, 32);
    buf_str(&b, ", success: ");
    buf_bool(&b, resp->success);
    buf_str(&b, ", output_submitted: ");
    buf_bool(&b, req.output_submitted);
    buf_str(&b, ", resources_used: { instructions: ");
    buf_u64(&b, resp->used.instructions);
    buf_str(&b, ", time_ms: ");
    buf_u64(&b, resp->used.time_ms);
    buf_str(&b, ", compile_time_ms: ");
    debug_opt_u64(&b, resp->used.has_compile_time, resp->used.compile_time_ms);
    buf_str(&b, " }");
    sdk_log_buf(&b);
    log_charged(estimate);

    struct buf payload;
    struct jw w;
    buf_init(&payload);
    jw_init(&w, &payload);
    ol_write_response(&w, resp);
    if (!promise_resume(req.data_id, payload.data, payload.len))
        sdk_panic("Unable to resume execution promise");
}

SDK_EXPORT(resolve_execution) void ol_resolve_execution(void)
{
    sdk_require_no_deposit("resolve_execution");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    struct ol_response resp;
    ol_parse_response(jr_req(a, "response"), &resp);
    struct ol_state st;
    ol_state_load(&st);
    require_operator(&st);
    resolve(&st, id, &resp);
    ol_state_save(&st);
}

SDK_EXPORT(submit_execution_output_and_resolve) void ol_submit_execution_output_and_resolve(void)
{
    sdk_require_no_deposit("submit_execution_output_and_resolve");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    struct ol_output output;
    ol_parse_output(jr_req(a, "output"), &output);
    struct ol_response resp;
    memset(&resp, 0, sizeof resp);
    resp.success = jr_as_bool(jr_req(a, "success"));
    resp.error = ol_opt_str(a, "error", &resp.has_error);
    ol_parse_metrics(jr_req(a, "resources_used"), &resp.used);
    resp.note = ol_opt_str(a, "compilation_note", &resp.has_note);
    struct ol_state st;
    ol_state_load(&st);
    require_operator(&st);
    store_output(id, &output);
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Resolving execution for request_id: ");
    buf_u64(&b, id);
    buf_str(&b, " (combined flow)");
    sdk_log_buf(&b);
    resolve(&st, id, &resp);
    ol_state_save(&st);
}

SDK_EXPORT(submit_execution_output) void ol_submit_execution_output(void)
{
    sdk_require_no_deposit("submit_execution_output");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    struct ol_output output;
    ol_parse_output(jr_req(a, "output"), &output);
    struct ol_state st;
    ol_state_load(&st);
    require_operator(&st);
    store_output(id, &output);
    ol_state_save(&st);
}

/* ---- the yield callback ---- */

static void log_resources(struct buf *b, const struct ol_metrics *m)
{
    buf_str(b, "Resources: { instructions: ");
    buf_u64(b, m->instructions);
    buf_str(b, ", time_ms: ");
    buf_u64(b, m->time_ms);
    buf_str(b, " }");
}

static void emit_completed(const char *sender, const struct ol_code_source *cs, const struct ol_response *resp,
                           const struct ol_str *error, u128 charged, u128 refunded)
{
    struct buf ev;
    struct jw w;
    buf_init(&ev);
    jw_init(&w, &ev);
    jw_obj_begin(&w);
    jw_key(&w, "sender_id");
    jw_cstr(&w, sender);
    jw_key(&w, "code_source");
    ol_write_code_source(&w, cs);
    jw_key(&w, "resources_used");
    ol_write_metrics(&w, &resp->used);
    jw_key(&w, "success");
    jw_bool(&w, resp->success);
    jw_key(&w, "error_message");
    if (error)
        jw_str(&w, error->s, error->n);
    else
        jw_null(&w);
    jw_key(&w, "payment_charged");
    jw_u128_str(&w, charged);
    jw_key(&w, "payment_refunded");
    jw_u128_str(&w, refunded);
    jw_key(&w, "compilation_note");
    if (resp->has_note)
        jw_str(&w, resp->note.s, resp->note.n);
    else
        jw_null(&w);
    jw_key(&w, "timestamp");
    jw_u64(&w, sdk_block_timestamp());
    jw_obj_end(&w);
    sdk_emit_event(OL_EVENT_STANDARD, OL_EVENT_VERSION, "execution_completed", ev.data, ev.len);
}

/* First n Unicode scalar values of valid UTF-8 text. */
static size_t utf8_prefix(const uint8_t *p, size_t len, size_t chars)
{
    size_t i = 0;
    while (i < len && chars > 0) {
        i++;
        while (i < len && (p[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

/* The callback's return value and the log preview of the output. */
static void output_result(const struct ol_output *o, struct buf *ret, struct buf *preview)
{
    struct jw w;
    jw_init(&w, ret);
    struct buf tmp;
    struct jw tw;
    buf_init(&tmp);
    jw_init(&tw, &tmp);
    ol_write_output(&tw, o); /* normalizes invalid text / JSON like the reference */
    const struct jr_value *parsed = jr_parse_or_fail(tmp.data, tmp.len);
    const struct jr_value *inner = &parsed->items[0];
    if (o->kind == OL_BYTES) {
        struct buf b64;
        buf_init(&b64);
        sdk_base64_encode(&b64, o->data, o->len);
        jw_str(&w, (const char *)b64.data, b64.len);
        buf_str(preview, "Bytes(");
        buf_u64(preview, o->len);
        buf_str(preview, " bytes)");
    } else if (o->kind == OL_TEXT) {
        jw_value(&w, inner);
        buf_str(preview, "Text: ");
        buf_put(preview, inner->text, utf8_prefix((const uint8_t *)inner->text, inner->len, 100));
    } else {
        jw_value(&w, inner);
        /* Fix: the reference logs the whole JSON, so a JSON output over
         * ~16 KB broke the callback on NEAR's log limit; we log a preview. */
        struct buf full;
        struct jw pw;
        buf_init(&full);
        jw_init(&pw, &full);
        jw_value(&pw, inner);
        size_t keep = utf8_prefix(full.data, full.len, 1000);
        buf_str(preview, "Json: ");
        buf_put(preview, full.data, keep);
        if (keep < full.len)
            buf_str(preview, "...");
    }
}

static void settle_refund(const char *payer, u128 refund)
{
    if (refund > 0)
        promise_transfer(payer, refund);
}

SDK_EXPORT(on_execution_response) void ol_on_execution_response(void)
{
    sdk_require_private("on_execution_response");
    sdk_require_no_deposit("on_execution_response");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    const char *sender = jr_as_account(jr_req(a, "sender_id"));
    struct ol_code_source cs;
    ol_parse_code_source(jr_req(a, "code_source"), &cs);
    struct ol_limits limits;
    ol_parse_limits(jr_req(a, "resource_limits"), &limits);
    u128 payment = jr_as_u128_str(jr_req(a, "payment"));

    uint8_t *data;
    size_t len;
    enum promise_status status = promise_result_get(0, &data, &len);
    struct ol_response resp;
    bool resumed = status == PROMISE_SUCCESSFUL;
    if (resumed) {
        jr_set_error_context("Failed to deserialize callback using JSON");
        ol_parse_response(jr_parse_or_fail(data, len), &resp);
    }

    struct ol_state st;
    ol_state_load(&st);
    struct ol_request req;
    struct buf b;
    buf_init(&b);
    if (!ol_request_remove(id, &req)) {
        buf_str(&b, "Warning: Execution request ");
        buf_u64(&b, id);
        buf_str(&b, " not found in pending requests");
        sdk_log_buf(&b);
        sdk_return("null", 4);
        ol_state_save(&st);
        return;
    }
    st.total_executions++;

    if (resumed && resp.success) {
        if (req.output_submitted) {
            buf_str(&b, "Retrieving large output from storage for request_id: ");
            buf_u64(&b, id);
            sdk_log_buf(&b);
            if (req.has_pending_output) {
                resp.has_output = true;
                resp.output = req.pending_output;
            }
        }
        /* Fix: never account more than was paid. */
        u128 charged = u128_min(ol_calculate_cost(&st, &resp.used), payment);
        u128 refund = payment - charged;
        settle_refund(req.payer_account_id, refund);
        st.total_fees_collected = u128_add(st.total_fees_collected, charged);
        log_charged(charged);
        emit_completed(sender, &cs, &resp, NULL, charged, refund);

        struct buf ret, line;
        buf_init(&ret);
        buf_init(&line);
        if (resp.has_output) {
            buf_str(&line, "Execution completed successfully. Output: ");
            output_result(&resp.output, &ret, &line);
            buf_str(&line, ", ");
        } else {
            buf_str(&line, "Execution has no output value. ");
            buf_str(&ret, "null");
        }
        log_resources(&line, &resp.used);
        buf_str(&line, ", Cost: ");
        buf_u128(&line, charged);
        buf_str(&line, " yoctoNEAR, Refund: ");
        buf_u128(&line, refund);
        buf_str(&line, " yoctoNEAR");
        if (resp.has_note) {
            buf_str(&line, ", ");
            ol_buf_str(&line, resp.note);
        }
        sdk_log_buf(&line);
        sdk_return_buf(&ret);
    } else {
        u128 charged = u128_min(st.base_fee, payment);
        u128 refund = payment - charged;
        settle_refund(req.payer_account_id, refund);
        st.total_fees_collected = u128_add(st.total_fees_collected, charged);
        log_charged(charged);
        if (resumed) {
            struct ol_str msg = resp.has_error ? resp.error : (struct ol_str){"Unknown error", 13};
            emit_completed(sender, &cs, &resp, &msg, charged, refund);
            buf_str(&b, "Execution failed: ");
            ol_buf_str(&b, msg);
            buf_str(&b, ". ");
            log_resources(&b, &resp.used);
            buf_str(&b, ". Refunded ");
        } else {
            buf_str(&b, "Execution promise failed: Failed. Refunded ");
        }
        buf_u128(&b, refund);
        buf_str(&b, " yoctoNEAR");
        sdk_log_buf(&b);
        sdk_return("null", 4);
    }
    ol_state_save(&st);
}

/* ---- cancellation ---- */

SDK_EXPORT(cancel_stale_execution) void ol_cancel_stale_execution(void)
{
    sdk_require_no_deposit("cancel_stale_execution");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "request_id"));
    struct ol_state st;
    ol_state_load(&st);
    struct ol_request req;
    if (!ol_request_load(id, &req))
        sdk_panic("Execution request not found");
    if (!sdk_streq(sdk_predecessor(), req.sender_id))
        sdk_panic("Only the sender can cancel this execution");
    uint64_t now = sdk_block_timestamp();
    if (!(now > req.timestamp && now - req.timestamp > OL_EXECUTION_TIMEOUT_NS))
        sdk_panic("Execution is not yet stale, please wait");
    ol_request_remove(id, &req);
    settle_refund(req.payer_account_id, req.payment);
    struct buf b;
    buf_init(&b);
    buf_str(&b, "Cancelled stale execution ");
    buf_u64(&b, id);
    buf_str(&b, " and refunded payer ");
    buf_str(&b, req.payer_account_id);
    sdk_log_buf(&b);
    ol_state_save(&st);
}
