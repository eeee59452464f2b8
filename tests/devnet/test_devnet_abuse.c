/*
 * test_devnet_abuse.c — one client must not stall the chain. Requests
 * whose ids are 200,000-character base58 strings (chunk, block id, tx hash,
 * view_access_key public key, legacy call data) are answered with an error
 * at once: base58 decoding is quadratic, so lengths are checked first.
 * Slow connections, a large contract's compile and a flood of 1.3 MB
 * requests (all decoded before the chain lock) do not stop the blocks or
 * other clients (docs/devnet.md, "Load the devnet holds").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <cmocka.h>

#include "devnet_harness.h"
#include "near/credentials.h"
#include "near/encoding.h"

static dn_node node;

static int setup(void **state)
{
    (void)state;
    return dn_start(&node, 20, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    return dn_finish(&node) ? -1 : 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_long_base58_params(void **state)
{
    (void)state;
    size_t n = 200000;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"[i % 58];
    big[n] = 0;
    static const char *const forms[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"chunk\",\"params\":{\"chunk_id\":\"%s\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"block\",\"params\":{\"block_id\":\"%s\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tx\",\"params\":{\"tx_hash\":\"%s\",\"sender_account_id\":\"near\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\",\"params\":{\"request_type\":\"view_access_key\","
        "\"finality\":\"final\",\"account_id\":\"near\",\"public_key\":\"ed25519:%s\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"query\",\"params\":[\"call/near/get/%s\",\"\"]}",
    };
    uint64_t h0 = dn_height(&node);
    double worst = 0;
    for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        char *body = malloc(n + 512);
        snprintf(body, n + 512, forms[f], big);
        long status = 0;
        double t0 = now_s();
        char *reply = dn_http_post(&node, body, &status);
        double dt = now_s() - t0;
        worst = dt > worst ? dt : worst;
        assert_non_null(reply);
        if (!strstr(reply, "\"error\""))
            fprintf(stderr, "form %zu: %.300s\n", f, reply);
        assert_non_null(strstr(reply, "\"error\""));
        free(reply);
        free(body);
    }
    fprintf(stderr, "slowest answer to a 200,000-character id: %.3f s\n", worst);
    /* generous: each took 15-30 s before the length checks */
    assert_true(worst < 3.0);
    /* blocks went on meanwhile */
    assert_true(dn_height(&node) > h0);
    free(big);
}

/* 300 slow connections from one address (127.0.0.2, each sending half a
 * request line and then nothing) do not lock out a client at another
 * address: the devnet takes at most 128 per address and refuses the rest. */
static void test_slow_connections_from_one_address(void **state)
{
    (void)state;
    enum { N = 300 };
    int fds[N], opened = 0;
    for (int i = 0; i < N; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = inet_addr("127.0.0.2");
        struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)node.port)};
        dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) || connect(fd, (struct sockaddr *)&dst, sizeof dst)) {
            close(fd);
            fds[i] = -1;
            continue;
        }
        (void)!write(fd, "POST / HT", 9);
        fds[i] = fd;
        opened++;
    }
    assert_true(opened > 128);
    /* an honest client is served at once */
    double t0 = now_s();
    long status = 0;
    char *reply = dn_http_post(&node, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":[]}", &status);
    double dt = now_s() - t0;
    assert_non_null(reply);
    assert_int_equal(status, 200);
    assert_non_null(strstr(reply, "\"chain_id\""));
    free(reply);
    fprintf(stderr, "status with %d slow connections open: %.3f s\n", opened, dt);
    assert_true(dt < 5.0);
    /* the connections over the per-address cap were closed by the devnet */
    sleep(1);
    int closed = 0;
    for (int i = 0; i < N; i++) {
        if (fds[i] < 0)
            continue;
        char b;
        struct timeval tv = {0, 1000};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ssize_t got = read(fds[i], &b, 1);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) /* closed or reset */
            closed++;
        close(fds[i]);
    }
    fprintf(stderr, "%d of %d slow connections refused\n", closed, opened);
    assert_true(closed >= opened - 128);
}

/* ---- a large contract compiles without stopping the chain ---- */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put_u8(buf *b, uint8_t v) { put(b, &v, 1); }

static void put_uleb(buf *b, uint64_t v)
{
    do {
        uint8_t x = v & 0x7f;
        v >>= 7;
        put_u8(b, x | (v ? 0x80 : 0));
    } while (v);
}

static void section(buf *out, uint8_t id, buf *content)
{
    put_u8(out, id);
    put_uleb(out, content->n);
    put(out, content->p, content->n);
    content->n = 0;
}

/* nfuncs functions of ~body_bytes each (i32.const 0; drop; ...), the first
 * exported as "noop". */
