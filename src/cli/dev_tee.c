/* dev_tee.c — see dev_tee.h. */
#include "cli/dev_tee.h"

#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/dev.h"
#include "cli/dev_chain.h"
#include "mem.h"
#include "tee/tee.h"
#include "dcap/verify.h" /* the register contract's verifier (contracts/register/dcap) */

static char *json_text(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

char *dev_tee_register_init(const char *home, char *err, size_t errlen)
{
    char dir[PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/tee", home);
    tee_sim sim;
    if (tee_sim_open(&sim, dir, (int64_t)time(NULL), NULL, err, errlen))
        return NULL;
    char *root = tee_sim_root_hex(&sim);
    tee_sim_free(&sim);
    char *args = root ? json_text(json_pack("{s:s, s:s, s:s, s:s}", "owner_id", DEV_OWNER, "init_worker_account",
                                            DEV_OPERATOR, "receiver_id", DEV_CONTRACT, "root_ca_hex", root))
                      : NULL;
    free(root);
    if (!args)
        snprintf(err, errlen, "out of memory");
    return args;
}

/* A view call's result as JSON, or NULL (no answer, not JSON). */
static json_t *view_json(near_rpc *rpc, const char *account, const char *method, const char *args)
{
    near_call_result r;
    near_rpc_error e = {0};
    json_t *j = NULL;
    if (near_view_function(rpc, account, method, args, &r, &e) == NEAR_OK) {
        j = json_loadb((const char *)r.result, r.result_len, JSON_DECODE_ANY, NULL);
        near_call_result_free(&r);
    }
    near_rpc_error_clear(&e);
    return j;
}

/* Whether the collateral on chain verifies against the platform's root and
 * stays valid for at least DEV_TEE_COLLATERAL_MIN_LEFT more seconds: the
 * same check the contract made when it was uploaded, done here natively. */
static bool collateral_in_place(near_rpc *rpc, const tee_sim *sim, int64_t now)
{
    json_t *c = view_json(rpc, DEV_REGISTER, "get_collateral", "{}");
    const char *text = json_string_value(c);
    uint8_t *root = NULL;
    size_t rlen = 0;
    bool ok = false;
    if (text && tee_sim_root_der(sim, &root, &rlen) == 0) {
        int64_t expires = 0;
        struct dcap_err e = {{0}};
        ok = dcap_verify_collateral((const uint8_t *)text, strlen(text), root, rlen, now, &expires, &e) &&
             expires - now >= DEV_TEE_COLLATERAL_MIN_LEFT;
        sdk_mem_release_all();
    }
    OPENSSL_free(root);
    json_decref(c);
    return ok;
}

static bool measurements_in_place(near_rpc *rpc, char *const m[5])
{
    static const char *const names[5] = {"mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"};
    json_t *list = view_json(rpc, DEV_REGISTER, "get_approved_measurements", "{}");
    bool found = false;
    size_t i;
    json_t *set;
    json_array_foreach(list, i, set)
    {
        bool all = true;
        for (int k = 0; k < 5 && all; k++) {
            const char *v = json_string_value(json_object_get(set, names[k]));
            all = v && strcmp(v, m[k]) == 0;
        }
        if (all) {
            found = true;
            break;
        }
    }
    json_decref(list);
    return found;
}

static bool rtmr3_in_place(near_rpc *rpc, const char *rtmr3)
{
    char *args = json_text(json_pack("{s:s}", "rtmr3", rtmr3));
    json_t *yes = args ? view_json(rpc, DEV_REGISTER, "is_rtmr3_approved", args) : NULL;
    free(args);
    bool ok = json_is_true(yes);
    json_decref(yes);
    return ok;
}

static bool operator_in_place(near_rpc *rpc)
{
    json_t *cfg = view_json(rpc, DEV_CONTRACT, "get_config", "{}"); /* [owner_id, operator_id] */
    const char *op = json_string_value(json_array_get(cfg, 1));
    bool ok = op && strcmp(op, DEV_REGISTER) == 0;
    json_decref(cfg);
    return ok;
}

static int add_call(near_transaction *tx, const char *method, const char *args, uint64_t tgas)
{
    return near_add_function_call(near_tx_actions(tx), method, (const uint8_t *)args, strlen(args), tgas * DC_TGAS, 0)
               ? -1
               : 0;
}

int dev_tee_setup(near_rpc *rpc, const char *home, const char *bin_dir, const near_credentials *owner, char *err,
                  size_t errlen)
{
    char dir[PATH_MAX + 8], path[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/tee", home);
    tee_sim sim;
    int64_t now = (int64_t)time(NULL);
    if (tee_sim_open(&sim, dir, now, NULL, err, errlen))
        return -1;
    int rc = -1;
    char *args = NULL, *m[5] = {0};
    /* The measurements of the worker binary the workers will run. */
    uint8_t exe[32], meas[5][48];
    snprintf(path, sizeof path, "%s/outlayer-worker", bin_dir);
    if (tee_file_sha256(path, exe)) {
        snprintf(err, errlen, "cannot read %s", path);
        goto out;
    }
    tee_sim_measurements(exe, meas);
    for (int i = 0; i < 5; i++)
        if (!(m[i] = tee_hex(meas[i], 48))) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
    /* What is already in place (views are cheap; a used home usually
     * needs no transaction at all). */
    bool need_coll = !collateral_in_place(rpc, &sim, now), need_meas = !measurements_in_place(rpc, m),
         need_rtmr3 = !rtmr3_in_place(rpc, m[4]), need_op = !operator_in_place(rpc);
    dev_trace("register contract checked: collateral %s, measurements %s, rtmr3 %s, operator %s",
              need_coll ? "to upload" : "valid", need_meas ? "to approve" : "approved",
              need_rtmr3 ? "to approve" : "approved", need_op ? "to set" : "set");
    if (!need_coll && !need_meas && !need_rtmr3 && !need_op) {
        rc = 0;
        goto out;
    }
    dc_batch b;
    dc_sent sent[2];
    size_t n_sent = 0;
    near_transaction tx;
    if (dc_batch_begin(rpc, owner, &b, err, errlen))
        goto out;
    if (need_coll || need_meas || need_rtmr3) {
        /* One transaction, one action per setting. */
        if (dc_batch_tx(&b, DEV_REGISTER, &tx, err, errlen))
            goto out;
        int bad = 0;
        if (need_coll) {
            /* Fresh collateral, valid 30 days: re-uploaded once less than
             * DEV_TEE_COLLATERAL_MIN_LEFT is left, so a home resumed a month
             * later still registers its workers. */
            char *coll = tee_sim_collateral(&sim, now);
            args = coll ? json_text(json_pack("{s:s}", "collateral", coll)) : NULL;
            free(coll);
            bad = !args || add_call(&tx, "update_collateral", args, 150);
            free(args);
        }
        if (!bad && need_meas) {
            args = json_text(json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1],
                                       "rtmr1", m[2], "rtmr2", m[3], "rtmr3", m[4]));
            bad = !args || add_call(&tx, "add_approved_measurements", args, 30);
            free(args);
        }
        if (!bad && need_rtmr3) {
            args = json_text(json_pack("{s:s}", "rtmr3", m[4]));
            bad = !args || add_call(&tx, "add_approved_rtmr3", args, 30);
            free(args);
        }
        args = NULL;
        if (bad) {
            near_transaction_free(&tx);
            snprintf(err, errlen, "cannot build the register contract's settings");
            goto out;
        }
        if (dc_batch_send(rpc, &b, &tx, DEV_REGISTER " settings", &sent[n_sent++], err, errlen))
            goto out;
    }
    if (need_op) {
        /* Results come from registered keys of the register account. */
        if (dc_batch_tx(&b, DEV_CONTRACT, &tx, err, errlen))
            goto out;
        if (add_call(&tx, "set_operator", "{\"new_operator_id\":\"" DEV_REGISTER "\"}", 30)) {
            near_transaction_free(&tx);
            snprintf(err, errlen, "cannot build set_operator");
            goto out;
        }
        if (dc_batch_send(rpc, &b, &tx, DEV_CONTRACT ".set_operator", &sent[n_sent++], err, errlen))
            goto out;
    }
    rc = dc_wait_all(rpc, sent, n_sent, err, errlen);
    dev_trace("register contract settings final");
out:
    free(args);
    for (int i = 0; i < 5; i++)
        free(m[i]);
    tee_sim_free(&sim);
    return rc;
}
