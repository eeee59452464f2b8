/* forwarder.c — example contract: asks OutLayer to run a program, receives
 * the program's JSON in its own callback and stores it under a request
 * number, so other contracts and users can read it later (get_answer). */
#include "sdk.h"
#include "forwarder.h"

static const char STATE_KEY[] = "STATE";

/* State (Borsh): outlayer_id String, next_id u64. Answers: key 'a' ++ u64_le(id)
 * -> the answer object's JSON text. */
struct fw_state {
    const char *outlayer_id;
    uint64_t next_id;
};

static void load(struct fw_state *st)
{
    size_t len;
    uint8_t *raw = storage_get(STATE_KEY, 5, &len);
    if (raw == NULL)
        sdk_panic("The contract is not initialized");
    struct br r;
    br_init(&r, raw, len);
    st->outlayer_id = br_str(&r, NULL);
    st->next_id = br_u64(&r);
}

static void save(const struct fw_state *st)
{
    struct buf b;
    buf_init(&b);
    bw_str(&b, st->outlayer_id);
    bw_u64(&b, st->next_id);
    storage_set(STATE_KEY, 5, b.data, b.len);
}

static void answer_key(uint64_t id, uint8_t key[9])
{
    key[0] = 'a';
    for (int i = 0; i < 8; i++)
        key[1 + i] = (uint8_t)(id >> (8 * i));
}

SDK_EXPORT(new) void fw_new(void)
{
    sdk_require_no_deposit("new");
    const struct jr_value *a = sdk_args();
    struct fw_state st = {jr_as_account(jr_req(a, "outlayer_id")), 0};
    if (storage_has(STATE_KEY, 5))
        sdk_panic("The contract has already been initialized");
    save(&st);
}

SDK_EXPORT(ask) void fw_ask(void)
{
    const struct jr_value *a = sdk_args();
    const struct jr_value *cs = jr_req(a, "code_source");
    jr_expect(cs, JR_OBJECT);
    const struct jr_value *input = jr_opt(a, "input_data");
    const struct jr_value *limits = jr_opt(a, "resource_limits");
    if (input)
        jr_expect(input, JR_STRING);
    if (limits)
        jr_expect(limits, JR_OBJECT);
    u128 deposit = sdk_attached_deposit();
    if (deposit == 0)
        sdk_panic("Attach a deposit to pay for the OutLayer execution");
    struct fw_state st;
    load(&st);
    uint64_t id = st.next_id++;
    save(&st);
    const char *sender = sdk_predecessor();

    struct buf args;
    struct jw w;
    buf_init(&args);
    jw_init(&w, &args);
    jw_obj_begin(&w);
    jw_key(&w, "code_source");
    jw_value(&w, cs);
    if (limits) {
        jw_key(&w, "resource_limits");
        jw_value(&w, limits);
    }
    if (input) {
        jw_key(&w, "input_data");
        jw_value(&w, input);
    }
    jw_key(&w, "response_format");
    jw_cstr(&w, "Json");
    jw_key(&w, "payer_account_id");
    jw_cstr(&w, sender);
    jw_obj_end(&w);

    struct buf cb;
    buf_init(&cb);
    jw_init(&w, &cb);
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_u64(&w, id);
    jw_key(&w, "sender");
    jw_cstr(&w, sender);
    jw_obj_end(&w);

    uint64_t call =
        promise_call(st.outlayer_id, "request_execution", args.data, args.len, deposit, FORWARDER_OUTLAYER_GAS);
    uint64_t then =
        promise_then_call(call, sdk_current_account(), "on_answer", cb.data, cb.len, 0, FORWARDER_CALLBACK_GAS);
    struct buf line;
    buf_init(&line);
    buf_str(&line, "Forwarding request ");
    buf_u64(&line, id);
    buf_str(&line, " from ");
    buf_str(&line, sender);
    sdk_log_buf(&line);
    promise_return_value(then);
}

/* Stores and returns {"id","sender","answer"[,"error"]}. Never panics on
 * OutLayer's outcome, so the answer (or the reason there is none) is kept. */
SDK_EXPORT(on_answer) void fw_on_answer(void)
{
    sdk_require_private("on_answer");
    const struct jr_value *a = sdk_args();
    uint64_t id = jr_as_u64(jr_req(a, "id"));
    const char *sender = jr_as_account(jr_req(a, "sender"));
    if (promise_results_count() != 1)
        sdk_panic("on_answer expects exactly one promise result");
    uint8_t *data;
    size_t len;
    enum promise_status status = promise_result_get(0, &data, &len);
    const char *error = NULL, *parse_error = NULL;
    const struct jr_value *v = NULL;
    if (status != PROMISE_SUCCESSFUL)
        error = "OutLayer call failed";
    else if (len > FORWARDER_MAX_ANSWER)
        error = "answer too large to keep";
    else if ((v = jr_parse(data, len, &parse_error)) == NULL)
        error = "OutLayer returned something that is not JSON";
    else if (v->type == JR_NULL)
        error = "the execution failed or timed out";

    struct buf out;
    struct jw w;
    buf_init(&out);
    jw_init(&w, &out);
    jw_obj_begin(&w);
    jw_key(&w, "id");
    jw_u64(&w, id);
    jw_key(&w, "sender");
    jw_cstr(&w, sender);
    jw_key(&w, "answer");
    if (error)
        jw_null(&w);
    else
        jw_raw(&w, data, len);
    if (error) {
        jw_key(&w, "error");
        jw_cstr(&w, error);
    }
    jw_obj_end(&w);
    uint8_t key[9];
    answer_key(id, key);
    storage_set(key, sizeof key, out.data, out.len);

    struct buf line;
    buf_init(&line);
    buf_str(&line, error ? "No answer for request " : "Answer stored for request ");
    buf_u64(&line, id);
    buf_str(&line, " from ");
    buf_str(&line, sender);
    if (error) {
        buf_str(&line, ": ");
        buf_str(&line, error);
    }
    sdk_log_buf(&line);
    sdk_return_buf(&out);
}

SDK_EXPORT(get_answer) void fw_get_answer(void)
{
    uint64_t id = jr_as_u64(jr_req(sdk_args(), "id"));
    uint8_t key[9];
    answer_key(id, key);
    size_t len;
    uint8_t *raw = storage_get(key, sizeof key, &len);
    if (raw == NULL)
        sdk_return("null", 4);
    else
        sdk_return(raw, len);
}

SDK_EXPORT(get_config) void fw_get_config(void)
{
    struct fw_state st;
    load(&st);
    struct buf b;
    struct jw w;
    buf_init(&b);
    jw_init(&w, &b);
    jw_arr_begin(&w);
    jw_cstr(&w, st.outlayer_id);
    jw_u64(&w, st.next_id);
    jw_arr_end(&w);
    sdk_return_buf(&b);
}
