#!/usr/bin/env python3
"""The interpreter against the compiling tier (issue 17): `make tiers-test`,
`make fuzz-tiers`.

1. Programs (unless CASES_ONLY): every bench workload (bench/workloads, at
   its default size) and every example (examples/*.c, with a fixed seed for
   random and clocks, on an empty and a JSON input) runs under
   `outlayer run --engine interp` and `--engine jit`: stdout, the exit code,
   the status and trap, and the instruction count must be identical.
2. Random modules: binaryen's `wasm-opt -ttf` on random bytes (the features
   we run, as tests/diff/diff.py), each compared by build/tests/diff/tierrun
   (every logged value and result bit for bit, every trap's kind and
   message, the fuel of every call). A mismatch keeps the module in
   BUILD/diff/tier-failures/ and fails.

usage: tiers.py BUILD_DIR CASES SEED [--no-programs]
"""
import glob
import json
import os
import random
import subprocess
import sys
import tempfile

FEATURES = ["--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-bulk-memory",
            "--enable-multivalue", "--enable-mutable-globals"]
SEED_HEX = "5eed" * 16
FUEL = "200000000000"


def report_of(stderr):
    """The --json report: the last line of stderr that parses as an object."""
    for line in reversed(stderr.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return {}


def run_program(outlayer, wasm, engine, args, input_path):
    p = subprocess.run([outlayer, "run", wasm, "--engine", engine, "--fuel", FUEL, "--timeout-ms", "0",
                        "--seed", SEED_HEX, "--input", input_path, "--json", "--"] + args,
                       capture_output=True, timeout=600)
    rep = report_of(p.stderr.decode(errors="replace"))
    keep = {k: rep.get(k) for k in ("status", "trap", "limit", "exit_code", "instructions", "message")}
    return p.returncode, p.stdout, keep


def programs(build, tmp):
    outlayer = os.path.join(build, "bin", "outlayer")
    empty = os.path.join(tmp, "empty")
    js = os.path.join(tmp, "input.json")
    open(empty, "wb").close()
    with open(js, "w") as f:
        f.write('{"name":"tiers","values":[1,2,3],"text":"hello","n":42}\n')
    cases = []
    for w in sorted(glob.glob(os.path.join(build, "bench", "wasm", "*.wasm"))):
        cases.append((w, [], empty))
    for w in sorted(glob.glob(os.path.join(build, "examples", "*.wasm"))):
        cases.append((w, [], empty))
        cases.append((w, [], js))
    failed = 0
    for wasm, args, inp in cases:
        a = run_program(outlayer, wasm, "interp", args, inp)
        b = run_program(outlayer, wasm, "jit", args, inp)
        name = os.path.basename(wasm) + ("" if inp == empty else " (json input)")
        if a != b:
            failed += 1
            print(f"MISMATCH {name}:")
            print(f"  interp: exit {a[0]}, {a[2]}, stdout {a[1][:120]!r}")
            print(f"  jit:    exit {b[0]}, {b[2]}, stdout {b[1][:120]!r}")
        elif a[2].get("instructions") is None:
            failed += 1
            print(f"NO REPORT {name}: {a[2]}")
    print(f"tiers: {len(cases)} program runs compared (bench workloads and examples), {failed} differ")
    return failed


def random_modules(build, cases, seed, tmp):
    tierrun = os.path.join(build, "tests", "diff", "tierrun")
    fail_dir = os.path.join(build, "diff", "tier-failures")
    rng = random.Random(seed)
    ran = skipped = mismatched = 0
    seed_file, wasm = os.path.join(tmp, "seed.bin"), os.path.join(tmp, "m.wasm")
    for k in range(cases):
        with open(seed_file, "wb") as f:
            f.write(rng.randbytes(rng.randint(256, 24_000)))
        gen = subprocess.run(["wasm-opt", "-ttf", seed_file, "-o", wasm] + FEATURES, capture_output=True,
                             timeout=60)
        if gen.returncode != 0:
            skipped += 1
            continue
        try:
            p = subprocess.run([tierrun, wasm], capture_output=True, timeout=120)
        except subprocess.TimeoutExpired:
            skipped += 1
            continue
        ran += 1
        if p.returncode != 0:
            mismatched += 1
            os.makedirs(fail_dir, exist_ok=True)
            keep = os.path.join(fail_dir, f"seed{seed}-case{k}.wasm")
            os.replace(wasm, keep)
            print(f"MISMATCH case {k} (kept {keep}), exit {p.returncode}:")
            print("  " + (p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace"))[-600:])
    print(f"tiers: {ran} random modules compared, {mismatched} mismatched, {skipped} skipped")
    return mismatched


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    build, cases, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        if "--no-programs" not in sys.argv:
            failed += programs(build, tmp)
        failed += random_modules(build, cases, seed, tmp)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
