;; Promises, batch actions, promise results and yield/resume.
;; The current account in the tests is alice.near.
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_then" (func $promise_then (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_and" (func $promise_and (param i64 i64) (result i64)))
  (import "env" "promise_batch_create" (func $batch_create (param i64 i64) (result i64)))
  (import "env" "promise_batch_then" (func $batch_then (param i64 i64 i64) (result i64)))
  (import "env" "promise_batch_action_create_account" (func $a_create (param i64)))
  (import "env" "promise_batch_action_deploy_contract" (func $a_deploy (param i64 i64 i64)))
  (import "env" "promise_batch_action_function_call" (func $a_call (param i64 i64 i64 i64 i64 i64 i64)))
  (import "env" "promise_batch_action_function_call_weight" (func $a_call_w (param i64 i64 i64 i64 i64 i64 i64 i64)))
  (import "env" "promise_batch_action_transfer" (func $a_transfer (param i64 i64)))
  (import "env" "promise_batch_action_stake" (func $a_stake (param i64 i64 i64 i64)))
  (import "env" "promise_batch_action_add_key_with_full_access" (func $a_key_full (param i64 i64 i64 i64)))
  (import "env" "promise_batch_action_add_key_with_function_call"
    (func $a_key_fc (param i64 i64 i64 i64 i64 i64 i64 i64 i64)))
  (import "env" "promise_batch_action_delete_key" (func $a_del_key (param i64 i64 i64)))
  (import "env" "promise_batch_action_delete_account" (func $a_del_account (param i64 i64 i64)))
  (import "env" "promise_results_count" (func $results_count (result i64)))
  (import "env" "promise_result" (func $result (param i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (import "env" "promise_yield_create" (func $yield_create (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume" (func $yield_resume (param i64 i64 i64 i64) (result i32)))
  (import "env" "account_balance" (func $account_balance (param i64)))
  (memory 1)
  (data (i32.const 100) "bob.near")          ;; 8
  (data (i32.const 110) "carol.near")        ;; 10
  (data (i32.const 120) "alice.near")        ;; 10
  (data (i32.const 140) "init")              ;; 4
  (data (i32.const 150) "{}")                ;; 2
  (data (i32.const 160) "\00asm")            ;; 4
  (data (i32.const 170) "a,b")               ;; 3
  (data (i32.const 180) "on_resume")         ;; 9
  (data (i32.const 200) "Bad.Account")       ;; 11
  ;; 1 NEAR = 10^24 = 0xd3c21bcecceda1000000 as u128 LE at 256
  (data (i32.const 256) "\00\00\00\a1\ed\cc\ce\1b\c2\d3\00\00\00\00\00\00")
  ;; 5 yocto at 272
  (data (i32.const 272) "\05")
  ;; ed25519 public key, Borsh: type 0 + 32 bytes (0x01..0x20) at 300
  (data (i32.const 300) "\00\01\02\03\04\05\06\07\08\09\0a\0b\0c\0d\0e\0f\10\11\12\13\14\15\16\17\18\19\1a\1b\1c\1d\1e\1f\20")
  (data (i32.const 400) "a,,b")              ;; 4
  ;; allowance 100 at 340
  (data (i32.const 340) "\64")
  ;; all ones u128 (more than any balance) at 360
  (data (i32.const 360) "\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff\ff")

  ;; every batch action on one receipt to bob.near
  (func (export "batch")
    (local $p i64)
    (local.set $p (call $batch_create (i64.const 8) (i64.const 100)))
    (call $a_create (local.get $p))
    (call $a_transfer (local.get $p) (i64.const 256))
    (call $a_deploy (local.get $p) (i64.const 4) (i64.const 160))
    (call $a_call (local.get $p) (i64.const 4) (i64.const 140) (i64.const 2) (i64.const 150)
      (i64.const 272) (i64.const 5000000000000))
    (call $a_call_w (local.get $p) (i64.const 4) (i64.const 140) (i64.const 0) (i64.const 150)
      (i64.const 512) (i64.const 1000000000000) (i64.const 2))
    (call $a_stake (local.get $p) (i64.const 272) (i64.const 33) (i64.const 300))
    (call $a_key_full (local.get $p) (i64.const 33) (i64.const 300) (i64.const 7))
    (call $a_key_fc (local.get $p) (i64.const 33) (i64.const 300) (i64.const 0) (i64.const 340)
      (i64.const 8) (i64.const 100) (i64.const 3) (i64.const 170))
    (call $a_del_key (local.get $p) (i64.const 33) (i64.const 300))
    (call $a_del_account (local.get $p) (i64.const 10) (i64.const 120))
    (call $account_balance (i64.const 0))
    (call $value_return (i64.const 16) (i64.const 0)))
  ;; bob.near.init() then alice.near.on_resume("{}"), returned
  (func (export "then")
    (local $p i64)
    (local.set $p (call $promise_create (i64.const 8) (i64.const 100) (i64.const 4) (i64.const 140)
      (i64.const 2) (i64.const 150) (i64.const 512) (i64.const 10000000000000)))
    (call $promise_return
      (call $promise_then (local.get $p) (i64.const 10) (i64.const 120) (i64.const 9) (i64.const 180)
        (i64.const 2) (i64.const 150) (i64.const 512) (i64.const 5000000000000))))
  ;; and(bob.init, carol.init) then alice.on_resume
  (func (export "and")
    (i64.store (i32.const 0) (call $promise_create (i64.const 8) (i64.const 100) (i64.const 4) (i64.const 140)
      (i64.const 0) (i64.const 150) (i64.const 512) (i64.const 1000000000000)))
    (i64.store (i32.const 8) (call $promise_create (i64.const 10) (i64.const 110) (i64.const 4) (i64.const 140)
      (i64.const 0) (i64.const 150) (i64.const 512) (i64.const 1000000000000)))
    (drop (call $batch_then (call $promise_and (i64.const 0) (i64.const 2)) (i64.const 10) (i64.const 120))))
  (func (export "and_append")
    (i64.store (i32.const 0) (call $batch_create (i64.const 8) (i64.const 100)))
    (call $a_create (call $promise_and (i64.const 0) (i64.const 1))))
  (func (export "and_return")
    (i64.store (i32.const 0) (call $batch_create (i64.const 8) (i64.const 100)))
    (call $promise_return (call $promise_and (i64.const 0) (i64.const 1))))
  (func (export "bad_index") (call $a_transfer (i64.const 5) (i64.const 272)))
  (func (export "bad_account") (drop (call $batch_create (i64.const 11) (i64.const 200))))
  (func (export "empty_method")
    (call $a_call (call $batch_create (i64.const 8) (i64.const 100)) (i64.const 0) (i64.const 140)
      (i64.const 0) (i64.const 150) (i64.const 512) (i64.const 1)))
  (func (export "overspend")
    (call $a_transfer (call $batch_create (i64.const 8) (i64.const 100)) (i64.const 360)))
  (func (export "bad_key")
    (call $a_key_full (call $batch_create (i64.const 8) (i64.const 100)) (i64.const 32) (i64.const 301) (i64.const 0)))
  ;; nearcore looks the promise up (and charges the fee) before decoding the key
  (func (export "bad_key_bad_promise")
    (call $a_key_full (i64.const 99) (i64.const 32) (i64.const 301) (i64.const 0)))
  ;; an empty name in the method-name list
  (func (export "empty_key_method")
    (call $a_key_fc (call $batch_create (i64.const 8) (i64.const 100)) (i64.const 33) (i64.const 300) (i64.const 0)
      (i64.const 340) (i64.const 8) (i64.const 100) (i64.const 4) (i64.const 400)))
  (func (export "too_much_gas")
    (call $a_call (call $batch_create (i64.const 8) (i64.const 100)) (i64.const 4) (i64.const 140)
      (i64.const 0) (i64.const 150) (i64.const 512) (i64.const 400000000000000)))
  ;; promise results: count, then result 0 as 8 bytes status + register
  (func (export "results_count")
    (i64.store (i32.const 0) (call $results_count))
    (call $value_return (i64.const 8) (i64.const 0)))
  (func (export "result0")
    (local $len i64)
    (i64.store (i32.const 0) (call $result (i64.const 0) (i64.const 3)))
    (local.set $len (call $register_len (i64.const 3)))
    (if (i64.eq (local.get $len) (i64.const -1))
      (then (local.set $len (i64.const 0)))
      (else (call $read_register (i64.const 3) (i64.const 8))))
    (call $value_return (i64.add (local.get $len) (i64.const 8)) (i64.const 0)))
  (func (export "result_bad") (drop (call $result (i64.const 9) (i64.const 0))))
  ;; yield: returns the data id (register 0)
  (func (export "yield")
    (drop (call $yield_create (i64.const 9) (i64.const 180) (i64.const 2) (i64.const 150)
      (i64.const 10000000000000) (i64.const 0) (i64.const 0)))
    (call $value_return (i64.const -1) (i64.const 0)))
  (func (export "yield_return")
    (call $promise_return (call $yield_create (i64.const 9) (i64.const 180) (i64.const 2) (i64.const 150)
      (i64.const 10000000000000) (i64.const 1) (i64.const 0))))
  ;; resume: input = 32-byte data id then the payload; returns the i32 result
  (func (export "resume")
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 4096))
    (i64.store (i32.const 0) (i64.extend_i32_u
      (call $yield_resume (i64.const 32) (i64.const 4096)
        (i64.sub (call $register_len (i64.const 0)) (i64.const 32)) (i64.const 4128))))
    (call $value_return (i64.const 8) (i64.const 0)))
  (func (export "resume_short_id")
    (drop (call $yield_resume (i64.const 31) (i64.const 4096) (i64.const 0) (i64.const 0))))
  (func (export "yield_and_resume")
    (drop (call $yield_create (i64.const 9) (i64.const 180) (i64.const 2) (i64.const 150)
      (i64.const 10000000000000) (i64.const 0) (i64.const 0)))
    (call $read_register (i64.const 0) (i64.const 4096))
    (i64.store (i32.const 0) (i64.extend_i32_u
      (call $yield_resume (i64.const 32) (i64.const 4096) (i64.const 2) (i64.const 150))))
    (i64.store (i32.const 8) (i64.extend_i32_u
      (call $yield_resume (i64.const 32) (i64.const 4096) (i64.const 2) (i64.const 150))))
    (call $value_return (i64.const 16) (i64.const 0)))
)
