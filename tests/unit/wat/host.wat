;; The guest passes a string (pointer + length) to the host, and the host
;; calls back with a number the guest stores.
(module
  (import "env" "log" (func $log (param i32 i32) (result i32)))
  (import "env" "started" (func $started))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, host")
  (func (export "greet") (result i32)
    (call $log (i32.const 16) (i32.const 11)))
  (func (export "bad_pointer") (result i32)
    (call $log (i32.const 65530) (i32.const 100)))
  (func (export "wait_forever")
    (call $started)
    (loop (br 0)))
  (func $rf (export "recurse_forever") (call $started) (call $rf))
)
