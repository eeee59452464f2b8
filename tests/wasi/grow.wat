;; _start grows memory one page at a time until growth is refused, then
;; traps with `unreachable`: with a page cap the engine stops it first
;; with "memory limit exceeded".
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
