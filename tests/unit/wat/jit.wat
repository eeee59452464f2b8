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
    local.get 2))
