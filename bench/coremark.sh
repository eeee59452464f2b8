#!/bin/bash
# bench/coremark.sh COREMARK_DIR [BUILD] — CoreMark, native against our two
# tiers (and node when on PATH), side by side in one run: issue 17's
# "CoreMark-class code at >= 40% of native".
#
# CoreMark is EEMBC's code under its own licence, so it is not in this
# repository: pass a checkout (git clone https://github.com/eembc/coremark).
# Both builds use clang-19 -O2 and the posix port with the same iteration
# count; the wasm one is a WASI command (process clocks emulated by
# wasi-libc). Each engine's score is CoreMark's own Iterations/Sec, so
# start-up and compile time do not count; every run must print "Correct
# operation validated". Knobs: COREMARK_ITERATIONS (default 40000),
# COREMARK_RUNS (best of N, default 3), NODE (default: node on PATH).
set -eu
src=${1:?usage: bench/coremark.sh COREMARK_DIR [BUILD]}
B=${2:-build}
iters=${COREMARK_ITERATIONS:-40000}
runs=${COREMARK_RUNS:-3}
node=${NODE:-$(command -v node || true)}
here=$(cd "$(dirname "$0")" && pwd)
out=$B/bench/coremark
mkdir -p "$out"
for f in core_list_join.c core_main.c core_matrix.c core_state.c core_util.c posix/core_portme.c; do
    [ -f "$src/$f" ] || { echo "coremark.sh: $src/$f is missing: pass a CoreMark checkout" >&2; exit 64; }
done
sources="$src/core_list_join.c $src/core_main.c $src/core_matrix.c $src/core_state.c $src/core_util.c $src/posix/core_portme.c"
flags=(-O2 -I"$src/posix" -I"$src" -DPERFORMANCE_RUN=1 -DITERATIONS="$iters" '-DFLAGS_STR="-O2"')
clang-19 "${flags[@]}" $sources -o "$out/coremark"
clang-19 --target=wasm32-wasi "${flags[@]}" -D_WASI_EMULATED_PROCESS_CLOCKS $sources \
    -lwasi-emulated-process-clocks -Wl,--strip-debug -o "$out/coremark.wasm"

# score CMD... -> the best Iterations/Sec of $runs runs
score() {
    local best=0 s
    for _ in $(seq "$runs"); do
        "$@" > "$out/run.out" 2>&1 || true
        grep -q 'Correct operation validated' "$out/run.out" ||
            { echo "coremark.sh: $* did not validate:" >&2; tail -5 "$out/run.out" >&2; exit 1; }
        s=$(awk -F: '/Iterations\/Sec/ {gsub(/ /, "", $2); print $2}' "$out/run.out")
        best=$(python3 -c "print(max($best, $s))")
    done
    echo "$best"
}
run_tier() { "$B/bin/outlayer" run --engine "$1" --fuel 100000000000000 --timeout-ms 0 "$out/coremark.wasm"; }

native=$(score "$out/coremark")
jit=$(score run_tier jit)
interp=$(score run_tier interp)
printf '%-10s %14s %12s\n' engine "iterations/s" "of native"
row() { printf '%-10s %14.1f %11.1f%%\n' "$1" "$2" "$(python3 -c "print(100 * $2 / $native)")"; }
row native "$native"
row jit "$jit"
row interp "$interp"
if [ -n "$node" ]; then
    row node "$(score "$node" --no-warnings "$here/node_wasi.mjs" "$out/coremark.wasm")"
fi
echo "(best of $runs runs of $iters iterations each, metering on in both tiers; load: $(cut -d' ' -f1-3 /proc/loadavg))"
