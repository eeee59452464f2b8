/*
 * sdkshape.c — a contract laid out like a near-sdk-rs 5.x build, for the
 * devnet's fidelity tests (tests/devnet/test_devnet_sdk.c).
 *
 * What makes a Rust build different from our small C contracts, and what
 * this imitates (mk/devnet_node.mk links it with the same options):
 *   - a 1 MiB shadow stack placed first, so __data_end is above 1 MiB;
 *   - a heap that starts where memory ends: the first allocation of a call
 *     grows memory (NEAR starts contracts at 1024 pages), so every buffer —
 *     input, register copies, payloads — lives above 64 MiB;
 *   - many imports (the usual env::* set near-sdk links in).
 * The `_low` methods run the same code with a heap inside the data section,
 * so a test can check that gas does not depend on where buffers live.
 *
 * Methods (arguments are raw bytes, not JSON):
 *   request(args)     counts the request in storage, logs, yields to
 *                     on_resume with args, stores the data id under
 *                     "pending" and returns the yield (promise_return)
 *   resolve(payload)  resumes the pending yield with payload (data id read
 *                     from a register); panics "no pending request" when
 *                     the resume is refused; resolve_low: same, low heap
 *   on_resume()       returns the resume payload, or "timeout"
 *   call_then(acct)   calls acct.whoami, then on_ping on itself
 *   call_fail(acct)   calls acct.boom (which panics), then on_ping
 *   call_then_boom(acct) calls acct.whoami, then boom on itself (a failing
 *                     callback)
 *   on_ping()         returns "ok:<value>" or "failed"
 *   delete_to(acct)   deletes this account in favour of acct
 *   spawn(code)       creates child.<self>, deploys code there and calls
 *                     its whoami (a contract deployed by a contract)
 *   whoami()          returns the predecessor; boom() panics
 *   info()            view: "<requests>,<block>,<storage usage>"
 */
#include <stdint.h>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(input) void input(uint64_t r);
IMPORT(read_register) void read_register(uint64_t r, uint64_t ptr);
IMPORT(register_len) uint64_t register_len(uint64_t r);
IMPORT(write_register) void write_register(uint64_t r, uint64_t len, uint64_t ptr);
IMPORT(current_account_id) void current_account_id(uint64_t r);
IMPORT(predecessor_account_id) void predecessor_account_id(uint64_t r);
IMPORT(signer_account_id) void signer_account_id(uint64_t r);
IMPORT(block_index) uint64_t block_index(void);
IMPORT(block_timestamp) uint64_t block_timestamp(void);
IMPORT(epoch_height) uint64_t epoch_height(void);
IMPORT(storage_usage) uint64_t storage_usage(void);
IMPORT(account_balance) void account_balance(uint64_t ptr);
IMPORT(attached_deposit) void attached_deposit(uint64_t ptr);
IMPORT(prepaid_gas) uint64_t prepaid_gas(void);
IMPORT(used_gas) uint64_t used_gas(void);
IMPORT(random_seed) void random_seed(uint64_t r);
IMPORT(sha256) void sha256(uint64_t len, uint64_t ptr, uint64_t r);
IMPORT(keccak256) void keccak256(uint64_t len, uint64_t ptr, uint64_t r);
IMPORT(value_return) void value_return(uint64_t len, uint64_t ptr);
IMPORT(panic_utf8) void panic_utf8(uint64_t len, uint64_t ptr);
IMPORT(log_utf8) void log_utf8(uint64_t len, uint64_t ptr);
IMPORT(storage_write) uint64_t storage_write(uint64_t kl, uint64_t kp, uint64_t vl, uint64_t vp, uint64_t r);
IMPORT(storage_read) uint64_t storage_read(uint64_t kl, uint64_t kp, uint64_t r);
IMPORT(storage_remove) uint64_t storage_remove(uint64_t kl, uint64_t kp, uint64_t r);
IMPORT(storage_has_key) uint64_t storage_has_key(uint64_t kl, uint64_t kp);
IMPORT(promise_create)
uint64_t promise_create(uint64_t al, uint64_t ap, uint64_t ml, uint64_t mp, uint64_t gl, uint64_t gp, uint64_t amount,
                        uint64_t gas);
