/*
 * promises.c — receipts a call creates: promise_create/then/and, the
 * promise_batch_* family with every action, promise results, promise_return,
 * and yield/resume (NEP-519).
 *
 * A promise index names either one new action receipt or a joint "and"
 * promise (a list of receipts). promise_then makes a receipt that waits for
 * the receipts of a promise: the VM assigns one data id per dependency and
 * wires it as an output data receiver of the dependency and an input data id
 * of the new receipt, so the chain gets complete receipts. Gas follows
 * nearcore: send fees are burnt now, execution fees and attached gas are
 * reserved ("used"); attached deposits leave the balance at once.
 */
#include "nearvm/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool invalid_promise(nearvm_logic *L, uint64_t idx)
{
    char dbg[80];
    snprintf(dbg, sizeof dbg, "InvalidPromiseIndex { promise_idx: %llu }", (unsigned long long)idx);
    return nearvm_host_error(L, "InvalidPromiseIndex", dbg, "%llu does not correspond to existing promises",
                             (unsigned long long)idx);
}

static bool push_promise(nearvm_logic *L, nearvm_promise p, uint64_t *idx)
{
    nearvm_promise *ps = realloc(L->promises, (L->npromises + 1) * sizeof *ps);
    if (!ps) {
        free(p.receipts);
        return nearvm_err_oom(L);
    }
    L->promises = ps;
    ps[L->npromises++] = p;
    *idx = L->npromises - 1;
    if (L->npromises > LIMIT_MAX_PROMISES)
        return nearvm_err_exceeded(L, "NumberPromisesExceeded", "number_of_promises",
                                   "The number of promises within a FunctionCall", L->npromises, LIMIT_MAX_PROMISES);
    return true;
}

static void new_data_id(nearvm_logic *L, uint8_t out[NEARVM_DATA_ID_LEN])
{
    uint8_t buf[40];
    memcpy(buf, L->ctx->action_hash, 32);
    uint64_t c = L->data_id_counter++;
    for (int i = 0; i < 8; i++)
        buf[32 + i] = (uint8_t)(c >> (8 * i));
    crypto_hash_sha256(out, buf, sizeof buf);
}

static bool add_output(nearvm_logic *L, nearvm_receipt *from, const uint8_t id[32], const char *receiver)
{
    nearvm_data_receiver *d = realloc(from->output_data_receivers, (from->output_data_receivers_count + 1) * sizeof *d);
    if (!d)
        return nearvm_err_oom(L);
    from->output_data_receivers = d;
    d += from->output_data_receivers_count;
    memcpy(d->data_id, id, 32);
    d->receiver_id = strdup(receiver);
    if (!d->receiver_id)
        return nearvm_err_oom(L);
    from->output_data_receivers_count++;
    return true;
}

/* Takes ownership of receiver. deps: receipts whose results it waits for. */
static bool new_receipt(nearvm_logic *L, char *receiver, const size_t *deps, size_t ndeps, size_t *idx)
{
    nearvm_outcome *o = L->out;
    nearvm_receipt *rs = realloc(o->receipts, (o->receipts_count + 1) * sizeof *rs);
    if (!rs) {
        free(receiver);
        return nearvm_err_oom(L);
    }
    o->receipts = rs;
    nearvm_receipt *r = &rs[o->receipts_count];
    memset(r, 0, sizeof *r);
    r->receiver_id = receiver;
    *idx = o->receipts_count++;
    if (ndeps) {
        r->input_data_ids = calloc(ndeps, sizeof *r->input_data_ids);
        if (!r->input_data_ids)
            return nearvm_err_oom(L);
        for (size_t i = 0; i < ndeps; i++) {
            new_data_id(L, r->input_data_ids[i]);
            r->input_data_ids_count++;
            if (!add_output(L, &o->receipts[deps[i]], r->input_data_ids[i], receiver))
                return false;
        }
    }
    return true;
}

static nearvm_action *add_action(nearvm_logic *L, size_t receipt, nearvm_action_kind kind)
{
    nearvm_receipt *r = &L->out->receipts[receipt];
    nearvm_action *as = realloc(r->actions, (r->actions_count + 1) * sizeof *as);
    if (!as) {
        nearvm_err_oom(L);
        return NULL;
    }
    r->actions = as;
    nearvm_action *a = &as[r->actions_count++];
    memset(a, 0, sizeof *a);
    a->kind = kind;
    return a;
}

static bool is_sir(nearvm_logic *L, const char *receiver) { return strcmp(receiver, L->ctx->current_account_id) == 0; }

