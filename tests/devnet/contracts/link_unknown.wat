;; Imports a host function NEAR does not have: every call fails to link.
(module
  (import "env" "no_such_function" (func $f (param i64)))
  (func (export "main") (call $f (i64.const 0))))