static uint8_t *big_contract(size_t nfuncs, size_t body_bytes, size_t *len)
{
    buf m = {0}, c = {0}, body = {0};
    put(&m, "\0asm\1\0\0\0", 8);
    put(&c, "\x01\x60\x00\x00", 4);
    section(&m, 1, &c);
    put_uleb(&c, nfuncs);
    for (size_t i = 0; i < nfuncs; i++)
        put_u8(&c, 0);
    section(&m, 3, &c);
    put(&c, "\x01\x04noop\x00\x00", 8);
    section(&m, 7, &c);
    put_uleb(&c, nfuncs);
    for (size_t i = 0; i < nfuncs; i++) {
        body.n = 0;
        put_u8(&body, 0); /* no locals */
        for (size_t k = 0; k + 3 <= body_bytes; k += 3)
            put(&body, "\x41\x00\x1a", 3);
        put_u8(&body, 0x0b);
        put_uleb(&c, body.n);
        put(&c, body.p, body.n);
    }
    section(&m, 10, &c);
    free(c.p);
    free(body.p);
    *len = m.n;
    return m.p;
}

typedef struct poller {
    atomic_bool stop; /* written by the test thread, read by the workers */
    double worst;
    uint64_t heights_seen;
} poller;

/* Asks for the status (which takes the chain lock) over and over. */
static void *poll_status(void *arg)
{
    poller *p = arg;
    uint64_t last = 0;
    while (!p->stop) {
        double t0 = now_s();
        long status = 0;
        char *r = dn_http_post(&node, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":[]}", &status);
        double dt = now_s() - t0;
        if (dt > p->worst)
            p->worst = dt;
        const char *h = r ? strstr(r, "\"latest_block_height\":") : NULL;
        uint64_t height = h ? strtoull(h + 22, NULL, 10) : 0;
        if (height != last) {
            p->heights_seen++;
            last = height;
        }
        free(r);
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void test_large_contract_compiles_outside_the_lock(void **state)
{
    (void)state;
    near_credentials big;
    assert_int_equal(dn_create_account(&node, &node.test_root, "big.test.near", 20 * DN_NEAR, &big), 0);
    size_t len;
    uint8_t *code = big_contract(750, 1800, &len); /* about 1.35 MB, under the 1.5 MB transaction limit */
    poller p = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poll_status, &p), 0);
    double t0 = now_s();
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, "big.test.near", &big.keypair, "big.test.near", &tx), 0);
    assert_int_equal(near_add_deploy_contract(near_tx_actions(&tx), code, len), 0);
    assert_int_equal(near_add_function_call(near_tx_actions(&tx), "noop", (const uint8_t *)"", 0, 100 * DN_TGAS, 0),
                     NEAR_OK);
    near_outcome o;
    near_rpc_error err = {0};
    assert_int_equal(dn_tx_send(&node, &tx, &big.keypair, NEAR_WAIT_FINAL, &o, &err, NULL), NEAR_OK);
    double took = now_s() - t0;
    atomic_store(&p.stop, true);
    pthread_join(th, NULL);
    if (o.kind != NEAR_OUTCOME_SUCCESS)
        fprintf(stderr, "deploy + call: %s\n", o.failure_message);
    assert_int_equal(o.kind, NEAR_OUTCOME_SUCCESS);
    near_outcome_free(&o);
    free(code);
    fprintf(stderr,
            "deploy + first call of a %zu-byte contract: %.3f s; slowest status meanwhile %.3f s; %llu heights seen\n",
            len, took, p.worst, (unsigned long long)p.heights_seen);
    /* Blocks kept coming while the contract was compiled and deployed.
     * (The engine compiles this contract in about 30 ms, so the longest
     * status wait here is the chain handling a 1.35 MB transaction — its
     * JSON views and storage — not the compile; no bound is put on it.) */
    assert_true(p.heights_seen >= 2);
}

/* ---- large requests are parsed outside the chain lock ---- */

typedef struct flood {
    atomic_bool stop; /* written by the test thread, read by the workers */
    const char *bodies[3];
    unsigned long sent;
} flood;

