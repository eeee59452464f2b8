;; The start function traps during instantiation, before _start runs.
(module
  (func $boom unreachable)
  (start $boom)
  (func (export "_start")))
