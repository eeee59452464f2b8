/*
 * vm_internal.h — state of one NEAR function call and the helpers the host
 * functions share (internal to src/devnet/vm/).
 *
 * Every host function follows nearcore's order of work: charge gas, check
 * the view flag, read inputs (memory or register), check limits, act. A
 * helper that fails records a NEAR error in the logic and returns false; the
 * trampoline (imports.c) turns that into a host trap, and the runner reports
 * the recorded error instead of the engine's trap.
 */
#ifndef OUTLAYER_NEAR_VM_INTERNAL_H
#define OUTLAYER_NEAR_VM_INTERNAL_H

#include "devnet/vm/costs.h"
#include "devnet/vm/near_vm.h"
#include "near/utf8.h"
#include "wasm/wasm.h"

#include <stdbool.h>
#include <stdint.h>

struct near_vm_contract {
    wasm_module *module;
    size_t code_len; /* of the original code: contract loading is charged on it */
    int refcount;
};

typedef struct vm_register {
    uint64_t id;
    uint8_t *data;
    size_t len;
} vm_register;

/* A promise index refers to one receipt or to a joint ("and") promise. */
typedef struct vm_promise {
    bool joint;
    size_t receipt; /* !joint */
    size_t *receipts; /* joint: the receipts it waits for */
    size_t count;
} vm_promise;

typedef struct vm_weight {
    size_t receipt, action;
    uint64_t weight;
} vm_weight;

typedef struct near_vm_logic {
    const near_vm_context *ctx;
    const near_vm_storage *storage;
    near_vm_outcome *out;
    wasm_store *store;
    wasm_memory *memory;

    /* gas */
    uint64_t prepaid_gas;
    uint64_t max_gas_burnt;
    uint64_t burnt;
    uint64_t promises_gas; /* used - burnt: gas prepaid to new receipts */
    uint64_t fuel_given;   /* fuel set in the store at the last host-call exit */
    uint64_t instructions;

    /* state */
    vm_register *registers;
    size_t nregisters;
    uint64_t registers_bytes;
    size_t total_log_length;
    near_vm_u128 balance;
    uint64_t storage_usage;
    uint64_t data_id_counter;

    vm_promise *promises;
    size_t npromises;
    vm_weight *weights;
    size_t nweights;

    bool failed; /* error recorded in out->error */
    void *bindings; /* imports.c: one env per host function */
} near_vm_logic;

/* ---- errors (errors.c) ---- */
/* Records HostError `debug` (Rust Debug of the variant, e.g. "GasExceeded" or
 * "GuestPanic { panic_msg: \"x\" }") with the Display text; returns false. */