/* The receipt a batch action goes to, and whether it is sent to ourselves. */
static bool action_receipt(nearvm_logic *L, uint64_t promise_idx, size_t *receipt, bool *sir)
{
    if (promise_idx >= L->npromises)
        return invalid_promise(L, promise_idx);
    nearvm_promise *p = &L->promises[promise_idx];
    if (p->joint)
        return nearvm_host_error(L, "CannotAppendActionToJointPromise", "CannotAppendActionToJointPromise",
                                 "Actions can only be appended to non-joint promise.");
    *receipt = p->receipt;
    *sir = is_sir(L, L->out->receipts[p->receipt].receiver_id);
    return true;
}

static bool deduct_balance(nearvm_logic *L, nearvm_u128 amount)
{
    if (amount > L->balance)
        return nearvm_host_error(L, "BalanceExceeded", "BalanceExceeded", "Exceeded the account balance.");
    L->balance -= amount;
    return true;
}

/* nearcore reads a public key (memory or register) where the argument
 * list has it, but decodes it only after the promise lookup and the action
 * fees: an undecodable key costs what a good one does, then fails. */
typedef struct raw_key {
    uint8_t bytes[65];
    size_t len;
    bool valid; /* Borsh PublicKey: 0 ‖ 32 bytes (ed25519) or 1 ‖ 64 (secp256k1) */
} raw_key;

static bool read_public_key(nearvm_logic *L, uint64_t len, uint64_t ptr, raw_key *k)
{
    const uint8_t *p;
    size_t n;
    if (!nearvm_read_input(L, len, ptr, &p, &n))
        return false;
    k->valid = (n == 33 && p[0] == 0) || (n == 65 && p[0] == 1);
    k->len = k->valid ? n : 0;
    if (k->valid)
        memcpy(k->bytes, p, n);
    return true;
}

static bool decode_public_key(nearvm_logic *L, const raw_key *k)
{
    return k->valid ||
           nearvm_host_error(L, "InvalidPublicKey", "InvalidPublicKey", "VM Logic provided an invalid public key");
}

static bool piv(nearvm_logic *L, const char *name)
{
    if (!nearvm_gas(L, COST_BASE))
        return false;
    return L->ctx->is_view ? nearvm_err_prohibited(L, name) : true;
}

/* nearcore's pay_gas_for_new_receipt: receipt creation plus one data receipt
 * (send and execution both burnt) per dependency. */
static bool pay_new_receipt(nearvm_logic *L, bool sir, const bool *dep_sir, size_t ndeps)
{
    nearvm_fee rc = FEE_ACTION_RECEIPT, dr = FEE_DATA_RECEIPT_BASE;
    uint64_t burn = sir ? rc.send_sir : rc.send_not_sir;
    for (size_t i = 0; i < ndeps; i++)
        burn += (dep_sir[i] ? dr.send_sir : dr.send_not_sir) + dr.execution;
    return nearvm_gas_deduct(L, burn, burn + rc.execution);
}

/* ---- creating receipts ---- */

static bool batch_create(nearvm_logic *L, uint64_t len, uint64_t ptr, uint64_t *idx)
{
    char *account;
    if (!piv(L, "promise_batch_create") || !nearvm_read_account_id(L, len, ptr, &account))
        return false;
    size_t receipt = 0;
    if (!pay_new_receipt(L, is_sir(L, account), NULL, 0)) {
        free(account);
        return false;
    }
    if (!new_receipt(L, account, NULL, 0, &receipt))
        return false;
    return push_promise(L, (nearvm_promise){.receipt = receipt}, idx);
}

static bool batch_then(nearvm_logic *L, uint64_t promise_idx, uint64_t len, uint64_t ptr, uint64_t *idx)
{
    char *account;
    if (!piv(L, "promise_batch_then") || !nearvm_read_account_id(L, len, ptr, &account))
        return false;
    if (promise_idx >= L->npromises) {
        free(account);
        return invalid_promise(L, promise_idx);
    }
    nearvm_promise *p = &L->promises[promise_idx];
    const size_t *deps = p->joint ? p->receipts : &p->receipt;
    size_t ndeps = p->joint ? p->count : 1;
    bool *dep_sir = calloc(ndeps ? ndeps : 1, sizeof *dep_sir);
    if (!dep_sir) {
        free(account);
        return nearvm_err_oom(L);
    }
    for (size_t i = 0; i < ndeps; i++)
        dep_sir[i] = strcmp(L->out->receipts[deps[i]].receiver_id, account) == 0;
    bool ok = pay_new_receipt(L, is_sir(L, account), dep_sir, ndeps);
    free(dep_sir);
    if (!ok) {
        free(account);
        return false;
    }
    size_t receipt = 0;
    if (!new_receipt(L, account, deps, ndeps, &receipt))
        return false;
    return push_promise(L, (nearvm_promise){.receipt = receipt}, idx);
}

