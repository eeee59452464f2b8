/* dev_signer.c — see dev_signer.h. One MHD thread: calls are signed and sent
 * one at a time, so two calls never race for the same access-key nonce. */
#include "cli/dev_signer.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/dev.h"
#include "cli/dev_chain.h"
#include "near/encoding.h"

#define DEV_SIGNER_MAX_BODY (256 * 1024)
/* Enough for any deposit the dashboard attaches (storage, 0.1 NEAR requests). */
#define DEV_SIGNER_MAX_DEPOSIT (10 * DC_NEAR)
#define DEV_SIGNER_MAX_GAS (300 * DC_TGAS)

static struct MHD_Daemon *daemon_;
static near_credentials cred;
static bool cred_loaded;
static char key_path[1024];
static char rpc_url[256], origin_ip[64], origin_name[64], host_ip[32], host_name[32];
/* the origin of the request being answered (one of the two above) */
static const char *origin_ = "";

/* What the page may ask for: the OutLayer contract's user methods and the
 * example caller contract's game. */
static bool call_allowed(const char *receiver, const char *method)
{
    static const char *const CONTRACT_METHODS[] = {"request_execution", "store_secrets", "delete_secrets"};
    if (strcmp(receiver, DEV_CONTRACT) == 0) {
        for (size_t i = 0; i < sizeof CONTRACT_METHODS / sizeof *CONTRACT_METHODS; i++)
            if (strcmp(method, CONTRACT_METHODS[i]) == 0)
                return true;
        return false;
    }
    return strcmp(receiver, DEV_COINFLIP) == 0 && strcmp(method, "flip") == 0;
}

