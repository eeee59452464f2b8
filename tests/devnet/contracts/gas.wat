;; Gas metering. Instruction counts follow the engine's cost model
;; (docs/engine.md): every instruction costs 1 except `end` and `else`.
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "block_index" (func $block_index (result i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "used_gas" (func $used_gas (result i64)))
  (import "env" "prepaid_gas" (func $prepaid_gas (result i64)))
  (import "env" "promise_batch_create" (func $promise_batch_create (param i64 i64) (result i64)))
  (import "env" "promise_batch_action_function_call_weight"
    (func $fc_weight (param i64 i64 i64 i64 i64 i64 i64 i64)))
  (memory 1)
  (data (i32.const 100) "hello")
  (data (i32.const 200) "bob.near")
  (data (i32.const 220) "go")

  (func (export "noop"))
  ;; one host call with only the base cost
  (func (export "one_base") (drop (call $block_index)))
  (func (export "log_hello") (call $log_utf8 (i64.const 5) (i64.const 100)))
  ;; n iterations of 12 instructions, n from the first 4 input bytes
  (func (export "loop")
    (local $n i32) (local $acc i32)
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 0))
    (local.set $n (i32.load (i32.const 0)))
    (block
      (loop
        (br_if 1 (i32.eqz (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br 0))))
  (func (export "forever") (loop (br 0)))
  (func (export "gas_numbers")
    (i64.store (i32.const 0) (call $used_gas))
    (i64.store (i32.const 8) (call $prepaid_gas))
    (call $value_return (i64.const 16) (i64.const 0)))
  ;; two weighted calls (weights 1 and 3) share the unused gas
  (func (export "weights")
    (local $p i64)
    (local.set $p (call $promise_batch_create (i64.const 8) (i64.const 200)))
    (call $fc_weight (local.get $p) (i64.const 2) (i64.const 220) (i64.const 0) (i64.const 0)
      (i64.const 300) (i64.const 1000000000000) (i64.const 1))
    (call $fc_weight (local.get $p) (i64.const 2) (i64.const 220) (i64.const 0) (i64.const 0)
      (i64.const 300) (i64.const 2000000000000) (i64.const 3)))
)
