;; Imports fd_write with a wrong signature (3 parameters instead of 4):
;; must be refused at instantiation, naming the import.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
  (func (export "_start")))
