;; Asks for 100 pages (6.25 MiB) of initial memory: with --max-memory-mb 1
;; (16 pages) it must not even start.
(module
  (memory (export "memory") 100)
  (func (export "_start")))
