/* methods.c — the table of every exported method (used by native tests and
 * the fuzzer; on wasm the exports themselves are the interface). */
#include "outlayer.h"

const struct ol_method OL_METHODS[] = {
    {"new", ol_new},
    {"migrate", ol_migrate},
    {"request_execution", ol_request_execution},
    {"resolve_execution", ol_resolve_execution},
    {"submit_execution_output_and_resolve", ol_submit_execution_output_and_resolve},
    {"submit_execution_output", ol_submit_execution_output},
    {"on_execution_response", ol_on_execution_response},
    {"cancel_stale_execution", ol_cancel_stale_execution},
    {"store_secrets", ol_store_secrets},
    {"delete_secrets", ol_delete_secrets},
    {"update_access", ol_update_access},
    {"set_owner", ol_set_owner},
    {"set_operator", ol_set_operator},
    {"set_paused", ol_set_paused},
    {"set_pricing", ol_set_pricing},
    {"emergency_cancel_execution", ol_emergency_cancel_execution},
    {"clear_all_pending_requests", ol_clear_all_pending_requests},
    {"get_request", ol_get_request},
    {"get_stats", ol_get_stats},
    {"get_pricing", ol_get_pricing},
    {"estimate_execution_cost", ol_estimate_execution_cost},
    {"get_max_limits", ol_get_max_limits},
    {"is_paused", ol_is_paused},
    {"get_config", ol_get_config},
    {"get_pending_output", ol_get_pending_output},
    {"has_pending_output", ol_has_pending_output},
    {"get_storage_version", ol_get_storage_version},
    {"get_secrets", ol_get_secrets},
    {"secrets_exist", ol_secrets_exist},
    {"list_user_secrets", ol_list_user_secrets},
    {"estimate_storage_cost", ol_estimate_storage_cost},
    {"list_profiles", ol_list_profiles},
};
const size_t OL_METHOD_COUNT = sizeof OL_METHODS / sizeof OL_METHODS[0];