/* Sends the big requests over and over, as fast as they are answered. */
static void *flood_loop(void *arg)
{
    flood *f = arg;
    for (unsigned long i = 0; !f->stop; i++) {
        long status = 0;
        free(dn_http_post(&node, f->bodies[i % 3], &status));
        __atomic_add_fetch(&f->sent, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static char *rpc_body(const char *method, const char *params_fmt, const char *arg)
{
    size_t n = strlen(params_fmt) + strlen(arg) + 128;
    char *params = malloc(n), *body = malloc(n);
    snprintf(params, n, params_fmt, arg);
    snprintf(body, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
    free(params);
    return body;
}

/* Two clients send 1.3 MB requests back to back (a signed transaction
 * whose 1.3 MB of arguments must be base64- and Borsh-decoded, hashed and
 * its signature checked; the same with a bad signature; a view call with
 * 1.3 MB of base64 arguments). Their decoding runs before the chain lock,
 * so blocks keep coming and a third client's status is answered quickly. */
static void test_large_requests_parse_outside_the_lock(void **state)
{
    (void)state;
    near_credentials bulk;
    assert_int_equal(dn_create_account(&node, &node.test_root, "bulk.test.near", 20 * DN_NEAR, &bulk), 0);
    size_t args_len = 1300000;
    uint8_t *args = malloc(args_len);
    for (size_t i = 0; i < args_len; i++)
        args[i] = (uint8_t)(i * 131u);
    near_transaction tx;
    assert_int_equal(dn_tx_begin(&node, "bulk.test.near", &bulk.keypair, "bulk.test.near", &tx), 0);
    assert_int_equal(near_add_function_call(near_tx_actions(&tx), "nothing", args, args_len, 10 * DN_TGAS, 0), 0);
    size_t len = 0;
    uint8_t *signed_tx = dn_tx_sign(&tx, &bulk.keypair, &len, NULL);
    assert_non_null(signed_tx);
    assert_true(len > 1300000);
    char *good64 = near_base64_encode(signed_tx, len);
    signed_tx[len / 2] ^= 1; /* another transaction (its arguments differ), its signature wrong */
    char *bad64 = near_base64_encode(signed_tx, len);
    char *args64 = near_base64_encode(args, args_len);
    flood f = {0};
    f.bodies[0] = rpc_body("broadcast_tx_async", "[\"%s\"]", good64);
    f.bodies[1] = rpc_body("broadcast_tx_async", "[\"%s\"]", bad64);
    f.bodies[2] = rpc_body("query",
                           "{\"request_type\":\"call_function\",\"finality\":\"final\",\"account_id\":"
                           "\"nobody.test.near\",\"method_name\":\"m\",\"args_base64\":\"%s\"}",
                           args64);
    /* The transaction runs to its end first (applying it is state work,
     * done under the lock): the flood then sends the same bytes again, which
     * are decoded and checked in full before the chain sees they are known. */
    char *commit = rpc_body("broadcast_tx_commit", "[\"%s\"]", good64);
    long commit_status = 0;
    char *done = dn_http_post(&node, commit, &commit_status);
    assert_non_null(done);
    if (!strstr(done, "\"receipts_outcome\""))
        fprintf(stderr, "commit: %.300s\n", done);
    assert_non_null(strstr(done, "\"receipts_outcome\""));
    free(done);
    free(commit);
    /* each answers as before: accepted, InvalidSignature, UNKNOWN_ACCOUNT */
    static const char *const expect[] = {"\"result\"", "InvalidSignature", "UNKNOWN_ACCOUNT"};
    for (int i = 0; i < 3; i++) {
        long status = 0;
        char *r = dn_http_post(&node, f.bodies[i], &status);
        assert_non_null(r);
        if (!strstr(r, expect[i]))
            fprintf(stderr, "request %d: %.300s\n", i, r);
        assert_non_null(strstr(r, expect[i]));
        free(r);
    }

    pthread_t th[2];
    uint64_t h0 = dn_height(&node);
    double t0 = now_s(), worst = 0, longest_gap = 0, last_change = t0;
    uint64_t last = h0;
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, flood_loop, &f), 0);
    int asked = 0;
    /* 5 s, and at least 6 big requests (an ASan build takes about a second
     * for each) */
    while ((now_s() - t0 < 5.0 || __atomic_load_n(&f.sent, __ATOMIC_RELAXED) < 6) && now_s() - t0 < 60.0) {
        double a = now_s();
        long status = 0;
        char *r = dn_http_post(&node, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\",\"params\":[]}", &status);
        double b = now_s();
        assert_non_null(r);
        assert_int_equal(status, 200);
        const char *h = strstr(r, "\"latest_block_height\":");
        assert_non_null(h);
        uint64_t height = strtoull(h + 22, NULL, 10);
        free(r);
        worst = b - a > worst ? b - a : worst;
        if (height != last) {
            longest_gap = b - last_change > longest_gap ? b - last_change : longest_gap;
            last = height;
            last_change = b;
        }
        asked++;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_store(&f.stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    double took = now_s() - t0;
    uint64_t blocks = dn_height(&node) - h0;
    fprintf(stderr,
            "%lu requests of 1.3 MB in %.1f s: %llu blocks (20 ms each: %.0f expected), longest time without a new "
            "block %.3f s, slowest of %d status answers %.3f s\n",
            f.sent, took, (unsigned long long)blocks, took / 0.020, longest_gap, asked, worst);
    assert_true(f.sent >= 6);
    /* Generous bounds: blocks come every 20 ms, and a status needs the lock
     * only for a moment. */
    assert_true(blocks >= (uint64_t)(took / 0.020 / 10));
    assert_true(longest_gap < 2.0);
    assert_true(worst < 2.0);
    for (int i = 0; i < 3; i++)
        free((void *)f.bodies[i]);
    free(good64);
    free(bad64);
    free(args64);
    free(signed_tx);
    free(args);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_base58_params),
        cmocka_unit_test(test_slow_connections_from_one_address),
        cmocka_unit_test(test_large_contract_compiles_outside_the_lock),
        cmocka_unit_test(test_large_requests_parse_outside_the_lock),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