IMPORT(promise_then)
uint64_t promise_then(uint64_t idx, uint64_t al, uint64_t ap, uint64_t ml, uint64_t mp, uint64_t gl, uint64_t gp,
                      uint64_t amount, uint64_t gas);
IMPORT(promise_batch_create) uint64_t promise_batch_create(uint64_t al, uint64_t ap);
IMPORT(promise_batch_action_delete_account)
void promise_batch_action_delete_account(uint64_t idx, uint64_t bl, uint64_t bp);
IMPORT(promise_batch_action_create_account) void promise_batch_action_create_account(uint64_t idx);
IMPORT(promise_batch_action_transfer) void promise_batch_action_transfer(uint64_t idx, uint64_t amount_ptr);
IMPORT(promise_batch_action_deploy_contract)
void promise_batch_action_deploy_contract(uint64_t idx, uint64_t code_len, uint64_t code_ptr);
IMPORT(promise_batch_action_function_call)
void promise_batch_action_function_call(uint64_t idx, uint64_t ml, uint64_t mp, uint64_t al, uint64_t ap,
                                        uint64_t amount_ptr, uint64_t gas);
IMPORT(promise_results_count) uint64_t promise_results_count(void);
IMPORT(promise_result) uint64_t promise_result(uint64_t i, uint64_t r);
IMPORT(promise_return) void promise_return(uint64_t idx);
IMPORT(promise_yield_create)
uint64_t promise_yield_create(uint64_t ml, uint64_t mp, uint64_t gl, uint64_t gp, uint64_t gas, uint64_t weight,
                              uint64_t r);
IMPORT(promise_yield_resume) uint32_t promise_yield_resume(uint64_t il, uint64_t ip, uint64_t pl, uint64_t pp);

#define TGAS 1000000000000ull
#define REG 0
#define REG_ID 1

/* ---- the heap: a bump allocator over memory grown at the first use ---- */

static uint8_t low_heap[65536];
static uint8_t *heap_next, *heap_end;

static void heap_init(int high)
{
    if (high) {
        /* like Rust's allocator: new pages come from memory.grow, so the
         * first allocation of a call lands at 64 MiB */
        uintptr_t old_pages = (uintptr_t)__builtin_wasm_memory_grow(0, 16);
        heap_next = (uint8_t *)(old_pages * 65536);
        heap_end = heap_next + 16 * 65536;
    } else {
        heap_next = low_heap;
        heap_end = low_heap + sizeof low_heap;
    }
}

