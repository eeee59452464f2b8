;; A table of 10,000 entries: 80,000 bytes of host memory, more than a
;; one-page (64 KiB) cap.
(module (table 10000 funcref))
