/*
 * runner.c — one function call from start to outcome: contract loading
 * gas, method resolution, import check, instantiation with NEAR's memory,
 * the call, and the translation of whatever stopped it into NEAR's error.
 */
#include "nearvm/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VM_STACK_SLOTS (64u * 1024u)

/* ---- contracts ---- */

nearvm_contract *nearvm_contract_load(const uint8_t *code, size_t code_len, nearvm_prepare_error *err, char *detail,
                                      size_t detail_size)
{
    uint8_t *prepared = NULL;
    size_t len = 0;
    nearvm_prepare_error e = nearvm_prepare(code, code_len, &prepared, &len, detail, detail_size);
    if (e != NEAR_PREPARE_OK) {
        *err = e;
        return NULL;
    }
    olw_error werr;
    memset(&werr, 0, sizeof werr);
    olw_module *m = olw_module_load(prepared, len, &werr);
    free(prepared);
    if (!m) {
        *err = NEAR_PREPARE_DESERIALIZATION;
        if (detail && detail_size)
            snprintf(detail, detail_size, "%s", werr.message);
        return NULL;
    }
    nearvm_contract *c = calloc(1, sizeof *c);
    if (!c) {
        olw_module_release(m);
        *err = NEAR_PREPARE_DESERIALIZATION;
        if (detail && detail_size)
            snprintf(detail, detail_size, "out of memory");
        return NULL;
    }
    c->module = m;
    c->code_len = code_len;
    c->refcount = 1;
    *err = NEAR_PREPARE_OK;
    return c;
}

void nearvm_contract_retain(nearvm_contract *c) { __atomic_add_fetch(&c->refcount, 1, __ATOMIC_RELAXED); }

