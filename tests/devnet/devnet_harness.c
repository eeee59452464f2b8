/*
 * devnet_harness.c — see devnet_harness.h.
 */
#include "devnet_harness.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "near/encoding.h"
#include "near/keys.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int spawn(dn_node *n, int block_ms, const char *const *extra, bool reset)
{
    const char *bin = getenv("DEVNET_BIN") ? getenv("DEVNET_BIN") : "build/bin/outlayer-devnet";
    char port[16], ms[16], log[320];
    snprintf(port, sizeof port, "%d", n->port);
    snprintf(ms, sizeof ms, "%d", block_ms);
    snprintf(log, sizeof log, "%s.log", n->home);
    const char *argv[32] = {bin, "--home", n->home, "--port", port, "--block-ms", ms, "--quiet"};
    int argc = 8;
    if (reset)
        argv[argc++] = "--reset";
    for (size_t i = 0; extra && extra[i] && argc < 30; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    n->pid = pid;
    if (n->port == 0) {
        /* --port 0: the devnet picks a free port and prints it. */
        for (int i = 0; i < 5000 && n->port == 0; i++) {
            size_t len = 0;
            char *text = (char *)dn_read_file(log, &len);
            const char *p = text ? strstr(text, "listening on http://127.0.0.1:") : NULL;
            if (p)
                n->port = atoi(p + strlen("listening on http://127.0.0.1:"));
            free(text);
            int status;
            if (n->port == 0 && waitpid(pid, &status, WNOHANG) == pid) {
                fprintf(stderr, "devnet exited early; see %s\n", log);
                n->pid = 0;
                return -1;
            }
            if (n->port == 0)
                sleep_ms(2);
        }
        if (n->port <= 0)
            return -1;
        snprintf(n->url, sizeof n->url, "http://127.0.0.1:%d", n->port);
        n->rpc = near_rpc_new(n->url);
        if (!n->rpc)
            return -1;
        near_rpc_set_retry(n->rpc, 1, 50);
        near_rpc_set_timeout(n->rpc, 30000);
    }
    /* Wait for the RPC. */
    for (int i = 0; i < 5000; i++) {
        near_node_status st;
        near_rpc_error err = {0};
        if (near_rpc_status(n->rpc, &st, &err) == NEAR_OK) {
            near_node_status_free(&st);
            return 0;
        }
        near_rpc_error_clear(&err);
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "devnet exited early; see %s\n", log);
            n->pid = 0;
            return -1;
        }
        sleep_ms(2);
    }
    return -1;
}

int dn_start(dn_node *n, int block_ms, const char *const *extra)
{
    memset(n, 0, sizeof *n);
    if (near_keys_init() != NEAR_OK || near_rpc_global_init() != NEAR_OK)
        return -1;
    snprintf(n->home, sizeof n->home, "/tmp/outlayer-devnet-test-XXXXXX");
    if (!mkdtemp(n->home))
        return -1;
    n->port = 0; /* the devnet picks a free port: no race with other tests */
    if (spawn(n, block_ms, extra, true))
        return -1;
    char dir[300], err[256];
    snprintf(dir, sizeof dir, "%s/credentials", n->home);
    if (near_credentials_read(dir, "localnet", "near", &n->near_root, err, sizeof err) ||
        near_credentials_read(dir, "localnet", "test.near", &n->test_root, err, sizeof err)) {
        fprintf(stderr, "credentials: %s\n", err);
        return -1;
    }
    return 0;
}

int dn_restart(dn_node *n, int block_ms, const char *const *extra) { return spawn(n, block_ms, extra, false); }

