/*
 * internal.h — state of one NEAR function call and the helpers the host
 * functions share (internal to src/nearvm/).
 *
 * Every host function follows nearcore's order of work: charge gas, check
 * the view flag, read inputs (memory or register), check limits, act. A
 * helper that fails records a NEAR error in the logic and returns false; the
 * trampoline (imports.c) turns that into a host trap, and the runner reports
 * the recorded error instead of the engine's trap.
 */
#ifndef OUTLAYER_NEARVM_INTERNAL_H
#define OUTLAYER_NEARVM_INTERNAL_H

#include "nearvm/costs.h"
#include "nearvm/nearvm.h"
#include "near/utf8.h"
#include "wasm/olw.h"

#include <stdbool.h>
#include <stdint.h>

struct nearvm_contract {
    olw_module *module;
    size_t code_len; /* of the original code: contract loading is charged on it */
    int refcount;
};

typedef struct nearvm_register {
    uint64_t id;
    uint8_t *data;
    size_t len;
} nearvm_register;

/* A promise index refers to one receipt or to a joint ("and") promise. */
typedef struct nearvm_promise {
    bool joint;
    size_t receipt;   /* !joint */
    size_t *receipts; /* joint: the receipts it waits for */
    size_t count;
} nearvm_promise;

typedef struct nearvm_weight {
    size_t receipt, action;
    uint64_t weight;
} nearvm_weight;

typedef struct nearvm_logic {
    const nearvm_context *ctx;
    const nearvm_storage *storage;
    nearvm_outcome *out;
    olw_store *store;
    olw_memory *memory;

    /* gas */
    uint64_t prepaid_gas;
    uint64_t max_gas_burnt;
    uint64_t burnt;
    uint64_t promises_gas; /* used - burnt: gas prepaid to new receipts */
    uint64_t fuel_given;   /* fuel set in the store at the last host-call exit */
    uint64_t instructions;

    /* state */
    nearvm_register *registers;
    size_t nregisters;
    uint64_t registers_bytes;
    size_t total_log_length;
    nearvm_u128 balance;
    uint64_t storage_usage;
    uint64_t data_id_counter;

    nearvm_promise *promises;
    size_t npromises;
    nearvm_weight *weights;
    size_t nweights;

    bool failed;    /* error recorded in out->error */
    void *bindings; /* imports.c: one env per host function */
} nearvm_logic;

/* ---- errors (errors.c) ---- */
/* Records HostError `debug` (Rust Debug of the variant, e.g. "GasExceeded" or
 * "GuestPanic { panic_msg: \"x\" }") with the Display text; returns false. */
