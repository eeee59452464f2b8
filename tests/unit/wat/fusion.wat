;; Cases for the compiler's operand fusion (local.get and constants read in
;; place, local.set retargeting, compare-and-branch): values must be
;; materialised before the local they read changes, and at block boundaries.
(module
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  ;; the stack keeps the old value of a local that is then overwritten: 5 + 99 -> 104 for x=5
  (func (export "old_value") (param i32) (result i32)
    (local.get 0)
    (local.set 0 (i32.const 99))
    (local.get 0)
    (i32.add))
  ;; swap through the stack: returns a*10 + b of the swapped pair
  (func (export "swap") (param i32 i32) (result i32)
    (local.get 0) (local.get 1)
    (local.set 0) (local.set 1)
    (i32.add (i32.mul (local.get 0) (i32.const 10)) (local.get 1)))
  ;; a write inside a block to a local read before it: x + 7
  (func (export "block_write") (param i32) (result i32)
    (local.get 0)
    (block (local.set 0 (i32.const 7)))
    (local.get 0)
    (i32.add))
  ;; a conditional write: x + (c ? 100 : x)
  (func (export "if_write") (param i32 i32) (result i32)
    (local.get 0)
    (if (local.get 1) (then (local.set 0 (i32.const 100))))
    (local.get 0)
    (i32.add))
  ;; br_if with a value and a fused comparison: x < 10 ? x : -1
  (func (export "br_if_value") (param i32) (result i32)
    (block (result i32)
      (local.get 0)
      (br_if 0 (i32.lt_s (local.get 0) (i32.const 10)))
      (drop)
      (i32.const -1)))
  ;; if on a fused comparison, i64: a >u b ? 1 : 2
  (func (export "if_cmp64") (param i64 i64) (result i32)
    (if (result i32) (i64.gt_u (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 2))))
  ;; tee retargeting: (x+1) * (x+1)
  (func (export "tee") (param i32) (result i32) (local i32)
    (local.tee 1 (i32.add (local.get 0) (i32.const 1)))
    (local.get 1)
    (i32.mul))
  ;; tee of a value read from the same local's old value: returns old*1000 + new
  (func (export "tee_old") (param i32) (result i32)
    (local.get 0)
    (local.tee 0 (i32.const 3))
    (drop)
    (i32.mul (i32.const 1000))
    (local.get 0)
    (i32.add))
  ;; call arguments read from locals that change afterwards: (a-b) then a=b: returns (a-b)*100 + a
  (func (export "call_args") (param i32 i32) (result i32)
    (call $sub (local.get 0) (local.get 1))
    (local.set 0 (local.get 1))
    (i32.mul (i32.const 100))
    (local.get 0)
    (i32.add))
  ;; loop counting down with a fused compare on the back edge: sum of 1..n
  (func (export "count") (param i32) (result i32) (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (i32.gt_s (local.get 0) (i32.const 0))))
    (local.get 1))
  ;; more virtual entries than the compiler tracks: 70 x
  (func (export "many_gets") (param i32) (result i32) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (local.get 0) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) )
  ;; more constants than the frame keeps: sum of 3i+1 for i < 70 = 7315
  (func (export "many_consts") (result i32) (i32.const 1) (i32.const 4) (i32.const 7) (i32.const 10) (i32.const 13) (i32.const 16) (i32.const 19) (i32.const 22) (i32.const 25) (i32.const 28) (i32.const 31) (i32.const 34) (i32.const 37) (i32.const 40) (i32.const 43) (i32.const 46) (i32.const 49) (i32.const 52) (i32.const 55) (i32.const 58) (i32.const 61) (i32.const 64) (i32.const 67) (i32.const 70) (i32.const 73) (i32.const 76) (i32.const 79) (i32.const 82) (i32.const 85) (i32.const 88) (i32.const 91) (i32.const 94) (i32.const 97) (i32.const 100) (i32.const 103) (i32.const 106) (i32.const 109) (i32.const 112) (i32.const 115) (i32.const 118) (i32.const 121) (i32.const 124) (i32.const 127) (i32.const 130) (i32.const 133) (i32.const 136) (i32.const 139) (i32.const 142) (i32.const 145) (i32.const 148) (i32.const 151) (i32.const 154) (i32.const 157) (i32.const 160) (i32.const 163) (i32.const 166) (i32.const 169) (i32.const 172) (i32.const 175) (i32.const 178) (i32.const 181) (i32.const 184) (i32.const 187) (i32.const 190) (i32.const 193) (i32.const 196) (i32.const 199) (i32.const 202) (i32.const 205) (i32.const 208) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add) (i32.add))
  ;; a block with a parameter consumed and re-produced: (x*2)+1
  (func (export "block_param") (param i32) (result i32)
    (local.get 0)
    (block (param i32) (result i32) (i32.mul (i32.const 2)) (i32.add (i32.const 1))))
)
