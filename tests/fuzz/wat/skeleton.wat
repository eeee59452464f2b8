;; The module fuzz_wasm.c wraps non-module inputs into: the input becomes the
;; body of "run" (see skeleton_head in fuzz_wasm.c, which adds a data count
;; section). This file is its source; it is not part of the corpus.
(module
  (type $t0 (func (param i32 i32) (result i32)))
  (type $t1 (func (param i64 f64) (result f32)))
  (import "env" "host" (func $host (param i32) (result i32)))
  (import "env" "g" (global $g i32))
  (memory 1 2)
  (table $tf 4 8 funcref)
  (table $te 2 externref)
  (global $m (mut i32) (i32.const 7))
  (global $n (mut i64) (i64.const 9))
  (global $f (mut f64) (f64.const 1.5))
  (elem (table $tf) (i32.const 0) func $helper $body)
  (elem $p func $helper)
  (data $d "0123456789abcdef")
  (data (i32.const 16) "skeleton")
  (func $helper (type $t1) (f32.demote_f64 (local.get 1)))
  (func $body (export "run") (param i32 i32) (result i32) (local i64 f32 f64 externref funcref)
    (i32.const 0))
)