static bool add_function_call(nearvm_logic *L, uint64_t promise_idx, uint64_t mlen, uint64_t mptr, uint64_t alen,
                              uint64_t aptr, uint64_t amount_ptr, uint64_t gas, uint64_t weight)
{
    const uint8_t *method, *args;
    size_t method_len, args_len;
    nearvm_u128 amount;
    /* nearcore names the weighted variant after the plain one in this error */
    if (!piv(L, "promise_batch_action_function_call") || !nearvm_mem_read_u128(L, amount_ptr, &amount) ||
        !nearvm_read_input(L, mlen, mptr, &method, &method_len))
        return false;
    if (method_len == 0)
        return nearvm_host_error(L, "EmptyMethodName", "EmptyMethodName", "Tried to call an empty method name.");
    char *method_copy = malloc(method_len + 1);
    if (!method_copy)
        return nearvm_err_oom(L);
    memcpy(method_copy, method, method_len);
    method_copy[method_len] = 0;
    size_t receipt = 0;
    bool sir;
    if (!nearvm_read_input(L, alen, aptr, &args, &args_len) || !action_receipt(L, promise_idx, &receipt, &sir) ||
        !nearvm_pay_action(L, FEE_FUNCTION_CALL_BASE, sir) ||
        !nearvm_pay_action_per_byte(L, FEE_FUNCTION_CALL_BYTE, method_len + args_len, sir) ||
        !nearvm_gas_prepay(L, gas) || !deduct_balance(L, amount)) {
        free(method_copy);
        return false;
    }
    uint8_t *args_copy = malloc(args_len ? args_len : 1);
    nearvm_action *a = args_copy ? add_action(L, receipt, NEARVM_ACTION_FUNCTION_CALL) : NULL;
    if (!a) {
        free(method_copy);
        free(args_copy);
        return L->failed ? false : nearvm_err_oom(L);
    }
    memcpy(args_copy, args, args_len);
    a->method_name = method_copy;
    a->method_name_len = method_len;
    a->args = args_copy;
    a->args_len = args_len;
    a->gas = gas;
    a->gas_weight = weight;
    a->deposit = amount;
    if (weight) {
        nearvm_weight *w = realloc(L->weights, (L->nweights + 1) * sizeof *w);
        if (!w)
            return nearvm_err_oom(L);
        L->weights = w;
        w[L->nweights++] = (nearvm_weight){receipt, L->out->receipts[receipt].actions_count - 1, weight};
    }
    return true;
}

/* ---- host functions ---- */

static bool h_promise_create(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return batch_create(L, a[0], a[1], &r[0]) && add_function_call(L, r[0], a[2], a[3], a[4], a[5], a[6], a[7], 0);
}

static bool h_promise_then(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return batch_then(L, a[0], a[1], a[2], &r[0]) && add_function_call(L, r[0], a[3], a[4], a[5], a[6], a[7], a[8], 0);
}

static bool h_promise_and(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    uint64_t count = a[1], bytes;
    const uint8_t *p;
    if (!piv(L, "promise_and") || !nearvm_gas(L, COST_PROMISE_AND_BASE))
        return false;
    if (__builtin_mul_overflow(count, 8, &bytes))
        return nearvm_err_overflow(L);
    if (!nearvm_gas_per(L, COST_PROMISE_AND_PER_PROMISE, bytes) || !nearvm_mem_read(L, a[0], bytes, &p))
        return false;
    size_t *deps = NULL, ndeps = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t idx = 0;
        for (int k = 7; k >= 0; k--)
            idx = idx << 8 | p[8 * i + (uint64_t)k];
        if (idx >= L->npromises) {
            free(deps);
            return invalid_promise(L, idx);
        }
        nearvm_promise *q = &L->promises[idx];
        size_t add = q->joint ? q->count : 1;
        size_t *nd = realloc(deps, (ndeps + add + 1) * sizeof *nd);
        if (!nd) {
            free(deps);
            return nearvm_err_oom(L);
        }
        deps = nd;
        if (q->joint)
            memcpy(deps + ndeps, q->receipts, add * sizeof *deps);
        else
            deps[ndeps] = q->receipt;
        ndeps += add;
        if (ndeps > LIMIT_MAX_INPUT_DATA_DEPENDENCIES) {
            free(deps);
            return nearvm_err_exceeded(L, "NumberInputDataDependenciesExceeded", "number_of_input_data_dependencies",
                                       "The number of input data dependencies", ndeps,
                                       LIMIT_MAX_INPUT_DATA_DEPENDENCIES);
        }
    }
    return push_promise(L, (nearvm_promise){.joint = true, .receipts = deps, .count = ndeps}, &r[0]);
}

