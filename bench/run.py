#!/usr/bin/env python3
"""run.py — the benchmark driver behind `make bench` (see docs/benchmarks.md).

For every workload it runs, side by side and interleaved, BENCH_RUNS times
(default 5; the order of engines rotates each round):

  ours     build/bin/outlayer run W.wasm --json (fuel metering on, as in production)
  native   the same C source compiled with clang-19 -O2 for this machine
  wasm3, iwasm, node   when found on PATH or named by WASM3=, IWASM=, NODE=

Every time is whole-process wall clock (start to exit, including load and
compile), the median of the runs. Every engine's stdout must equal native's
(a checksum line), or the run is marked as failed and the exit status is 1.
From our --json report it also takes the instructions executed and our own
engine-internal time (instantiate + _start, without process start and load).

Then, with build/bench/engine_bench (which links libwasm.a directly):
  metering  each workload run in-process with fuel metering on and off
            (compiled with olw_load_options.no_metering false/true): the cost
            of metering, from the CPU time of the _start call (CPU rather
            than wall time: a shared machine's load would swamp a few %)
  load      decode + validate + compile of a generated multi-MB module, in
            MB/s, metering on and off, and instantiate time

usage: run.py BUILD_DIR            (BUILD_DIR holds bench/, bin/)
       run.py --check BUILD_DIR    every workload once at a small size on every
                                   engine: outputs must equal native's (no timing)
Environment: BENCH_RUNS, BENCH_ONLY=fib,sieve (subset), BENCH_SKIP_METERING=1, BENCH_SKIP_CALLGRIND=1,
BENCH_SKIP_LOAD=1, BENCH_SIZE_<workload>=N (override a size), OUTLAYER=path,
WASM3=path, IWASM=path, NODE=path (empty value = do not use that engine).
"""
import atexit
import hashlib
import json
import math
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FUEL = "1000000000000000"  # 1e15: enough for any workload; metering stays on
TIMEOUT_S = 300


def find_engine(env_name, default_cmd):
    """Path of an engine from $env_name, else from PATH; None when absent."""
    if env_name in os.environ:
        path = os.environ[env_name]
        if not path:
            return None
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            sys.exit(f"bench: {env_name}={path} is not an executable file")
        return path
    return shutil.which(default_cmd)


CPU_TIMES = []  # (user + sys) CPU seconds of the last process, see run_once


def run_once(cmd):
    """(wall seconds, returncode, stdout, stderr) of one whole process.

    The child's CPU time (user + sys) goes to CPU_TIMES[-1]: on a shared,
    busy machine it is a steadier second opinion than the wall clock."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_TIMES.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall, p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def last_json(text):
    """The last line of text that parses as a JSON object, or {}."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                pass
    return {}


