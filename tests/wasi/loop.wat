;; _start never returns: for --timeout-ms and fuel tests.
(module
  (func (export "_start")
    (loop $forever (br $forever))))
