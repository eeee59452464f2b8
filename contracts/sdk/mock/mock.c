/* mock.c — the native NEAR runtime mock (see mock.h). */
#include "mock.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "env.h"
#include "mem.h"
#include "sdk.h"

#define MAX_REGISTERS 100
#define MAX_LOGS 100
#define MAX_LOG_BYTES 16384
#define MAX_PROMISES 1024
#define MAX_YIELD_PAYLOAD 1024
#define MAX_KEY_LEN 2048

struct bytes {
    uint8_t *data;
    size_t len;
};

/* Storage is per account, so several contracts can share one mock. */
struct kv {
    char *account;
    struct bytes key, value;
};

struct reg {
    uint64_t id;
    struct bytes value;
};

static struct {
    char *current, *predecessor, *signer;
    u128 deposit, balance;
    uint64_t height, timestamp, prepaid_gas;

    struct kv *storage;
    size_t storage_count, storage_cap;

    struct reg registers[MAX_REGISTERS];
    size_t register_count;

    struct bytes input;
    struct bytes ret;
    bool has_ret;
    char *logs[MAX_LOGS];
    size_t log_count, log_bytes;
    char *panic;

    struct mock_promise *promises;
    size_t promise_count;
    int64_t returned;

    struct bytes results[8];
    int result_status[8];
    size_t result_count;

    struct mock_yield *yields;
    size_t yield_count, yield_cap;
    uint64_t yield_counter;

