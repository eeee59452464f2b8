#!/bin/bash
# tests/verify/run.sh BUILD [honest|tampered] — `outlayer verify` against a
# real `outlayer dev` (devnet, keystore, coordinator, a worker) on loopback.
#
#   honest    requests resolved by the shipped worker verify: a local .wasm
#             (by transaction and by request id), a program that prints its
#             whole environment, clocks, random bytes and NaN bits, a JSON
#             program with random, a fuel trap (same trap, same count), a
#             git source rebuilt with the worker's build code (and `outlayer
#             build` prints the attested hash); a wall-clock timeout (exit 3:
#             the same trap, but what it wrote before is not compared); a
#             wrong --wasm is a
#             wasm_hash mismatch; a request with secrets is refused (exit 3);
#             an unknown request is exit 3.
#   tampered  the worker is a test-only build (-DOUTLAYER_TEST_TAMPER_OUTPUT)
#             that resolves a different output: verify exits 1 naming the
#             output field; a failed run (no output to tamper) still matches.
# Ports: honest 45200-45299, tampered 45300-45399 (outlayer dev at base +
# 10k for a random k < 8, the git daemon at base + 90..99).
set -u
B=${1:-build}
PART=${2:-honest}
OUTLAYER=${VERIFY_OUTLAYER:-$B/bin/outlayer}
case $PART in
honest) PB=45200 ;;
tampered) PB=45300 ;;
*) echo "usage: $0 BUILD [honest|tampered]"; exit 64 ;;
esac
GITPORT=$((PB + 90 + RANDOM % 10))
T=$(mktemp -d /tmp/outlayer-verify-XXXXXX)
GIT_PID=
. "$(dirname "$0")/lib.sh"
cleanup() {
    stop_dev
    [ -n "$GIT_PID" ] && kill "$GIT_PID" 2>/dev/null
    keep_logs_if_failed
}
trap cleanup EXIT

# The git daemon with alice/flip (prints "Tails").
mkdir -p "$T/repos/alice/flip"
(
    cd "$T/repos/alice/flip" && git init -q -b main . &&
        printf '#include <stdio.h>\nint main(void) { puts("Tails"); return 0; }\n' > main.c &&
        printf '{"language": "c", "sources": ["main.c"], "opt": "O2"}\n' > outlayer.json &&
        git add . && git -c user.email=t@t -c user.name=t commit -qm flip
) || { fail "cannot create the test repository"; exit 1; }
git daemon --reuseaddr --base-path="$T/repos" --export-all --listen=127.0.0.1 --port=$GITPORT "$T/repos" \
    > "$T/git-daemon.log" 2>&1 &
GIT_PID=$!

BIN_DIR=$B/bin
if [ "$PART" = tampered ]; then
    BIN_DIR=$T/bin
    mkdir -p "$BIN_DIR"
    for d in outlayer-devnet outlayer-coordinator outlayer-keystore; do ln -s "$(realpath $B/bin/$d)" "$BIN_DIR/$d"; done
    ln -s "$(realpath $B/tests/verify/bin/outlayer-worker)" "$BIN_DIR/outlayer-worker"
    ln -s "$(realpath $B/examples)" "$T/examples" # outlayer dev reads BIN_DIR/../examples
fi

start_dev $PB --git-base-url git://127.0.0.1:$GITPORT --bin-dir "$BIN_DIR" --contracts-dir build/contracts || exit 1

if [ "$PART" = honest ]; then
    tx=$(request --wasm $B/examples/hello.wasm --input '{"name":"verify"}')
    verify "$tx"
    expect 0 "hello by transaction" '^output +match +"Hello, verify!' '^instructions +match' '^wasm_hash +match' \
        '^record +match' 'verified: every field matches'
    rid=$(grep -oE '^request [0-9]+' "$T/verify.out" | cut -d' ' -f2)
    verify "$rid"
    expect 0 "hello by request id $rid" 'verified: every field matches'

    verify "$tx" --wasm $B/examples/echo.wasm
    expect 1 "a different WASM given with --wasm" '^wasm_hash +MISMATCH' 'NOT verified:.*wasm_hash'

    tx=$(request --wasm $B/tests/verify/probe.wasm --input 'probe input')
    verify "$tx" --json
    expect 0 "environment, clocks, random, NaN bits" '"verified":true'
    python3 - "$T/verify.out" <<'PY' || fail "the probe's output lacks what it should show"
