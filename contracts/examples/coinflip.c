/* coinflip.c — example contract that calls OutLayer's request_execution
 * with a deposit and handles the result in its own callback. */
#include "sdk.h"
#include "coinflip.h"

static const char STATE_KEY[] = "STATE";

/* State (Borsh): outlayer_id String, code_source_json String. */
struct cf_state {
    const char *outlayer_id;
    const char *code_source;
    size_t code_source_len;
};

static void load(struct cf_state *st)
{
    size_t len;
    uint8_t *raw = storage_get(STATE_KEY, 5, &len);
    if (raw == NULL)
        sdk_panic("The contract is not initialized");
    struct br r;
    br_init(&r, raw, len);
    st->outlayer_id = br_str(&r, NULL);
    st->code_source = br_str(&r, &st->code_source_len);
}

SDK_EXPORT(new) void cf_new(void)
{
    sdk_require_no_deposit("new");
    const struct jr_value *a = sdk_args();
    const char *outlayer = jr_as_account(jr_req(a, "outlayer_id"));
    const struct jr_value *cs = jr_req(a, "code_source");
    jr_expect(cs, JR_OBJECT);
    if (storage_has(STATE_KEY, 5))
        sdk_panic("The contract has already been initialized");
    struct buf cs_json, st;
    struct jw w;
    buf_init(&cs_json);
    jw_init(&w, &cs_json);
    jw_value(&w, cs);
    buf_init(&st);
    bw_str(&st, outlayer);
    bw_bytes(&st, cs_json.data, cs_json.len);
    storage_set(STATE_KEY, 5, st.data, st.len);
}

SDK_EXPORT(flip) void cf_flip(void)
{
    const struct jr_value *a = sdk_args();
    size_t choice_len;
    const char *choice = jr_as_str(jr_req(a, "choice"), &choice_len);
    if (choice_len != 5 || (memcmp(choice, "Heads", 5) != 0 && memcmp(choice, "Tails", 5) != 0))
        sdk_panic("choice must be \"Heads\" or \"Tails\"");
    u128 deposit = sdk_attached_deposit();
    if (deposit == 0)
        sdk_panic("Attach a deposit to pay for the OutLayer execution");
    struct cf_state st;
    load(&st);
    const char *player = sdk_predecessor();

    /* request_execution args; the player pays and receives the refund. */
    struct buf args;
    struct jw w;
    buf_init(&args);
    jw_init(&w, &args);
    jw_obj_begin(&w);
    jw_key(&w, "code_source");
    jw_raw(&w, st.code_source, st.code_source_len);
    jw_key(&w, "resource_limits");
    jw_obj_begin(&w);
    jw_key(&w, "max_instructions");
    jw_u64(&w, 10000000000ull);
    jw_key(&w, "max_memory_mb");
    jw_u64(&w, 64);
    jw_key(&w, "max_execution_seconds");
    jw_u64(&w, 20);
    jw_obj_end(&w);
    jw_key(&w, "input_data");
    jw_cstr(&w, "{}");
    jw_key(&w, "response_format");
    jw_cstr(&w, "Text");
    jw_key(&w, "payer_account_id");
    jw_cstr(&w, player);
    jw_obj_end(&w);

    struct buf cb;
    buf_init(&cb);
    jw_init(&w, &cb);
    jw_obj_begin(&w);
    jw_key(&w, "player");
    jw_cstr(&w, player);
    jw_key(&w, "choice");
    jw_str(&w, choice, choice_len);
    jw_obj_end(&w);

    uint64_t call =
        promise_call(st.outlayer_id, "request_execution", args.data, args.len, deposit, COINFLIP_OUTLAYER_GAS);
    uint64_t then =
        promise_then_call(call, sdk_current_account(), "on_flip_result", cb.data, cb.len, 0, COINFLIP_CALLBACK_GAS);
    struct buf line;
    buf_init(&line);
    buf_str(&line, "Flip requested by ");
    buf_str(&line, player);
    buf_str(&line, ": ");
    buf_put(&line, choice, choice_len);
    sdk_log_buf(&line);
    promise_return_value(then);
}

/* Returns {"player":…,"choice":…,"outcome":…,"won":bool}, or null when
 * OutLayer produced no usable result (failure, timeout, wrong output). */
SDK_EXPORT(on_flip_result) void cf_on_flip_result(void)
{
    sdk_require_private("on_flip_result");
    const struct jr_value *a = sdk_args();
    const char *player = jr_as_account(jr_req(a, "player"));
    size_t choice_len;
    const char *choice = jr_as_str(jr_req(a, "choice"), &choice_len);

    uint8_t *data;
    size_t len;
    if (promise_results_count() != 1)
        sdk_panic("on_flip_result expects exactly one promise result");
    enum promise_status status = promise_result_get(0, &data, &len);
    struct buf line;
    buf_init(&line);
    const char *error = NULL;
    const struct jr_value *v = status == PROMISE_SUCCESSFUL ? jr_parse(data, len, &error) : NULL;
    if (v == NULL || v->type != JR_STRING) {
        buf_str(&line, "Flip failed for ");
        buf_str(&line, player);
        buf_str(&line, status == PROMISE_SUCCESSFUL ? ": OutLayer returned no result" : ": OutLayer call failed");
        sdk_log_buf(&line);
        sdk_return("null", 4);
        return;
    }
    /* Accept "Heads"/"Tails" with surrounding whitespace (program output). */
    const char *out = v->text;
    size_t n = v->len;
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '\r'))
        n--;
    while (n && (out[0] == ' ' || out[0] == '\n')) {
        out++;
        n--;
    }
    bool heads = n == 5 && memcmp(out, "Heads", 5) == 0;
    bool tails = n == 5 && memcmp(out, "Tails", 5) == 0;
    if (!heads && !tails) {
        buf_str(&line, "Flip failed for ");
        buf_str(&line, player);
        buf_str(&line, ": unexpected output");
        sdk_log_buf(&line);
        sdk_return("null", 4);
        return;
    }
    const char *outcome = heads ? "Heads" : "Tails";
    bool won = choice_len == 5 && memcmp(choice, outcome, 5) == 0;
    buf_str(&line, player);
    buf_str(&line, won ? " won: " : " lost: ");
    buf_str(&line, outcome);
    sdk_log_buf(&line);

    struct buf ret;
    struct jw w;
    buf_init(&ret);
    jw_init(&w, &ret);
    jw_obj_begin(&w);
    jw_key(&w, "player");
    jw_cstr(&w, player);
    jw_key(&w, "choice");
    jw_str(&w, choice, choice_len);
    jw_key(&w, "outcome");
    jw_cstr(&w, outcome);
    jw_key(&w, "won");
    jw_bool(&w, won);
    jw_obj_end(&w);
    sdk_return_buf(&ret);
}

SDK_EXPORT(get_config) void cf_get_config(void)
{
    struct cf_state st;
    load(&st);
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_arr_begin(&w);
    jw_cstr(&w, st.outlayer_id);
    jw_raw(&w, st.code_source, st.code_source_len);
    jw_arr_end(&w);
    sdk_return_buf(&b);
}
