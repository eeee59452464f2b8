;; Imports a real host function with the wrong signature.
(module
  (import "env" "block_index" (func $f (result i32)))
  (func (export "main") (drop (call $f))))
