#!/usr/bin/env python3
"""Hostile WebAssembly modules, built byte by byte (issue 10).

Each is a WASI command (exports `_start`, imports nothing unless the shape
is about imports) that tries to make the engine spend host memory or time
out of proportion to its size or its fuel. `gen.py OUTDIR` writes them all;
`gen.py OUTDIR NAME` one. tests/hostile/run.py runs them under limits
(`make hostile-test`), and bench/load_shapes.py times loading the "load_*"
ones (`make bench-load`).
"""
import os
import sys


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


def vec(items):
    items = list(items)
    return uleb(len(items)) + b"".join(items)


def name(s):
    b = s.encode()
    return uleb(len(b)) + b


def section(sid, content):
    return bytes([sid]) + uleb(len(content)) + content


def functype(params=b"", results=b""):
    return b"\x60" + uleb(len(params)) + params + uleb(len(results)) + results


def body(locals_, code):
    """locals_: list of (count, type byte); code: bytes without the final end."""
    b = vec(uleb(n) + bytes([t]) for n, t in locals_) + code + b"\x0b"
    return uleb(len(b)) + b


def module(types, funcs, code, imports=None, tables=None, memories=None, globals_=None, exports=None,
           start=None, elems=None, datacount=None, datas=None):
    out = b"\0asm\x01\0\0\0" + section(1, vec(types))
    if imports:
        out += section(2, vec(imports))
    out += section(3, vec(uleb(t) for t in funcs))
    if tables:
        out += section(4, vec(tables))
    if memories:
        out += section(5, vec(memories))
    if globals_:
        out += section(6, vec(globals_))
    if exports is None:
        exports = [name("_start") + b"\x00" + uleb(len([i for i in (imports or []) if i.endswith(b"\x00\x00")]))]
    out += section(7, vec(exports))
    if start is not None:
        out += section(8, uleb(start))
    if elems:
        out += section(9, vec(elems))
    if datacount is not None:
        out += section(12, uleb(datacount))
    out += section(10, vec(code))
    if datas:
        out += section(11, vec(datas))
    return out


def start_export(idx=0):
    return [name("_start") + b"\x00" + uleb(idx)]


NOP_START = [body([], b"")]

# ---- memory: host allocations that are not linear memory -------------------


def tables_10x10m():
    """10 tables of 10,000,000 funcref entries: 99 bytes, 800 MB of host memory if allocated."""
    t = b"\x70\x00" + uleb(10_000_000)
    return module([functype()], [0], NOP_START, tables=[t] * 10, exports=start_export())


def tables_1000x10m():
    """1,000 such tables: ~78 GB if allocated."""
    t = b"\x70\x00" + uleb(10_000_000)
    return module([functype()], [0], NOP_START, tables=[t] * 1000, exports=start_export())


def table_grow_loop():
    """table.grow by 1M null entries in a loop, forever."""
    # loop: ref.null func; i32.const 1000000; table.grow 0; drop; br 0
    code = b"\x03\x40" + b"\xd0\x70" + b"\x41" + sleb(1_000_000) + b"\xfc\x0f\x00" + b"\x1a" + b"\x0c\x00" + b"\x0b"
    return module([functype()], [0], [body([], code)], tables=[b"\x70\x00\x00"], exports=start_export())


def memory_grow_loop():
    """memory.grow by 1 page forever (bounded by the memory cap)."""
    code = b"\x03\x40" + b"\x41\x01\x40\x00\x1a" + b"\x0c\x00" + b"\x0b"
    return module([functype()], [0], [body([], code)], memories=[b"\x00\x00"], exports=start_export())


def memory_and_tables():
    """A memory of 100 MiB plus two tables of 5M entries: each alone fits 128 MiB, together they do not."""
    t = b"\x70\x00" + uleb(5_000_000)
    return module([functype()], [0], NOP_START, tables=[t] * 2, memories=[b"\x00" + uleb(1600)],
                  exports=start_export())


def many_globals(n=1_000_000):
    """1,000,000 i64 globals (5 bytes of module each)."""
    g = b"\x7e\x01\x42\x00\x0b"
    return module([functype()], [0], NOP_START, globals_=[g] * n, exports=start_export())


def passive_elems(nsegs=1000, items=1000):
    """1,000 passive element segments of 1,000 ref.null each (kept for table.init)."""
    seg = b"\x05\x70" + vec([b"\xd0\x70\x0b"] * items)
    return module([functype()], [0], NOP_START, elems=[seg] * nsegs, exports=start_export())


# ---- time: loading ---------------------------------------------------------


def load_nested_br_table(depth=10_000, entries=1_000_000):
    """depth nested blocks around a br_table of `entries` entries: the issue's 2 MB module."""
    targets = b"".join(uleb(i % depth) for i in range(entries))
    code = b"\x02\x40" * depth + b"\x41\x00" + b"\x0e" + uleb(entries) + targets + uleb(0) + b"\x0b" * depth
    return module([functype()], [0], [body([], code)], exports=start_export())


