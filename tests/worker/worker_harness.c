/* worker_harness.c — see worker_harness.h. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/http_client.h"

#include "near/encoding.h"
#include "worker_harness.h"

int wh_start(wh_chain *c, int block_ms) { return wh_start_args(c, block_ms, NULL); }

int wh_start_args(wh_chain *c, int block_ms, const char *const *extra)
{
    memset(c, 0, sizeof *c);
    if (dn_start(&c->node, block_ms, extra))
        return -1;
    if (dn_create_account(&c->node, &c->node.test_root, WH_OUTLAYER, 50 * DN_NEAR, &c->outlayer) ||
        dn_create_account(&c->node, &c->node.test_root, WH_OPERATOR, 50 * DN_NEAR, &c->op) ||
        dn_create_account(&c->node, &c->node.test_root, WH_CALLER, 100 * DN_NEAR, &c->caller))
        return -1;
    if (dn_deploy(&c->node, &c->outlayer, "build/contracts/outlayer.wasm",
                  "{\"owner_id\":\"test.near\",\"operator_id\":\"" WH_OPERATOR "\"}"))
        return -1;
    near_call_result r;
    near_rpc_error err = {0};
    if (near_view_function(c->node.rpc, WH_OUTLAYER, "get_pricing", "{}", &r, &err) != NEAR_OK) {
        fprintf(stderr, "get_pricing: %s\n", err.message);
        near_rpc_error_clear(&err);
        return -1;
    }
    json_t *p = json_loadb((const char *)r.result, r.result_len, 0, NULL);
    near_call_result_free(&r);
    int bad = !json_is_array(p) || near_u128_parse(json_string_value(json_array_get(p, 0)), &c->base_fee) ||
              near_u128_parse(json_string_value(json_array_get(p, 1)), &c->per_million) ||
              near_u128_parse(json_string_value(json_array_get(p, 2)), &c->per_ms) ||
              near_u128_parse(json_string_value(json_array_get(p, 3)), &c->per_compile_ms);
    json_decref(p);
    return bad ? -1 : 0;
}

int wh_request_execution(wh_chain *c, const char *code_source, const char *limits, const char *input,
                         const char *format, wh_request *out)
{
    return wh_request_execution_ex(c, code_source, limits, input, format, NULL, out);
}

int wh_request_execution_ex(wh_chain *c, const char *code_source, const char *limits, const char *input,
                            const char *format, const char *extra_args, wh_request *out)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *cs = json_loads(code_source, 0, &je);
    json_t *args = json_pack("{s:o, s:s, s:s}", "code_source", cs, "input_data", input, "response_format", format);
    if (limits)
        json_object_set_new(args, "resource_limits", json_loads(limits, 0, &je));
    if (extra_args) {
        json_t *extra = json_loads(extra_args, 0, &je);
        if (!json_is_object(extra))
            fprintf(stderr, "request_execution: bad extra arguments %s\n", extra_args);
        json_object_update(args, extra);
        json_decref(extra);
    }
    char *text = json_dumps(args, JSON_COMPACT);
    json_decref(args);
    out->deposit = DN_NEAR / 10;
    out->balance_before = dn_balance(&c->node, WH_CALLER);
    out->height_before = dn_height(&c->node);
    near_outcome o;
    near_rpc_error err = {0};
    near_status st = dn_call(&c->node, &c->caller, WH_OUTLAYER, "request_execution", text, out->deposit,
                             NEAR_WAIT_INCLUDED, &o, &err, out->tx_hash);
    free(text);
    if (st != NEAR_OK)
        fprintf(stderr, "request_execution: %s %s\n", near_status_name(st), err.message);
    else
        near_outcome_free(&o);
    near_rpc_error_clear(&err);
    return st == NEAR_OK ? 0 : -1;
}

int wh_final(wh_chain *c, const wh_request *rq, int timeout_ms, near_outcome *o)
{
    for (int waited = 0; waited <= timeout_ms; waited += 200) {
        near_rpc_error err = {0};
        near_status st = near_rpc_tx_status(c->node.rpc, rq->tx_hash, WH_CALLER, NEAR_WAIT_NONE, 1, o, &err);
        near_rpc_error_clear(&err);
        if (st == NEAR_OK) {
            if (o->kind == NEAR_OUTCOME_SUCCESS || o->kind == NEAR_OUTCOME_FAILURE) {
                /* the callback has run once the completed event is there */
                json_t *ev = wh_completed_event(o);
                if (ev || o->kind == NEAR_OUTCOME_FAILURE) {
                    json_decref(ev);
                    /* The refund travels in a receipt of its own: wait for
                     * the whole tree to be final. */
                    near_outcome_free(o);
                    for (int i = 0; i < 20; i++) {
                        st = near_rpc_tx_status(c->node.rpc, rq->tx_hash, WH_CALLER, NEAR_WAIT_FINAL, 1, o, &err);
                        near_rpc_error_clear(&err);
                        if (st == NEAR_OK)
                            return 0;
                    }
                    return -1;
                }
            }
            near_outcome_free(o);
        }
        usleep(200 * 1000);
    }
    return -1;
}

