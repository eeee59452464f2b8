;; hub.wat — a contract for the devnet's promise tests (deployed on
;; hub.test.near, a.test.near and b.test.near):
;;   who          returns the current account id
;;   fail         panics
;;   fanout_ok    a.who & b.who  -> then self.collect, returned
;;   fanout_fail  a.who & b.fail -> then self.collect, returned
;;   collect      joins its promise results with "|": the value, or FAILED
;;   spin         loops forever (runs out of gas)
;;   yield_now    yields (callback: collect), resumes it at once with "now",
;;                and returns the yield: the caller's value is "now"
(module
  (import "env" "current_account_id" (func $current_account_id (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_and" (func $promise_and (param i64 i64) (result i64)))
  (import "env" "promise_then" (func $promise_then (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (import "env" "promise_results_count" (func $results_count (result i64)))
  (import "env" "promise_result" (func $result (param i64 i64) (result i64)))
  (import "env" "promise_yield_create" (func $yield_create (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume" (func $yield_resume (param i64 i64 i64 i64) (result i32)))
  (memory 1)
  (data (i32.const 100) "a.test.near")    ;; 11
  (data (i32.const 120) "b.test.near")    ;; 11
  (data (i32.const 140) "who")            ;; 3
  (data (i32.const 150) "fail")           ;; 4
  (data (i32.const 160) "collect")        ;; 7
  (data (i32.const 180) "FAILED")         ;; 6
  (data (i32.const 190) "boom")           ;; 4
  (data (i32.const 196) "now")            ;; 3
  ;; u128 zero deposit at 200 (memory starts zeroed)

  (func (export "who")
    (call $current_account_id (i64.const 0))
    (call $value_return (i64.const -1) (i64.const 0)))

  (func (export "yield_now")
    (local $p i64)
    (local.set $p (call $yield_create (i64.const 7) (i64.const 160) (i64.const 0) (i64.const 0)
      (i64.const 20000000000000) (i64.const 0) (i64.const 9)))
    (call $read_register (i64.const 9) (i64.const 1000))
    (if (i32.ne (call $yield_resume (i64.const 32) (i64.const 1000) (i64.const 3) (i64.const 196)) (i32.const 1))
      (then (unreachable)))
    (call $promise_return (local.get $p)))

  (func (export "spin")
    (loop $forever (br $forever)))

  (func (export "fail")
    (call $panic_utf8 (i64.const 4) (i64.const 190)))

  (func $fanout (param $b_method_len i64) (param $b_method_ptr i64)
    (i64.store (i32.const 0) (call $promise_create (i64.const 11) (i64.const 100) (i64.const 3) (i64.const 140)
      (i64.const 0) (i64.const 0) (i64.const 200) (i64.const 10000000000000)))
    (i64.store (i32.const 8) (call $promise_create (i64.const 11) (i64.const 120)
      (local.get $b_method_len) (local.get $b_method_ptr)
      (i64.const 0) (i64.const 0) (i64.const 200) (i64.const 10000000000000)))
    ;; then on the current account: its id goes to register 5, copied to 1000
    (call $current_account_id (i64.const 5))
    (call $read_register (i64.const 5) (i64.const 1000))
    (call $promise_return
      (call $promise_then (call $promise_and (i64.const 0) (i64.const 2))
        (call $register_len (i64.const 5)) (i64.const 1000) (i64.const 7) (i64.const 160)
        (i64.const 0) (i64.const 0) (i64.const 200) (i64.const 20000000000000))))

  (func (export "fanout_ok") (call $fanout (i64.const 3) (i64.const 140)))
  (func (export "fanout_fail") (call $fanout (i64.const 4) (i64.const 150)))

  (func (export "collect")
    (local $i i64) (local $n i64) (local $out i64) (local $len i64)
    (local.set $n (call $results_count))
    (local.set $out (i64.const 2048))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (if (i64.gt_u (local.get $i) (i64.const 0))
          (then
            (i32.store8 (i32.wrap_i64 (local.get $out)) (i32.const 124)) ;; '|'
            (local.set $out (i64.add (local.get $out) (i64.const 1)))))
        (if (i64.eq (call $result (local.get $i) (i64.const 7)) (i64.const 1))
          (then
            (local.set $len (call $register_len (i64.const 7)))
            (call $read_register (i64.const 7) (local.get $out))
            (local.set $out (i64.add (local.get $out) (local.get $len))))
          (else
            (memory.copy (i32.wrap_i64 (local.get $out)) (i32.const 180) (i32.const 6))
            (local.set $out (i64.add (local.get $out) (i64.const 6)))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (call $value_return (i64.sub (local.get $out) (i64.const 2048)) (i64.const 2048)))
)
