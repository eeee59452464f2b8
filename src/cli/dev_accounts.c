/* dev_accounts.c — see dev_accounts.h. */
#include "cli/dev_accounts.h"

#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/dev.h"
#include "cli/dev_chain.h"
#include "cli/dev_files.h"
#include "cli/dev_tee.h"

typedef enum { NO_CONTRACT, OUTLAYER, COINFLIP, REGISTER, FORWARDER } contract_kind;

typedef struct account {
    const char *id;
    near_u128 amount;
    contract_kind contract;
    const char *wasm; /* in contracts_dir */
} account;

static const account ACCOUNTS[] = {
    {DEV_OWNER, 100 * DC_NEAR, NO_CONTRACT, NULL},
    {DEV_OPERATOR, 100 * DC_NEAR, NO_CONTRACT, NULL},
    {DEV_USER, 1000 * DC_NEAR, NO_CONTRACT, NULL},
    {DEV_CONTRACT, 50 * DC_NEAR, OUTLAYER, "outlayer.wasm"},
    {DEV_COINFLIP, 20 * DC_NEAR, COINFLIP, "coinflip.wasm"},
    {DEV_REGISTER, 50 * DC_NEAR, REGISTER, "register.wasm"},
    {DEV_FORWARDER, 20 * DC_NEAR, FORWARDER, "forwarder.wasm"},
};
#define N_ACCOUNTS (sizeof ACCOUNTS / sizeof *ACCOUNTS)

/* The `new` arguments of a contract (to free), or NULL with err. */
static char *init_args(const dev_accounts_cfg *cfg, contract_kind k, char *err, size_t errlen)
{
    char *s = NULL;
    switch (k) {
    case OUTLAYER:
        /* The register contract is the operator from the start: results
         * come from the keys it admits (dev_tee.h). */
        s = strdup("{\"owner_id\":\"" DEV_OWNER "\",\"operator_id\":\"" DEV_REGISTER "\"}");
        break;
    case FORWARDER: s = strdup("{\"outlayer_id\":\"" DEV_CONTRACT "\"}"); break;
    case REGISTER: return dev_tee_register_init(cfg->home, err, errlen);
    case COINFLIP: {
        /* The flip program goes to the file server under its SHA-256. */
        char prog[PATH_MAX + 64], wasm_dir[PATH_MAX + 16], hash[65];
        snprintf(prog, sizeof prog, "%s/../examples/coin_flip.wasm", cfg->bin_dir);
        snprintf(wasm_dir, sizeof wasm_dir, "%s/wasm", cfg->home);
        if (dev_files_add(wasm_dir, prog, hash, err, errlen)) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (the coin-flip program; run `make` first)");
            return NULL;
        }
        if (asprintf(&s,
                     "{\"outlayer_id\":\"" DEV_CONTRACT "\",\"code_source\":{\"WasmUrl\":{\"url\":"
                     "\"http://127.0.0.1:%d/%s.wasm\",\"hash\":\"%s\",\"build_target\":\"wasm32-wasip1\"}}}",
                     cfg->files_port, hash, hash) < 0)
            s = NULL;
        break;
    }
    case NO_CONTRACT: return NULL;
    }
    if (!s)
        snprintf(err, errlen, "out of memory");
    return s;
}

/* CreateAccount, Transfer, AddKey [, DeployContract, new(...)] into tx. */
static int add_actions(const dev_accounts_cfg *cfg, const account *a, const near_credentials *cred,
                       near_transaction *tx, char *err, size_t errlen)
{
    near_action_list l = near_tx_actions(tx);
    if (near_add_create_account(l) || near_add_transfer(l, a->amount) ||
        near_add_full_access_key(l, &cred->keypair.public_key, 0)) {
        snprintf(err, errlen, "%s: out of memory", a->id);
        return -1;
    }
    if (a->contract == NO_CONTRACT)
        return 0;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", cfg->contracts_dir, a->wasm);
    size_t len = 0;
    uint8_t *code = dc_read_code(path, &len, err, errlen);
    if (!code)
        return -1;
    char *init = init_args(cfg, a->contract, err, errlen);
    int bad = !init || near_add_deploy_contract(l, code, len) ||
              near_add_function_call(l, "new", (const uint8_t *)init, strlen(init), 100 * DC_TGAS, 0);
    free(code);
    free(init);
    if (bad && init)
        snprintf(err, errlen, "%s: cannot build the deploy", a->id);
    return bad ? -1 : 0;
}

int dev_accounts_setup(near_rpc *rpc, const dev_accounts_cfg *cfg, near_credentials *owner, char *err, size_t errlen)
{
    char dir[PATH_MAX + 32], root_path[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/credentials", cfg->home);
    near_credentials *creds = calloc(N_ACCOUNTS, sizeof *creds);
    dc_sent sent[N_ACCOUNTS];
    size_t n_made = 0;
    near_credentials root;
    bool root_read = false;
    dc_batch b;
    int rc = -1;
    if (!creds) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < N_ACCOUNTS; i++) {
        const account *a = &ACCOUNTS[i];
        int exists = dc_account_exists(rpc, a->id);
        if (exists < 0) {
            snprintf(err, errlen, "cannot ask the devnet about %s", a->id);
            goto out;
        }
        if (exists) {
            if (near_credentials_read(dir, "localnet", a->id, &creds[i], err, errlen) == 0)
                continue;
            snprintf(err, errlen, "%s exists on the chain but %s/localnet/%s.json is missing: remove %s to start afresh",
                     a->id, dir, a->id, cfg->home);
            goto out;
        }
        if (!root_read) {
            snprintf(root_path, sizeof root_path, "%s/devnet/credentials/localnet/test.near.json", cfg->home);
            if (near_credentials_read_file(root_path, &root, err, errlen))
                goto out;
            root_read = true;
            if (dc_batch_begin(rpc, &root, &b, err, errlen))
                goto out;
        }
        snprintf(creds[i].account_id, sizeof creds[i].account_id, "%s", a->id);
        near_transaction tx;
        /* The key file first: should the start stop half-way, the next one
         * finds the key of an account that was made, and replaces the key
         * of one that was not. */
        if (near_keypair_generate(&creds[i].keypair)) {
            snprintf(err, errlen, "%s: cannot make a key", a->id);
            goto out;
        }
        if (near_credentials_write(dir, "localnet", &creds[i], err, errlen))
            goto out;
        if (dc_batch_tx(&b, a->id, &tx, err, errlen))
            goto out;
        if (add_actions(cfg, a, &creds[i], &tx, err, errlen)) {
            near_transaction_free(&tx);
            goto out;
        }
        char what[96];
        snprintf(what, sizeof what, "creating %s", a->id);
        if (dc_batch_send(rpc, &b, &tx, what, &sent[n_made], err, errlen))
            goto out;
        n_made++;
        dev_trace("%s sent", what);
    }
    if (n_made && dc_wait_all(rpc, sent, n_made, err, errlen))
        goto out;
    if (n_made)
        dev_trace("%zu account(s) created", n_made);
    *owner = creds[0];
    rc = 0;
out:
    if (root_read)
        sodium_memzero(&root, sizeof root);
    sodium_memzero(creds, N_ACCOUNTS * sizeof *creds);
    free(creds);
    return rc;
}