import json, sys
d = json.load(open(sys.argv[1]))
out = [f for f in d["fields"] if f["field"] == "output"][0]
assert out["result"] == "match", out
PY

    tx=$(request --wasm $B/examples/random_number.wasm --input '{"min":1,"max":1000000000}' --format Json)
    verify "$tx"
    expect 0 "random_number (Json, seeded random)" '^output +match +\{"random_number":[0-9]+\}'

    tx=$(request --wasm $B/examples/hello.wasm --max-instructions 1000)
    verify "$tx"
    expect 0 "a fuel trap: the same trap at the same count" '^success +match +false' \
        '^trap +match +Instruction limit exceeded: the program used all 1000 instructions' \
        '^executed +match +(9[0-9][0-9]|1000)$' 'verified: every field matches'

    tx=$(request --wasm $B/tests/verify/probe.wasm --input spin --max-seconds 1 --max-instructions 20000000000 \
        --deposit 3)
    verify "$tx"
    expect 3 "a wall-clock timeout: the same trap, what it wrote not compared" \
        '^trap +match +Time limit exceeded' '^output_hash +not compared' '^instructions +match' \
        '^executed +not compared' 'not verified: some fields cannot be compared'

    tx=$(request --repo https://github.com/alice/flip --commit main)
    verify "$tx" --git-base-url git://127.0.0.1:$GITPORT
    expect 0 "a git source verified through a rebuild" '^program: rebuilt https://github.com/alice/flip at [0-9a-f]{40}' \
        '^output +match +"Tails' 'verified: every field matches'
    attested=$(grep -E '^wasm_hash' "$T/verify.out" | awk '{print $3}')
    built=$($OUTLAYER build https://github.com/alice/flip@main --git-base-url git://127.0.0.1:$GITPORT 2>/dev/null)
    if [ -n "$built" ] && [ "$built" = "$attested" ]; then pass "outlayer build prints the attested hash $built"
    else fail "outlayer build printed '$built', the attestation says '$attested'"; fi

    tx=$(request --wasm $B/examples/hello.wasm --secrets-profile nothing-here)
    verify "$tx"
    expect 3 "a request with secrets is refused" 'can be re-run only by someone who can decrypt them'

    $OUTLAYER build no-commit-here > "$T/build.out" 2>&1
    [ $? = 64 ] && pass "outlayer build without REPO@COMMIT is a usage error" || fail "outlayer build no-commit-here: not 64"
    $OUTLAYER build https://github.com/alice/flip@no-such-branch --git-base-url git://127.0.0.1:$GITPORT > "$T/build.out" 2>&1
    [ $? = 1 ] && grep -q "not found" "$T/build.out" && pass "outlayer build of a missing branch fails with the reason" ||
        { fail "outlayer build of a missing branch"; cat "$T/build.out"; }

    verify 999999
    expect 3 "an unknown request" 'knows no execute job for request 999999'
else
    tx=$(request --wasm $B/examples/hello.wasm --input '{"name":"verify"}')
    value=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"])' "$T/req.json")
    case "$value" in TAMPERED*) pass "the tampered worker resolved '$value'" ;; *) fail "the worker was not tampered: '$value'" ;; esac
    verify "$tx"
    expect 1 "a tampered output is a mismatch on output" '^output +MISMATCH +"TAMPERED Hello, verify!\\n" \| "Hello, verify!\\n"' \
        '^output_hash +MISMATCH' '^wasm_hash +match' '^instructions +match' 'NOT verified: .*output'
    tx=$(request --wasm $B/examples/hello.wasm --max-instructions 1000)
    verify "$tx"
    expect 0 "a failed run of the tampered worker (no output to change) matches" 'verified: every field matches'
fi

if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$H"/logs/*.log "$T/dev.out" "$T/req.err" 2>/dev/null; then
    fail "sanitizer reports in the logs"
fi
[ "$FAILED" = 0 ] && echo "verify-test $PART: all passed"
exit $FAILED
