# tests/verify/lib.sh — what the `outlayer verify` tests against a real
# `outlayer dev` share (sourced by run.sh and http.sh): pass/fail, starting
# and stopping `outlayer dev`, and request / verify / expect.
# The sourcing script sets OUTLAYER (the CLI) and T (its temp dir) first.
FAILED=0
DEV_PID=
H=

fail() { echo "FAIL: $*"; FAILED=1; }
pass() { echo "ok: $*"; }

# start_dev PORT_BASE ARGS... — `outlayer dev --home $T/devN --workers 1`
# with ARGS, at PORT_BASE + 10k for a random k < 8. Ports in 32768-60999 may
# be taken for a moment by any outgoing connection on the machine (and a
# port an earlier run served may sit in TIME_WAIT for a minute), so a start
# that finds its ports busy tries another slot. Sets DEV_PID and H (the
# home); 1 with the log's tail when it did not start.
start_dev() {
    local base=$1 p
    shift
    for attempt in 0 1 2 3 4 5 6 7; do
        p=$((base + (RANDOM % 8) * 10))
        H=$T/dev$attempt
        $OUTLAYER dev --home "$H" --workers 1 --port-base $p "$@" > "$T/dev.out" 2>&1 &
        DEV_PID=$!
        for _ in $(seq 300); do [ -f "$H/dev.json" ] && break; kill -0 $DEV_PID 2>/dev/null || break; sleep 0.2; done
        [ -f "$H/dev.json" ] && return 0
        wait $DEV_PID 2>/dev/null
        DEV_PID=
        grep -q 'Address already in use' "$T/dev.out" || break
        echo "(port base $p busy, trying the next)"
    done
    fail "outlayer dev did not start"
    tail -20 "$T/dev.out"
    return 1
}

# stop_dev — SIGTERM, up to 20 s for a clean stop, then SIGKILL.
stop_dev() {
    [ -n "$DEV_PID" ] || return 0
    kill -TERM "$DEV_PID" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$DEV_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$DEV_PID" 2>/dev/null
    DEV_PID=
}

# keep_logs_if_failed — the temp dir goes, unless something failed.
keep_logs_if_failed() {
    if [ "$FAILED" = 0 ]; then rm -rf "$T"; else echo "(logs kept in $T)"; fi
}

# request ARGS... -> the transaction hash on stdout ($T/req.json, $T/req.err)
request() {
    $OUTLAYER request --home "$H" --json "$@" > "$T/req.json" 2> "$T/req.err"
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tx_hash"])' "$T/req.json" 2>/dev/null
}

# verify ID [ARGS...] -> exit status in $VRC, output in $T/verify.out
verify() {
    $OUTLAYER verify "$@" --home "$H" > "$T/verify.out" 2>&1
    VRC=$?
    if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/verify.out"; then
        fail "sanitizer report from outlayer verify $*"; cat "$T/verify.out"; VRC=99
    fi
}

# expect CODE WHAT PATTERNS... — verify's exit status and lines matching each pattern
expect() {
    local want=$1 what=$2
    shift 2
    if [ "$VRC" != "$want" ]; then fail "$what: exit $VRC, expected $want"; cat "$T/verify.out"; return 1; fi
    for pat in "$@"; do
        if ! grep -qE -- "$pat" "$T/verify.out"; then fail "$what: no line matching '$pat'"; cat "$T/verify.out"; return 1; fi
    done
    pass "$what"
}
