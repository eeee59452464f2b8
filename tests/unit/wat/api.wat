;; Module for test_wasm_exec_api.c: imports of every kind (to check link
;; error messages) and exports of every kind (to list them).
(module
  (import "env" "f" (func $f (param i32 i64) (result f32)))
  (import "env" "g" (global $g (mut i64)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 1 funcref))
  (global $counter (mut i32) (i32.const 7))
  (table $t 2 externref)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "loop") (param i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (local.get $i))
  (export "counter" (global $counter))
  (export "memory" (memory 0))
  (export "refs" (table $t)))