static uint64_t P(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

static void fail(const char *msg)
{
    uint64_t n = 0;
    while (msg[n])
        n++;
    panic_utf8(n, P(msg));
}

static uint8_t *alloc(uint64_t n)
{
    if (n > (uint64_t)(heap_end - heap_next))
        fail("out of heap");
    uint8_t *p = heap_next;
    heap_next += (n + 7) & ~7ull;
    return p;
}

/* A register's content copied onto the heap (as near-sdk's read_register does). */
static uint8_t *take_register(uint64_t r, uint64_t *len)
{
    *len = register_len(r);
    uint8_t *p = alloc(*len);
    read_register(r, P(p));
    return p;
}

static uint8_t *take_input(uint64_t *len)
{
    input(REG);
    return take_register(REG, len);
}

/* A string copied onto the heap, so that every argument lives there. */
static uint8_t *heap_str(const char *s, uint64_t *len)
{
    uint64_t n = 0;
    while (s[n])
        n++;
    uint8_t *p = alloc(n);
    for (uint64_t i = 0; i < n; i++)
        p[i] = (uint8_t)s[i];
    *len = n;
    return p;
}

static void log_str(const char *s)
{
    uint64_t n;
    uint8_t *p = heap_str(s, &n);
    log_utf8(n, P(p));
}

static uint64_t load_u64(const char *key)
{
    uint64_t kl;
    uint8_t *k = heap_str(key, &kl);
    if (!storage_read(kl, P(k), REG))
        return 0;
    uint64_t len, v = 0;
    uint8_t *b = take_register(REG, &len);
    for (uint64_t i = 0; i < len && i < 8; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static void store_u64(const char *key, uint64_t v)
{
    uint64_t kl;
    uint8_t *k = heap_str(key, &kl);
    uint8_t *b = alloc(8);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    storage_write(kl, P(k), 8, P(b), REG);
}

static uint64_t format_u64(uint64_t v, uint8_t *out)
{
    uint8_t tmp[20];
    uint64_t n = 0, k = 0;
    do {
        tmp[n++] = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out[k++] = tmp[--n];
    return k;
}

/* ---- methods ---- */

EXPORT(request) void request(void)
{
    heap_init(1);
    uint64_t alen, mlen, klen;
    uint8_t *args = take_input(&alen);
    store_u64("requests", load_u64("requests") + 1);
    log_str("request received");
    uint8_t *method = heap_str("on_resume", &mlen);
    uint64_t p = promise_yield_create(mlen, P(method), alen, P(args), 20 * TGAS, 0, REG_ID);
    uint64_t idlen;
    uint8_t *id = take_register(REG_ID, &idlen);
    uint8_t *key = heap_str("pending", &klen);
    storage_write(klen, P(key), idlen, P(id), REG);
    promise_return(p);
}

static void resolve_with(int high)
{
    heap_init(high);
    uint64_t plen, klen;
    uint8_t *payload = take_input(&plen);
    uint8_t *key = heap_str("pending", &klen);
    if (!storage_read(klen, P(key), REG_ID))
        fail("no pending request");
    /* the data id straight from its register; the payload from the heap */
    if (!promise_yield_resume(UINT64_MAX, REG_ID, plen, P(payload)))
        fail("no pending request");
    storage_remove(klen, P(key), REG);
    log_str("resolved");
}

EXPORT(resolve) void resolve(void) { resolve_with(1); }
EXPORT(resolve_low) void resolve_low(void) { resolve_with(0); }

EXPORT(on_resume) void on_resume(void)
{
    heap_init(1);
    if (promise_results_count() != 1)
        fail("on_resume expects one promise result");
    uint64_t len;
    if (promise_result(0, REG) == 1) {
        uint8_t *v = take_register(REG, &len);
        log_str("resumed");
        value_return(len, P(v));
    } else {
        log_str("timed out");
        uint8_t *v = heap_str("timeout", &len);
        value_return(len, P(v));
    }
}

static void call_and_callback(const char *remote_method, const char *callback)
{
    heap_init(1);
    uint64_t alen, mlen, slen, cblen;
    uint8_t *account = take_input(&alen);
    uint8_t *method = heap_str(remote_method, &mlen);
    uint8_t *amount = alloc(16);
    for (int i = 0; i < 16; i++)
        amount[i] = 0;
    uint64_t p = promise_create(alen, P(account), mlen, P(method), 0, 0, P(amount), 10 * TGAS);
    current_account_id(REG);
    uint8_t *self = take_register(REG, &slen);
    uint8_t *cb = heap_str(callback, &cblen);
    uint64_t t = promise_then(p, slen, P(self), cblen, P(cb), 0, 0, P(amount), 10 * TGAS);
    promise_return(t);
}

EXPORT(call_then) void call_then(void) { call_and_callback("whoami", "on_ping"); }
EXPORT(call_fail) void call_fail(void) { call_and_callback("boom", "on_ping"); }
EXPORT(call_then_boom) void call_then_boom(void) { call_and_callback("whoami", "boom"); }

EXPORT(on_ping) void on_ping(void)
{
    heap_init(1);
    uint64_t len;
    if (promise_result(0, REG) == 1) {
        uint8_t *v = take_register(REG, &len);
        uint8_t *out = alloc(len + 3);
        out[0] = 'o', out[1] = 'k', out[2] = ':';
        for (uint64_t i = 0; i < len; i++)
            out[3 + i] = v[i];
        value_return(len + 3, P(out));
    } else {
        uint8_t *v = heap_str("failed", &len);
        value_return(len, P(v));
    }
}

EXPORT(whoami) void whoami(void)
{
    heap_init(1);
    uint64_t len;
    predecessor_account_id(REG);
    uint8_t *v = take_register(REG, &len);
    value_return(len, P(v));
}

EXPORT(boom) void boom(void)
{
    heap_init(1);
    fail("boom");
}

/* Deletes this account in favour of the beneficiary in the input (the
 * tests only give an invalid one, which the chain must refuse). */
EXPORT(delete_to) void delete_to(void)
{
    heap_init(1);
    uint64_t blen, slen;
    uint8_t *beneficiary = take_input(&blen);
    current_account_id(REG);
    uint8_t *self = take_register(REG, &slen);
    uint64_t p = promise_batch_create(slen, P(self));
    promise_batch_action_delete_account(p, blen, P(beneficiary));
}

/* Creates "child.<self>" with 5 NEAR, deploys the code in the input there
 * and calls its whoami, all in one receipt; returns that call's value. */
EXPORT(spawn) void spawn(void)
{
    heap_init(1);
    uint64_t clen, slen, mlen;
    uint8_t *code = take_input(&clen);
    current_account_id(REG);
    uint8_t *self = take_register(REG, &slen);
    uint8_t *child = alloc(slen + 6);
    const char *prefix = "child.";
    for (int i = 0; i < 6; i++)
        child[i] = (uint8_t)prefix[i];
    for (uint64_t i = 0; i < slen; i++)
        child[6 + i] = self[i];
    uint8_t *amount = alloc(16);
    for (int i = 0; i < 16; i++)
        amount[i] = 0;
    /* 5 NEAR = 5 * 10^24 yocto = 0x0422ca8b0a00a425000000 */
    static const uint8_t five_near[11] = {0x00, 0x00, 0x00, 0x25, 0xa4, 0x00, 0x0a, 0x8b, 0xca, 0x22, 0x04};
    for (int i = 0; i < 11; i++)
        amount[i] = five_near[i];
    uint8_t *zero = alloc(16);
    for (int i = 0; i < 16; i++)
        zero[i] = 0;
    uint8_t *method = heap_str("whoami", &mlen);
    uint64_t p = promise_batch_create(slen + 6, P(child));
    promise_batch_action_create_account(p);
    promise_batch_action_transfer(p, P(amount));
    promise_batch_action_deploy_contract(p, clen, P(code));
    promise_batch_action_function_call(p, mlen, P(method), 0, 0, P(zero), 20 * TGAS);
    promise_return(p);
}

/* A view that touches the context getters a near-sdk build imports. */
EXPORT(info) void info(void)
{
    heap_init(1);
    uint8_t *out = alloc(64);
    uint64_t n = format_u64(load_u64("requests"), out);
    out[n++] = ',';
    n += format_u64(block_index(), out + n);
    out[n++] = ',';
    n += format_u64(storage_usage(), out + n);
    value_return(n, P(out));
}

/* Never called by the tests: keeps the rest of the usual imports linked. */
EXPORT(touch_imports) void touch_imports(void)
{
    heap_init(1);
    uint8_t *b = alloc(64);
    write_register(REG, 8, P(b));
    signer_account_id(REG);
    (void)block_timestamp();
    (void)epoch_height();
    account_balance(P(b));
    attached_deposit(P(b));
    (void)prepaid_gas();
    (void)used_gas();
    random_seed(REG);
    sha256(8, P(b), REG);
    keccak256(8, P(b), REG);
    (void)storage_has_key(8, P(b));
}