json_t *wh_completed_event(const near_outcome *o)
{
    for (size_t i = 0; i < o->n_logs; i++) {
        const char *p = strstr(o->logs[i], "EVENT_JSON:");
        if (!p)
            continue;
        json_t *ev = json_loads(p + 11, 0, NULL);
        const char *name = json_string_value(json_object_get(ev, "event"));
        if (name && strcmp(name, "execution_completed") == 0)
            return ev;
        json_decref(ev);
    }
    return NULL;
}

static near_u128 burnt(json_t *outcome_with_id)
{
    near_u128 v = 0;
    const char *s = json_string_value(json_object_get(json_object_get(outcome_with_id, "outcome"), "tokens_burnt"));
    if (s && near_u128_parse(s, &v) != NEAR_OK)
        v = 0; /* not a number: counts as nothing burnt */
    return v;
}

int wh_check_refund(wh_chain *c, const wh_request *rq, const near_outcome *o)
{
    json_t *ev = wh_completed_event(o);
    if (!ev) {
        fprintf(stderr, "refund: no execution_completed event\n");
        return -1;
    }
    json_t *d = json_array_get(json_object_get(ev, "data"), 0);
    near_u128 charged = 0, refunded = 0;
    if (near_u128_parse(json_string_value(json_object_get(d, "payment_charged")), &charged) != NEAR_OK ||
        near_u128_parse(json_string_value(json_object_get(d, "payment_refunded")), &refunded) != NEAR_OK) {
        fprintf(stderr, "refund: payment_charged / payment_refunded are not amounts\n");
        return -1;
    }
    bool success = json_is_true(json_object_get(d, "success"));
    json_t *used = json_object_get(d, "resources_used");
    near_u128 want = c->base_fee;
    if (success)
        want += (near_u128)(json_integer_value(json_object_get(used, "instructions")) / 1000000) * c->per_million +
                (near_u128)json_integer_value(json_object_get(used, "time_ms")) * c->per_ms +
                (near_u128)json_integer_value(json_object_get(used, "compile_time_ms")) * c->per_compile_ms;
    if (want > rq->deposit)
        want = rq->deposit;
    json_decref(ev);
    int bad = 0;
    char a[NEAR_U128_DEC_MAX], b[NEAR_U128_DEC_MAX];
    if (charged != want || charged + refunded != rq->deposit) {
        fprintf(stderr, "refund: charged %s, expected %s\n", near_u128_format(charged, a), near_u128_format(want, b));
        bad = 1;
    }
    near_u128 gas = burnt(json_object_get(o->raw, "transaction_outcome"));
    size_t i;
    json_t *ro;
    json_array_foreach(json_object_get(o->raw, "receipts_outcome"), i, ro) gas += burnt(ro);
    near_u128 after = dn_balance(&c->node, WH_CALLER);
    if (rq->balance_before - after != charged + gas) {
        fprintf(stderr, "refund: the caller paid %s, expected %s (charge + gas)\n",
                near_u128_format(rq->balance_before - after, a), near_u128_format(charged + gas, b));
        bad = 1;
    }
    return bad ? -1 : 0;
}

