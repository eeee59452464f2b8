#!/usr/bin/env bash
# check_wasm.sh WASM MAX_BYTES METHOD... — checks that a contract is a
# well-behaved NEAR contract:
#   * validates with only MVP + sign-extension + mutable globals enabled;
#   * imports nothing but functions from module "env" that NEAR provides,
#     with NEAR's exact signatures;
#   * exports every METHOD as a function taking and returning nothing;
#   * is smaller than MAX_BYTES (prints the size).
set -euo pipefail
wasm=$1; max=$2; shift 2
name=$(basename "$wasm")
fail() { echo "contracts-check: $name: $*" >&2; exit 1; }

wasm-validate --disable-bulk-memory --disable-reference-types --disable-multi-value \
  --disable-saturating-float-to-int --disable-simd "$wasm" || fail "wasm-validate failed"

# NEAR host functions (near-runtime spec §1, tiers 1 and 2).
allowed=" read_register register_len write_register input current_account_id signer_account_id
 signer_account_pk predecessor_account_id block_index block_timestamp epoch_height storage_usage
 account_balance account_locked_balance attached_deposit prepaid_gas used_gas random_seed sha256
 keccak256 keccak512 ripemd160 ecrecover ed25519_verify value_return panic panic_utf8 log_utf8 log_utf16
 abort storage_write storage_read storage_remove storage_has_key promise_create promise_then promise_and
 promise_batch_create promise_batch_then promise_batch_action_create_account
 promise_batch_action_deploy_contract promise_batch_action_function_call
 promise_batch_action_function_call_weight promise_batch_action_transfer promise_batch_action_stake
 promise_batch_action_add_key_with_full_access promise_batch_action_add_key_with_function_call
 promise_batch_action_delete_key promise_batch_action_delete_account promise_results_count
 promise_result promise_return promise_yield_create promise_yield_resume validator_stake
 validator_total_stake "
allowed=$(echo $allowed)" "
# Exact wasm signatures of the host functions our SDK declares (env.h).
i64x() { local n=$1 s="" i; for ((i = 0; i < n; i++)); do s+="${s:+, }i64"; done; echo "($s)"; }
declare -A sigs=(
  [read_register]="$(i64x 2) -> nil" [register_len]="$(i64x 1) -> i64" [write_register]="$(i64x 3) -> nil"
  [input]="$(i64x 1) -> nil" [current_account_id]="$(i64x 1) -> nil" [signer_account_id]="$(i64x 1) -> nil"
  [predecessor_account_id]="$(i64x 1) -> nil" [block_index]="() -> i64" [block_timestamp]="() -> i64"
  [storage_usage]="() -> i64" [prepaid_gas]="() -> i64" [used_gas]="() -> i64"
  [account_balance]="$(i64x 1) -> nil" [attached_deposit]="$(i64x 1) -> nil" [random_seed]="$(i64x 1) -> nil"
  [sha256]="$(i64x 3) -> nil" [value_return]="$(i64x 2) -> nil" [panic_utf8]="$(i64x 2) -> nil"
  [log_utf8]="$(i64x 2) -> nil" [storage_write]="$(i64x 5) -> i64" [storage_read]="$(i64x 3) -> i64"
  [storage_remove]="$(i64x 3) -> i64" [storage_has_key]="$(i64x 2) -> i64" [promise_create]="$(i64x 8) -> i64"
  [promise_then]="$(i64x 9) -> i64" [promise_and]="$(i64x 2) -> i64" [promise_batch_create]="$(i64x 2) -> i64"
  [promise_batch_then]="$(i64x 3) -> i64" [promise_batch_action_transfer]="$(i64x 2) -> nil"
  [promise_batch_action_function_call]="$(i64x 7) -> nil"
  [promise_batch_action_function_call_weight]="$(i64x 8) -> nil" [promise_results_count]="() -> i64"
  [promise_result]="$(i64x 2) -> i64" [promise_return]="$(i64x 1) -> nil"
  [promise_yield_create]="$(i64x 7) -> i64" [promise_yield_resume]="$(i64x 4) -> i32"
)

types=$(wasm-objdump -x -j Type "$wasm" 2>/dev/null || true)
dump=$(wasm-objdump -x -j Import "$wasm" 2>/dev/null || true)
imports=0
while read -r line; do
  [[ $line =~ \<-\ ([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$ ]] || continue
  mod=${BASH_REMATCH[1]}; fn=${BASH_REMATCH[2]}
  [[ $line == *"func["* ]] || fail "non-function import $mod.$fn"
  [[ $mod == env ]] || fail "import from module '$mod' ($fn)"
  [[ " $allowed" == *" $fn "* ]] || fail "import env.$fn is not a NEAR host function"
  if [[ -n ${sigs[$fn]:-} ]]; then
    sig=$(sed -E 's/.*sig=([0-9]+).*/\1/' <<< "$line")
    have=$(grep -E "^ - type\[$sig\] " <<< "$types" | sed -E 's/^ - type\[[0-9]+\] //')
    [[ $have == "${sigs[$fn]}" ]] || fail "import env.$fn has type $have, NEAR's is ${sigs[$fn]}"
  fi
  imports=$((imports + 1))
done <<< "$dump"

exports=$(wasm-objdump -x -j Export "$wasm" 2>/dev/null || true)
for m in "$@"; do
  line=$(grep -E "func\[[0-9]+\].* -> \"$m\"$" <<< "$exports" || true)
  [[ -n $line ]] || fail "method $m is not exported"
done
# Every exported function must have type [] -> [] (NEAR calls them so).
funcs=$(wasm-objdump -x -j Function "$wasm" 2>/dev/null || true)
while read -r line; do
  [[ $line =~ func\[([0-9]+)\].*\-\>\ \"([A-Za-z0-9_]+)\"$ ]] || continue
  idx=${BASH_REMATCH[1]}; m=${BASH_REMATCH[2]}
  sig=$(grep -E "^ - func\[$idx\] sig=" <<< "$funcs" | sed -E 's/.*sig=([0-9]+).*/\1/')
  [[ -n $sig ]] || fail "cannot find the type of export $m"
  grep -qE "^ - type\[$sig\] \(\) -> nil$" <<< "$types" || fail "export $m does not have type () -> nil"
done <<< "$exports"

size=$(stat -c %s "$wasm")
[[ $size -lt $max ]] || fail "$size bytes, limit $max"
echo "contracts-check: $name ok: $size bytes, $imports env imports, $# methods exported"