bool vm_host_error(near_vm_logic *L, const char *name, const char *debug, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Common host errors. */
bool vm_err_memory(near_vm_logic *L);
bool vm_err_overflow(near_vm_logic *L);
bool vm_err_prohibited(near_vm_logic *L, const char *method);
bool vm_err_bad_utf8(near_vm_logic *L);
bool vm_err_bad_utf16(near_vm_logic *L);
bool vm_err_storage(near_vm_logic *L, const char *what);
bool vm_err_oom(near_vm_logic *L);
/* The "<name> { <field>: <value>, limit: <limit> }" family of host errors
 * (KeyLengthExceeded, NumberPromisesExceeded, ...), whose Display text is
 * "<what> <value> exceeds the limit <limit>". */
bool vm_err_exceeded(near_vm_logic *L, const char *name, const char *field, const char *what, uint64_t value,
                     uint64_t limit);
/* Fills an error of any kind (json and debug given complete). */
void vm_set_error(near_vm_error *e, near_vm_error_kind kind, const char *name, const char *message,
                  const char *json, const char *debug);
/* Appends s to buf as a Rust Debug string literal (with quotes). */
void vm_debug_quote(char *buf, size_t size, const char *s);

/* ---- gas (gas.c) ---- */
bool vm_gas(near_vm_logic *L, uint64_t gas);                       /* burn */
bool vm_gas_per(near_vm_logic *L, uint64_t per_unit, uint64_t units); /* burn per_unit × units */
bool vm_gas_deduct(near_vm_logic *L, uint64_t burn, uint64_t use);
bool vm_gas_prepay(near_vm_logic *L, uint64_t gas);                /* use without burning */
/* Action fees: burn the send fee, reserve the execution fee. */
bool vm_pay_action(near_vm_logic *L, vm_fee fee, bool sir);
bool vm_pay_action_per_byte(near_vm_logic *L, vm_fee fee, uint64_t bytes, bool sir);
void vm_gas_sync(near_vm_logic *L);  /* account wasm instructions run since the last host call */
void vm_gas_refuel(near_vm_logic *L); /* give the store fuel for what gas remains */
bool vm_gas_out_of_fuel(near_vm_logic *L); /* after an out-of-fuel trap: records the right error */
uint64_t vm_gas_used(const near_vm_logic *L);

/* ---- memory and registers (registers.c) ---- */
bool vm_mem_read(near_vm_logic *L, uint64_t ptr, uint64_t len, const uint8_t **out);
bool vm_mem_write(near_vm_logic *L, uint64_t ptr, const void *data, uint64_t len);
bool vm_mem_read_u128(near_vm_logic *L, uint64_t ptr, near_vm_u128 *out);
bool vm_mem_write_u128(near_vm_logic *L, uint64_t ptr, near_vm_u128 v);
vm_register *vm_register_find(near_vm_logic *L, uint64_t id);
bool vm_register_write(near_vm_logic *L, uint64_t id, const void *data, size_t len);
/* input and promise_result: write_register_base only, no per-byte cost. */
bool vm_register_write_shared(near_vm_logic *L, uint64_t id, const void *data, size_t len);
/* "memory or register" input: len == UINT64_MAX reads register `ptr`.
 * *out points into guest memory or the register: copy before the next call. */
bool vm_read_input(near_vm_logic *L, uint64_t len, uint64_t ptr, const uint8_t **out, size_t *out_len);
/* Reads a UTF-8 string (memory or register), charging utf8 decoding; malloc'd, NUL-terminated. */
bool vm_read_utf8(near_vm_logic *L, uint64_t len, uint64_t ptr, char **out, size_t *out_len);
/* Reads an account id: UTF-8 checked, validity not (see registers.c). */
bool vm_read_account_id(near_vm_logic *L, uint64_t len, uint64_t ptr, char **out);
void vm_registers_free(near_vm_logic *L);

/* ---- host function groups (each defines its table) ---- */
typedef bool (*vm_host_impl)(near_vm_logic *L, const uint64_t *args, uint64_t *results);
typedef struct vm_host_fn {
    const char *name;
    const char *sig; /* wasm_func_new_host signature */
    vm_host_impl impl;
} vm_host_fn;

extern const vm_host_fn vm_fns_registers[];
extern const vm_host_fn vm_fns_context[];
extern const vm_host_fn vm_fns_results[];
extern const vm_host_fn vm_fns_storage[];
extern const vm_host_fn vm_fns_crypto[];
extern const vm_host_fn vm_fns_promises[];

/* imports.c: defines every host function in the linker. */
bool vm_link(near_vm_logic *L, wasm_linker *linker, char *detail, size_t detail_size);
/* Checks a module's imports against the table: NULL if all resolve, else
 * writes the LinkError message into msg. */
bool vm_check_imports(const wasm_module *m, char *msg, size_t msg_size);

/* promises.c: end of a successful call: share unused gas among weighted calls. */
void vm_promises_finish(near_vm_logic *L);
void vm_promises_free(near_vm_logic *L);
void vm_receipts_free(near_vm_outcome *o);

/* keccak.c */
void vm_keccak(unsigned rate_bytes, uint8_t pad, const uint8_t *in, size_t len, uint8_t *out, size_t out_len);

#endif
