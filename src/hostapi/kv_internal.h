/* kv_internal.h — shared by kv.c (host functions) and views.c (NEAR RPC). */
#ifndef OUTLAYER_HOSTAPI_KV_INTERNAL_H
#define OUTLAYER_HOSTAPI_KV_INTERNAL_H

#include "hostapi/internal.h"
#include "hostapi/kv.h"

struct near_rpc;

struct hostapi_kv_state {
    hostapi_store *store; /* NULL = storage disabled */
    char *rpc_url;        /* NULL = views disabled */
    struct near_rpc *rpc; /* made at the first view */
    uint32_t max_storage_calls, max_value, max_view_calls, max_view_result;
    uint64_t max_storage_bytes, max_view_bytes;
    uint32_t storage_calls, view_calls;
    uint64_t storage_bytes, view_bytes;
    uint8_t *result; /* the last storage_get / storage_list / view_* result */
    size_t result_len;
};
typedef struct hostapi_kv_state hostapi_kv_state;

/* views.c */
bool hostapi_valid_account(const char *id, size_t len);
int hostapi_view_function(hostapi_ctx *h, const char *contract, const char *method, const uint8_t *args,
                          size_t args_len, uint8_t **out, size_t *out_len);
int hostapi_view_account(hostapi_ctx *h, const char *account, uint8_t **out, size_t *out_len);
void hostapi_views_close(hostapi_kv_state *k);

#endif