bool nearvm_host_error(nearvm_logic *L, const char *name, const char *debug, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Common host errors. */
bool nearvm_err_memory(nearvm_logic *L);
bool nearvm_err_overflow(nearvm_logic *L);
bool nearvm_err_prohibited(nearvm_logic *L, const char *method);
bool nearvm_err_bad_utf8(nearvm_logic *L);
bool nearvm_err_bad_utf16(nearvm_logic *L);
bool nearvm_err_storage(nearvm_logic *L, const char *what);
bool nearvm_err_oom(nearvm_logic *L);
/* The "<name> { <field>: <value>, limit: <limit> }" family of host errors
 * (KeyLengthExceeded, NumberPromisesExceeded, ...), whose Display text is
 * "<what> <value> exceeds the limit <limit>". */
bool nearvm_err_exceeded(nearvm_logic *L, const char *name, const char *field, const char *what, uint64_t value,
                         uint64_t limit);
/* Fills an error of any kind (json and debug given complete). */
void nearvm_set_error(nearvm_error *e, nearvm_error_kind kind, const char *name, const char *message, const char *json,
                      const char *debug);
/* Appends s to buf as a Rust Debug string literal (with quotes). */
void nearvm_debug_quote(char *buf, size_t size, const char *s);

/* ---- gas (gas.c) ---- */
bool nearvm_gas(nearvm_logic *L, uint64_t gas);                          /* burn */
bool nearvm_gas_per(nearvm_logic *L, uint64_t per_unit, uint64_t units); /* burn per_unit × units */
bool nearvm_gas_deduct(nearvm_logic *L, uint64_t burn, uint64_t use);
bool nearvm_gas_prepay(nearvm_logic *L, uint64_t gas); /* use without burning */
/* Action fees: burn the send fee, reserve the execution fee. */
bool nearvm_pay_action(nearvm_logic *L, nearvm_fee fee, bool sir);
bool nearvm_pay_action_per_byte(nearvm_logic *L, nearvm_fee fee, uint64_t bytes, bool sir);
void nearvm_gas_sync(nearvm_logic *L);        /* account wasm instructions run since the last host call */
void nearvm_gas_refuel(nearvm_logic *L);      /* give the store fuel for what gas remains */
bool nearvm_gas_out_of_fuel(nearvm_logic *L); /* after an out-of-fuel trap: records the right error */
uint64_t nearvm_gas_used(const nearvm_logic *L);

/* ---- memory and registers (registers.c) ---- */
bool nearvm_mem_read(nearvm_logic *L, uint64_t ptr, uint64_t len, const uint8_t **out);
bool nearvm_mem_write(nearvm_logic *L, uint64_t ptr, const void *data, uint64_t len);
bool nearvm_mem_read_u128(nearvm_logic *L, uint64_t ptr, nearvm_u128 *out);
bool nearvm_mem_write_u128(nearvm_logic *L, uint64_t ptr, nearvm_u128 v);
nearvm_register *nearvm_register_find(nearvm_logic *L, uint64_t id);
bool nearvm_register_write(nearvm_logic *L, uint64_t id, const void *data, size_t len);
/* input and promise_result: write_register_base only, no per-byte cost. */
bool nearvm_register_write_shared(nearvm_logic *L, uint64_t id, const void *data, size_t len);
/* "memory or register" input: len == UINT64_MAX reads register `ptr`.
 * *out points into guest memory or the register: copy before the next call. */
bool nearvm_read_input(nearvm_logic *L, uint64_t len, uint64_t ptr, const uint8_t **out, size_t *out_len);
/* Reads a UTF-8 string (memory or register), charging utf8 decoding; malloc'd, NUL-terminated. */
bool nearvm_read_utf8(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out, size_t *out_len);
/* Reads an account id: UTF-8 checked, validity not (see registers.c). */
bool nearvm_read_account_id(nearvm_logic *L, uint64_t len, uint64_t ptr, char **out);
void nearvm_registers_free(nearvm_logic *L);

/* ---- host function groups (each defines its table) ---- */
typedef bool (*nearvm_host_impl)(nearvm_logic *L, const uint64_t *args, uint64_t *results);
typedef struct nearvm_host_fn {
    const char *name;
    const char *sig; /* olw_func_new_host signature */
    nearvm_host_impl impl;
} nearvm_host_fn;

extern const nearvm_host_fn nearvm_fns_registers[];
extern const nearvm_host_fn nearvm_fns_context[];
extern const nearvm_host_fn nearvm_fns_results[];
extern const nearvm_host_fn nearvm_fns_storage[];
extern const nearvm_host_fn nearvm_fns_crypto[];
extern const nearvm_host_fn nearvm_fns_promises[];

/* imports.c: defines every host function in the linker. */
bool nearvm_link(nearvm_logic *L, olw_linker *linker, char *detail, size_t detail_size);
/* Checks a module's imports against the table: NULL if all resolve, else
 * writes the LinkError message into msg. */
bool nearvm_check_imports(const olw_module *m, char *msg, size_t msg_size);

/* promises.c: end of a successful call: share unused gas among weighted calls. */
void nearvm_promises_finish(nearvm_logic *L);
void nearvm_promises_free(nearvm_logic *L);
void nearvm_receipts_free(nearvm_outcome *o);

/* keccak.c */
void nearvm_keccak(unsigned rate_bytes, uint8_t pad, const uint8_t *in, size_t len, uint8_t *out, size_t out_len);

#endif