static bool h_batch_create(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return batch_create(L, a[0], a[1], &r[0]);
}

static bool h_batch_then(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return batch_then(L, a[0], a[1], a[2], &r[0]);
}

static bool h_create_account(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    size_t receipt = 0;
    bool sir;
    return piv(L, "promise_batch_action_create_account") && action_receipt(L, a[0], &receipt, &sir) &&
           nearvm_pay_action(L, FEE_CREATE_ACCOUNT, sir) && add_action(L, receipt, NEARVM_ACTION_CREATE_ACCOUNT);
}

static bool h_deploy_contract(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *code;
    size_t len, receipt;
    bool sir;
    if (!piv(L, "promise_batch_action_deploy_contract") || !nearvm_read_input(L, a[1], a[2], &code, &len))
        return false;
    if (len > LIMIT_MAX_CONTRACT_SIZE)
        return nearvm_err_exceeded(L, "ContractSizeExceeded", "size",
                                   "The size of a contract code in DeployContract action", len,
                                   LIMIT_MAX_CONTRACT_SIZE);
    if (!action_receipt(L, a[0], &receipt, &sir) || !nearvm_pay_action(L, FEE_DEPLOY_BASE, sir) ||
        !nearvm_pay_action_per_byte(L, FEE_DEPLOY_BYTE, len, sir))
        return false;
    uint8_t *copy = malloc(len ? len : 1);
    nearvm_action *act = copy ? add_action(L, receipt, NEARVM_ACTION_DEPLOY_CONTRACT) : NULL;
    if (!act) {
        free(copy);
        return L->failed ? false : nearvm_err_oom(L);
    }
    memcpy(copy, code, len);
    act->args = copy;
    act->args_len = len;
    return true;
}

static bool h_function_call(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return add_function_call(L, a[0], a[1], a[2], a[3], a[4], a[5], a[6], 0);
}

