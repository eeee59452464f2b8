#!/bin/bash
# tests/verify/determinism.sh BUILD — the determinism audit's test
# (docs/verify.md): every example (and tests/verify/probe.wasm, which prints
# its environment, clocks, random bytes, a sleep and NaN bit patterns) runs
# twice with the worker's deterministic sources (`outlayer run --seed`)
# under different host settings, and the output bytes, the instruction
# count and the status must be identical:
#   A: empty host environment, LC_ALL=C, TZ=UTC, all CPUs, nice 0
#   B: another locale and time zone, noise in the host environment,
#      glibc malloc tunables, pinned to one CPU (taskset), nice 10
# Then the checks that the test can fail: a different seed changes the
# random bytes, and without --seed two runs differ.
set -u
B=${1:-build}
O=$(realpath "$B/bin/outlayer")
T=$(mktemp -d /tmp/outlayer-determinism-XXXXXX)
trap 'rm -rf "$T"' EXIT
SEED=5eed000000000000000000000000000000000000000000000000000000000001
SEED2=5eed000000000000000000000000000000000000000000000000000000000002
BASE=1765000000123456789
FAILED=0
fail() { echo "FAIL: $*"; FAILED=1; }

input_of() {
    case $(basename "$1" .wasm) in
    hello) echo '{"name":"Determinism"}' ;;
    json_transform) echo '{"a":1,"b":[2,3.5],"c":{"d":-4}}' ;;
    sha256) echo 'the same bytes' ;;
    random) echo 64 ;;
    random_number) echo '{"min":1,"max":1000000000}' ;;
    echo) echo 'Hello, world' ;;
    env_exit) echo 0 ;;
    *) echo 'probe input' ;;
    esac
}

# run SETTING WASM SEED -> $T/out.SETTING (stdout), $T/rep.SETTING (status + instructions)
run() {
    local setting=$1 wasm=$2 seed=$3
    input_of "$wasm" > "$T/in"
    local args=(run "$wasm" --input "$T/in" --json --env NEAR_SENDER_ID=alice.near --env NEAR_REQUEST_ID=7
        --env NEAR_BLOCK_TIMESTAMP=$BASE)
    [ -n "$seed" ] && args+=(--seed "$seed" --clock-base $BASE)
    case $setting in
    A) env -i PATH=/usr/bin:/bin LC_ALL=C TZ=UTC "$O" "${args[@]}" > "$T/out.$setting" 2> "$T/err.$setting" ;;
    B) env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 LANG=de_DE.UTF-8 TZ=Pacific/Chatham HOME=/nonexistent \
        NOISE_$RANDOM=$RANDOM OMP_NUM_THREADS=16 MALLOC_PERTURB_=165 GLIBC_TUNABLES=glibc.malloc.arena_max=1 \
        taskset -c 0 nice -n 10 "$O" "${args[@]}" > "$T/out.$setting" 2> "$T/err.$setting" ;;
    esac
    tail -1 "$T/err.$setting" | python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
print(r["status"], r["exit_code"], r["trap"], r["instructions"])' > "$T/rep.$setting" 2>/dev/null || echo "no report" > "$T/rep.$setting"
}

n=0
for wasm in "$B"/examples/*.wasm "$B/tests/verify/probe.wasm"; do
    [ -f "$wasm" ] || { fail "missing $wasm (build it first)"; continue; }
    run A "$wasm" $SEED
    run B "$wasm" $SEED
    name=$(basename "$wasm")
    if ! cmp -s "$T/out.A" "$T/out.B"; then
        fail "$name: the output differs between the two settings"
        diff <(od -c "$T/out.A") <(od -c "$T/out.B") | head -10
    elif ! cmp -s "$T/rep.A" "$T/rep.B"; then
        fail "$name: status or instruction count differs: $(cat "$T/rep.A") vs $(cat "$T/rep.B")"
    elif grep -q "no report" "$T/rep.A"; then
        fail "$name: no report"; cat "$T/err.A"
    else
        echo "ok: $name: $(wc -c < "$T/out.A") bytes of output, $(cut -d' ' -f4 "$T/rep.A") instructions, twice"
        n=$((n + 1))
    fi
done

# The probe shows the pinned values themselves.
run A "$B/tests/verify/probe.wasm" $SEED
grep -q "^realtime 1765000000.123456789" "$T/out.A" || fail "probe: the realtime clock does not start at --clock-base"
grep -q "^monotonic 0.000001000" "$T/out.A" || fail "probe: the monotonic clock is not the virtual one"
grep -q "^after sleep 0.25" "$T/out.A" || fail "probe: a sleep does not move the virtual clock by its length"
grep -q "^localtime 2025-12-06 05:46:40 UTC" "$T/out.A" || fail "probe: localtime is not UTC from the block timestamp: $(grep localtime "$T/out.A")"
grep -q "^env " "$T/out.A" && ! grep -q "^env TZ\|^env LC_ALL\|^env PATH" "$T/out.A" || fail "probe: the host environment leaked"

# A check that can fail: the seed drives random_get, and without it runs differ.
for wasm in "$B/examples/random.wasm" "$B/tests/verify/probe.wasm"; do
    run A "$wasm" $SEED; cp "$T/out.A" "$T/s1"
    run A "$wasm" $SEED2
    cmp -s "$T/s1" "$T/out.A" && fail "$(basename $wasm): a different seed gives the same output"
    run A "$wasm" ""; cp "$T/out.A" "$T/h1"
    run B "$wasm" ""
    cmp -s "$T/h1" "$T/out.B" && fail "$(basename $wasm): two runs without --seed gave the same output"
done

[ "$FAILED" = 0 ] && echo "determinism-test: $n programs, identical output and instruction counts under both settings"
exit $FAILED