int dn_stop(dn_node *n, bool keep_home)
{
    int reports = 0;
    if (n->pid > 0) {
        kill(n->pid, SIGTERM);
        int status;
        waitpid(n->pid, &status, 0);
        n->pid = 0;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "devnet did not exit cleanly (status %d)\n", status);
            reports++;
        }
    }
    /* Sanitizer builds report into the log: surface them as failures. */
    char log[320];
    snprintf(log, sizeof log, "%s.log", n->home);
    size_t len = 0;
    char *text = (char *)dn_read_file(log, &len);
    if (text && (strstr(text, "ERROR: AddressSanitizer") || strstr(text, "ERROR: LeakSanitizer") ||
                 strstr(text, "runtime error:"))) {
        fprintf(stderr, "sanitizer report from the devnet:\n%s\n", text);
        reports++;
    }
    /* The devnet logs internal failures (SQLite, a receipt it could not run)
     * as "error devnet:" lines; no test expects one. */
    if (text && strstr(text, " error devnet: ")) {
        fprintf(stderr, "the devnet logged an internal error:\n%s\n", text);
        reports++;
    }
    free(text);
    if (!keep_home) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s.log'", n->home, n->home);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", n->home);
        if (n->rpc)
            near_rpc_free(n->rpc);
        n->rpc = NULL;
    }
    return reports;
}

int dn_tx_begin(dn_node *n, const char *signer, const near_keypair *kp, const char *receiver, near_transaction *tx)
{
    near_access_key_view ak;
    near_rpc_error err = {0};
    if (near_rpc_view_access_key(n->rpc, signer, &kp->public_key, NEAR_FINAL, &ak, &err) != NEAR_OK) {
        fprintf(stderr, "view_access_key %s: %s\n", signer, err.message);
        near_rpc_error_clear(&err);
        return -1;
    }
    uint64_t nonce = ak.key.nonce + 1;
    near_access_key_view_free(&ak);
    near_block b;
    if (near_rpc_block(n->rpc, NEAR_FINAL, &b, &err) != NEAR_OK) {
        near_rpc_error_clear(&err);
        return -1;
    }
    int rc = near_transaction_init(tx, signer, &kp->public_key, nonce, receiver, b.hash);
    near_block_free(&b);
    return rc;
}

uint8_t *dn_tx_sign(near_transaction *tx, const near_keypair *kp, size_t *len, char *hash_out)
{
    near_signed_transaction stx;
    uint8_t hash[32];
    if (near_transaction_sign(tx, kp, &stx, hash)) {
        near_transaction_free(tx);
        return NULL;
    }
    if (hash_out)
        near_base58_encode(hash, 32, hash_out, 64);
    uint8_t *bytes = near_signed_transaction_to_bytes(&stx, len);
    near_signed_transaction_free(&stx);
    return bytes;
}

near_status dn_tx_send(dn_node *n, near_transaction *tx, const near_keypair *kp, near_wait_until wait,
                       near_outcome *out, near_rpc_error *err, char *hash_out)
{
    size_t len = 0;
    uint8_t *bytes = dn_tx_sign(tx, kp, &len, hash_out);
    if (!bytes)
        return NEAR_ERR_ARG;
    near_status st = near_rpc_send_tx(n->rpc, bytes, len, wait, out, err);
    free(bytes);
    return st;
}

/* 0 when a transaction sent with NEAR_WAIT_FINAL succeeded; otherwise -1
 * with a message naming what (`what` `id`) failed. Frees *o and *err. */
static int final_success(const char *what, const char *id, near_status st, near_outcome *o, near_rpc_error *err)
{
    int rc = st == NEAR_OK && o->kind == NEAR_OUTCOME_SUCCESS ? 0 : -1;
    if (rc)
        fprintf(stderr, "%s %s: %s %s\n", what, id, near_status_name(st),
                st == NEAR_OK ? o->failure_message : err->message);
    if (st == NEAR_OK)
        near_outcome_free(o);
    near_rpc_error_clear(err);
    return rc;
}