static bool h_function_call_weight(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    return add_function_call(L, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
}

static bool is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool h_transfer(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    nearvm_u128 amount;
    size_t receipt = 0;
    bool sir;
    if (!piv(L, "promise_batch_action_transfer") || !nearvm_mem_read_u128(L, a[1], &amount) ||
        !action_receipt(L, a[0], &receipt, &sir))
        return false;
    /* A transfer to an implicit account may create it: its fees include
     * the account creation (and the key, for NEAR-implicit accounts). */
    const char *to = L->out->receipts[receipt].receiver_id;
    size_t n = strlen(to);
    bool near_implicit = n == 64 && is_hex(to, 64);
    bool eth_implicit = n == 42 && to[0] == '0' && to[1] == 'x' && is_hex(to + 2, 40);
    nearvm_fee t = FEE_TRANSFER, c = FEE_CREATE_ACCOUNT, k = FEE_ADD_KEY_FULL;
    uint64_t burn = sir ? t.send_sir : t.send_not_sir, exec = t.execution;
    if (near_implicit || eth_implicit) {
        burn += sir ? c.send_sir : c.send_not_sir;
        exec += c.execution;
    }
    if (near_implicit) {
        burn += sir ? k.send_sir : k.send_not_sir;
        exec += k.execution;
    }
    if (!nearvm_gas_deduct(L, burn, burn + exec) || !deduct_balance(L, amount))
        return false;
    nearvm_action *act = add_action(L, receipt, NEARVM_ACTION_TRANSFER);
    if (!act)
        return false;
    act->deposit = amount;
    return true;
}

static bool h_stake(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    nearvm_u128 amount;
    raw_key pk;
    size_t receipt;
    bool sir;
    if (!piv(L, "promise_batch_action_stake") || !nearvm_mem_read_u128(L, a[1], &amount) ||
        !read_public_key(L, a[2], a[3], &pk) || !action_receipt(L, a[0], &receipt, &sir) ||
        !nearvm_pay_action(L, FEE_STAKE, sir) || !decode_public_key(L, &pk))
        return false;
    nearvm_action *act = add_action(L, receipt, NEARVM_ACTION_STAKE);
    if (!act)
        return false;
    act->deposit = amount;
    memcpy(act->public_key, pk.bytes, pk.len);
    act->public_key_len = pk.len;
    return true;
}

static bool h_add_key_full(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    raw_key pk;
    size_t receipt;
    bool sir;
    if (!piv(L, "promise_batch_action_add_key_with_full_access") || !read_public_key(L, a[1], a[2], &pk) ||
        !action_receipt(L, a[0], &receipt, &sir) || !nearvm_pay_action(L, FEE_ADD_KEY_FULL, sir) ||
        !decode_public_key(L, &pk))
        return false;
    nearvm_action *act = add_action(L, receipt, NEARVM_ACTION_ADD_KEY);
    if (!act)
        return false;
    memcpy(act->public_key, pk.bytes, pk.len);
    act->public_key_len = pk.len;
    act->nonce = a[3];
    act->full_access = true;
    return true;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Comma-separated method names, split as bytes: an empty name (",x",
 * "x,,y", "x,") is EmptyMethodName before anything is paid, as in nearcore.
 * Empty input = no names. */
static bool split_method_names(nearvm_logic *L, const uint8_t *p, size_t n, char ***out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (n == 0)
        return true;
    size_t parts = 1;
    for (size_t i = 0; i < n; i++)
        parts += p[i] == ',';
    char **names = calloc(parts, sizeof *names);
    if (!names)
        return nearvm_err_oom(L);
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != ',')
            continue;
        if (i == start) {
            free_names(names, k);
            return nearvm_host_error(L, "EmptyMethodName", "EmptyMethodName", "Tried to call an empty method name.");
        }
        names[k] = malloc(i - start + 1);
        if (!names[k]) {
            free_names(names, k);
            return nearvm_err_oom(L);
        }
        memcpy(names[k], p + start, i - start);
        names[k++][i - start] = 0;
        start = i + 1;
    }
    *out = names;
    *count = k;
    return true;
}

/* nearcore's receipt manager turns the names into strings after the fees:
 * a name that is not UTF-8 is InvalidMethodName then. */
static bool method_names_utf8(nearvm_logic *L, char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!near_utf8_valid((const uint8_t *)names[i], strlen(names[i])))
            return nearvm_host_error(L, "InvalidMethodName", "InvalidMethodName",
                                     "VM Logic returned an invalid method name");
    return true;
}

static bool h_add_key_function_call(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    raw_key pk;
    size_t receipt, names_len, count;
    nearvm_u128 allowance;
    char *receiver, **names;
    const uint8_t *raw;
    bool sir;
    if (!piv(L, "promise_batch_action_add_key_with_function_call") || !read_public_key(L, a[1], a[2], &pk) ||
        !nearvm_mem_read_u128(L, a[4], &allowance) || !nearvm_read_account_id(L, a[5], a[6], &receiver))
        return false;
    if (!nearvm_read_input(L, a[7], a[8], &raw, &names_len) || !split_method_names(L, raw, names_len, &names, &count)) {
        free(receiver);
        return false;
    }
    uint64_t bytes = 0;
    for (size_t i = 0; i < count; i++)
        bytes += strlen(names[i]) + 1;
    nearvm_action *act = NULL;
    if (action_receipt(L, a[0], &receipt, &sir) && nearvm_pay_action(L, FEE_ADD_KEY_FUNCTION_CALL, sir) &&
        nearvm_pay_action_per_byte(L, FEE_ADD_KEY_FUNCTION_CALL_BYTE, bytes, sir) && decode_public_key(L, &pk) &&
        method_names_utf8(L, names, count))
        act = add_action(L, receipt, NEARVM_ACTION_ADD_KEY);
    if (!act) {
        free(receiver);
        free_names(names, count);
        return false;
    }
    memcpy(act->public_key, pk.bytes, pk.len);
    act->public_key_len = pk.len;
    act->nonce = a[3];
    act->has_allowance = allowance > 0; /* 0 means unlimited */
    act->allowance = allowance;
    act->receiver_id = receiver;
    act->method_names = names;
    act->method_names_count = count;
    return true;
}