def load_deep_nesting(depth=500_000):
    """500,000 nested blocks, each with a br_if to the outermost."""
    code = b"\x02\x40" * depth + b"\x41\x00\x0d" + uleb(depth - 1) + b"\x0b" * depth
    return module([functype()], [0], [body([], code)], exports=start_export())


def load_deep_if(depth=300_000):
    """300,000 nested if/else with values."""
    code = (b"\x41\x01\x04\x7f") * depth + b"\x41\x07" + (b"\x05\x41\x00\x0b") * depth + b"\x1a"
    return module([functype()], [0], [body([], code)], exports=start_export())


def load_many_locals(nfuncs=1000, nlocals=50_000):
    """1,000 functions each declaring 50,000 i64 locals and using the last one."""
    b = body([(nlocals, 0x7E)], b"\x20" + uleb(nlocals - 1) + b"\x1a")
    return module([functype()], [0] * nfuncs, [b] * nfuncs, exports=start_export())


def load_many_functions(n=1_000_000):
    """1,000,000 empty functions."""
    return module([functype()], [0] * n, [body([], b"")] * n, exports=start_export())


def load_many_types(n=1_000_000):
    """1,000,000 distinct-ish function types with 1 function each of type i."""
    types = [functype(bytes([0x7F]) * (i % 8), bytes([0x7E]) * ((i // 8) % 4)) for i in range(n)]
    return module(types, [0], NOP_START, exports=start_export())


def load_big_stack(n=300_000):
    """One function pushing 300,000 constants then dropping them (max operand height)."""
    code = b"\x41\x01" * n + b"\x1a" * n
    return module([functype()], [0], [body([], code)], exports=start_export())


def load_many_br_tables(n=100_000, depth=64):
    """100,000 br_tables of 64 entries each, every one in its own block inside 64 blocks."""
    targets = b"".join(uleb(i) for i in range(depth))
    bt = b"\x41\x00\x0e" + uleb(depth) + targets + uleb(0)
    inner = b"\x02\x40" + bt + b"\x0b"
    code = b"\x02\x40" * depth + inner * n + b"\x0b" * depth
    return module([functype()], [0], [body([], code)], exports=start_export())


def load_wide_br_table(arity=1000, entries=8_000_000):
    """A br_table of 8,000,000 entries to a block of 1,000 results: checking
    each entry's types was 1,000 steps per byte (6.4 s to load 8 MB)."""
    code = (b"\x02\x01" + b"\x41\x00" * arity + b"\x41\x00\x0e" + uleb(entries) + b"\x00" * entries
            + b"\x00\x0b" + b"\x1a" * arity)
    return module([functype(), functype(b"", b"\x7f" * arity)], [0], [body([], code)], exports=start_export())


def load_wide_br_if(arity=1000, n=250_000):
    """250,000 br_ifs to a block of 1,000 results: each checks 1,000 types
    (4 bytes of wasm)."""
    code = (b"\x02\x01" + b"\x41\x00" * arity + b"\x20\x00\x0d\x00" * n + b"\x0b" + b"\x1a" * arity)
    return module([functype(), functype(b"", b"\x7f" * arity)], [0], [body([(1, 0x7F)], code)],
                  exports=start_export())


def load_wide_returns(arity=1000, n=1_000_000):
    """1,000,000 `return`s in dead code of a function with 1,000 results:
    each popped 1,000 polymorphic values (1,000 steps a byte)."""
    code = b"\x00" + b"\x0f" * n
    return module([functype(), functype(b"", b"\x7f" * arity)], [0, 1], [body([], b""), body([], code)],
                  exports=start_export())


def load_wide_blocks(arity=1000, n=250_000):
    """250,000 empty blocks taking and returning 1,000 values (3 bytes each)."""
    code = b"\x41\x00" * arity + b"\x02\x01\x0b" * n + b"\x1a" * arity
    return module([functype(), functype(b"\x7f" * arity, b"\x7f" * arity)], [0], [body([], code)],
                  exports=start_export())


def load_wide_calls(arity=1000, n=250_000):
    """250,000 calls of a function taking and returning 1,000 values (2 bytes each)."""
    fbody = body([], b"".join(b"\x20" + uleb(i) for i in range(arity)))
    code = b"\x41\x00" * arity + b"\x10\x01" * n + b"\x1a" * arity
    return module([functype(), functype(b"\x7f" * arity, b"\x7f" * arity)], [0, 1], [body([], code), fbody],
                  exports=start_export())


def imports_1m():
    """1,000,000 imported functions (unresolvable)."""
    imp = name("env") + name("f") + b"\x00\x00"
    return module([functype()], [0], NOP_START, imports=[imp] * 1_000_000,
                  exports=start_export(1_000_000))


# ---- fuel: work not paid by instructions -----------------------------------


def call_many_locals(nlocals=50_000, calls=100_000):
    """Calls a function with 50,000 i64 locals 100,000 times."""
    callee = body([(nlocals, 0x7E)], b"")
    loop = (b"\x41" + sleb(calls) + b"\x21\x00"  # local0 = calls
            + b"\x03\x40" + b"\x10\x01" + b"\x20\x00\x41\x01\x6b\x22\x00" + b"\x0d\x00" + b"\x0b")
    return module([functype()], [0, 0], [body([(1, 0x7F)], loop), callee], exports=start_export())


def table_fill_loop(n=1_000_000):
    """table.fill of 1,000,000 null entries, forever (priced per 8 entries)."""
    code = (b"\x03\x40" + b"\x41\x00" + b"\xd0\x70" + b"\x41" + sleb(n) + b"\xfc\x11\x00" + b"\x0c\x00"
            + b"\x0b")
    return module([functype()], [0], [body([], code)], tables=[b"\x70\x00" + uleb(n)], exports=start_export())


def random_get_loop(n=1 << 20):
    """WASI random_get of 1 MiB, forever: host work the guest asks for."""
    imp = name("wasi_snapshot_preview1") + name("random_get") + b"\x00\x01"
    code = (b"\x03\x40" + b"\x41\x00" + b"\x41" + sleb(n) + b"\x10\x00" + b"\x1a" + b"\x0c\x00" + b"\x0b")
    return module([functype(), functype(b"\x7f\x7f", b"\x7f")], [0], [body([], code)], imports=[imp],
                  memories=[b"\x00\x20"], exports=start_export(1))


def poll_many_loop(nsubs=100_000):
    """WASI poll_oneoff on 100,000 fd_write subscriptions (stdout is always
    ready, so it returns at once), forever."""
    imp = name("wasi_snapshot_preview1") + name("poll_oneoff") + b"\x00\x01"
    # subscriptions at 0 (zeroed memory: userdata 0, tag 0 = clock, id 0 = realtime, timeout 0 ->
    # expired at once), events after them, nevents at the end
    ev = nsubs * 48
    out = ev + nsubs * 32
    code = (b"\x03\x40" + b"\x41\x00" + b"\x41" + sleb(ev) + b"\x41" + sleb(nsubs) + b"\x41" + sleb(out)
            + b"\x10\x00" + b"\x1a" + b"\x0c\x00" + b"\x0b")
    pages = (out + 4 + 65535) // 65536
    return module([functype(), functype(b"\x7f" * 4, b"\x7f")], [0], [body([], code)], imports=[imp],
                  memories=[b"\x00" + uleb(pages)], exports=start_export(1))


def infinite_loop():
    code = b"\x03\x40\x0c\x00\x0b"
    return module([functype()], [0], [body([], code)], exports=start_export())


def deep_recursion():
    code = b"\x10\x00"
    return module([functype()], [0], [body([(100, 0x7E)], code)], exports=start_export())


def start_function_loop():
    """An infinite loop in the start function (runs during instantiation)."""
    code = b"\x03\x40\x0c\x00\x0b"
    return module([functype()], [0, 0], [body([], code), body([], b"")], exports=start_export(1), start=0)


ALL = {
    "tables_10x10m": tables_10x10m,
    "tables_1000x10m": tables_1000x10m,
    "table_grow_loop": table_grow_loop,
    "memory_grow_loop": memory_grow_loop,
    "memory_and_tables": memory_and_tables,
    "many_globals": many_globals,
    "passive_elems": passive_elems,
    "load_nested_br_table": load_nested_br_table,
    "load_deep_nesting": load_deep_nesting,
    "load_deep_if": load_deep_if,
    "load_many_locals": load_many_locals,
    "load_many_functions": load_many_functions,
    "load_many_types": load_many_types,
    "load_big_stack": load_big_stack,
    "load_many_br_tables": load_many_br_tables,
    "load_wide_br_table": load_wide_br_table,
    "load_wide_br_if": load_wide_br_if,
    "load_wide_returns": load_wide_returns,
    "load_wide_blocks": load_wide_blocks,
    "load_wide_calls": load_wide_calls,
    "imports_1m": imports_1m,
    "call_many_locals": call_many_locals,
    "table_fill_loop": table_fill_loop,
    "random_get_loop": random_get_loop,
    "poll_many_loop": poll_many_loop,
    "infinite_loop": infinite_loop,
    "deep_recursion": deep_recursion,
    "start_function_loop": start_function_loop,
}

if __name__ == "__main__":
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for n in sys.argv[2:] or ALL:
        with open(os.path.join(outdir, n + ".wasm"), "wb") as f:
            f.write(ALL[n]())
