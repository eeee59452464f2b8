/* state.c — the contract state (Borsh under "STATE"), pending requests and
 * pricing arithmetic. */
#include "outlayer.h"

static const char STATE_KEY[] = "STATE";
const uint8_t OL_PREFIX_PENDING[1] = {0x00};
const uint8_t OL_PREFIX_SECRETS[1] = {0x01};
const uint8_t OL_PREFIX_INDEX[1] = {0x02};

static const struct lookup_map PENDING = {OL_PREFIX_PENDING, 1};

bool ol_state_exists(void) { return storage_has(STATE_KEY, sizeof STATE_KEY - 1); }

/* LookupMap { key_prefix: Vec<u8> } — always the fixed prefixes here. */
static void read_map_prefix(struct br *r, const uint8_t *expected)
{
    size_t len;
    const uint8_t *p = br_bytes(r, &len);
    if (len != 1 || p[0] != expected[0])
        br_fail(r);
}

void ol_state_load(struct ol_state *st)
{
    size_t len;
    uint8_t *raw = storage_get(STATE_KEY, sizeof STATE_KEY - 1, &len);
    if (raw == NULL)
        sdk_panic("The contract is not initialized");
    struct br r;
    br_init(&r, raw, len);
    st->owner_id = br_str(&r, NULL);
    st->operator_id = br_str(&r, NULL);
    st->paused = br_bool(&r);
    st->base_fee = br_u128(&r);
    st->per_million_instructions_fee = br_u128(&r);
    st->per_ms_fee = br_u128(&r);
    st->per_compile_ms_fee = br_u128(&r);
    st->next_request_id = br_u64(&r);
    read_map_prefix(&r, OL_PREFIX_PENDING);
    st->total_executions = br_u64(&r);
    st->total_fees_collected = br_u128(&r);
    read_map_prefix(&r, OL_PREFIX_SECRETS);
    read_map_prefix(&r, OL_PREFIX_INDEX);
    if (!br_done(&r))
        br_fail(&r);
}

void ol_state_save(const struct ol_state *st)
{
    struct buf b;
    buf_init(&b);
    bw_str(&b, st->owner_id);
    bw_str(&b, st->operator_id);
    bw_bool(&b, st->paused);
    bw_u128(&b, st->base_fee);
    bw_u128(&b, st->per_million_instructions_fee);
    bw_u128(&b, st->per_ms_fee);
    bw_u128(&b, st->per_compile_ms_fee);
    bw_u64(&b, st->next_request_id);
    bw_bytes(&b, OL_PREFIX_PENDING, 1);
    bw_u64(&b, st->total_executions);
    bw_u128(&b, st->total_fees_collected);
    bw_bytes(&b, OL_PREFIX_SECRETS, 1);
    bw_bytes(&b, OL_PREFIX_INDEX, 1);
    storage_set(STATE_KEY, sizeof STATE_KEY - 1, b.data, b.len);
}

void ol_require_owner(const struct ol_state *st)
{
    if (!sdk_streq(sdk_predecessor(), st->owner_id))
        sdk_panic("Only owner can call this method");
}

static void id_key(struct buf *k, uint64_t id)
{
    buf_init(k);
    bw_u64(k, id);
}

/* Decodes a stored request into out; false when there was none (raw NULL). */
static bool decode_request(const uint8_t *raw, size_t len, struct ol_request *out)
{
    if (raw == NULL)
        return false;
    struct br r;
    br_init(&r, raw, len);
    ol_unborsh_request(&r, out);
    return true;
}

bool ol_request_load(uint64_t id, struct ol_request *out)
{
    struct buf k;
    size_t len;
    id_key(&k, id);
    uint8_t *raw = lookup_map_get(&PENDING, k.data, k.len, &len);
    return decode_request(raw, len, out);
}

void ol_request_save(const struct ol_request *req)
{
    struct buf k, v;
    id_key(&k, req->request_id);
    buf_init(&v);
    ol_borsh_request(&v, req);
    lookup_map_insert(&PENDING, k.data, k.len, v.data, v.len);
}

bool ol_request_remove(uint64_t id, struct ol_request *out)
{
    struct buf k;
    size_t len;
    id_key(&k, id);
    uint8_t *raw = lookup_map_remove(&PENDING, k.data, k.len, &len);
    return decode_request(raw, len, out);
}

void ol_default_limits(struct ol_limits *l)
{
    l->has_instructions = l->has_memory = l->has_seconds = true;
    l->max_instructions = OL_DEFAULT_MAX_INSTRUCTIONS;
    l->max_memory_mb = OL_DEFAULT_MAX_MEMORY_MB;
    l->max_execution_seconds = OL_DEFAULT_MAX_EXECUTION_SECONDS;
}

/* base + floor(instr / 1e6) * per_million + time_ms * per_ms
 *      + compile_ms * per_compile_ms  (spec §7) */
u128 ol_calculate_cost(const struct ol_state *st, const struct ol_metrics *m)
{
    u128 cost = st->base_fee;
    cost = u128_add(cost, u128_mul((u128)(m->instructions / 1000000u), st->per_million_instructions_fee));
    cost = u128_add(cost, u128_mul((u128)m->time_ms, st->per_ms_fee));
    if (m->has_compile_time)
        cost = u128_add(cost, u128_mul((u128)m->compile_time_ms, st->per_compile_ms_fee));
    return cost;
}

/* The up-front estimate: missing limits count as the defaults. */
u128 ol_estimate_cost(const struct ol_state *st, const struct ol_limits *l)
{
    uint64_t instr = l->has_instructions ? l->max_instructions : OL_DEFAULT_MAX_INSTRUCTIONS;
    uint64_t secs = l->has_seconds ? l->max_execution_seconds : OL_DEFAULT_MAX_EXECUTION_SECONDS;
    u128 cost = st->base_fee;
    cost = u128_add(cost, u128_mul((u128)(instr / 1000000u), st->per_million_instructions_fee));
    cost = u128_add(cost, u128_mul(u128_mul((u128)secs, 1000), st->per_ms_fee));
    return cost;
}