static bool h_delete_key(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    raw_key pk;
    size_t receipt;
    bool sir;
    if (!piv(L, "promise_batch_action_delete_key") || !read_public_key(L, a[1], a[2], &pk) ||
        !action_receipt(L, a[0], &receipt, &sir) || !nearvm_pay_action(L, FEE_DELETE_KEY, sir) ||
        !decode_public_key(L, &pk))
        return false;
    nearvm_action *act = add_action(L, receipt, NEARVM_ACTION_DELETE_KEY);
    if (!act)
        return false;
    memcpy(act->public_key, pk.bytes, pk.len);
    act->public_key_len = pk.len;
    return true;
}

static bool h_delete_account(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    char *beneficiary;
    size_t receipt = 0;
    bool sir;
    if (!piv(L, "promise_batch_action_delete_account") || !nearvm_read_account_id(L, a[1], a[2], &beneficiary))
        return false;
    nearvm_action *act = NULL;
    if (action_receipt(L, a[0], &receipt, &sir) && nearvm_pay_action(L, FEE_DELETE_ACCOUNT, sir))
        act = add_action(L, receipt, NEARVM_ACTION_DELETE_ACCOUNT);
    if (!act) {
        free(beneficiary);
        return false;
    }
    act->beneficiary_id = beneficiary;
    return true;
}

static bool h_promise_results_count(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!piv(L, "promise_results_count"))
        return false;
    r[0] = L->ctx->promise_results_count;
    return true;
}

static bool h_promise_result(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!piv(L, "promise_result"))
        return false;
    if (a[0] >= L->ctx->promise_results_count) {
        char dbg[80];
        snprintf(dbg, sizeof dbg, "InvalidPromiseResultIndex { result_idx: %llu }", (unsigned long long)a[0]);
        return nearvm_host_error(L, "InvalidPromiseResultIndex", dbg, "Accessed invalid promise result index: %llu",
                                 (unsigned long long)a[0]);
    }
    const nearvm_promise_result *res = &L->ctx->promise_results[a[0]];
    r[0] = (uint64_t)res->status;
    if (res->status == NEAR_PROMISE_SUCCESSFUL)
        return nearvm_register_write_shared(L, a[1], res->data, res->len);
    return true;
}

static bool h_promise_return(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    if (!nearvm_gas(L, COST_BASE) || !nearvm_gas(L, COST_PROMISE_RETURN))
        return false;
    if (L->ctx->is_view)
        return nearvm_err_prohibited(L, "promise_return");
    if (a[0] >= L->npromises)
        return invalid_promise(L, a[0]);
    if (L->promises[a[0]].joint)
        return nearvm_host_error(L, "CannotReturnJointPromise", "CannotReturnJointPromise",
                                 "Returning joint promise is currently prohibited.");
    L->out->return_kind = NEAR_RETURN_RECEIPT;
    L->out->return_receipt = L->promises[a[0]].receipt;
    return true;
}

/* ---- yield / resume ---- */

static bool h_yield_create(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *method, *args;
    size_t mlen, alen;
    if (!piv(L, "promise_yield_create") || !nearvm_gas(L, COST_YIELD_CREATE_BASE) ||
        !nearvm_read_input(L, a[0], a[1], &method, &mlen))
        return false;
    if (mlen == 0)
        return nearvm_host_error(L, "EmptyMethodName", "EmptyMethodName", "Tried to call an empty method name.");
    char *mcopy = malloc(mlen + 1);
    if (!mcopy)
        return nearvm_err_oom(L);
    memcpy(mcopy, method, mlen);
    mcopy[mlen] = 0;
    bool self_dep = true;
    /* nearcore's order: the yield bytes, the callback's gas, the receipt
     * with its one data dependency; then the receipt exists and the promise
     * is counted (NumberPromisesExceeded); then the function-call fees. */
    if (!nearvm_read_input(L, a[2], a[3], &args, &alen) || !nearvm_gas_per(L, COST_YIELD_CREATE_BYTE, mlen + alen) ||
        !nearvm_gas_prepay(L, a[4]) || !pay_new_receipt(L, true, &self_dep, 1)) {
        free(mcopy);
        return false;
    }
    uint8_t *acopy = malloc(alen ? alen : 1);
    char *receiver = strdup(L->ctx->current_account_id);
    size_t receipt = 0;
    if (!acopy || !receiver) {
        free(mcopy), free(acopy), free(receiver);
        return nearvm_err_oom(L);
    }
    memcpy(acopy, args, alen);
    if (!new_receipt(L, receiver, NULL, 0, &receipt)) {
        free(mcopy), free(acopy);
        return false;
    }
    nearvm_receipt *rc = &L->out->receipts[receipt];
    rc->is_yield = true;
    rc->input_data_ids = calloc(1, sizeof *rc->input_data_ids);
    if (!rc->input_data_ids) {
        free(mcopy), free(acopy);
        return nearvm_err_oom(L);
    }
    new_data_id(L, rc->input_data_ids[0]);
    rc->input_data_ids_count = 1;
    if (!push_promise(L, (nearvm_promise){.receipt = receipt}, &r[0]) ||
        !nearvm_pay_action(L, FEE_FUNCTION_CALL_BASE, true) ||
        !nearvm_pay_action_per_byte(L, FEE_FUNCTION_CALL_BYTE, mlen + alen, true)) {
        free(mcopy), free(acopy);
        return false;
    }
    nearvm_action *act = add_action(L, receipt, NEARVM_ACTION_FUNCTION_CALL);
    if (!act) {
        free(mcopy), free(acopy);
        return false;
    }
    rc = &L->out->receipts[receipt];
    act->method_name = mcopy;
    act->method_name_len = mlen;
    act->args = acopy;
    act->args_len = alen;
    act->gas = a[4];
    act->gas_weight = a[5];
    if (a[5]) {
        nearvm_weight *w = realloc(L->weights, (L->nweights + 1) * sizeof *w);
        if (!w)
            return nearvm_err_oom(L);
        L->weights = w;
        w[L->nweights++] = (nearvm_weight){receipt, rc->actions_count - 1, a[5]};
    }
    return nearvm_register_write(L, a[6], rc->input_data_ids[0], NEARVM_DATA_ID_LEN);
}

