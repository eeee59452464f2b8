;; A function with two results: multi-value is not accepted by NEAR.
(module
  (func $two (result i32 i32) (i32.const 1) (i32.const 2))
  (func (export "main") (drop (drop (call $two)))))
