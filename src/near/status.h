/* status.h — the one error convention of src/near.
 *
 * Predicates (is this valid? are these equal?) return bool. Operations
 * return a near_status: NEAR_OK (0) on success, otherwise what kind of
 * failure; where a message helps, the operation also fills an `err`
 * buffer or a near_rpc_error. Operations are marked NEAR_MUST_USE, so a
 * caller cannot drop a failure silently. (base58 encode/decode return a
 * length or -1, like snprintf; that is their documented contract.)
 */
#ifndef OUTLAYER_NEAR_STATUS_H
#define OUTLAYER_NEAR_STATUS_H

#define NEAR_MUST_USE __attribute__((warn_unused_result))

typedef enum near_status {
    NEAR_OK = 0,
    NEAR_ERR_ARG,       /* bad argument given to the client */
    NEAR_ERR_TRANSPORT, /* connection failed, no HTTP answer */
    NEAR_ERR_HTTP,      /* HTTP error without a JSON-RPC error body */
    NEAR_ERR_PROTOCOL,  /* the answer is not the JSON we expect */
    NEAR_ERR_TIMEOUT,   /* TIMEOUT_ERROR (HTTP 408) or client timeout */
    NEAR_ERR_UNKNOWN_ACCOUNT,
    NEAR_ERR_UNKNOWN_ACCESS_KEY,
    NEAR_ERR_NO_CONTRACT_CODE,
    NEAR_ERR_UNKNOWN_BLOCK,
    NEAR_ERR_UNKNOWN_CHUNK,
    NEAR_ERR_UNKNOWN_TRANSACTION,
    NEAR_ERR_CONTRACT_EXECUTION, /* a view call failed (panic, missing method, …) */
    NEAR_ERR_INVALID_NONCE,      /* InvalidTxError::InvalidNonce; see ak_nonce */
    NEAR_ERR_INVALID_TX,         /* any other INVALID_TRANSACTION */
    NEAR_ERR_HANDLER,            /* other HANDLER_ERROR causes */
    NEAR_ERR_REQUEST,            /* REQUEST_VALIDATION_ERROR (parse, method not found) */
    NEAR_ERR_INTERNAL,           /* INTERNAL_ERROR */
    NEAR_ERR_TX_FAILED,          /* near_call_function: the transaction executed and failed */
    NEAR_ERR_INVALID,            /* bytes or text that do not decode or validate (borsh, keys, ids, amounts) */
    NEAR_ERR_NOMEM,              /* out of memory */
    NEAR_ERR_IO,                 /* a file could not be read or written (credentials) */
    NEAR_ERR_CRYPTO,             /* libsodium failed (init, key generation, signing) */
} near_status;

const char *near_status_name(near_status st);

#endif
