/* methods.c — the table of exported methods (native tests and fuzzing;
 * on wasm the exports themselves are the interface). */
#include "register.h"

const struct rg_method RG_METHODS[] = {
    {"new", rg_new},
    {"update_collateral", rg_update_collateral},
    {"add_approved_rtmr3", rg_add_approved_rtmr3},
    {"remove_approved_rtmr3", rg_remove_approved_rtmr3},
    {"add_approved_measurements", rg_add_approved_measurements},
    {"remove_approved_measurements", rg_remove_approved_measurements},
    {"set_tcb_policy", rg_set_tcb_policy},
    {"transfer_ownership", rg_transfer_ownership},
    {"register_worker_key", rg_register_worker_key},
    {"remove_worker", rg_remove_worker},
    {"get_approved_rtmr3", rg_get_approved_rtmr3},
    {"is_rtmr3_approved", rg_is_rtmr3_approved},
    {"get_collateral", rg_get_collateral},
    {"get_init_worker_account", rg_get_init_worker_account},
    {"get_approved_measurements", rg_get_approved_measurements},
    {"get_config", rg_get_config},
    {"list_workers", rg_list_workers},
    {"get_worker", rg_get_worker},
    {"set_stake_config", rg_set_stake_config},
    {"unstake", rg_unstake},
    {"withdraw", rg_withdraw},
    {"slash", rg_slash},
};
const size_t RG_METHOD_COUNT = sizeof RG_METHODS / sizeof RG_METHODS[0];
