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
#include "tee/tee.h"

/* owner calls method(args) on receiver and waits for it to succeed. */
static int owner_call(near_rpc *rpc, const near_credentials *owner, const char *receiver, const char *method,
                      const char *args, uint64_t tgas, char *err, size_t errlen)
{
    near_outcome o;
    near_status st =
        dc_call(rpc, owner, receiver, method, args, tgas * DC_TGAS, 0, NEAR_WAIT_FINAL, &o, NULL, err, errlen);
    if (st != NEAR_OK)
        return -1;
    int ok = o.kind == NEAR_OUTCOME_SUCCESS;
    if (!ok)
        snprintf(err, errlen, "%s.%s: %s", receiver, method, o.failure_message);
    near_outcome_free(&o);
    return ok ? 0 : -1;
}

static char *json_text(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s;
}

int dev_tee_setup(near_rpc *rpc, const char *home, const char *contracts_dir, const char *bin_dir,
                  const near_credentials *owner, const near_credentials *reg, bool made_register, char *err,
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
    if (made_register) {
        char *root = tee_sim_root_hex(&sim);
        args = root ? json_text(json_pack("{s:s, s:s, s:s, s:s}", "owner_id", DEV_OWNER, "init_worker_account",
                                          DEV_OPERATOR, "receiver_id", DEV_CONTRACT, "root_ca_hex", root))
                    : NULL;
        free(root);
        snprintf(path, sizeof path, "%s/register.wasm", contracts_dir);
        if (!args || dc_deploy(rpc, reg, path, args, err, errlen))
            goto out;
        free(args);
        args = NULL;
    }
    /* Fresh collateral (valid 30 days) at every start: a home resumed a
     * month later still registers its workers. */
    char *coll = tee_sim_collateral(&sim, now);
    args = coll ? json_text(json_pack("{s:s}", "collateral", coll)) : NULL;
    free(coll);
    if (!args || owner_call(rpc, owner, DEV_REGISTER, "update_collateral", args, 150, err, errlen))
        goto out;
    free(args);
    /* The measurements of the worker binary the workers will run. */
    uint8_t exe[32], meas[5][48];
    snprintf(path, sizeof path, "%s/outlayer-worker", bin_dir);
    if (tee_file_sha256(path, exe)) {
        snprintf(err, errlen, "cannot read %s", path);
        args = NULL;
        goto out;
    }
    tee_sim_measurements(exe, meas);
    for (int i = 0; i < 5; i++)
        if (!(m[i] = tee_hex(meas[i], 48)))
            goto out;
    args = json_text(json_pack("{s:{s:s, s:s, s:s, s:s, s:s}}", "measurements", "mrtd", m[0], "rtmr0", m[1], "rtmr1",
                               m[2], "rtmr2", m[3], "rtmr3", m[4]));
    if (!args || owner_call(rpc, owner, DEV_REGISTER, "add_approved_measurements", args, 30, err, errlen))
        goto out;
    free(args);
    args = json_text(json_pack("{s:s}", "rtmr3", m[4]));
    if (!args || owner_call(rpc, owner, DEV_REGISTER, "add_approved_rtmr3", args, 30, err, errlen))
        goto out;
    /* Results come from registered keys of the register account. */
    if (owner_call(rpc, owner, DEV_CONTRACT, "set_operator", "{\"new_operator_id\":\"" DEV_REGISTER "\"}", 30, err,
                   errlen))
        goto out;
    rc = 0;
out:
    free(args);
    for (int i = 0; i < 5; i++)
        free(m[i]);
    tee_sim_free(&sim);
    return rc;
}
