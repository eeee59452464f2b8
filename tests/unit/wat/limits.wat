;; Host memory held for a module, against the store's cap (issue 10):
;; tables (8 bytes an entry), table.grow, a passive element segment of 64
;; items (512 bytes) freed by elem.drop.
(module
  (table $t 1000 funcref)
  (table $u 0 funcref)
  (func $f)
  (elem $seg func $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f)
  (func (export "grow") (param i32) (result i32) (table.grow $u (ref.null func) (local.get 0)))
  (func (export "size") (result i32) (table.size $u))
  (func (export "drop") (elem.drop $seg))
)
