;; Logs, panics and traps.
(module
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "log_utf16" (func $log_utf16 (param i64 i64)))
  (import "env" "panic" (func $panic))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (memory 1)
  (data (i32.const 100) "hello")
  (data (i32.const 120) "nul-terminated\00")
  (data (i32.const 140) "h\00\e9\00")         ;; "hé" in UTF-16LE
  (data (i32.const 150) "h\00i\00\00\00")     ;; "hi\0" in UTF-16LE
  (data (i32.const 160) "\ff")
  (data (i32.const 170) "oh \"no\"\n")
  (data (i32.const 190) "boom\00")
  ;; AssemblyScript strings: u32 byte length, then UTF-16LE
  (data (i32.const 296) "\04\00\00\00m\00s\00")
  (data (i32.const 396) "\06\00\00\00f\00.\00t\00")
  (data (i32.const 500) "\00\d8")             ;; lone surrogate

  (func (export "log_hello") (call $log_utf8 (i64.const 5) (i64.const 100)))
  (func (export "log_nul") (call $log_utf8 (i64.const -1) (i64.const 120)))
  (func (export "log16") (call $log_utf16 (i64.const 4) (i64.const 140)))
  (func (export "log16_nul") (call $log_utf16 (i64.const -1) (i64.const 150)))
  (func (export "log16_odd") (call $log_utf16 (i64.const 3) (i64.const 140)))
  (func (export "log16_surrogate") (call $log_utf16 (i64.const 2) (i64.const 500)))
  (func (export "log_bad_utf8") (call $log_utf8 (i64.const 1) (i64.const 160)))
  (func (export "log_many")
    (local $i i32)
    (loop
      (call $log_utf8 (i64.const 5) (i64.const 100))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 101)))))
  ;; 5 logs of 4000 bytes: the fifth passes the 16 KiB total
  (func (export "log_long")
    (local $i i32)
    (loop
      (call $log_utf8 (i64.const 4000) (i64.const 1000))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (i32.const 5)))))
;; 6000 × "€" in UTF-16 (12,000 bytes, within the 16 KiB budget) is 18,000
  ;; bytes of UTF-8: the limit is crossed when the log is recorded
  (func (export "log16_euro")
    (local $i i32)
    (block
      (loop
        (br_if 1 (i32.ge_u (local.get $i) (i32.const 6000)))
        (i32.store16 (i32.add (i32.const 1000) (i32.shl (local.get $i) (i32.const 1))) (i32.const 0x20ac))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br 0)))
    (call $log_utf16 (i64.const 12000) (i64.const 1000)))
  (func (export "panic") (call $log_utf8 (i64.const 5) (i64.const 100)) (call $panic))
  (func (export "panic_msg")
    (call $log_utf8 (i64.const 5) (i64.const 100))
    (call $value_return (i64.const 5) (i64.const 100))
    (call $panic_utf8 (i64.const 8) (i64.const 170)))
  (func (export "panic_nul") (call $panic_utf8 (i64.const -1) (i64.const 190)))
  (func (export "abort") (call $abort (i32.const 300) (i32.const 400) (i32.const 7) (i32.const 9)))
  (func (export "abort_low") (call $abort (i32.const 2) (i32.const 400) (i32.const 7) (i32.const 9)))
  (func (export "trap") (call $log_utf8 (i64.const 5) (i64.const 100)) unreachable)
  (func (export "div0") (drop (i32.div_s (i32.const 1) (i32.const 0))))
  (func (export "oob") (drop (i32.load (i32.const 0x7ffffffc))))
  (func $recurse (call $recurse))
  (func (export "recurse") (call $recurse))
  (type $v (func))
  (table 1 funcref)
  (func (export "call_null") (call_indirect (type $v) (i32.const 0)))
)