def geomean(values):
    values = [v for v in values if v and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt(v, spec=".3f", none="-"):
    return none if v is None else format(v, spec)


def table(headers, rows):
    """Markdown table (also readable as plain text)."""
    cols = list(zip(*([headers] + rows)))
    widths = [max(len(str(c)) for c in col) for col in cols]
    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) for c, w in zip(cells, widths)) + " |"
    out = [line(headers), "|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def targets(results, metering, load):
    """Lines checking the targets of issue 3 against this run's numbers."""
    lines = ["## Issue 3 targets", ""]
    def verdict(ok):
        return "PASS" if ok else "FAIL"
    speedups = {w: r["wasm3"] / r["ours"] for w, r in results.items() if r.get("wasm3") and r.get("ours")}
    if speedups:
        g = geomean(list(speedups.values()))
        slowest = min(speedups, key=speedups.get)
        lines.append(f"- geomean speed-up over wasm3 >= 1.5x (metering on): {g:.2f}x: {verdict(g >= 1.5)}")
        lines.append(f"- no workload slower than wasm3: slowest {slowest} at {speedups[slowest]:.2f}x: "
                     f"{verdict(speedups[slowest] >= 1.0)}")
        cpu = {w: r["wasm3_cpu"] / r["ours_cpu"] for w, r in results.items()
               if r.get("wasm3_cpu") and r.get("ours_cpu")}
        if cpu:
            slow = min(cpu, key=cpu.get)
            lines.append(f"  (same on CPU time: geomean {geomean(list(cpu.values())):.2f}x, "
                         f"slowest {slow} at {cpu[slow]:.2f}x)")
    else:
        lines.append("- speed-up over wasm3: not measured (needs ours and wasm3)")
    if metering:
        # Judged on host instructions (callgrind) when measured: deterministic,
        # unlike time on a shared machine. Time is printed beside it: fastest
        # runs (contention only ever adds time) and medians.
        with_ir = [w for w in metering if "cost_ir" in metering[w]]
        if with_ir:
            g = geomean([1 + metering[w]["cost_ir"] for w in with_ir]) - 1
            worst = max(with_ir, key=lambda w: metering[w]["cost_ir"])
            lines.append(f"- fuel metering costs <= 10% (host instructions, callgrind): geomean {100 * g:+.2f}%, "
                         f"worst {worst} {100 * metering[worst]['cost_ir']:+.2f}%: "
                         f"{verdict(metering[worst]['cost_ir'] <= 0.10)}")
        g = geomean([m["on_min_s"] / m["off_min_s"] for m in metering.values()]) - 1
        worst = max(metering, key=lambda w: metering[w]["cost_min"])
        line = (f"time, fastest runs: geomean {100 * g:+.1f}%, worst {worst} "
                f"{100 * metering[worst]['cost_min']:+.1f}%")
        if with_ir:
            lines.append(f"  ({line})")
        else:
            lines.append(f"- fuel metering costs <= 10% ({line}): {verdict(metering[worst]['cost_min'] <= 0.10)}")
        g = geomean([m["on_s"] / m["off_s"] for m in metering.values()]) - 1
        worst = max(metering, key=lambda w: metering[w]["cost"])
        lines.append(f"  (time, medians: geomean {100 * g:+.1f}%, worst {worst} "
                     f"{100 * metering[worst]['cost']:+.1f}%)")
    else:
        lines.append("- fuel metering cost: not measured")
    large = [r for r in load if os.path.basename(r["file"]) == "large.wasm"]
    if large:
        mbs = large[0]["load_mb_s"]
        lines.append(f"- load + validate + compile >= 50 MB/s (interp): {mbs:.1f} MB/s: {verdict(mbs >= 50)}")
    else:
        lines.append("- load speed: not measured")
    # Issue 17: the compiling tier.
    lines += ["", "## Issue 17 targets (the compiling tier, metering on)", ""]
    slow = [r["ours"] / r["native"] for r in results.values() if r.get("ours") and r.get("native")]
    if slow:
        g = geomean(slow)
        lines.append(f"- geomean jit time <= 2.5x native: {g:.2f}x: {verdict(g <= 2.5)}")
    slow_i = [r["interp"] / r["native"] for r in results.values() if r.get("interp") and r.get("native")]
    if slow_i:
        lines.append(f"  (interpreter: {geomean(slow_i):.2f}x native; jit over interp: "
                     f"{geomean([r['interp'] / r['ours'] for r in results.values() if r.get('interp') and r.get('ours')]):.2f}x)")
    vs_node = [r["node"] / r["ours"] for r in results.values() if r.get("node") and r.get("ours")]
    if vs_node:
        g = geomean(vs_node)
        lines.append(f"- jit speed >= 0.6x node (V8), whole process: {g:.2f}x: {verdict(g >= 0.6)}")
    by_engine = {r.get("engine"): r for r in large}
    if "interp" in by_engine and "jit" in by_engine:
        extra_us = by_engine["jit"]["load_us"] - by_engine["interp"]["load_us"]
        mb = by_engine["jit"]["bytes"] / 1e6
        jit_mbs = mb / (extra_us / 1e6) if extra_us > 0 else float("inf")
        lines.append(f"- machine-code compile >= 20 MB/s of wasm: {jit_mbs:.1f} MB/s (load with jit "
                     f"{by_engine['jit']['load_mb_s']:.1f} MB/s, interp {by_engine['interp']['load_mb_s']:.1f} MB/s): "
                     f"{verdict(jit_mbs >= 20)}")
    return lines + [""]


def metering_cost_in_instructions(engine_bench, wasm, size):
    """Metering cost as host instructions counted by callgrind, metering on vs
    off, at a small size. Unlike time, the count does not depend on what else
    the machine is doing, so it is the number the 10% target is judged on
    when valgrind is installed. None when valgrind is missing or a run fails."""
    if not shutil.which("valgrind") or os.environ.get("BENCH_SKIP_CALLGRIND"):
        return None
    counts = []
    for flag in ([], ["--no-metering"]):
        cmd = (["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", engine_bench, "run"]
               + flag + [wasm] + ([str(size)] if size is not None else []))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            return None
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or not found:
            return None
        counts.append(int(found.group(1)))
    return {"on_ir": counts[0], "off_ir": counts[1], "cost_ir": counts[0] / counts[1] - 1}


# Sizes for `run.py --check` (make bench-check): a few ms to a few tens of
# ms each, enough to compare every engine's checksum with native's.
CHECK_SIZES = {"crc32": 2, "fib": 22, "hashtable": 1, "interp": 2, "json": 2, "mandelbrot": 120,
               "matmul": 40, "nbody": 20000, "sha256": 1, "sieve": 2, "sort": 1, "spectralnorm": 100}


def main():
    check = len(sys.argv) == 3 and sys.argv[1] == "--check"
    if len(sys.argv) != 2 and not check:
        sys.exit(__doc__)
    build = sys.argv[-1]
    runs = 1 if check else int(os.environ.get("BENCH_RUNS", "5"))
    wasm_dir = os.path.join(build, "bench", "wasm")
    native_dir = os.path.join(build, "bench", "native")
    workloads = sorted(f[:-5] for f in os.listdir(wasm_dir) if f.endswith(".wasm"))
    if os.environ.get("BENCH_ONLY"):
        only = os.environ["BENCH_ONLY"].split(",")
        workloads = [w for w in workloads if w in only]

    outlayer = find_engine("OUTLAYER", os.path.join(build, "bin", "outlayer"))
    engine_bench = os.path.join(build, "bench", "engine_bench")
    if not os.access(engine_bench, os.X_OK):
        engine_bench = None
    # Run private copies: a `make` in the same tree during the run (other
    # work going on) would otherwise swap the engine under us half-way.
    snapshot = tempfile.mkdtemp(prefix="outlayer-bench-")
    atexit.register(shutil.rmtree, snapshot, True)
    binaries = {}
    for name in ("outlayer", "engine_bench"):
        path = outlayer if name == "outlayer" else engine_bench
        if path:
            copy = os.path.join(snapshot, name)
            shutil.copy2(path, copy)
            with open(copy, "rb") as f:
                binaries[name] = {"path": path, "sha256": hashlib.sha256(f.read()).hexdigest()}
            if name == "outlayer":
                outlayer = copy
            else:
                engine_bench = copy

    # "ours" is the compiling tier (the default engine); "interp" the
    # interpreter, run the same way: both must print the same output and
    # count the same instructions.
    def ours_cmd(wasm, args, engine="jit"):
        return [outlayer, "run", wasm, "--engine", engine, "--fuel", FUEL, "--timeout-ms", "0", "--json", "--"] + args

    others = {}
    for name, env, default, make in (
        ("wasm3", "WASM3", "wasm3", lambda exe: lambda w, a: [exe, w] + a),
        ("iwasm", "IWASM", "iwasm", lambda exe: lambda w, a: [exe, w] + a),
        ("node", "NODE", "node",
         lambda exe: lambda w, a: [exe, "--no-warnings", os.path.join(HERE, "node_wasi.mjs"), w] + a),
    ):
        exe = find_engine(env, default)
        if exe:
            others[name] = make(exe)

    notes = []
    if outlayer is None:
        notes.append("ours: build/bin/outlayer not found (engine or CLI not built yet): our columns are empty")
    for name in ("wasm3", "iwasm", "node"):
        if name not in others:
            notes.append(f"{name}: skipped ({name.upper()}= set empty)" if os.environ.get(name.upper()) == ""
                         else f"{name}: not on PATH and ${name.upper()} not set: skipped")
    print(f"bench: {len(workloads)} workloads, median of {runs} interleaved runs; whole-process wall clock")
    print("engines: native" + (", ours (the compiling tier, --engine jit), interp (--engine interp)" if outlayer else "")
          + "".join(", " + n for n in others))
    for n in notes:
        print("note: " + n)
    sys.stdout.flush()

    failures = []
    results = {}
    for w in workloads:
        wasm = os.path.join(wasm_dir, w + ".wasm")
        size = os.environ.get(f"BENCH_SIZE_{w}") or (str(CHECK_SIZES.get(w, 1)) if check else None)
        args = [size] if size else []
        engines = {"native": lambda wasm_, a, w=w: [os.path.join(native_dir, w)] + a}
        if outlayer:
            engines["ours"] = lambda wasm_, a: ours_cmd(wasm_, a)
            engines["interp"] = lambda wasm_, a: ours_cmd(wasm_, a, "interp")
        engines.update(others)
        # Reference output (and a warm-up of the file cache).
        _, rc, expected, err = run_once(engines["native"](wasm, args))
        if rc != 0:
            failures.append(f"{w}: native exited {rc}: {err.strip()[:200]}")
            continue
        times = {e: [] for e in engines}
        cpu = {e: [] for e in engines}
        extra = {"instructions": None, "interp_instructions": None, "run_us": [], "load_us": [], "node_run_ms": []}
        status = {e: "ok" for e in engines}
        order = list(engines)
        for r in range(runs):
            for e in order[r % len(order):] + order[:r % len(order)]:
                if status[e] != "ok":
                    continue
                try:
                    wall, rc, out, err = run_once(engines[e](wasm, args))
                except subprocess.TimeoutExpired:
                    status[e] = "timeout"
                    failures.append(f"{w}: {e} timed out after {TIMEOUT_S} s")
                    continue
                if rc != 0 or out != expected:
                    status[e] = "wrong output" if rc == 0 else f"exit {rc}"
                    failures.append(f"{w}: {e}: {status[e]}: got {out.strip()[:80]!r}, "
                                    f"expected {expected.strip()!r}; stderr: {err.strip()[-300:]!r}")
                    continue
                times[e].append(wall)
                cpu[e].append(CPU_TIMES[-1])
                if e == "ours":
                    rep = last_json(err)
                    if "instructions" in rep:
                        extra["instructions"] = rep["instructions"]
                    if "run_us" in rep:
                        extra["run_us"].append(rep["run_us"])
                    if "load_us" in rep:
                        extra["load_us"].append(rep["load_us"])
                elif e == "interp":
                    rep = last_json(err)
                    if "instructions" in rep:
                        extra["interp_instructions"] = rep["instructions"]
                elif e == "node":
                    rep = last_json(err)
                    if "node_run_ms" in rep:
                        extra["node_run_ms"].append(rep["node_run_ms"])
        res = {"expected": expected.strip()}
        for e in engines:
            res[e] = statistics.median(times[e]) if times[e] and status[e] == "ok" else None
            res[e + "_status"] = status[e]
            res[e + "_cpu"] = statistics.median(cpu[e]) if cpu[e] and status[e] == "ok" else None
        res["instructions"] = extra["instructions"]
        if (extra["interp_instructions"] is not None and extra["instructions"] is not None
                and extra["interp_instructions"] != extra["instructions"]):
            failures.append(f"{w}: instruction counts differ: jit {extra['instructions']}, "
                            f"interp {extra['interp_instructions']}")
        res["ours_run_s"] = statistics.median(extra["run_us"]) / 1e6 if extra["run_us"] else None
        res["node_run_s"] = statistics.median(extra["node_run_ms"]) / 1e3 if extra["node_run_ms"] else None
        res["ours_load_s"] = statistics.median(extra["load_us"]) / 1e6 if extra["load_us"] else None
        results[w] = res
        line = f"  {w:13s} native {fmt(res['native'])} s"
        for e in engines:
            if e != "native":
                line += f"  {e} {fmt(res[e])}" + ("" if status[e] == "ok" else f" ({status[e]})")
        print(line)
        sys.stdout.flush()

    if check:
        checked = sum(1 for r in results.values() for k, v in r.items() if k.endswith("_status") and v == "ok")
        for f in failures:
            print("FAIL: " + f)
        print(f"bench-check: {checked} runs of {len(workloads)} workloads matched native's output, "
              f"{len(failures)} failed")
        return 1 if failures or not results else 0

    # ---- metering on vs off (in-process, engine-internal run time) ----
    metering = {}
    if engine_bench and not os.environ.get("BENCH_SKIP_METERING"):
        print(f"metering: {runs} interleaved in-process runs per workload, metering on vs off")
        for w in workloads:
            if w not in results:
                continue
            wasm = os.path.join(wasm_dir, w + ".wasm")
            size = os.environ.get(f"BENCH_SIZE_{w}")
            args = [size] if size else []
            on, off, ok = [], [], True
            for r in range(runs):
                for flag in ([[], ["--no-metering"]] if r % 2 == 0 else [["--no-metering"], []]):
                    try:
                        _, rc, out, err = run_once([engine_bench, "run"] + flag + [wasm] + args)
                    except subprocess.TimeoutExpired:
                        rc, out, err = -1, "", "timeout"
                    rep = last_json(err)
                    if rc != 0 or out.strip() != results[w]["expected"] or "run_cpu_us" not in rep:
                        failures.append(f"{w}: engine_bench run {' '.join(flag)}: exit {rc}, "
                                        f"output {out.strip()[:80]!r}; {err.strip()[-200:]!r}")
                        ok = False
                        break
                    (off if flag else on).append(rep["run_cpu_us"] / 1e6)
                if not ok:
                    break
            if ok:
                m_on, m_off = statistics.median(on), statistics.median(off)
                # Contention only ever adds time, so the fastest run of each
                # variant is the least disturbed: its ratio is shown as well.
                metering[w] = {"on_s": m_on, "off_s": m_off, "cost": m_on / m_off - 1,
                               "on_min_s": min(on), "off_min_s": min(off),
                               "cost_min": min(on) / min(off) - 1}
                print(f"  {w:13s} on {m_on:.3f} s  off {m_off:.3f} s  cost {100 * (m_on / m_off - 1):+.1f}%"
                      f"  (fastest runs: {100 * (min(on) / min(off) - 1):+.1f}%)")
                sys.stdout.flush()
                ir = metering_cost_in_instructions(engine_bench, wasm, CHECK_SIZES.get(w))
                if ir is not None:
                    metering[w].update(ir)
                    print(f"  {w:13s} host instructions (callgrind, size {CHECK_SIZES.get(w)}): "
                          f"on {ir['on_ir']:,}  off {ir['off_ir']:,}  cost {100 * ir['cost_ir']:+.2f}%")
                    sys.stdout.flush()
    elif not engine_bench:
        notes.append("metering and load: build/bench/engine_bench not built (libwasm.a incomplete?): skipped")

    # ---- load time of a large module, instantiate time ----
    load = []
    if engine_bench and not os.environ.get("BENCH_SKIP_LOAD"):
        small = "fib" if "fib" in workloads else workloads[0] if workloads else None
        for f in [os.path.join(build, "bench", "large.wasm")] + \
                 ([os.path.join(wasm_dir, small + ".wasm")] if small else []):
            if not os.path.isfile(f):
                continue
            # load = decode + validate + internal code, and for jit also the
            # machine code: the difference is the compiling tier's cost
            for eng in ("interp", "jit"):
                try:
                    _, rc, out, err = run_once(["env", "OLW_ENGINE=" + eng, engine_bench, "load", f,
                                                str(max(runs, 3))])
                except subprocess.TimeoutExpired:
                    rc, out, err = -1, "", "timeout"
                rep = last_json(out)
                if rc != 0 or not rep:
                    failures.append(f"load {f} ({eng}): exit {rc}: {err.strip()[-300:]}")
                    continue
                rep["engine"] = eng
                load.append(rep)

    # ---- report ----
    names = [e for e in ("interp", "wasm3", "iwasm", "node") if e in others or (e == "interp" and outlayer)]
    headers = ["workload", "ours s", "native s", "ours/native", "instructions", "ours engine s"]
    for e in names:
        headers += [f"{e} s", f"ours vs {e}"]
    rows = []
    cols = {h: [] for h in headers}
    for w, res in results.items():
        ours = res.get("ours")
        row = [w, fmt(ours), fmt(res["native"]),
               fmt(ours / res["native"] if ours and res["native"] else None, ".1f"),
               f"{res['instructions']:,}" if res["instructions"] is not None else "-",
               fmt(res["ours_run_s"])]
        cols["ours s"].append(ours)
        cols["native s"].append(res["native"])
        cols["ours/native"].append(ours / res["native"] if ours and res["native"] else None)
        cols["ours engine s"].append(res["ours_run_s"])
        for e in names:
            t = res.get(e)
            sp = t / ours if t and ours else None
            row += [fmt(t), fmt(sp, ".2f") + "x" if sp else "-"]
            cols[f"{e} s"].append(t)
            cols[f"ours vs {e}"].append(sp)
        rows.append(row)
    if rows:
        g = ["geomean"]
        for h in headers[1:]:
            if h == "instructions":
                g.append("")
                continue
            v = geomean(cols[h])
            g.append("-" if v is None else (fmt(v, ".2f") + "x" if h.startswith("ours vs")
                                            else fmt(v, ".1f") if h == "ours/native" else fmt(v)))
        rows.append(g)
    report = ["## Run time (whole process, median of %d)" % runs, "", table(headers, rows), ""]

    # Every engine against native, so the table means something even without ours.
    rel_headers = ["workload", "native s"] + [e + "/native" for e in (["ours"] if outlayer else []) + names]
    rel_rows, rel_cols = [], {h: [] for h in rel_headers}
    for w, res in results.items():
        row = [w, fmt(res["native"])]
        for e in (["ours"] if outlayer else []) + names:
            v = res[e] / res["native"] if res.get(e) and res["native"] else None
            rel_cols[e + "/native"].append(v)
            row.append(fmt(v, ".1f"))
        rel_rows.append(row)
    if rel_rows:
        rel_rows.append(["geomean", fmt(geomean([r["native"] for r in results.values()]))] +
                        [fmt(geomean(rel_cols[h]), ".1f") for h in rel_headers[2:]])
        report += ["## Slowdown against native (time / native time)", "", table(rel_headers, rel_rows), ""]

    # CPU time: on a machine shared with other work, steadier than wall time.
    cpu_engines = ["native"] + (["ours"] if outlayer else []) + names
    cpu_rows = [[w] + [fmt(res.get(e + "_cpu")) for e in cpu_engines] for w, res in results.items()]
    if cpu_rows:
        cpu_rows.append(["geomean"] + [fmt(geomean([r.get(e + "_cpu") for r in results.values()]))
                                       for e in cpu_engines])
        report += ["## CPU time (user + sys of the whole process, median; seconds)", "",
                   table(["workload"] + cpu_engines, cpu_rows), ""]

    if metering:
        def ir_cost(m):
            return f"{100 * m['cost_ir']:+.2f}%" if "cost_ir" in m else "-"
        m_rows = [[w, fmt(m["on_s"]), fmt(m["off_s"]), f"{100 * m['cost']:+.1f}%",
                   fmt(m["on_min_s"]), fmt(m["off_min_s"]), f"{100 * m['cost_min']:+.1f}%", ir_cost(m)]
                  for w, m in metering.items()]
        gm = geomean([m["on_s"] / m["off_s"] for m in metering.values()])
        gmin = geomean([m["on_min_s"] / m["off_min_s"] for m in metering.values()])
        irs = [1 + m["cost_ir"] for m in metering.values() if "cost_ir" in m]
        m_rows.append(["geomean", "", "", f"{100 * (gm - 1):+.1f}%", "", "", f"{100 * (gmin - 1):+.1f}%",
                       f"{100 * (geomean(irs) - 1):+.2f}%" if irs else "-"])
        report += ["## Fuel metering cost (metering on vs off: in-process CPU time of _start, and host "
                   "instructions of the whole engine_bench process under callgrind at the check size)", "",
                   table(["workload", "on s (median)", "off s (median)", "cost (median)",
                          "on s (fastest)", "off s (fastest)", "cost (fastest)", "cost (instructions)"],
                         m_rows), ""]
    if load:
        l_rows = [[os.path.basename(r["file"]), r.get("engine", "-"), f"{r['bytes'] / 1e6:.2f}", fmt(r["validate_mb_s"], ".1f"),
                   fmt(r["load_mb_s"], ".1f"), fmt(r["load_nometer_mb_s"], ".1f"),
                   fmt(r["load_us"] / 1e3, ".2f"), fmt(r["instantiate_us"] / 1e3, ".3f")] for r in load]
        report += ["## Load (decode + validate + compile) and instantiate", "",
                   table(["module", "engine", "MB", "validate MB/s", "load MB/s", "load MB/s (no metering)",
                          "load ms", "instantiate ms"], l_rows), ""]
    report += targets(results, metering, load)
    if notes:
        report += ["Notes:"] + ["- " + n for n in notes] + [""]
    if failures:
        report += ["FAILURES:"] + ["- " + f for f in failures] + [""]

    text = "\n".join(report)
    print()
    print(text)
    os.makedirs(os.path.join(build, "bench"), exist_ok=True)
    with open(os.path.join(build, "bench", "results.md"), "w") as f:
        f.write(text)
    with open(os.path.join(build, "bench", "results.json"), "w") as f:
        json.dump({"runs": runs, "binaries": binaries, "results": results, "metering": metering, "load": load,
                   "notes": notes, "failures": failures}, f, indent=1)
    print(f"(also written to {build}/bench/results.md and results.json)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