    bool in_call;
    jmp_buf unwind;
} m;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fputs("mock: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static struct bytes dup_bytes(const void *data, size_t len)
{
    struct bytes b = {xmalloc(len + 1), len};
    if (len)
        memcpy(b.data, data, len);
    b.data[len] = 0;
    return b;
}

static char *dup_str(const char *s) { return (char *)dup_bytes(s, strlen(s)).data; }

static void set_str(char **slot, const char *s)
{
    free(*slot);
    *slot = dup_str(s);
}

/* ---- host errors: a failed call, reported like a panic ---- */
static __attribute__((noreturn)) void host_error(const char *msg)
{
    free(m.panic);
    m.panic = dup_str(msg);
    if (!m.in_call) {
        fprintf(stderr, "mock: host error outside a call: %s\n", msg);
        abort();
    }
    longjmp(m.unwind, 1);
}

/* Guest memory is our own address space; u64 "pointers" are host pointers. */
static const uint8_t *mem(uint64_t ptr) { return (const uint8_t *)(uintptr_t)ptr; }

static struct bytes read_guest(uint64_t len, uint64_t ptr);

/* ---- registers ---- */
static struct reg *find_register(uint64_t id)
{
    for (size_t i = 0; i < m.register_count; i++)
        if (m.registers[i].id == id)
            return &m.registers[i];
    return NULL;
}

static void set_register(uint64_t id, const void *data, size_t len)
{
    struct reg *r = find_register(id);
    if (r == NULL) {
        if (m.register_count == MAX_REGISTERS)
            host_error("MemoryAccessViolation: too many registers");
        r = &m.registers[m.register_count++];
        r->id = id;
    } else {
        free(r->value.data);
    }
    r->value = dup_bytes(data, len);
}

static void clear_registers(void)
{
    for (size_t i = 0; i < m.register_count; i++)
        free(m.registers[i].value.data);
    m.register_count = 0;
}

/* "memory or register" inputs: len == u64::MAX reads register ptr. */
static struct bytes read_guest(uint64_t len, uint64_t ptr)
{
    if (len == UINT64_MAX) {
        struct reg *r = find_register(ptr);
        if (r == NULL)
            host_error("InvalidRegisterId");
        return r->value;
    }
    struct bytes b = {(uint8_t *)(uintptr_t)ptr, (size_t)len};
    return b;
}

void env_read_register(uint64_t register_id, uint64_t ptr)
{
    struct reg *r = find_register(register_id);
    if (r == NULL)
        host_error("InvalidRegisterId");
    if (r->value.len)
        memcpy((void *)(uintptr_t)ptr, r->value.data, r->value.len);
}

uint64_t env_register_len(uint64_t register_id)
{
    struct reg *r = find_register(register_id);
    return r ? r->value.len : UINT64_MAX;
}

void env_write_register(uint64_t register_id, uint64_t data_len, uint64_t data_ptr)
{
    set_register(register_id, mem(data_ptr), (size_t)data_len);
}

void env_input(uint64_t register_id) { set_register(register_id, m.input.data, m.input.len); }

/* ---- context ---- */
void env_current_account_id(uint64_t register_id) { set_register(register_id, m.current, strlen(m.current)); }
void env_signer_account_id(uint64_t register_id) { set_register(register_id, m.signer, strlen(m.signer)); }
void env_predecessor_account_id(uint64_t register_id)
{
    set_register(register_id, m.predecessor, strlen(m.predecessor));
}
uint64_t env_block_index(void) { return m.height; }
uint64_t env_block_timestamp(void) { return m.timestamp; }
uint64_t env_prepaid_gas(void) { return m.prepaid_gas; }
uint64_t env_used_gas(void) { return 5 * 1000000000000ull; }

uint64_t env_storage_usage(void)
{
    uint64_t total = 100;
    for (size_t i = 0; i < m.storage_count; i++)
        if (strcmp(m.storage[i].account, m.current) == 0)
            total += m.storage[i].key.len + m.storage[i].value.len + 40;
    return total;
}

static void write_u128(uint64_t ptr, u128 v)
{
    uint8_t *p = (uint8_t *)(uintptr_t)ptr;
    for (int i = 0; i < 16; i++) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static u128 read_u128(uint64_t ptr)
{
    const uint8_t *p = mem(ptr);
    u128 v = 0;
    for (int i = 15; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void env_account_balance(uint64_t balance_ptr) { write_u128(balance_ptr, m.balance); }
void env_attached_deposit(uint64_t balance_ptr) { write_u128(balance_ptr, m.deposit); }

void env_random_seed(uint64_t register_id)
{
    uint8_t seed[32];
    for (int i = 0; i < 32; i++)
        seed[i] = (uint8_t)(m.height * 131 + (uint64_t)i * 7);
    set_register(register_id, seed, 32);
}

void env_sha256(uint64_t value_len, uint64_t value_ptr, uint64_t register_id)
{
    /* Not a real SHA-256: the mock only needs a stable 32-byte digest. */
    struct bytes in = read_guest(value_len, value_ptr);
    uint8_t out[32] = {0};
    for (size_t i = 0; i < in.len; i++)
        out[i % 32] = (uint8_t)(out[i % 32] * 31 + in.data[i] + 1);
    set_register(register_id, out, 32);
}

/* ---- results, logs, panics ---- */
void env_value_return(uint64_t value_len, uint64_t value_ptr)
{
    struct bytes v = read_guest(value_len, value_ptr);
    free(m.ret.data);
    m.ret = dup_bytes(v.data, v.len);
    m.has_ret = true;
}

static bool valid_utf8(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint8_t c = p[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

void env_panic_utf8(uint64_t len, uint64_t ptr)
{
    const char *msg = (const char *)mem(ptr);
    size_t n = len == UINT64_MAX ? strlen(msg) : (size_t)len;
    if (!valid_utf8((const uint8_t *)msg, n))
        host_error("BadUTF8");
    free(m.panic);
    m.panic = (char *)dup_bytes(msg, n).data;
    if (!m.in_call) {
        fprintf(stderr, "mock: panic outside a call: %s\n", m.panic);
        abort();
    }
    longjmp(m.unwind, 1);
}

void env_log_utf8(uint64_t len, uint64_t ptr)
{
    const char *msg = (const char *)mem(ptr);
    size_t n = len == UINT64_MAX ? strlen(msg) : (size_t)len;
    if (!valid_utf8((const uint8_t *)msg, n))
        host_error("BadUTF8");
    if (m.log_count == MAX_LOGS)
        host_error("NumberOfLogsExceeded { limit: 100 }");
    if (m.log_bytes + n > MAX_LOG_BYTES)
        host_error("TotalLogLengthExceeded { limit: 16384 }");
    m.log_bytes += n;
    m.logs[m.log_count++] = (char *)dup_bytes(msg, n).data;
}

/* ---- storage ---- */
static struct kv *find_kv(const uint8_t *key, size_t len)
{
    for (size_t i = 0; i < m.storage_count; i++)
        if (m.storage[i].key.len == len && memcmp(m.storage[i].key.data, key, len) == 0 &&
            strcmp(m.storage[i].account, m.current) == 0)
            return &m.storage[i];
    return NULL;
}

static struct bytes storage_key(uint64_t key_len, uint64_t key_ptr)
{
    struct bytes k = read_guest(key_len, key_ptr);
    if (k.len > MAX_KEY_LEN)
        host_error("KeyLengthExceeded");
    return k;
}

uint64_t env_storage_write(uint64_t key_len, uint64_t key_ptr, uint64_t value_len, uint64_t value_ptr,
                           uint64_t register_id)
{
    struct bytes k = storage_key(key_len, key_ptr);
    struct bytes v = read_guest(value_len, value_ptr);
    if (v.len > 4u * 1024 * 1024)
        host_error("ValueLengthExceeded");
    struct bytes value = dup_bytes(v.data, v.len);
    struct kv *e = find_kv(k.data, k.len);
    if (e) {
        set_register(register_id, e->value.data, e->value.len);
        free(e->value.data);
        e->value = value;
        return 1;
    }
    if (m.storage_count == m.storage_cap) {
        m.storage_cap = m.storage_cap ? m.storage_cap * 2 : 64;
        m.storage = realloc(m.storage, m.storage_cap * sizeof *m.storage);
        if (m.storage == NULL)
            abort();
    }
    m.storage[m.storage_count].account = dup_str(m.current);
    m.storage[m.storage_count].key = dup_bytes(k.data, k.len);
    m.storage[m.storage_count].value = value;
    m.storage_count++;
    return 0;
}

uint64_t env_storage_read(uint64_t key_len, uint64_t key_ptr, uint64_t register_id)
{
    struct bytes k = storage_key(key_len, key_ptr);
    struct kv *e = find_kv(k.data, k.len);
    if (e == NULL)
        return 0;
    set_register(register_id, e->value.data, e->value.len);
    return 1;
}

uint64_t env_storage_remove(uint64_t key_len, uint64_t key_ptr, uint64_t register_id)
{
    struct bytes k = storage_key(key_len, key_ptr);
    struct kv *e = find_kv(k.data, k.len);
    if (e == NULL)
        return 0;
    set_register(register_id, e->value.data, e->value.len);
    free(e->account);
    free(e->key.data);
    free(e->value.data);
    *e = m.storage[--m.storage_count];
    return 1;
}

uint64_t env_storage_has_key(uint64_t key_len, uint64_t key_ptr)
{
    struct bytes k = storage_key(key_len, key_ptr);
    return find_kv(k.data, k.len) != NULL;
}

/* ---- promises ---- */
static char *account_arg(uint64_t len, uint64_t ptr)
{
    struct bytes a = read_guest(len, ptr);
    if (!account_id_valid((const char *)a.data, a.len))
        host_error("InvalidAccountId");
    return (char *)dup_bytes(a.data, a.len).data;
}

static struct mock_promise *new_promise(enum mock_promise_kind kind, uint64_t *index)
{
    if (m.promise_count == MAX_PROMISES)
        host_error("NumberPromisesExceeded");
    if (m.promises == NULL)
        m.promises = xmalloc(MAX_PROMISES * sizeof *m.promises);
    struct mock_promise *p = &m.promises[m.promise_count];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->after = -1;
    *index = m.promise_count++;
    return p;
}

static struct mock_promise *get_promise(uint64_t index)
{
    if (index >= m.promise_count)
        host_error("InvalidPromiseIndex");
    return &m.promises[index];
}

static struct mock_action *new_action(uint64_t promise_index)
{
    struct mock_promise *p = get_promise(promise_index);
    if (p->kind != MOCK_PROMISE_BATCH)
        host_error("CannotAppendActionToJointPromise");
    if (p->action_count == 8)
        host_error("mock: too many actions in one promise");
    struct mock_action *a = &p->actions[p->action_count++];
    memset(a, 0, sizeof *a);
    return a;
}

uint64_t env_promise_batch_create(uint64_t account_id_len, uint64_t account_id_ptr)
{
    char *account = account_arg(account_id_len, account_id_ptr);
    uint64_t index;
    new_promise(MOCK_PROMISE_BATCH, &index)->account = account;
    return index;
}

uint64_t env_promise_batch_then(uint64_t promise_index, uint64_t account_id_len, uint64_t account_id_ptr)
{
    get_promise(promise_index);
    char *account = account_arg(account_id_len, account_id_ptr);
    uint64_t index;
    struct mock_promise *p = new_promise(MOCK_PROMISE_BATCH, &index);
    p->account = account;
    p->after = (int64_t)promise_index;
    return index;
}

void env_promise_batch_action_transfer(uint64_t promise_index, uint64_t amount_ptr)
{
    struct mock_action *a = new_action(promise_index);
    a->kind = MOCK_TRANSFER;
    a->amount = read_u128(amount_ptr);
}

void env_promise_batch_action_function_call_weight(uint64_t promise_index, uint64_t function_name_len,
                                                   uint64_t function_name_ptr, uint64_t arguments_len,
                                                   uint64_t arguments_ptr, uint64_t amount_ptr, uint64_t gas,
                                                   uint64_t gas_weight)
{
    struct bytes name = read_guest(function_name_len, function_name_ptr);
    struct bytes args = read_guest(arguments_len, arguments_ptr);
    if (name.len == 0)
        host_error("EmptyMethodName");
    struct mock_action *a = new_action(promise_index);
    a->kind = MOCK_FUNCTION_CALL;
    a->method = (char *)dup_bytes(name.data, name.len).data;
    struct bytes copy = dup_bytes(args.data, args.len);
    a->args = copy.data;
    a->args_len = copy.len;
    a->amount = read_u128(amount_ptr);
    a->gas = gas;
    a->gas_weight = gas_weight;
}

void env_promise_batch_action_function_call(uint64_t promise_index, uint64_t function_name_len,
                                            uint64_t function_name_ptr, uint64_t arguments_len, uint64_t arguments_ptr,
                                            uint64_t amount_ptr, uint64_t gas)
{
    env_promise_batch_action_function_call_weight(promise_index, function_name_len, function_name_ptr, arguments_len,
                                                  arguments_ptr, amount_ptr, gas, 0);
}

uint64_t env_promise_create(uint64_t account_id_len, uint64_t account_id_ptr, uint64_t function_name_len,
                            uint64_t function_name_ptr, uint64_t arguments_len, uint64_t arguments_ptr,
                            uint64_t amount_ptr, uint64_t gas)
{
    uint64_t index = env_promise_batch_create(account_id_len, account_id_ptr);
    env_promise_batch_action_function_call(index, function_name_len, function_name_ptr, arguments_len, arguments_ptr,
                                           amount_ptr, gas);
    return index;
}

uint64_t env_promise_then(uint64_t promise_index, uint64_t account_id_len, uint64_t account_id_ptr,
                          uint64_t function_name_len, uint64_t function_name_ptr, uint64_t arguments_len,
                          uint64_t arguments_ptr, uint64_t amount_ptr, uint64_t gas)
{
    uint64_t index = env_promise_batch_then(promise_index, account_id_len, account_id_ptr);
    env_promise_batch_action_function_call(index, function_name_len, function_name_ptr, arguments_len, arguments_ptr,
                                           amount_ptr, gas);
    return index;
}

uint64_t env_promise_and(uint64_t promise_idx_ptr, uint64_t promise_idx_count)
{
    if (promise_idx_count > 8)
        host_error("mock: too many joined promises");
    const uint8_t *p = mem(promise_idx_ptr);
    uint64_t index;
    struct mock_promise *joint = new_promise(MOCK_PROMISE_AND, &index);
    for (uint64_t i = 0; i < promise_idx_count; i++) {
        uint64_t v = 0;
        for (int k = 7; k >= 0; k--)
            v = v << 8 | p[i * 8 + (uint64_t)k];
        get_promise(v);
        joint->joined[joint->joined_count++] = v;
    }
    return index;
}

uint64_t env_promise_results_count(void) { return m.result_count; }

uint64_t env_promise_result(uint64_t result_idx, uint64_t register_id)
{
    if (result_idx >= m.result_count)
        host_error("InvalidPromiseResultIndex");
    if (m.result_status[result_idx] == 1)
        set_register(register_id, m.results[result_idx].data, m.results[result_idx].len);
    return (uint64_t)m.result_status[result_idx];
}

void env_promise_return(uint64_t promise_id)
{
    struct mock_promise *p = get_promise(promise_id);
    if (p->kind == MOCK_PROMISE_AND)
        host_error("CannotReturnJointPromise");
    m.returned = (int64_t)promise_id;
}

/* ---- yield / resume ---- */
uint64_t env_promise_yield_create(uint64_t function_name_len, uint64_t function_name_ptr, uint64_t arguments_len,
                                  uint64_t arguments_ptr, uint64_t gas, uint64_t gas_weight, uint64_t register_id)
{
    struct bytes name = read_guest(function_name_len, function_name_ptr);
    struct bytes args = read_guest(arguments_len, arguments_ptr);
    if (name.len == 0)
        host_error("EmptyMethodName");
    if (m.yield_count == m.yield_cap) {
        m.yield_cap = m.yield_cap ? m.yield_cap * 2 : 16;
        m.yields = realloc(m.yields, m.yield_cap * sizeof *m.yields);
        if (m.yields == NULL)
            abort();
    }
    struct mock_yield *y = &m.yields[m.yield_count];
    memset(y, 0, sizeof *y);
    m.yield_counter++;
    for (int i = 0; i < 32; i++)
        y->data_id[i] = (uint8_t)(m.yield_counter * 37 + (uint64_t)i * 11 + 1);
    y->account = dup_str(m.current);
    y->method = (char *)dup_bytes(name.data, name.len).data;
    struct bytes copy = dup_bytes(args.data, args.len);
    y->args = copy.data;
    y->args_len = copy.len;
    y->gas = gas;
    y->gas_weight = gas_weight;
    y->state = MOCK_YIELD_WAITING;
    uint64_t index;
    struct mock_promise *p = new_promise(MOCK_PROMISE_YIELD, &index);
    p->account = dup_str(m.current);
    p->yield_index = m.yield_count++;
    set_register(register_id, y->data_id, 32);
    return index;
}

uint32_t env_promise_yield_resume(uint64_t data_id_len, uint64_t data_id_ptr, uint64_t payload_len,
                                  uint64_t payload_ptr)
{
    struct bytes payload = read_guest(payload_len, payload_ptr);
    if (payload.len > MAX_YIELD_PAYLOAD) {
        char msg[128];
        snprintf(msg, sizeof msg, "Yield resume payload is %zu bytes which exceeds the 1024 byte limit", payload.len);
        host_error(msg);
    }
    struct bytes id = read_guest(data_id_len, data_id_ptr);
    if (id.len != 32)
        host_error("DataIdMalformed");
    for (size_t i = 0; i < m.yield_count; i++) {
        struct mock_yield *y = &m.yields[i];
        if (memcmp(y->data_id, id.data, 32) != 0)
            continue;
        if (y->state != MOCK_YIELD_WAITING || strcmp(y->account, m.current) != 0)
            return 0;
        y->state = MOCK_YIELD_RESUMED;
        struct bytes copy = dup_bytes(payload.data, payload.len);
        y->payload = copy.data;
        y->payload_len = copy.len;
        return 1;
    }
    return 0;
}

/* ---- test-side API ---- */
static void clear_call_outputs(void)
{
    free(m.ret.data);
    m.ret.data = NULL;
    m.ret.len = 0;
    m.has_ret = false;
    for (size_t i = 0; i < m.log_count; i++)
        free(m.logs[i]);
    m.log_count = 0;
    m.log_bytes = 0;
    free(m.panic);
    m.panic = NULL;
    for (size_t i = 0; i < m.promise_count; i++) {
        struct mock_promise *p = &m.promises[i];
        free(p->account);
        for (size_t k = 0; k < p->action_count; k++) {
            free(p->actions[k].method);
            free(p->actions[k].args);
        }
    }
    m.promise_count = 0;
    m.returned = -1;
    clear_registers();
}

static void free_yield(struct mock_yield *y)
{
    free(y->account);
    free(y->method);
    free(y->args);
    free(y->payload);
}

static void clear_storage(void)
{
    for (size_t i = 0; i < m.storage_count; i++) {
        free(m.storage[i].account);
        free(m.storage[i].key.data);
        free(m.storage[i].value.data);
    }
    m.storage_count = 0;
}

void mock_clear_promise_results(void)
{
    for (size_t i = 0; i < m.result_count; i++)
        free(m.results[i].data);
    m.result_count = 0;
}

void mock_reset(void)
{
    clear_call_outputs();
    clear_storage();
    mock_clear_promise_results();
    for (size_t i = 0; i < m.yield_count; i++)
        free_yield(&m.yields[i]);
    m.yield_count = 0;
    m.yield_counter = 0;
    free(m.input.data);
    m.input.data = NULL;
    m.input.len = 0;
    set_str(&m.current, "outlayer.testnet");
    set_str(&m.predecessor, "alice.testnet");
    set_str(&m.signer, "alice.testnet");
    m.deposit = 0;
    m.balance = (u128)1000 * 1000000000000ull * 1000000000000ull; /* 1000 NEAR */
    m.height = 100;
    m.timestamp = 1731000000000000000ull;
    m.prepaid_gas = 300 * 1000000000000ull;
}

void mock_set_current(const char *account) { set_str(&m.current, account); }
void mock_set_predecessor(const char *account) { set_str(&m.predecessor, account); }
void mock_set_signer(const char *account) { set_str(&m.signer, account); }
void mock_set_deposit(u128 yocto) { m.deposit = yocto; }
void mock_set_balance(u128 yocto) { m.balance = yocto; }
void mock_set_block(uint64_t height, uint64_t timestamp_ns)
{
    m.height = height;
    m.timestamp = timestamp_ns;
}
void mock_set_prepaid_gas(uint64_t gas) { m.prepaid_gas = gas; }

static void add_result(int status, const void *data, size_t len)
{
    if (m.result_count == 8)
        abort();
    m.result_status[m.result_count] = status;
    m.results[m.result_count] = dup_bytes(data, len);
    m.result_count++;
}

void mock_add_promise_result_success(const void *data, size_t len) { add_result(1, data, len); }
void mock_add_promise_result_failed(void) { add_result(2, "", 0); }

/* Snapshots for rollback on panic. */
struct snapshot {
    struct kv *storage;
    size_t storage_count;
    enum mock_yield_state *yield_states;
    size_t yield_count;
};

static void take_snapshot(struct snapshot *s)
{
    s->storage_count = m.storage_count;
    s->storage = xmalloc(m.storage_count * sizeof *s->storage);
    for (size_t i = 0; i < m.storage_count; i++) {
        s->storage[i].account = dup_str(m.storage[i].account);
        s->storage[i].key = dup_bytes(m.storage[i].key.data, m.storage[i].key.len);
        s->storage[i].value = dup_bytes(m.storage[i].value.data, m.storage[i].value.len);
    }
    s->yield_count = m.yield_count;
    s->yield_states = xmalloc(m.yield_count * sizeof *s->yield_states);
    for (size_t i = 0; i < m.yield_count; i++)
        s->yield_states[i] = m.yields[i].state;
}

static void restore_snapshot(struct snapshot *s)
{
    clear_storage();
    if (m.storage_cap < s->storage_count) {
        m.storage_cap = s->storage_count;
        m.storage = realloc(m.storage, m.storage_cap * sizeof *m.storage);
        if (m.storage == NULL)
            abort();
    }
    if (s->storage_count)
        memcpy(m.storage, s->storage, s->storage_count * sizeof *s->storage);
    m.storage_count = s->storage_count;
    free(s->storage);
    /* Yields created by the failed call vanish; resumes are undone. */
    for (size_t i = s->yield_count; i < m.yield_count; i++)
        free_yield(&m.yields[i]);
    m.yield_count = s->yield_count;
    for (size_t i = 0; i < m.yield_count; i++) {
        if (m.yields[i].state != s->yield_states[i]) {
            free(m.yields[i].payload);
            m.yields[i].payload = NULL;
            m.yields[i].payload_len = 0;
            m.yields[i].state = s->yield_states[i];
        }
    }
    free(s->yield_states);
}

static void drop_snapshot(struct snapshot *s)
{
    for (size_t i = 0; i < s->storage_count; i++) {
        free(s->storage[i].account);
        free(s->storage[i].key.data);
        free(s->storage[i].value.data);
    }
    free(s->storage);
    free(s->yield_states);
}

bool mock_call(void (*method)(void), const void *args, size_t args_len)
{
    clear_call_outputs();
    free(m.input.data);
    m.input = dup_bytes(args, args_len);
    sdk_reset_context();
    struct snapshot snap;
    take_snapshot(&snap);
    m.in_call = true;
    bool ok;
    if (setjmp(m.unwind) == 0) {
        method();
        ok = true;
    } else {
        ok = false;
    }
    m.in_call = false;
    sdk_mem_release_all();
    if (ok) {
        drop_snapshot(&snap);
    } else {
        restore_snapshot(&snap);
        /* A failed receipt creates no promises and returns nothing. */
        free(m.ret.data);
        m.ret.data = NULL;
        m.ret.len = 0;
        m.has_ret = false;
    }
    return ok;
}

bool mock_call_json(void (*method)(void), const char *args_json)
{
    return mock_call(method, args_json, strlen(args_json));
}

const char *mock_panic_message(void) { return m.panic; }
bool mock_has_return(void) { return m.has_ret; }

const uint8_t *mock_return_value(size_t *len)
{
    *len = m.ret.len;
    return m.ret.data;
}

const char *mock_return_text(void) { return m.has_ret ? (const char *)m.ret.data : NULL; }

size_t mock_log_count(void) { return m.log_count; }
const char *mock_log(size_t index) { return index < m.log_count ? m.logs[index] : NULL; }
size_t mock_promise_count(void) { return m.promise_count; }
const struct mock_promise *mock_promise(size_t index) { return index < m.promise_count ? &m.promises[index] : NULL; }
int64_t mock_promise_returned(void) { return m.returned; }
size_t mock_yield_count(void) { return m.yield_count; }
struct mock_yield *mock_yield(size_t index) { return index < m.yield_count ? &m.yields[index] : NULL; }

void mock_yield_timeout(size_t index)
{
    if (index < m.yield_count && m.yields[index].state == MOCK_YIELD_WAITING)
        m.yields[index].state = MOCK_YIELD_DONE;
}

const uint8_t *mock_storage_get(const void *key, size_t key_len, size_t *len)
{
    struct kv *e = find_kv(key, key_len);
    if (e == NULL) {
        *len = 0;
        return NULL;
    }
    *len = e->value.len;
    return e->value.data;
}

void mock_storage_put(const void *key, size_t key_len, const void *value, size_t value_len)
{
    env_storage_write(key_len, (uint64_t)(uintptr_t)key, value_len, (uint64_t)(uintptr_t)value, UINT64_MAX - 5);
    clear_registers();
}

size_t mock_storage_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < m.storage_count; i++)
        n += strcmp(m.storage[i].account, m.current) == 0;
    return n;
}
