#!/bin/sh
# `outlayer run --allow-http` with the SDK's price-oracle example against a
# local HTTP server (python3 http.server on 127.0.0.1, port chosen by the OS).
# Usage: tests/cli/hostapi.sh BUILD_DIR
set -eu
BUILD=${1:-build}
OUTLAYER=$BUILD/bin/outlayer
ORACLE=$BUILD/sdk/price_oracle.wasm
DIR=$(mktemp -d)
SERVER_PID=
cleanup() {
    rc=$?
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DIR"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir "$DIR/www"
printf '{"symbol":"NEAR","price": 3.25}' > "$DIR/www/quote.json"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$DIR/www" > "$DIR/server.log" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$DIR/server.log" | head -1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || fail "the test server did not start: $(cat "$DIR/server.log")"
URL="http://127.0.0.1:$PORT/quote.json"

# allowed: the price comes back, and --json reports one request and its transcript hash
echo "$URL" | "$OUTLAYER" run --json --allow-http 127.0.0.1 "$ORACLE" > "$DIR/out" 2> "$DIR/err" \
    || fail "allowed run failed: $(cat "$DIR/err")"
[ "$(cat "$DIR/out")" = '{"price":3.25,"status":200}' ] || fail "output: $(cat "$DIR/out")"
tail -1 "$DIR/err" | grep -q '"http_requests":1' || fail "report: $(tail -1 "$DIR/err")"
tail -1 "$DIR/err" | grep -Eq '"http_transcript_sha256":"[0-9a-f]{64}"' || fail "report: $(tail -1 "$DIR/err")"

# no --allow-http: the program links, its request is refused (EDISABLED)
if echo "$URL" | "$OUTLAYER" run "$ORACLE" > "$DIR/out" 2> "$DIR/err"; then fail "ran without --allow-http"; fi
grep -q "not enabled for this run (HTTP" "$DIR/err" || fail "stderr: $(cat "$DIR/err")"

# a name on the list that resolves to loopback is refused after DNS (EADDR)
if echo "http://localhost:$PORT/quote.json" | "$OUTLAYER" run --allow-http localhost "$ORACLE" > "$DIR/out" 2> "$DIR/err"; then
    fail "reached loopback through a name"
fi
grep -q "address refused" "$DIR/err" || fail "stderr: $(cat "$DIR/err")"

# a host not on the list (EHOST)
if echo "$URL" | "$OUTLAYER" run --allow-http api.example.com "$ORACLE" > "$DIR/out" 2> "$DIR/err"; then
    fail "reached a host not on the list"
fi
grep -q "host not on the allow-list" "$DIR/err" || fail "stderr: $(cat "$DIR/err")"

# --request-http-allow narrows --allow-http: allowed by both ...
echo "$URL" | "$OUTLAYER" run --allow-http 127.0.0.1 --allow-http api.example.com \
    --request-http-allow "127.0.0.1" "$ORACLE" > "$DIR/out" 2> "$DIR/err" || fail "narrowed run failed: $(cat "$DIR/err")"
[ "$(cat "$DIR/out")" = '{"price":3.25,"status":200}' ] || fail "narrowed output: $(cat "$DIR/out")"
# ... refused when only the operator's list has the host (EHOST)
if echo "$URL" | "$OUTLAYER" run --allow-http 127.0.0.1 --request-http-allow "api.example.com,*.example.org" \
    "$ORACLE" > "$DIR/out" 2> "$DIR/err"; then
    fail "reached a host the request did not allow"
fi
grep -q "host not on the allow-list" "$DIR/err" || fail "stderr: $(cat "$DIR/err")"
# ... a request cannot widen the operator's list
if echo "$URL" | "$OUTLAYER" run --allow-http api.example.com --request-http-allow "*" "$ORACLE" > "$DIR/out" 2> "$DIR/err"; then
    fail "the request widened the allow-list"
fi
grep -q "host not on the allow-list" "$DIR/err" || fail "stderr: $(cat "$DIR/err")"
# ... and a malformed list is a usage error
set +e
"$OUTLAYER" run --allow-http 127.0.0.1 --request-http-allow "http://x" "$ORACLE" < /dev/null > /dev/null 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 64 ] && grep -q "bad host pattern" "$DIR/err" || fail "--request-http-allow http://x: rc $rc $(cat "$DIR/err")"
set +e
"$OUTLAYER" request --http-allow "a.org:80" --wasm-url http://x/p.wasm --hash 00 > /dev/null 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 64 ] && grep -q "bad host pattern" "$DIR/err" || fail "request --http-allow a.org:80: rc $rc $(cat "$DIR/err")"

# usage: one pattern per flag
if "$OUTLAYER" run --allow-http "a.org,b.org" "$ORACLE" < /dev/null > /dev/null 2>&1; then fail "accepted a list"; fi
# verify-vrf: RFC 9381 B.3 Example 17 (alpha = 0x72 = "r")
PK=3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c
PI=f3141cd382dc42909d19ec5110469e4feae18300e94f304590abdced48aed5933bf0864a62558b3ed7f2fea45c92a465301b3bbf5e3e54ddf2d935be3b67926da3ef39226bbc355bdc9850112c8f4b02
BETA=eb4440665d3891d668e7e0fcaf587f1b4bd7fbfe99d0eb2211ccec90496310eb5e33821bc613efb94db5e5b54c70a848a0bef4553a41befc57663b56373a5031
[ "$("$OUTLAYER" verify-vrf --public-key $PK --proof $PI --alpha 72)" = $BETA ] || fail "verify-vrf example 17"
[ "$("$OUTLAYER" verify-vrf --public-key $PK --proof $PI --alpha-text r)" = $BETA ] || fail "verify-vrf --alpha-text"
set +e
"$OUTLAYER" verify-vrf --public-key $PK --proof $PI --alpha 73 > "$DIR/out" 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] && [ ! -s "$DIR/out" ] && grep -q "NOT valid" "$DIR/err" || fail "verify-vrf accepted another input (rc $rc)"
set +e
"$OUTLAYER" verify-vrf --public-key $PK --proof 00 --alpha 72 > /dev/null 2>&1; rc=$?
set -e
[ $rc -eq 64 ] || fail "verify-vrf short proof: rc $rc"
echo "hostapi cli: ok"
