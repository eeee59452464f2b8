;; Hand-counted fuel (cost model in docs/engine.md: every instruction costs
;; 1 except the `end` and `else` delimiters).
(module
  ;; 3 instructions: local.get, local.get, i32.add
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
;; 8 instructions: local.get, local.get, call | callee's 3 | i32.const, i32.add
  (func (export "twice_plus_one") (param i32) (result i32)
    (i32.add (call 0 (local.get 0) (local.get 0)) (i32.const 1)))
  ;; sum n + (n-1) + ... + 1. Instructions executed for n:
  ;;   block, loop                                    2
  ;;   per iteration (n times): local.get, i32.eqz, br_if,
  ;;     local.get, local.get, i32.add, local.set,
  ;;     local.get, i32.const, i32.sub, local.set, br   12
  ;;   last check: local.get, i32.eqz, br_if           3
  ;;   after the block: local.get                      1
  ;; total = 12 n + 6
  (func (export "sum") (param i32) (result i32) (local i32)
    (block
      (loop
        (br_if 1 (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0)))
    (local.get 1))
  ;; a busy function with calls, memory and floats, for determinism checks
  (memory 1)
  (func $mix (param i32) (result i32)
    (i32.store (i32.and (local.get 0) (i32.const 0xfffc))
      (i32.add (i32.load (i32.and (local.get 0) (i32.const 0xfffc))) (local.get 0)))
    (i32.trunc_sat_f64_s (f64.sqrt (f64.convert_i32_u (local.get 0)))))
  (func (export "busy") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (call $mix (i32.mul (local.get 0) (i32.const 2654435761)))))
      (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get 1))
  (func (export "spin") (loop (br 0)))
)
