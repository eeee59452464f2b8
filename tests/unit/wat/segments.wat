;; Instantiation traps: the first data segment fits and is applied, the
;; second is out of bounds, so instantiation fails with a trap.
(module
  (import "env" "memory" (memory 1))
  (data (i32.const 0) "kept")
  (data (i32.const 65534) "too long")
)
