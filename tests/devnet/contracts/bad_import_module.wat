;; Imports from a module other than "env" (PrepareError::Instantiate).
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $f (param i32 i32 i32 i32) (result i32)))
  (func (export "main")))