void nearvm_contract_release(nearvm_contract *c)
{
    if (c && __atomic_sub_fetch(&c->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
        olw_module_release(c->module);
        free(c);
    }
}

/* ---- error shapes of the other FunctionCallError variants ---- */

static char *dump(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static const char *prepare_display(nearvm_prepare_error e)
{
    switch (e) {
    case NEAR_PREPARE_DESERIALIZATION: return "Error happened while deserializing the module.";
    case NEAR_PREPARE_INSTANTIATE: return "Error happened during instantiation.";
    case NEAR_PREPARE_MEMORY: return "Error creating memory.";
    case NEAR_PREPARE_TOO_MANY_FUNCTIONS: return "Too many functions in contract.";
    case NEAR_PREPARE_TOO_MANY_LOCALS: return "Too many locals declared in the contract.";
    case NEAR_PREPARE_TOO_MANY_TABLES: return "Too many tables declared in the contract.";
    case NEAR_PREPARE_TOO_MANY_TABLE_ELEMENTS: return "Too many elements declared in the contract's tables.";
    default: return "";
    }
}

static void set_prepare_error(nearvm_outcome *out, nearvm_prepare_error e)
{
    const char *name = nearvm_prepare_error_name(e);
    char msg[160], dbg[120];
    snprintf(msg, sizeof msg, "PrepareError: %s", prepare_display(e));
    snprintf(dbg, sizeof dbg, "CompilationError(PrepareError(%s))", name);
    char *json = dump(json_pack("{s:{s:s}}", "CompilationError", "PrepareError", name));
    nearvm_set_error(&out->error, NEARVM_ERR_COMPILATION, name, msg, json ? json : "{}", dbg);
    free(json);
}

static void set_code_missing(nearvm_outcome *out, const char *account)
{
    char msg[160], dbg[200];
    snprintf(msg, sizeof msg, "cannot find contract code for account %s", account);
    snprintf(dbg, sizeof dbg, "CompilationError(CodeDoesNotExist { account_id: AccountId(\"%s\") })", account);
    char *json = dump(json_pack("{s:{s:{s:s}}}", "CompilationError", "CodeDoesNotExist", "account_id", account));
    nearvm_set_error(&out->error, NEARVM_ERR_COMPILATION, "CodeDoesNotExist", msg, json ? json : "{}", dbg);
    free(json);
}

static void set_method_error(nearvm_outcome *out, const char *name)
{
    char dbg[80];
    snprintf(dbg, sizeof dbg, "MethodResolveError(%s)", name);
    char *json = dump(json_pack("{s:s}", "MethodResolveError", name));
    nearvm_set_error(&out->error, NEARVM_ERR_METHOD_RESOLVE, name, name, json ? json : "{}", dbg);
    free(json);
}

static void set_link_error(nearvm_outcome *out, const char *msg)
{
    char quoted[400], dbg[440];
    nearvm_debug_quote(quoted, sizeof quoted, msg);
    snprintf(dbg, sizeof dbg, "LinkError { msg: %s }", quoted);
    char *json = dump(json_pack("{s:s}", "ExecutionError", msg));
    nearvm_set_error(&out->error, NEARVM_ERR_LINK, "LinkError", msg, json ? json : "{}", dbg);
    free(json);
}

static void set_wasm_trap(nearvm_outcome *out, olw_trap_code code)
{
    const char *name, *text;
    switch (code) {
    case OLW_TRAP_UNREACHABLE:
    case OLW_TRAP_STACK_EXHAUSTED: /* NearVM's stack check ran `unreachable`: clients know that text */
        name = "Unreachable", text = "An `unreachable` opcode was executed.";
        break;
    case OLW_TRAP_MEMORY_OUT_OF_BOUNDS:
    case OLW_TRAP_TABLE_OUT_OF_BOUNDS: name = "MemoryOutOfBounds", text = "Memory out of bounds trap."; break;
    case OLW_TRAP_UNDEFINED_ELEMENT: name = "CallIndirectOOB", text = "Call indirect out of bounds trap."; break;
    case OLW_TRAP_UNINITIALIZED_ELEMENT: name = "IndirectCallToNull", text = "Indirect call to null."; break;
    case OLW_TRAP_INDIRECT_CALL_TYPE:
        name = "IncorrectCallIndirectSignature", text = "Call indirect incorrect signature trap.";
        break;
    case OLW_TRAP_DIVIDE_BY_ZERO:
    case OLW_TRAP_INTEGER_OVERFLOW:
    case OLW_TRAP_INVALID_CONVERSION:
        name = "IllegalArithmetic", text = "An arithmetic exception, e.g. divided by zero.";
        break;
    default: name = "GenericTrap", text = "Generic trap."; break;
    }
    char msg[160], dbg[80];
    snprintf(msg, sizeof msg, "WebAssembly trap: %s", text);
    snprintf(dbg, sizeof dbg, "WasmTrap(%s)", name);
    char *json = dump(json_pack("{s:s}", "ExecutionError", msg));
    nearvm_set_error(&out->error, NEARVM_ERR_WASM_TRAP, name, msg, json ? json : "{}", dbg);
    free(json);
}

/* ---- the call ---- */

static bool find_method(const olw_module *m, const char *method, nearvm_outcome *out)
{
    size_t n = olw_module_export_count(m), len = strlen(method);
    for (size_t i = 0; i < n; i++) {
        olw_export_info e = olw_module_export(m, i);
        if (e.name_len != len || memcmp(e.name, method, len) != 0)
            continue;
        if (e.kind != OLW_EXTERN_FUNC)
            break;
        if (e.func_type.nparams || e.func_type.nresults) {
            set_method_error(out, "MethodInvalidSignature");
            return false;
        }
        return true;
    }
    set_method_error(out, "MethodNotFound");
    return false;
}

static bool execute(nearvm_logic *L, nearvm_contract *c, const char *method)
{
    nearvm_outcome *out = L->out;
    if (!method || !*method) {
        set_method_error(out, "MethodEmptyName");
        return false;
    }
    /* Loading is paid first, whatever happens next. */
    if (!nearvm_gas(L, COST_CONTRACT_LOADING_BASE) || !nearvm_gas_per(L, COST_CONTRACT_LOADING_BYTES, c->code_len))
        return false;
    if (!find_method(c->module, method, out))
        return false;
    char msg[256];
    if (!nearvm_check_imports(c->module, msg, sizeof msg)) {
        set_link_error(out, msg);
        return false;
    }
    /* The engine's default value stack (1 Mi slots, 8 MiB) is zeroed for
     * every store and made a small call twice as slow; 64 Ki slots (512 KiB)
     * is still twice NEAR's own budget (max_stack_height 262,144 bytes). */
    olw_limits limits = {.fuel = 0, .max_stack_slots = VM_STACK_SLOTS};
    L->store = olw_store_new(&limits);
    if (!L->store)
        return nearvm_err_oom(L);
    L->memory = olw_memory_new(L->store, NEARVM_INITIAL_MEMORY_PAGES, NEARVM_MAX_MEMORY_PAGES, true);
    olw_linker *linker = olw_linker_new(L->store);
    if (!L->memory || !linker) {
        olw_linker_free(linker);
        return nearvm_err_oom(L);
    }
    olw_extern mem = {.kind = OLW_EXTERN_MEMORY, .of.memory = L->memory};
    if (!olw_linker_define(linker, "env", "memory", mem) || !nearvm_link(L, linker, msg, sizeof msg)) {
        olw_linker_free(linker);
        return nearvm_err_oom(L);
    }
    olw_error werr;
    memset(&werr, 0, sizeof werr);
    nearvm_gas_refuel(L);
    olw_instance *inst = olw_instantiate(L->store, c->module, linker, &werr);
    olw_linker_free(linker);
    if (!inst) {
        if (L->failed)
            return false;
        if (werr.kind == OLW_ERR_UNLINKABLE)
            set_link_error(out, werr.message);
        else if (werr.kind == OLW_ERR_TRAP && werr.trap == OLW_TRAP_OUT_OF_FUEL)
            nearvm_gas_out_of_fuel(L);
        else if (werr.kind == OLW_ERR_TRAP)
            set_prepare_error(out, NEAR_PREPARE_INSTANTIATE);
        else
            nearvm_err_oom(L);
        return false;
    }
    nearvm_gas_sync(L);
    if (L->failed)
        return false;
    olw_func *f = olw_instance_func(inst, method);
    if (!f) {
        set_method_error(out, "MethodNotFound");
        return false;
    }
    nearvm_gas_refuel(L);
    olw_trap_code trap = olw_func_call(L->store, f, NULL, 0, NULL, 0);
    if (trap == OLW_TRAP_NONE) {
        nearvm_gas_sync(L);
        return !L->failed;
    }
    if (L->failed) /* a host function failed: its error is the answer */
        return false;
    if (trap == OLW_TRAP_OUT_OF_FUEL) {
        nearvm_gas_out_of_fuel(L);
        return false;
    }
    nearvm_gas_sync(L);
    if (!L->failed)
        set_wasm_trap(out, trap);
    return false;
}

bool nearvm_run(nearvm_contract *contract, const char *method, const nearvm_context *ctx, const nearvm_storage *storage,
                nearvm_outcome *out)
{
    memset(out, 0, sizeof *out);
    /* Host functions may rely on every account id being a string. */
    nearvm_context c = *ctx;
    if (!c.current_account_id)
        c.current_account_id = "";
    if (!c.signer_account_id)
        c.signer_account_id = "";
    if (!c.predecessor_account_id)
        c.predecessor_account_id = "";
    ctx = &c;
    nearvm_logic L;
    memset(&L, 0, sizeof L);
    L.ctx = ctx;
    L.storage = storage;
    L.out = out;
    L.prepaid_gas = ctx->prepaid_gas;
    L.max_gas_burnt = ctx->max_gas_burnt ? ctx->max_gas_burnt : NEARVM_DEFAULT_MAX_GAS_BURNT;
    L.balance = ctx->account_balance;
    L.storage_usage = ctx->storage_usage;

    bool ok;
    if (!contract) {
        set_code_missing(out, ctx->current_account_id);
        ok = false;
    } else {
        ok = execute(&L, contract, method);
    }
    if (ok)
        nearvm_promises_finish(&L);
    out->gas_burnt = L.burnt;
    out->gas_used = nearvm_gas_used(&L);
    out->instructions = L.instructions;
    if (ok) {
        out->balance = L.balance;
        out->storage_usage = L.storage_usage;
    } else {
        /* A failed call changes nothing but gas and logs: its receipts are
         * dropped, the gas reserved for them is not used, and the chain rolls
         * its storage writes back. */
        nearvm_receipts_free(out);
        free(out->return_data);
        out->return_data = NULL;
        out->return_len = 0;
        out->return_kind = NEAR_RETURN_NONE;
        out->gas_used = out->gas_burnt;
        out->balance = ctx->account_balance;
        out->storage_usage = ctx->storage_usage;
    }
    nearvm_registers_free(&L);
    nearvm_promises_free(&L);
    if (L.store)
        olw_store_free(L.store);
    free(L.bindings);
    return ok;
}

bool nearvm_run_code(const uint8_t *code, size_t code_len, const char *method, const nearvm_context *ctx,
                     const nearvm_storage *storage, nearvm_outcome *out)
{
    if (!code || !code_len)
        return nearvm_run(NULL, method, ctx, storage, out);
    nearvm_prepare_error e;
    char detail[160];
    nearvm_contract *c = nearvm_contract_load(code, code_len, &e, detail, sizeof detail);
    if (!c) {
        /* Loading is charged even when preparation fails (nearcore's
         * fix_contract_loading_cost). */
        memset(out, 0, sizeof *out);
        uint64_t gas = COST_CONTRACT_LOADING_BASE + COST_CONTRACT_LOADING_BYTES * (uint64_t)code_len;
        uint64_t limit = ctx->prepaid_gas;
        out->gas_burnt = out->gas_used = gas < limit ? gas : limit;
        out->balance = ctx->account_balance;
        out->storage_usage = ctx->storage_usage;
        set_prepare_error(out, e);
        return false;
    }
    bool ok = nearvm_run(c, method, ctx, storage, out);
    nearvm_contract_release(c);
    return ok;
}

void nearvm_outcome_free(nearvm_outcome *out)
{
    nearvm_receipts_free(out);
    free(out->return_data);
    for (size_t i = 0; i < out->logs_count; i++)
        free(out->logs[i]);
    free(out->logs);
    free(out->error.message);
    free(out->error.json);
    free(out->error.debug);
    memset(out, 0, sizeof *out);
}