static bool yield_created_here(nearvm_logic *L, const uint8_t id[32])
{
    for (size_t i = 0; i < L->out->receipts_count; i++) {
        nearvm_receipt *rc = &L->out->receipts[i];
        if (rc->is_yield && memcmp(rc->input_data_ids[0], id, 32) == 0)
            return true;
    }
    return false;
}

static bool h_yield_resume(nearvm_logic *L, const uint64_t *a, uint64_t *r)
{
    const uint8_t *id, *payload;
    size_t id_len, plen;
    r[0] = 0;
    /* Arguments: (data_id_len, data_id_ptr, payload_len, payload_ptr). The
     * per-byte cost is on payload_len as given, before anything is read, as
     * in nearcore: a payload "from a register" (payload_len = u64::MAX)
     * therefore overflows the charge (IntegerOverflow) there as here. */
    /* nearcore's ProhibitedInView names this function by its old name */
    if (!piv(L, "promise_submit_data") || !nearvm_gas(L, COST_YIELD_RESUME_BASE) ||
        !nearvm_gas_per(L, COST_YIELD_RESUME_BYTE, a[2]))
        return false;
    if (!nearvm_read_input(L, a[0], a[1], &id, &id_len))
        return false;
    uint8_t data_id[32];
    if (id_len == 32)
        memcpy(data_id, id, 32);
    if (!nearvm_read_input(L, a[2], a[3], &payload, &plen))
        return false;
    if (plen > LIMIT_MAX_YIELD_PAYLOAD) {
        char dbg[96];
        snprintf(dbg, sizeof dbg, "YieldPayloadLength { length: %zu, limit: %llu }", plen,
                 (unsigned long long)LIMIT_MAX_YIELD_PAYLOAD);
        return nearvm_host_error(L, "YieldPayloadLength", dbg,
                                 "Yield resume payload is %zu bytes which exceeds the %llu byte limit", plen,
                                 (unsigned long long)LIMIT_MAX_YIELD_PAYLOAD);
    }
    if (id_len != 32)
        return nearvm_host_error(L, "DataIdMalformed", "DataIdMalformed", "yield resumption token is malformed");
    /* Resuming the same yield again in this call: near-sdk documents that
     * several resumes may all return true and the first payload wins, so
     * answer 1 and keep only the first. */
    for (size_t i = 0; i < L->out->resumes_count; i++)
        if (memcmp(L->out->resumes[i].data_id, data_id, 32) == 0) {
            r[0] = 1;
            return true;
        }
    bool pending = yield_created_here(L, data_id);
    if (!pending) {
        if (L->storage && L->storage->yield_pending) {
            int rc = L->storage->yield_pending(L->storage->user, data_id);
            if (rc < 0)
                return nearvm_err_storage(L, "yield_pending");
            pending = rc == 1;
        } else {
            pending = true; /* the chain filters recorded resumes */
        }
    }
    if (!pending)
        return true;
    nearvm_resume *rs = realloc(L->out->resumes, (L->out->resumes_count + 1) * sizeof *rs);
    if (!rs)
        return nearvm_err_oom(L);
    L->out->resumes = rs;
    nearvm_resume *res = &rs[L->out->resumes_count];
    res->payload = malloc(plen ? plen : 1);
    if (!res->payload)
        return nearvm_err_oom(L);
    memcpy(res->data_id, data_id, 32);
    memcpy(res->payload, payload, plen);
    res->payload_len = plen;
    L->out->resumes_count++;
    r[0] = 1;
    return true;
}

