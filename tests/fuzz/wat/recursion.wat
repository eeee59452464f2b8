(module
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
  (func $forever (export "forever") (result i32)
    (i32.add (call $forever) (i32.const 1)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "count") (result i32) (call $down (i32.const 100))))
