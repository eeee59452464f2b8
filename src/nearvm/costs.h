/*
 * costs.h — every gas cost and limit the NEAR VM layer charges, in one place.
 *
 * Values are nearcore's current parameters (core/parameters, protocol
 * version 84+: res/runtime_configs/parameters.yaml with its per-version diffs,
 * as recorded in src/snapshots/near_parameters__config_store__tests__NN.json.snap),
 * except storage_read_base and storage_read_value_byte, which mainnet's
 * EXPERIMENTAL_protocol_config and a black-box check of PV86 both give one
 * gas lower than the spec (…749 and 5,611,004).
 * Compute costs (chunk scheduling only) are not modelled.
 */
#ifndef OUTLAYER_NEARVM_COSTS_H
#define OUTLAYER_NEARVM_COSTS_H

#include <stdint.h>

/* ---- wasm execution ---- */
#define COST_REGULAR_OP 822756ull
#define COST_CONTRACT_LOADING_BASE 35445963ull
#define COST_CONTRACT_LOADING_BYTES 1089295ull

/* ---- host functions (ext costs) ---- */
#define COST_BASE 264768111ull
#define COST_READ_MEMORY_BASE 2609863200ull
#define COST_READ_MEMORY_BYTE 3801333ull
#define COST_WRITE_MEMORY_BASE 2803794861ull
#define COST_WRITE_MEMORY_BYTE 2723772ull
#define COST_READ_REGISTER_BASE 2517165186ull
#define COST_READ_REGISTER_BYTE 98562ull
#define COST_WRITE_REGISTER_BASE 2865522486ull
#define COST_WRITE_REGISTER_BYTE 3801564ull
#define COST_UTF8_DECODING_BASE 3111779061ull
#define COST_UTF8_DECODING_BYTE 291580479ull
#define COST_UTF16_DECODING_BASE 3543313050ull
#define COST_UTF16_DECODING_BYTE 163577493ull
#define COST_LOG_BASE 3543313050ull
#define COST_LOG_BYTE 13198791ull
#define COST_STORAGE_WRITE_BASE 64196736000ull
#define COST_STORAGE_WRITE_KEY_BYTE 70482867ull
#define COST_STORAGE_WRITE_VALUE_BYTE 31018539ull
#define COST_STORAGE_WRITE_EVICTED_BYTE 32117307ull
#define COST_STORAGE_READ_BASE 56356845749ull
#define COST_STORAGE_READ_KEY_BYTE 30952533ull
#define COST_STORAGE_READ_VALUE_BYTE 5611004ull
/* values longer than 4000 bytes (nearcore's INLINE_DISK_VALUE_THRESHOLD) pay
 * this on top; its gas is 1 + 1 per byte (the real weight is in compute) */
#define COST_STORAGE_LARGE_READ_THRESHOLD 4000u
#define COST_STORAGE_LARGE_READ_OVERHEAD_BASE 1ull
#define COST_STORAGE_LARGE_READ_OVERHEAD_BYTE 1ull
#define COST_STORAGE_REMOVE_BASE 53473030500ull
#define COST_STORAGE_REMOVE_KEY_BYTE 38220384ull
#define COST_STORAGE_REMOVE_RET_VALUE_BYTE 11531556ull
#define COST_STORAGE_HAS_KEY_BASE 54039896625ull
#define COST_STORAGE_HAS_KEY_BYTE 30790845ull
#define COST_SHA256_BASE 4540970250ull
#define COST_SHA256_BYTE 24117351ull
#define COST_KECCAK256_BASE 5879491275ull
#define COST_KECCAK256_BYTE 21471105ull
#define COST_KECCAK512_BASE 5811388236ull
#define COST_KECCAK512_BYTE 36649701ull
#define COST_RIPEMD160_BASE 853675086ull
#define COST_RIPEMD160_BLOCK 680107584ull
#define COST_ECRECOVER_BASE 278821988457ull
#define COST_ED25519_VERIFY_BASE 210000000000ull
#define COST_ED25519_VERIFY_BYTE 9000000ull
#define COST_P256_VERIFY_BASE 1300000000000ull
#define COST_P256_VERIFY_BYTE 13000000ull
#define COST_PROMISE_AND_BASE 1465013400ull
#define COST_PROMISE_AND_PER_PROMISE 5452176ull
#define COST_PROMISE_RETURN 560152386ull
#define COST_VALIDATOR_STAKE_BASE 911834726400ull
#define COST_VALIDATOR_TOTAL_STAKE_BASE 911834726400ull
#define COST_YIELD_CREATE_BASE 153411779276ull
#define COST_YIELD_CREATE_BYTE 15643988ull
#define COST_YIELD_RESUME_BASE 1195627285210ull
#define COST_YIELD_RESUME_BYTE 47683715ull
#define COST_ALT_BN128_G1_MULTIEXP_BASE 713000000000ull
#define COST_ALT_BN128_G1_SUM_BASE 3000000000ull
#define COST_ALT_BN128_PAIRING_CHECK_BASE 9686000000000ull