/* ---- end of call ---- */

void nearvm_promises_finish(nearvm_logic *L)
{
    uint64_t used = nearvm_gas_used(L);
    uint64_t unused = L->prepaid_gas > used ? L->prepaid_gas - used : 0;
    unsigned __int128 sum = 0;
    for (size_t i = 0; i < L->nweights; i++)
        sum += L->weights[i].weight;
    if (!sum || !unused)
        return;
    uint64_t given = 0;
    for (size_t i = 0; i < L->nweights; i++) {
        nearvm_weight *w = &L->weights[i];
        uint64_t share = (uint64_t)((unsigned __int128)unused * w->weight / sum);
        L->out->receipts[w->receipt].actions[w->action].gas += share;
        given += share;
    }
    nearvm_weight *last = &L->weights[L->nweights - 1];
    L->out->receipts[last->receipt].actions[last->action].gas += unused - given;
    L->promises_gas += unused; /* all prepaid gas is now used */
}

void nearvm_promises_free(nearvm_logic *L)
{
    for (size_t i = 0; i < L->npromises; i++)
        free(L->promises[i].receipts);
    free(L->promises);
    free(L->weights);
    L->promises = NULL;
    L->weights = NULL;
    L->npromises = L->nweights = 0;
}

void nearvm_receipts_free(nearvm_outcome *o)
{
    for (size_t i = 0; i < o->receipts_count; i++) {
        nearvm_receipt *rc = &o->receipts[i];
        for (size_t k = 0; k < rc->actions_count; k++) {
            nearvm_action *act = &rc->actions[k];
            free(act->method_name);
            free(act->args);
            free(act->receiver_id);
            free_names(act->method_names, act->method_names_count);
            free(act->beneficiary_id);
        }
        for (size_t k = 0; k < rc->output_data_receivers_count; k++)
            free(rc->output_data_receivers[k].receiver_id);
        free(rc->output_data_receivers);
        free(rc->input_data_ids);
        free(rc->actions);
        free(rc->receiver_id);
    }
    free(o->receipts);
    o->receipts = NULL;
    o->receipts_count = 0;
    for (size_t i = 0; i < o->resumes_count; i++)
        free(o->resumes[i].payload);
    free(o->resumes);
    o->resumes = NULL;
    o->resumes_count = 0;
}

const nearvm_host_fn nearvm_fns_promises[] = {
    {"promise_create", "IIIIIIII>I", h_promise_create},
    {"promise_then", "IIIIIIIII>I", h_promise_then},
    {"promise_and", "II>I", h_promise_and},
    {"promise_batch_create", "II>I", h_batch_create},
    {"promise_batch_then", "III>I", h_batch_then},
    {"promise_batch_action_create_account", "I>", h_create_account},
    {"promise_batch_action_deploy_contract", "III>", h_deploy_contract},
    {"promise_batch_action_function_call", "IIIIIII>", h_function_call},
    {"promise_batch_action_function_call_weight", "IIIIIIII>", h_function_call_weight},
    {"promise_batch_action_transfer", "II>", h_transfer},
    {"promise_batch_action_stake", "IIII>", h_stake},
    {"promise_batch_action_add_key_with_full_access", "IIII>", h_add_key_full},
    {"promise_batch_action_add_key_with_function_call", "IIIIIIIII>", h_add_key_function_call},
    {"promise_batch_action_delete_key", "III>", h_delete_key},
    {"promise_batch_action_delete_account", "III>", h_delete_account},
    {"promise_results_count", ">I", h_promise_results_count},
    {"promise_result", "II>I", h_promise_result},
    {"promise_return", "I>", h_promise_return},
    {"promise_yield_create", "IIIIIII>I", h_yield_create},
    {"promise_yield_resume", "IIII>i", h_yield_resume},
    {NULL, NULL, NULL},
};
