/* tx_json.h — NEAR's JSON views of transactions and actions, as the RPC
 * shows them in FinalExecutionOutcome.transaction, chunk transactions and
 * receipts (ActionView / SignedTransactionView):
 *   "CreateAccount"
 *   {"DeployContract":{"code":"<base64>"}}
 *   {"FunctionCall":{"method_name":"…","args":"<base64>","gas":N,"deposit":"…"}}
 *   {"Transfer":{"deposit":"…"}}
 *   {"Stake":{"stake":"…","public_key":"ed25519:…"}}
 *   {"AddKey":{"public_key":"…","access_key":{"nonce":N,"permission":"FullAccess" |
 *              {"FunctionCall":{"allowance":"…"|null,"receiver_id":"…","method_names":[…]}}}}}
 *   {"DeleteKey":{"public_key":"…"}}
 *   {"DeleteAccount":{"beneficiary_id":"…"}}
 *   {"Delegate":{"delegate_action":{…},"signature":"ed25519:…"}}
 * u128 values are decimal strings; u64 values (gas, nonce, heights) are JSON
 * numbers (a value above 2^63 − 1, which jansson cannot hold, becomes a
 * decimal string). All functions return a new reference, or NULL on OOM. */
#ifndef OUTLAYER_NEAR_TX_JSON_H
#define OUTLAYER_NEAR_TX_JSON_H

#include <jansson.h>

#include "near/transaction.h"

json_t *near_action_view(const near_action *a);
json_t *near_access_key_view_json(const near_access_key *ak);
json_t *near_delegate_action_view(const near_delegate_action *da);
/* {signer_id, public_key, nonce, receiver_id, actions, priority_fee: 0,
 *  signature, hash (base58 sha256 of the transaction)}. */
json_t *near_signed_transaction_view(const near_signed_transaction *stx);

#endif
