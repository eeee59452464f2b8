(module
  (import "env" "log" (func $log (param i32 i64 f32 f64)))
  (import "env" "get" (func $get (result i32)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 2 funcref))
  (func (export "call_log") (call $log (i32.const 1) (i64.const 2) (f32.const 3) (f64.const 4)))
  (func (export "call_get") (result i32) (i32.add (call $get) (i32.load (i32.const 0))))
  (func (export "safe") (result i32) (i32.store (i32.const 8) (i32.const 9)) (i32.load (i32.const 8))))