int dn_create_account(dn_node *n, const near_credentials *creator, const char *id, near_u128 amount,
                      near_credentials *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->account_id, sizeof out->account_id, "%s", id);
    if (near_keypair_generate(&out->keypair))
        return -1;
    near_transaction tx;
    if (dn_tx_begin(n, creator->account_id, &creator->keypair, id, &tx))
        return -1;
    near_action_list l = near_tx_actions(&tx);
    if (near_add_create_account(l) || near_add_transfer(l, amount) ||
        near_add_full_access_key(l, &out->keypair.public_key, 0)) {
        near_transaction_free(&tx);
        return -1;
    }
    near_outcome o;
    near_rpc_error err = {0};
    near_status st = dn_tx_send(n, &tx, &creator->keypair, NEAR_WAIT_FINAL, &o, &err, NULL);
    return final_success("create", id, st, &o, &err);
}

near_status dn_call(dn_node *n, const near_credentials *who, const char *receiver, const char *method, const char *args,
                    near_u128 deposit, near_wait_until wait, near_outcome *out, near_rpc_error *err, char *hash_out)
{
    near_transaction tx;
    if (dn_tx_begin(n, who->account_id, &who->keypair, receiver, &tx))
        return NEAR_ERR_ARG;
    if (near_add_function_call(near_tx_actions(&tx), method, (const uint8_t *)args, strlen(args), 300 * DN_TGAS,
                               deposit)) {
        near_transaction_free(&tx);
        return NEAR_ERR_ARG;
    }
    return dn_tx_send(n, &tx, &who->keypair, wait, out, err, hash_out);
}

int dn_deploy(dn_node *n, const near_credentials *who, const char *path, const char *init)
{
    size_t len = 0;
    uint8_t *code = dn_read_file(path, &len);
    if (!code) {
        fprintf(stderr, "deploy %s: cannot read %s\n", who->account_id, path);
        return -1;
    }
    near_transaction tx;
    if (dn_tx_begin(n, who->account_id, &who->keypair, who->account_id, &tx)) {
        free(code);
        return -1;
    }
    near_action_list l = near_tx_actions(&tx);
    int bad = near_add_deploy_contract(l, code, len);
    free(code);
    if (!bad && init)
        bad = near_add_function_call(l, "new", (const uint8_t *)init, strlen(init), 100 * DN_TGAS, 0);
    if (bad) {
        near_transaction_free(&tx);
        return -1;
    }
    near_outcome o;
    near_rpc_error err = {0};
    near_status st = dn_tx_send(n, &tx, &who->keypair, NEAR_WAIT_FINAL, &o, &err, NULL);
    return final_success("deploy", who->account_id, st, &o, &err);
}

int dn_finish(dn_node *n)
{
    int bad = dn_stop(n, true);
    bad += dn_check_supply(n) != 0;
    dn_stop(n, false);
    return bad;
}

near_u128 dn_balance(dn_node *n, const char *id)
{
    near_account_view v;
    near_rpc_error err = {0};
    if (near_rpc_view_account(n->rpc, id, NEAR_FINAL, &v, &err) != NEAR_OK) {
        near_rpc_error_clear(&err);
        return NEAR_U128_MAX;
    }
    return v.amount;
}

uint8_t *dn_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = (size_t)n;
    }
    return buf;
}

typedef struct growbuf {
    char *p;
    size_t n;
} growbuf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    growbuf *b = user;
    size_t k = size * nmemb;
    char *p = realloc(b->p, b->n + k + 1);
    if (!p)
        return 0;
    memcpy(p + b->n, data, k);
    b->p = p;
    b->n += k;
    p[b->n] = 0;
    return k;
}

/* One HTTP request: GET url, or POST json_body (as application/json) when
 * it is not NULL. Body malloc'd ("" when empty), NULL when no answer. */
static char *http_request(const char *url, const char *json_body, long *status)
{
    *status = 0;
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    growbuf b = {0};
    struct curl_slist *h = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (json_body) {
        h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, json_body);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.p);
        return NULL;
    }
    if (!b.p)
        b.p = strdup("");
    return b.p;
}

char *dn_http_get(dn_node *n, const char *path, long *status)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", n->url, path);
    return http_request(url, NULL, status);
}

