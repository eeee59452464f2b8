;; Imports everything producer.wat exports and uses it.
(module
  (import "producer" "double" (func $double (param i32) (result i32)))
  (import "producer" "bump" (func $bump (result i32)))
  (import "producer" "memory" (memory 1))
  (import "producer" "counter" (global $counter (mut i32)))
  (import "producer" "table" (table $t 2 funcref))
  (type $i_i (func (param i32) (result i32)))
  (elem (table $t) (i32.const 1) func $triple)
  (data (i32.const 100) "shared")
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func (export "run") (param i32) (result i32)
    ;; double(x) + table[0](x) + table[1](x) = 2x + 2x + 3x = 7x
    (i32.add (call $double (local.get 0))
      (i32.add (call_indirect $t (type $i_i) (local.get 0) (i32.const 0))
               (call_indirect $t (type $i_i) (local.get 0) (i32.const 1)))))
  (func (export "bump_and_read") (result i32)
    ;; the producer writes the counter to address 0 of the shared memory
    (drop (call $bump))
    (i32.add (i32.load (i32.const 0)) (global.get $counter)))
  (func (export "set_counter") (param i32) (global.set $counter (local.get 0)))
)
