#!/bin/bash
# tests/verify/http.sh BUILD — `outlayer verify` of requests whose program
# used outlayer_v1 (docs/verify.md), against a real `outlayer dev` whose
# worker has HTTP_ALLOW=127.0.0.1 and HTTP_TRANSCRIPT_DIR (through the
# environment outlayer dev passes on):
#   the price oracle fetched a quote from tests/cli/mock_api.py on loopback:
#     without the transcript verify does not re-execute and says so (exit 4,
#     the attested transcript hash shown); with the worker's transcript file
#     (the mock server stopped by then) it replays and every field matches;
#     a transcript with one byte changed is a mismatch (exit 1)
#   outlayer request --http-allow narrows the worker's list: allowed / refused
#   the VRF dice: not re-executable here (only the worker's key makes the
#     outputs): exit 3 with a vrf row saying so
#   the persistent counter: storage calls are in the transcript too: exit 4
#     without it, a full match replayed from it
# Ports: outlayer dev at 47200 + 10k (k < 8); the mock server's by the OS.
set -u
B=${1:-build}
OUTLAYER=$B/bin/outlayer
T=$(mktemp -d /tmp/outlayer-verify-http-XXXXXX)
MOCK_PID=
. "$(dirname "$0")/lib.sh"
cleanup() {
    stop_dev
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null
    keep_logs_if_failed
}
trap cleanup EXIT

mkdir -p "$T/www"
printf '{"symbol":"NEAR","price": 6.25}' > "$T/www/quote.json"
python3 -u tests/cli/mock_api.py "$T/mock.port" unused "$T/mock.bodies" --www "$T/www" > "$T/mock.log" 2>&1 &
MOCK_PID=$!
for _ in $(seq 100); do [ -s "$T/mock.port" ] && break; sleep 0.1; done
[ -s "$T/mock.port" ] || { fail "the mock server did not start"; exit 1; }
MPORT=$(cat "$T/mock.port")

export HTTP_ALLOW=127.0.0.1 HTTP_TRANSCRIPT_DIR=$T/transcripts
start_dev 47200 --bin-dir "$B/bin" --contracts-dir build/contracts
STARTED=$?
unset HTTP_ALLOW HTTP_TRANSCRIPT_DIR
[ $STARTED = 0 ] || exit 1

tx=$(request --wasm $B/sdk/price_oracle.wasm --input "http://127.0.0.1:$MPORT/quote.json" --format Json)
grep -q '"price":6.25' "$T/req.json" || { fail "the oracle did not resolve with the price"; cat "$T/req.json" "$T/req.err"; }
verify "$tx"
expect 4 "HTTP without the transcript: not re-executed, exit 4" '^http +not compared' \
    'made 1 HTTP requests: output not re-executable without the transcript; transcript hash [0-9a-f]{64} attested' \
    '^wasm_hash +match' '^input_hash +match' '^record +match'
hash=$(grep -oE 'transcript hash [0-9a-f]{64}' "$T/verify.out" | awk '{print $3}')
file=$(ls "$T"/transcripts/*.http 2>/dev/null | head -1)
[ -n "$file" ] && [ "$(sha256sum "$file" | cut -d' ' -f1)" = "$hash" ] && pass "the worker's transcript file hashes to $hash" ||
    fail "no transcript file hashing to the attested $hash in $T/transcripts"
# outlayer request --http-allow: the request narrows the worker's HTTP_ALLOW=127.0.0.1 (contract
# request_execution's http_allow, through the event and the coordinator to the worker)
request --wasm $B/sdk/price_oracle.wasm --input "http://127.0.0.1:$MPORT/quote.json" --format Json \
    --http-allow "127.0.0.1,api.example.com" > /dev/null
grep -q '"price":6.25' "$T/req.json" && pass "request --http-allow 127.0.0.1,api.example.com: the price" ||
    { fail "request --http-allow 127.0.0.1,...: no price"; cat "$T/req.json" "$T/req.err"; }
request --wasm $B/sdk/price_oracle.wasm --input "http://127.0.0.1:$MPORT/quote.json" --format Json \
    --http-allow "api.example.com" > /dev/null
grep -q 'host not on the allow-list' "$T/req.json" && pass "request --http-allow api.example.com: 127.0.0.1 refused" ||
    { fail "request --http-allow api.example.com reached 127.0.0.1"; cat "$T/req.json" "$T/req.err"; }
kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; MOCK_PID=
verify "$tx" --http-transcript "$file"
expect 0 "replayed from the transcript (server gone)" '^http_transcript +match' '^http +match' '^output +match' \
    'verified: every field matches'
cp "$file" "$T/bad.http"
printf '7' | dd of="$T/bad.http" bs=1 seek=$(($(stat -c %s "$file") - 3)) conv=notrunc 2>/dev/null
verify "$tx" --http-transcript "$T/bad.http"
expect 1 "a changed transcript is a mismatch" '^http_transcript +MISMATCH' 'NOT verified'

tx=$(request --wasm $B/sdk/vrf_dice.wasm --input "round 1" --format Json)
grep -q '"roll":' "$T/req.json" || { fail "the dice did not resolve"; cat "$T/req.json" "$T/req.err"; }
verify "$tx"
expect 3 "the VRF dice: not re-executable, said so" '^vrf +not compared .*the program asked for 1 VRF output'

# Storage is in the transcript too: the counter's record has a transcript
# hash and 0 HTTP requests; verify needs the file, and replays it without
# the coordinator's store (which has moved on to 2 by then).
tx=$(request --wasm $B/sdk/counter.wasm --format Text)
grep -q '"1' "$T/req.json" || { fail "the counter did not resolve with 1"; cat "$T/req.json" "$T/req.err"; }
cfile=$(ls -t "$T"/transcripts/*.http 2>/dev/null | head -1)
request --wasm $B/sdk/counter.wasm --format Text > /dev/null
grep -q '"2' "$T/req.json" || { fail "the counter did not resolve with 2"; cat "$T/req.json" "$T/req.err"; }
verify "$tx"
expect 4 "storage without the transcript: not re-executed, exit 4" '^http +not compared .*storage or view calls' \
    'made storage or view calls: output not re-executable without the transcript; transcript hash [0-9a-f]{64} attested'
verify "$tx" --http-transcript "$cfile"
expect 0 "the counter replayed from its transcript (the store says 2 by now)" '^http_transcript +match' \
    '^output +match' 'verified: every field matches'

[ "$FAILED" = 0 ] && echo "verify-http-test: all passed"
exit $FAILED
