/* status.c — names of near_status values, for messages and logs. */
#include "near/status.h"

static const char *const STATUS_NAMES[] = {
    "ok",
    "bad argument",
    "transport error",
    "HTTP error",
    "protocol error",
    "timeout",
    "unknown account",
    "unknown access key",
    "no contract code",
    "unknown block",
    "unknown chunk",
    "unknown transaction",
    "contract execution error",
    "invalid nonce",
    "invalid transaction",
    "handler error",
    "request validation error",
    "internal error",
    "transaction failed",
    "invalid input",
    "out of memory",
    "I/O error",
    "crypto error",
};

const char *near_status_name(near_status st)
{
    return (unsigned)st < sizeof STATUS_NAMES / sizeof STATUS_NAMES[0] ? STATUS_NAMES[st] : "unknown";
}
