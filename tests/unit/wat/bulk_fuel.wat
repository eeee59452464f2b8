;; Fuel of bulk instructions (docs/engine.md): 1 like any instruction, plus
;; 1 per 64 bytes (or 8 table elements), charged before the instruction acts.
;; Also the fused address forms (i32.add into a load or store, two i32.add,
;; i32.shl into i32.add), whose results must wrap at 32 bits.
(module
  (memory 1)
  (table 200 funcref)
  ;; 4 instructions + n / 64
  (func (export "fill") (param i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
  ;; 4 instructions + n / 64
  (func (export "copy") (param i32)
    (memory.copy (i32.const 1000) (i32.const 0) (local.get 0)))
  ;; 4 instructions + n / 8 (8 bytes an entry)
  (func (export "tfill") (param i32)
    (table.fill 0 (i32.const 0) (ref.null func) (local.get 0)))
  (func (export "byte") (param i32) (result i32)
    (i32.load8_u (local.get 0)))
  ;; store v at (a + b) and load it back from (a + b) + 4 - 4
  (func (export "store_add") (param $a i32) (param $b i32) (param $v i32) (result i32)
    (i32.store offset=4 (i32.add (local.get $a) (local.get $b)) (local.get $v))
    (i32.load (i32.add (i32.add (local.get $a) (local.get $b)) (i32.const 4))))
  ;; (x << k) + z and x + y + z
  (func (export "shl_add") (param i32 i32 i32) (result i32)
    (i32.add (i32.shl (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "add3") (param i32 i32 i32) (result i32)
    (i32.add (local.get 2) (i32.add (local.get 0) (local.get 1))))
  ;; out-of-bounds traps
  ;; charge exactly as counted: 4 instructions
  (func (export "oob") (param i32) (result i32)
    (i32.load (i32.add (local.get 0) (i32.const 1))))
  ;; loads 0, 4, 8, ... until the load at 65536 traps: `loop` 1, then 10
  ;; per iteration charged at its start; 16384 loads succeed
  (func (export "walk") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
      (local.set 0 (i32.add (local.get 0) (i32.const 4)))
      (br 0))
    (local.get 1))
)
