;; Imports its memory: NEAR rejects it (PrepareError::Memory).
(module
  (import "env" "memory" (memory 1))
  (func (export "main")))