/* ---- action fees: send when receiver == current account (sir), send otherwise, execution ---- */
typedef struct nearvm_fee {
    uint64_t send_sir;
    uint64_t send_not_sir;
    uint64_t execution;
} nearvm_fee;

#define FEE_ACTION_RECEIPT ((nearvm_fee){108059500000ull, 108059500000ull, 108059500000ull})
#define FEE_DATA_RECEIPT_BASE ((nearvm_fee){36486732312ull, 36486732312ull, 36486732312ull})
#define FEE_DATA_RECEIPT_BYTE ((nearvm_fee){17212011ull, 47683715ull, 17212011ull})
#define FEE_CREATE_ACCOUNT ((nearvm_fee){500000000000ull, 500000000000ull, 7200000000000ull})
#define FEE_DEPLOY_BASE ((nearvm_fee){184765750000ull, 184765750000ull, 184765750000ull})
#define FEE_DEPLOY_BYTE ((nearvm_fee){6812999ull, 47683715ull, 64572944ull})
#define FEE_FUNCTION_CALL_BASE ((nearvm_fee){200000000000ull, 200000000000ull, 780000000000ull})
#define FEE_FUNCTION_CALL_BYTE ((nearvm_fee){2235934ull, 47683715ull, 2235934ull})
#define FEE_TRANSFER ((nearvm_fee){115123062500ull, 115123062500ull, 115123062500ull})
#define FEE_STAKE ((nearvm_fee){141715687500ull, 141715687500ull, 102217625000ull})
#define FEE_ADD_KEY_FULL ((nearvm_fee){101765125000ull, 101765125000ull, 101765125000ull})
#define FEE_ADD_KEY_FUNCTION_CALL ((nearvm_fee){102217625000ull, 102217625000ull, 102217625000ull})
#define FEE_ADD_KEY_FUNCTION_CALL_BYTE ((nearvm_fee){1925331ull, 47683715ull, 1925331ull})
#define FEE_DELETE_KEY ((nearvm_fee){94946625000ull, 94946625000ull, 94946625000ull})
#define FEE_DELETE_ACCOUNT ((nearvm_fee){147489000000ull, 147489000000ull, 147489000000ull})

/* ---- limits (limit_config) ---- */
#define LIMIT_MAX_REGISTER_SIZE (100ull << 20)
#define LIMIT_MAX_NUMBER_REGISTERS 100u
#define LIMIT_REGISTERS_MEMORY (1ull << 30)
#define LIMIT_MAX_LOGS 100u
#define LIMIT_MAX_TOTAL_LOG_LENGTH 16384ull
#define LIMIT_MAX_STORAGE_KEY 2048ull
#define LIMIT_MAX_STORAGE_VALUE (4ull << 20)
#define LIMIT_MAX_RETURNED_DATA (4ull << 20)
#define LIMIT_MAX_PROMISES 1024u
#define LIMIT_MAX_INPUT_DATA_DEPENDENCIES 128u
#define LIMIT_MAX_CONTRACT_SIZE (4ull << 20)
#define LIMIT_MAX_YIELD_PAYLOAD 1024ull
/* preparation (spec §9.3) */
#define LIMIT_MAX_FUNCTIONS 10000u
#define LIMIT_MAX_LOCALS 1000000ull
#define LIMIT_MAX_TABLES 1u
#define LIMIT_MAX_TABLE_ELEMENTS 10000u

#endif
