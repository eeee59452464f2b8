#!/usr/bin/env python3
"""load_shapes.py — loading speed of adversarial module shapes (issue 10),
behind `make bench-load` (also run by `make bench`).

Each shape of tests/hostile/gen.py is loaded by `outlayer run --json` (decode
+ validate + compile; the report's load_us) BENCH_LOAD_RUNS times (default
3); the table shows the module size, the fastest load, MB/s and the
process's peak RSS (wait4 rusage). Compile is linear in the module size for
every shape: the MB/s column must stay roughly flat as sizes grow (the
nested br_table took 36.6 s for 2 MB before issue 10: 0.05 MB/s).

usage: load_shapes.py BUILD_DIR
"""
import json
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "hostile"))
import gen  # noqa: E402

SHAPES = [
    ("nested blocks + br_table (10k deep, 1M entries)", lambda: gen.load_nested_br_table()),
    ("  the same, 4x the entries", lambda: gen.load_nested_br_table(entries=4_000_000)),
    ("deep nesting (500k blocks)", lambda: gen.load_deep_nesting()),
    ("deep if/else with values (300k)", lambda: gen.load_deep_if()),
    ("many br_tables (100k x 64 entries)", lambda: gen.load_many_br_tables()),
    ("br_table of 8M entries to 1,000 results", lambda: gen.load_wide_br_table()),
    ("250k br_ifs to 1,000 results", lambda: gen.load_wide_br_if()),
    ("1M returns of 1,000 results in dead code", lambda: gen.load_wide_returns()),
    ("250k blocks of 1,000 params and results", lambda: gen.load_wide_blocks()),
    ("250k calls of 1,000 params and results", lambda: gen.load_wide_calls()),
    ("many locals (300 functions x 50k)", lambda: gen.load_many_locals(nfuncs=300)),
    ("many functions (1M empty)", lambda: gen.load_many_functions()),
    ("many types (1M)", lambda: gen.load_many_types()),
    ("big operand stack (300k constants)", lambda: gen.load_big_stack()),
]


def run_once(outlayer, path):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.dup2(w, 2)
        os.execv(outlayer, [outlayer, "run", path, "--json", "--timeout-ms", "0"])
    os.close(w)
    err = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        err += chunk
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    j = json.loads(err.decode().strip().splitlines()[-1])
    return j, ru.ru_maxrss / 1024.0


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    outlayer = os.path.join(build, "bin", "outlayer")
    runs = int(os.environ.get("BENCH_LOAD_RUNS", "3"))
    print(f"load (decode + validate + compile) of adversarial shapes, fastest of {runs}:")
    print(f"{'shape':<50} {'size':>9} {'load':>9} {'MB/s':>7} {'RSS':>8}  status")
    with tempfile.TemporaryDirectory() as tmp:
        for label, make in SHAPES:
            path = os.path.join(tmp, "m.wasm")
            data = make()
            with open(path, "wb") as f:
                f.write(data)
            best, rss, status = None, 0.0, ""
            for _ in range(runs):
                j, r = run_once(outlayer, path)
                rss = max(rss, r)
                status = j["status"]
                best = j["load_us"] if best is None else min(best, j["load_us"])
            mb = len(data) / 1e6
            print(f"{label:<50} {mb:>7.2f}MB {best / 1000:>7.0f}ms {mb / (best / 1e6):>7.1f} {rss:>6.0f}MB  {status}")


if __name__ == "__main__":
    main()