int wh_write_key_file(const wh_chain *c, const char *path)
{
    char pk[NEAR_KEY_TEXT_MAX], sk[NEAR_KEY_TEXT_MAX];
    near_public_key_format(&c->op.keypair.public_key, pk);
    near_keypair_format_secret(&c->op.keypair, sk);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "{\"account_id\":\"%s\",\"public_key\":\"%s\",\"private_key\":\"%s\"}\n", WH_OPERATOR, pk, sk);
    return fclose(f);
}

int wh_free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

pid_t wh_spawn(char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int wh_stop(pid_t pid, int sig)
{
    if (pid <= 0)
        return 0;
    kill(pid, sig);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

int wh_coordinator_token(const char *coord_bin, const char *data_dir, char *out)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && %s --data-dir %s token add worker 2>/dev/null", data_dir, coord_bin,
             data_dir);
    FILE *p = popen(cmd, "r");
    out[0] = 0;
    if (!p || !fgets(out, 128, p))
        out[0] = 0;
    if (p)
        pclose(p);
    out[strcspn(out, "\n")] = 0;
    return out[0] ? 0 : -1;
}

int wh_wait_http(const char *url, int timeout_ms)
{
    for (int waited = 0; waited <= timeout_ms; waited += 100) {
        hc_options o = {.timeout_ms = 1000};
        hc_response r = {0};
        char err[200];
        int ok = hc_request("GET", url, NULL, NULL, 0, &o, &r, err, sizeof err) == 0 && r.status == 200;
        hc_response_free(&r);
        if (ok)
            return 0;
        usleep(100 * 1000);
    }
    return -1;
}

int wh_coordinator_start(wh_coordinator *c, const char *bin, const char *dir, const char *const *extra)
{
    snprintf(c->data, sizeof c->data, "%s/coord", dir);
    snprintf(c->log, sizeof c->log, "%s/coordinator.log", dir);
    if (!c->token[0] && wh_coordinator_token(bin, c->data, c->token)) {
        fprintf(stderr, "could not create a worker token with %s token add\n", bin);
        return -1;
    }
    if (!c->port)
        c->port = wh_free_port();
    snprintf(c->url, sizeof c->url, "http://127.0.0.1:%d", c->port);
    char port[16];
    snprintf(port, sizeof port, "%d", c->port);
    char *argv[48] = {(char *)bin, "--host", "127.0.0.1", "--port", port, "--data-dir", c->data};
    size_t n = 0;
    while (argv[n])
        n++;
    for (size_t i = 0; extra && extra[i]; i++) {
        if (n + 1 >= sizeof argv / sizeof argv[0]) {
            fprintf(stderr, "wh_coordinator_start: too many arguments\n");
            return -1;
        }
        argv[n++] = (char *)extra[i];
    }
    c->pid = wh_spawn(argv, c->log);
    char health[96];
    snprintf(health, sizeof health, "%s/health", c->url);
    if (wh_wait_http(health, 15000)) {
        fprintf(stderr, "the coordinator did not answer on %s; see %s\n", health, c->log);
        return -1;
    }
    return 0;
}

pid_t wh_worker_spawn(const wh_worker_spec *w)
{
    char feed[160];
    snprintf(feed, sizeof feed, "%s/v0", w->chain->node.url);
    char *argv[96] = {(char *)w->bin,
                      "--api-token",
                      (char *)w->coordinator->token,
                      "--contract-id",
                      WH_OUTLAYER,
                      "--key-file",
                      (char *)w->key_file,
                      "--rpc-url",
                      (char *)w->chain->node.url,
                      "--coordinator-url",
                      (char *)w->coordinator->url,
                      "--monitor",
                      "true",
                      "--feed-url",
                      feed,
                      "--cursor-file",
                      (char *)w->cursor_file,
                      "--poll-timeout",
                      "2",
                      "--heartbeat",
                      "500ms",
                      "--worker-id",
                      (char *)w->worker_id};
    size_t n = 0;
    while (argv[n])
        n++;
    for (size_t i = 0; w->extra && w->extra[i]; i++) {
        if (n + 1 >= sizeof argv / sizeof argv[0]) {
            fprintf(stderr, "wh_worker_spawn: too many arguments\n");
            return -1;
        }
        argv[n++] = (char *)w->extra[i];
    }
    return wh_spawn(argv, w->log);
}
