#!/usr/bin/env python3
"""Differential testing against V8 (issue 10): `make diff-test`, `make fuzz-diff`.

Random valid modules come from binaryen (`wasm-opt -ttf` on random bytes,
with the features we run: sign-extension, non-trapping float-to-int, bulk
memory, multi-value, mutable globals; not binaryen 108's reference types,
which are the pre-standard proposal with anyref and typed references). Each runs in our engine
(build/tests/diff/diffrun) and in node's WebAssembly (tests/diff/run.mjs)
with the same logging imports; every logged value, result and trap must be
equal (NaN payloads canonicalised). Runs are cut at the first call that
exhausts the stack in either engine (their depths differ by design) or our
fuel. A mismatch keeps the module in BUILD/diff/failures/ and fails.

usage: diff.py BUILD_DIR CASES SEED
"""
import os
import random
import subprocess
import sys
import tempfile

FEATURES = ["--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-bulk-memory",
            "--enable-multivalue", "--enable-mutable-globals"]
HERE = os.path.dirname(os.path.abspath(__file__))


def groups(lines):
    """Lines split per call: [preamble, call 1 lines, call 2 lines, ...]."""
    out = [[]]
    for line in lines:
        if line.startswith("call "):
            out.append([])
        out[-1].append(line)
    return out


def comparable(a, b):
    """Both runs cut before the first call group that stopped in either."""
    ga, gb = groups(a), groups(b)
    cut = max(len(ga), len(gb))
    for g in (ga, gb):
        for i, grp in enumerate(g):
            if any(line.startswith("stop ") for line in grp):
                cut = min(cut, i)
                break
    return ga[:cut], gb[:cut]


def main():
    build, cases, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    diffrun = os.path.join(build, "tests", "diff", "diffrun")
    fail_dir = os.path.join(build, "diff", "failures")
    rng = random.Random(seed)
    ran = skipped = mismatched = 0
    calls = 0
    with tempfile.TemporaryDirectory() as tmp:
        seed_file, wasm, sigs = (os.path.join(tmp, n) for n in ("seed.bin", "m.wasm", "sigs.json"))
        for k in range(cases):
            with open(seed_file, "wb") as f:
                f.write(rng.randbytes(rng.randint(256, 24_000)))
            gen = subprocess.run(["wasm-opt", "-ttf", seed_file, "-o", wasm] + FEATURES,
                                 capture_output=True, timeout=60)
            if gen.returncode != 0:
                skipped += 1
                continue
            with open(sigs, "w") as f:
                subprocess.run([diffrun, "sigs", wasm], stdout=f, check=True, timeout=60)
            try:
                ours = subprocess.run([diffrun, "run", wasm], capture_output=True, timeout=120)
                v8 = subprocess.run(["node", "--stack-size=900", os.path.join(HERE, "run.mjs"), wasm, sigs],
                                    capture_output=True, timeout=120)
            except subprocess.TimeoutExpired:
                skipped += 1
                continue
            a = ours.stdout.decode(errors="replace").splitlines()
            b = v8.stdout.decode(errors="replace").splitlines()
            ca, cb = comparable(a, b)
            ran += 1
            calls += sum(len(g) for g in ca[1:])
            if ours.returncode != 0 or ca != cb:
                mismatched += 1
                os.makedirs(fail_dir, exist_ok=True)
                keep = os.path.join(fail_dir, f"seed{seed}-case{k}.wasm")
                os.replace(wasm, keep)
                fa = [line for g in ca for line in g]
                fb = [line for g in cb for line in g]
                first = next((i for i in range(min(len(fa), len(fb))) if fa[i] != fb[i]), min(len(fa), len(fb)))
                print(f"MISMATCH case {k} (kept {keep}), at line {first}:")
                print("  ours: " + " | ".join(fa[max(0, first - 2):first + 3]))
                print("  v8:   " + " | ".join(fb[max(0, first - 2):first + 3]))
                if ours.returncode != 0:
                    print(f"  ours exited {ours.returncode}: {ours.stderr.decode(errors='replace')[-300:]}")
    print(f"diff: {ran} modules compared ({calls} lines), {mismatched} mismatched, {skipped} skipped")
    sys.exit(1 if mismatched else 0)


if __name__ == "__main__":
    main()
