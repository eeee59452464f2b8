;; Declares more initial memory than a small store cap allows.
(module (memory (export "memory") 8))
