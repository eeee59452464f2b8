;; Exports one of each kind for linking tests.
(module
  (memory (export "memory") 1 10)
  (global $counter (export "counter") (mut i32) (i32.const 100))
  (table (export "table") 2 funcref)
  (elem (i32.const 0) $double)
  (func $double (export "double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 0) (global.get $counter))
    (global.get $counter))
)
