#!/usr/bin/env python3
"""dev_ready.py — how long `outlayer dev` takes to be ready (issue 14: under 2 s
on a warm build), behind `make bench-dev-ready` (see docs/benchmarks.md).

Each round starts `outlayer dev --home NEW --port-base 0` on a fresh home and
waits for HOME/dev.json (written once the chain, keystore, coordinator and
every worker are up and the workers registered with the register contract),
stops it (SIGTERM), then starts it again on the same, now used, home. For
each start it records:

  wall   from the fork of `outlayer dev` to dev.json appearing (polled every
         5 ms), i.e. what a user or a script waits for
  ready  the "ready in X s" that outlayer dev prints (from after its own
         set-up of tokens and the signer to dev.json)
  cpu    user+system CPU of outlayer dev and all its children over the whole
         start-ready-stop cycle (getrusage of the waited children); on a
         loaded machine this varies less than wall time

With several --bin (e.g. a build before and after a change) the rounds run
them interleaved, so they see the same load.

usage: dev_ready.py [--runs N] [--workers N] [--trace] --bin BUILD/bin/outlayer [--bin OTHER ...]
"""
import argparse
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def one_start(outlayer, home, workers, trace):
    env = dict(os.environ)
    if trace:
        env["OUTLAYER_DEV_TIMINGS"] = "1"
    log_path = home + ".out"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log_path, "w") as log:
        t0 = time.monotonic()
        p = subprocess.Popen([outlayer, "dev", "--home", home, "--port-base", "0", "--workers", str(workers)],
                             stdout=log, stderr=subprocess.STDOUT, env=env)
        dev_json = os.path.join(home, "dev.json")
        wall = None
        while time.monotonic() - t0 < 60:
            if os.path.exists(dev_json):
                wall = time.monotonic() - t0
                break
            if p.poll() is not None:
                break
            time.sleep(0.005)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = open(log_path).read()
    m = re.search(r"ready in ([0-9.]+) s", text)
    if wall is None or not m:
        sys.stderr.write(f"dev_ready: {outlayer} did not become ready; its output:\n{text}\n")
        return None
    if trace:
        sys.stderr.write("".join(l + "\n" for l in text.splitlines() if re.match(r"outlayer dev: +[0-9.]+ s ", l)))
    return {"wall": wall, "ready": float(m.group(1)), "cpu": cpu}


def summary(xs):
    if not xs:
        return "-"
    return f"median {statistics.median(xs):.2f}  min {min(xs):.2f}  max {max(xs):.2f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", action="append", required=True, help="an outlayer binary (repeatable)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("DEV_READY_RUNS", "5")))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--trace", action="store_true", help="print each start's OUTLAYER_DEV_TIMINGS trace")
    a = ap.parse_args()
    results = {b: {"fresh": [], "used": []} for b in a.bin}
    failed = False
    root = tempfile.mkdtemp(prefix="dev-ready.")
    try:
        for r in range(a.runs):
            for b in a.bin:
                home = os.path.join(root, f"h{r}-{a.bin.index(b)}")
                os.mkdir(home)
                for kind in ("fresh", "used"):
                    res = one_start(os.path.abspath(b), home, a.workers, a.trace)
                    if res is None:
                        failed = True
                        continue
                    results[b][kind].append(res)
                    print(f"round {r + 1} {b} {kind}: wall {res['wall']:.2f} s, ready {res['ready']:.2f} s, "
                          f"cpu {res['cpu']:.2f} s", flush=True)
                shutil.rmtree(home, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\noutlayer dev ready time, {a.runs} run(s), {a.workers} workers, load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (seconds):")
    for b in a.bin:
        for kind in ("fresh", "used"):
            rs = results[b][kind]
            print(f"  {b} {kind:5}  wall: {summary([x['wall'] for x in rs])}   ready: "
                  f"{summary([x['ready'] for x in rs])}   cpu: {summary([x['cpu'] for x in rs])}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
