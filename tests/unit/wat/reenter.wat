;; A host function that calls back into wasm: down(n) = n when every level
;; goes wasm -> host -> wasm.
(module
  (import "env" "reenter" (func $reenter (param i32) (result i32)))
  (func (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $reenter (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
)
