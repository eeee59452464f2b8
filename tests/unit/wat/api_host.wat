;; Module for test_wasm_exec_api.c: calls host functions that take and give
;; floats and references through raw slots.
(module
  (import "env" "fmix" (func $fmix (param f32 f64) (result f64 f32)))
  (import "env" "refs" (func $refs (param externref funcref) (result externref funcref)))
  (func $self)
  (elem declare func $self)
  (func (export "fmix") (param f32 f64) (result f64 f32)
    (call $fmix (local.get 0) (local.get 1)))
  (func (export "refs") (param externref) (result externref funcref)
    (call $refs (local.get 0) (ref.func $self))))