int dn_check_supply(dn_node *n)
{
    char path[300];
    snprintf(path, sizeof path, "%s/devnet.db", n->home);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    near_u128 total = 0, burnt = 0;
    sqlite3_stmt *s = NULL, *burns = NULL;
    if (sqlite3_prepare_v2(db, "SELECT amount, locked FROM accounts", -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT gas_burnt FROM blocks", -1, &burns, NULL) != SQLITE_OK) {
        fprintf(stderr, "supply: cannot read %s: %s\n", path, sqlite3_errmsg(db));
        sqlite3_finalize(s);
        sqlite3_close(db);
        return -1;
    }
    while (sqlite3_step(s) == SQLITE_ROW)
        for (int col = 0; col < 2; col++) {
            const uint8_t *b = sqlite3_column_blob(s, col);
            near_u128 v = 0;
            for (int i = 0; i < 16 && i < sqlite3_column_bytes(s, col); i++)
                v |= (near_u128)b[i] << (8 * i);
            total += v;
        }
    sqlite3_finalize(s);
    while (sqlite3_step(burns) == SQLITE_ROW)
        burnt += (near_u128)(uint64_t)sqlite3_column_int64(burns, 0) * 100000000u;
    sqlite3_finalize(burns);
    sqlite3_close(db);
    near_u128 genesis = (near_u128)(1000000000u + 1000000u) * DN_NEAR;
    if (total + burnt == genesis)
        return 0;
    char a[48], b[48], g[48];
    fprintf(stderr, "supply: balances %s + burnt %s != genesis %s\n", near_u128_format(total, a),
            near_u128_format(burnt, b), near_u128_format(genesis, g));
    return -1;
}

char *dn_http_post(dn_node *n, const char *body, long *status) { return http_request(n->url, body, status); }

uint64_t dn_height(dn_node *n)
{
    near_node_status st;
    near_rpc_error err = {0};
    if (near_rpc_status(n->rpc, &st, &err) != NEAR_OK) {
        near_rpc_error_clear(&err);
        return 0;
    }
    uint64_t h = st.latest_block_height;
    near_node_status_free(&st);
    return h;
}

char *dn_feed_find_event(dn_node *n, const char *contract, const char *event, uint64_t from, int timeout_ms,
                         uint64_t *height)
{
    return dn_feed_find_event_tx(n, contract, event, from, timeout_ms, height, NULL);
}

char *dn_feed_find_event_tx(dn_node *n, const char *contract, const char *event, uint64_t from, int timeout_ms,
                            uint64_t *height, char *tx_hash)
{
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint64_t h = from;
    for (;;) {
        char path[64];
        long status = 0;
        snprintf(path, sizeof path, "/v0/block/%llu", (unsigned long long)h);
        char *body = dn_http_get(n, path, &status);
        if (body && status == 200) {
            json_t *j = json_loads(body, 0, NULL);
            json_t *shards = json_object_get(j, "shards");
            size_t i, k, l;
            json_t *shard, *item, *log;
            char *found = NULL;
            json_array_foreach(shards, i, shard)
            {
                json_array_foreach(json_object_get(shard, "receipt_execution_outcomes"), k, item)
                {
                    const char *recv =
                        json_string_value(json_object_get(json_object_get(item, "receipt"), "receiver_id"));
                    if (!recv || strcmp(recv, contract) != 0)
                        continue;
                    json_t *logs =
                        json_object_get(json_object_get(json_object_get(item, "execution_outcome"), "outcome"), "logs");
                    json_array_foreach(logs, l, log)
                    {
                        const char *s = json_string_value(log);
                        const char *p = s ? strstr(s, "EVENT_JSON:") : NULL;
                        if (!found && p && strstr(p, event)) {
                            found = strdup(p + 11);
                            const char *t = json_string_value(json_object_get(item, "tx_hash"));
                            if (tx_hash)
                                snprintf(tx_hash, 64, "%s", t ? t : "");
                        }
                    }
                }
            }
            json_decref(j);
            free(body);
            if (found) {
                *height = h;
                return found;
            }
            h++;
        } else {
            free(body);
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (elapsed > timeout_ms)
            return NULL;
    }
}