typedef struct {
    char *body;
    size_t len;
    bool too_large;
} req_state;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, json_t *j, bool cors)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (cors) {
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin_);
        MHD_add_response_header(r, "Vary", "Origin");
    }
    enum MHD_Result ok = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned code, bool cors, const char *msg)
{
    return reply(c, code, json_pack("{s:s}", "error", msg), cors);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static bool from_dashboard(struct MHD_Connection *c)
{
    const char *o = header(c, "Origin"), *h = header(c, "Host");
    if (!o || !h || (strcmp(h, host_ip) != 0 && strcmp(h, host_name) != 0))
        return false;
    if (strcmp(o, origin_ip) == 0)
        origin_ = origin_ip;
    else if (strcmp(o, origin_name) == 0)
        origin_ = origin_name;
    else
        return false;
    return true;
}

static const char *json_str(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static enum MHD_Result do_call(struct MHD_Connection *c, const char *body, size_t len)
{
    json_error_t je;
    json_t *in = json_loadb(body, len, 0, &je);
    if (!json_is_object(in)) {
        json_decref(in);
        return reply_error(c, 400, true, "the body must be a JSON object");
    }
    const char *receiver = json_str(in, "receiver_id"), *method = json_str(in, "method_name");
    const char *gas_s = json_str(in, "gas"), *dep_s = json_str(in, "deposit"), *wait_s = json_str(in, "wait");
    json_t *args = json_object_get(in, "args");
    char msg[600];
    near_u128 gas = 0, deposit = 0;
    enum MHD_Result rc;
    if (!receiver || !method || !json_is_object(args)) {
        rc =
            reply_error(c, 422, true, "fields 'receiver_id', 'method_name' (strings) and 'args' (object) are required");
    } else if (!call_allowed(receiver, method)) {
        snprintf(msg, sizeof msg,
                 "the development signer does not call %s.%s (only " DEV_CONTRACT
                 ".request_execution/store_secrets/delete_secrets and " DEV_COINFLIP ".flip)",
                 receiver, method);
        rc = reply_error(c, 403, true, msg);
    } else if ((gas_s && near_u128_parse(gas_s, &gas)) || (dep_s && near_u128_parse(dep_s, &deposit))) {
        rc = reply_error(c, 422, true, "'gas' and 'deposit' must be decimal strings");
    } else if (gas > DEV_SIGNER_MAX_GAS || deposit > DEV_SIGNER_MAX_DEPOSIT) {
        rc = reply_error(c, 422, true, "at most 300 TGas and 10 NEAR per call");
    } else {
        if (!gas_s)
            gas = DEV_SIGNER_MAX_GAS;
        near_wait_until wait =
            wait_s && strcmp(wait_s, "EXECUTED") == 0 ? NEAR_WAIT_EXECUTED_OPTIMISTIC : NEAR_WAIT_INCLUDED;
        char *args_text = json_dumps(args, JSON_COMPACT);
        near_rpc *rpc = near_rpc_new(rpc_url);
        near_outcome oc;
        memset(&oc, 0, sizeof oc);
        char hash[72] = "", err[512] = "";
        near_status st = rpc && args_text ? dc_call(rpc, &cred, receiver, method, args_text, (uint64_t)gas, deposit,
                                                    wait, &oc, hash, err, sizeof err)
                                          : NEAR_ERR_ARG;
        if (st != NEAR_OK && !hash[0]) {
            snprintf(msg, sizeof msg, "sending the transaction failed: %s", err[0] ? err : near_status_name(st));
            rc = reply_error(c, 502, true, msg);
        } else {
            json_t *out = json_pack("{s:s, s:s}", "transaction_hash", hash, "signer_id", cred.account_id);
            if (oc.kind == NEAR_OUTCOME_SUCCESS) {
                json_object_set_new(out, "status", json_string("success"));
                char *b64 = near_base64_encode(oc.value ? oc.value : (const uint8_t *)"", oc.value_len);
                json_object_set_new(out, "value", json_string(b64 ? b64 : ""));
                free(b64);
            } else if (oc.kind == NEAR_OUTCOME_FAILURE) {
                json_object_set_new(out, "status", json_string("failure"));
                json_object_set_new(out, "failure", json_string(oc.failure_message));
            } else {
                json_object_set_new(out, "status", json_string("pending"));
            }
            rc = reply(c, 200, out, true);
        }
        near_outcome_free(&oc);
        near_rpc_free(rpc);
        free(args_text);
    }
    json_decref(in);
    return rc;
}

/* The user's key, read when first needed: `outlayer dev` starts the signer
 * before the account exists. */
static bool load_key(char *err, size_t errlen)
{
    if (cred_loaded)
        return true;
    if (near_credentials_read_file(key_path, &cred, err, errlen))
        return false;
    cred_loaded = true;
    return true;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **ptr)
{
    (void)cls;
    (void)version;
    req_state *s = *ptr;
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return MHD_NO;
        *ptr = s;
        return MHD_YES;
    }
    if (*upload_len) {
        if (s->len + *upload_len > DEV_SIGNER_MAX_BODY)
            s->too_large = true;
        else {
            char *nb = realloc(s->body, s->len + *upload_len + 1);
            if (!nb)
                return MHD_NO;
            s->body = nb;
            memcpy(s->body + s->len, upload, *upload_len);
            s->len += *upload_len;
            s->body[s->len] = 0;
        }
        *upload_len = 0;
        return MHD_YES;
    }
    if (!from_dashboard(c))
        return reply_error(c, 403, false, "the development signer answers only the dashboard of this outlayer dev");
    if (strcmp(method, "OPTIONS") == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin_);
        MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST");
        MHD_add_response_header(r, "Access-Control-Allow-Headers", "content-type");
        MHD_add_response_header(r, "Vary", "Origin");
        enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_NO_CONTENT, r);
        MHD_destroy_response(r);
        return ok;
    }
    char kerr[256];
    if (!load_key(kerr, sizeof kerr))
        return reply_error(c, 503, true, "the development account is not ready yet");
    if (strcmp(url, "/account") == 0 && strcmp(method, "GET") == 0)
        return reply(c, 200, json_pack("{s:s, s:s}", "account_id", cred.account_id, "network", "localnet"), true);
    if (strcmp(url, "/call") != 0)
        return reply_error(c, 404, true, "routes: GET /account, POST /call");
    if (strcmp(method, "POST") != 0)
        return reply_error(c, 405, true, "POST /call");
    const char *ct = header(c, "Content-Type");
    if (!ct || strncmp(ct, "application/json", 16) != 0)
        return reply_error(c, 415, true, "Content-Type must be application/json");
    if (s->too_large)
        return reply_error(c, 413, true, "body over 256 KiB");
    return do_call(c, s->body ? s->body : "", s->len);
}

static void completed(void *cls, struct MHD_Connection *c, void **ptr, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    req_state *s = *ptr;
    if (s)
        free(s->body);
    free(s);
    *ptr = NULL;
}

int dev_signer_start(const char *key_file, const char *rpc, int dashboard_port)
{
    snprintf(key_path, sizeof key_path, "%s", key_file);
    cred_loaded = false;
    snprintf(rpc_url, sizeof rpc_url, "%s", rpc);
    snprintf(origin_ip, sizeof origin_ip, "http://127.0.0.1:%d", dashboard_port);
    snprintf(origin_name, sizeof origin_name, "http://localhost:%d", dashboard_port);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, serve, NULL,
                               MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_NOTIFY_COMPLETED, completed,
                               NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!daemon_)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    int port = info ? (int)info->port : 0;
    if (port <= 0) {
        dev_signer_stop();
        return -1;
    }
    snprintf(host_ip, sizeof host_ip, "127.0.0.1:%d", port);
    snprintf(host_name, sizeof host_name, "localhost:%d", port);
    return port;
}

void dev_signer_stop(void)
{
    if (daemon_)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
    sodium_memzero(&cred, sizeof cred);
    cred_loaded = false;
}
