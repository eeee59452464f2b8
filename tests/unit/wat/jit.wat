;; The compiling tier's own checks (test_wasm_exec_jit.c).
(module
  (type $i_i (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $rec $rec_indirect)
  ;; rec(n) = n, through n nested direct calls
  (func $rec (export "rec") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $rec
      i32.const 1
      i32.add
    end)
  ;; the same through the table (call_indirect)
  (func $rec_indirect (export "rec_indirect") (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      i32.const 1
      call_indirect (type $i_i)
      i32.const 1
      i32.add
    end)
  ;; a loop of n iterations: sum of 0..n-1 (i64)
  (func (export "sum") (param i32) (result i64)
    (local i32 i64)
    block
      loop
        local.get 1
        local.get 0
        i32.ge_u
        br_if 1
        local.get 2
        local.get 1
        i64.extend_i32_u
        i64.add
        local.set 2
        local.get 1
        i32.const 1
        i32.add
        local.set 1
        br 0
      end
    end
    local.get 2)
  ;; pinned locals and elided stores (docs/engine.md): loop-carried locals
  ;; written by a helper (popcnt), across a call, by a constant, and an f64
  ;; accumulator; the temporaries in between are read once
  ;; inc(n) = n + 0 + 1, with a loop of its own (so pinned registers of
  ;; its own, which the caller must not trust after the call)
  (func $inc (param i32) (result i32)
    (local $j i32)
    block
      loop
        local.get $j
        i32.const 2
        i32.ge_u
        br_if 1
        local.get 0
        local.get $j
        i32.add
        local.set 0
        local.get $j
        i32.const 1
        i32.add
        local.set $j
        br 0
      end
    end
    local.get 0)
  (func (export "pins") (param i32) (result i64)
    (local $i i32) (local $acc i64) (local $x i32) (local $f f64) (local $k i32)
    block
      loop
        local.get $i
        local.get 0
        i32.ge_u
        br_if 1
        local.get $i
        i32.popcnt
        local.set $x
        local.get $acc
        local.get $x
        local.get $i
        call $inc
        i32.add
        i64.extend_i32_u
        i64.add
        local.set $acc
        local.get $f
        local.get $x
        f64.convert_i32_u
        f64.const 0.5
        f64.mul
        f64.add
        local.set $f
        i32.const 3
        local.set $k
        local.get $acc
        local.get $k
        i64.extend_i32_u
        i64.xor
        local.set $acc
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br 0
      end
    end
    local.get $acc
    local.get $f
    i64.trunc_f64_s
    i64.add))
