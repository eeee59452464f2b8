#!/bin/sh
# Issue 16's examples and options through `outlayer run` (tests/cli/mock_api.py
# serves on 127.0.0.1, port chosen by the OS):
#   vrf_dice       the roll's proof checks with `outlayer verify-vrf` under the
#                  --vrf-key's public key (derived independently with openssl)
#                  for the documented input; a tampered proof or input fails;
#                  the same request gives the same roll, another request another
#   ai_completion  POST to a mock chat completions API with the key from --env:
#                  the answer comes back, the key is never printed, the HTTP
#                  transcript exported with --http-transcript-out hashes to the
#                  reported http_transcript_sha256 and replays offline
#                  (--http-transcript) to the same output; another prompt traps
#   --http-ca-file https to a server whose certificate a test CA (made here with
#                  openssl) signed: refused without the option, accepted with it
#                  or with HTTP_CA_FILE
# Usage: tests/cli/hostapi_examples.sh BUILD_DIR
set -eu
BUILD=${1:-build}
OUTLAYER=$BUILD/bin/outlayer
DICE=$BUILD/sdk/vrf_dice.wasm
AI=$BUILD/sdk/ai_completion.wasm
ORACLE=$BUILD/sdk/price_oracle.wasm
MOCK="python3 -u tests/cli/mock_api.py"
DIR=$(mktemp -d)
PIDS=
cleanup() {
    rc=$?
    for p in $PIDS; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$DIR"
    exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
# field FILE NAME: a top-level string/number field of the JSON object in FILE
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# start NAME ARGS...: starts the mock server, sets PORT
start() {
    name=$1
    shift
    $MOCK "$DIR/$name.port" "$@" > "$DIR/$name.log" 2>&1 &
    PIDS="$PIDS $!"
    for _ in $(seq 1 100); do
        [ -s "$DIR/$name.port" ] && break
        sleep 0.1
    done
    [ -s "$DIR/$name.port" ] || fail "the $name server did not start: $(cat "$DIR/$name.log")"
    PORT=$(cat "$DIR/$name.port")
}

# ---------------------------------------------------------------- vrf_dice
SEED=$(openssl rand -hex 32)
python3 - "$SEED" "$DIR/vrf.json" <<'PY'
import json, sys
seed = bytes.fromhex(sys.argv[1])
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n, out = int.from_bytes(seed, "big"), ""
while n:
    n, r = divmod(n, 58)
    out = alphabet[r] + out
out = "1" * (len(seed) - len(seed.lstrip(b"\0"))) + out
json.dump({"account_id": "vrf.test.near", "private_key": "ed25519:" + out}, open(sys.argv[2], "w"))
PY
# the public key, derived by OpenSSL (PKCS#8 Ed25519 wrapping of the seed)
printf '302e020100300506032b657004220420%s' "$SEED" | xxd -r -p > "$DIR/vrf.der"
PK=$(openssl pkey -inform DER -in "$DIR/vrf.der" -pubout -outform DER | tail -c 32 | xxd -p -c 64)
[ ${#PK} -eq 64 ] || fail "openssl did not derive the public key"

roll() { # roll CONTRACT REQUEST_ID LABEL OUTFILE
    printf '%s' "$3" | "$OUTLAYER" run --json --vrf-key "$DIR/vrf.json" --vrf-contract "$1" --vrf-request-id "$2" \
        "$DICE" > "$4" 2> "$DIR/roll.err" || fail "dice: $(cat "$DIR/roll.err")"
}
roll outlayer.test.near 42 "game 7 round 3" "$DIR/roll1"
[ "$(field "$DIR/roll1" public_key)" = "$PK" ] || fail "dice public key $(field "$DIR/roll1" public_key), want $PK"
tail -1 "$DIR/roll.err" | grep -q "\"vrf_calls\":1,\"vrf_public_key\":\"$PK\"" || fail "report: $(tail -1 "$DIR/roll.err")"
INPUT=$(field "$DIR/roll1" input)
PROOF=$(field "$DIR/roll1" proof)
OUTPUT=$(field "$DIR/roll1" output)
# the input is the documented encoding of (contract, request id, label)
WANT=$(python3 -c 'import struct,sys
c=b"outlayer.test.near"; a=b"game 7 round 3"
print((b"outlayer-vrf-v1\0"+struct.pack("<I",len(c))+c+struct.pack("<Q",42)+struct.pack("<I",len(a))+a).hex())')
[ "$INPUT" = "$WANT" ] || fail "VRF input $INPUT, want $WANT"
[ "$("$OUTLAYER" verify-vrf --public-key "$PK" --alpha "$INPUT" --proof "$PROOF")" = "$OUTPUT" ] || fail "verify-vrf"
ROLL=$(python3 -c 'import sys; print(1 + int.from_bytes(bytes.fromhex(sys.argv[1])[:8], "little") % 6)' "$OUTPUT")
[ "$(field "$DIR/roll1" roll)" = "$ROLL" ] || fail "roll $(field "$DIR/roll1" roll), want $ROLL"
# tampered: one bit of the proof, or another request id in the input
BAD=$(python3 -c 'import sys; b=bytearray.fromhex(sys.argv[1]); b[50]^=1; print(b.hex())' "$PROOF")
set +e
"$OUTLAYER" verify-vrf --public-key "$PK" --alpha "$INPUT" --proof "$BAD" > "$DIR/out" 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "NOT valid" "$DIR/err" || fail "a tampered proof passed (rc $rc)"
OTHER=$(roll outlayer.test.near 43 "game 7 round 3" "$DIR/roll2"; field "$DIR/roll2" input)
set +e
"$OUTLAYER" verify-vrf --public-key "$PK" --alpha "$OTHER" --proof "$PROOF" > "$DIR/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "the proof passed for another request (rc $rc)"
[ "$(field "$DIR/roll2" output)" != "$OUTPUT" ] || fail "another request gave the same output"
roll outlayer.test.near 42 "game 7 round 3" "$DIR/roll3"
[ "$(field "$DIR/roll3" output)" = "$OUTPUT" ] || fail "the same request gave another output"
# without --vrf-key: a fresh key, reported; its proofs check too
echo dice | "$OUTLAYER" run --json "$DICE" > "$DIR/roll4" 2> "$DIR/err" || fail "dice without a key file"
PK4=$(tail -1 "$DIR/err" | python3 -c 'import json,sys; print(json.load(sys.stdin)["vrf_public_key"])')
[ "$PK4" != "$PK" ] && [ "$PK4" = "$(field "$DIR/roll4" public_key)" ] || fail "fresh key"
"$OUTLAYER" verify-vrf --public-key "$PK4" --alpha "$(field "$DIR/roll4" input)" \
    --proof "$(field "$DIR/roll4" proof)" > /dev/null || fail "verify-vrf with the fresh key"
# refusals: a bad --vrf-key file, a label over 1024 bytes (the program's own check)
if echo x | "$OUTLAYER" run --vrf-key "$DIR/nope.json" "$DICE" > /dev/null 2>&1; then fail "missing key file"; fi
set +e
echo x | "$OUTLAYER" run --vrf-key "$DIR/nope.json" "$DICE" > /dev/null 2>&1; rc=$?
set -e
[ $rc -eq 66 ] || fail "missing key file: rc $rc"
echo "vrf_dice: ok (roll $ROLL)"

# ---------------------------------------------------------- ai_completion
KEY="sk-test-$(openssl rand -hex 8)"
start ai "$KEY" "$DIR/ai.bodies"
BASE="http://127.0.0.1:$PORT/v1"
PROMPT='What is 2+2? Say "four" – ünïcode'
printf '%s\n' "$PROMPT" | "$OUTLAYER" run --json --allow-http 127.0.0.1 --env "OPENAI_API_KEY=$KEY" \
    --env "OPENAI_BASE_URL=$BASE" --http-transcript-out "$DIR/ai.http" "$AI" > "$DIR/ai.out" 2> "$DIR/ai.err" \
    || fail "ai_completion: $(cat "$DIR/ai.err")"
[ "$(field "$DIR/ai.out" answer)" = "echo: $PROMPT" ] || fail "answer: $(cat "$DIR/ai.out")"
[ "$(field "$DIR/ai.out" model)" = "mock-1" ] && [ "$(field "$DIR/ai.out" finish_reason)" = "stop" ] \
    || fail "output: $(cat "$DIR/ai.out")"
# the server got the prompt in an OpenAI-shaped body
python3 -c 'import json,sys
b=json.loads(open(sys.argv[1]).readline())
assert b["model"]=="gpt-4o-mini" and b["messages"]==[{"role":"user","content":sys.argv[2]}], b' \
    "$DIR/ai.bodies" "$PROMPT" || fail "request body: $(cat "$DIR/ai.bodies")"
! grep -qF "$KEY" "$DIR/ai.out" "$DIR/ai.err" || fail "the API key was printed"
tail -1 "$DIR/ai.err" | grep -q '"http_requests":1' || fail "report: $(tail -1 "$DIR/ai.err")"
HASH=$(tail -1 "$DIR/ai.err" | python3 -c 'import json,sys; print(json.load(sys.stdin)["http_transcript_sha256"])')
[ "$(sha256sum "$DIR/ai.http" | cut -d' ' -f1)" = "$HASH" ] || fail "the transcript file does not hash to $HASH"
# replay: no network, no allow-list; the same output and transcript hash
printf '%s\n' "$PROMPT" | "$OUTLAYER" run --json --env "OPENAI_API_KEY=$KEY" --env "OPENAI_BASE_URL=$BASE" \
    --http-transcript "$DIR/ai.http" "$AI" > "$DIR/ai2.out" 2> "$DIR/ai2.err" || fail "replay: $(cat "$DIR/ai2.err")"
cmp -s "$DIR/ai.out" "$DIR/ai2.out" || fail "replayed output differs: $(cat "$DIR/ai2.out")"
tail -1 "$DIR/ai2.err" | grep -q "\"http_transcript_sha256\":\"$HASH\"" || fail "replayed hash: $(tail -1 "$DIR/ai2.err")"
[ "$(wc -l < "$DIR/ai.bodies")" -eq 1 ] || fail "the replay reached the server"
# replay of another prompt: the program's request differs from the recorded one (trap, 125)
set +e
echo "another prompt" | "$OUTLAYER" run --env "OPENAI_API_KEY=$KEY" --env "OPENAI_BASE_URL=$BASE" \
    --http-transcript "$DIR/ai.http" "$AI" > /dev/null 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 125 ] && grep -q "differs from the recorded one" "$DIR/err" || fail "replay of another prompt: rc $rc $(cat "$DIR/err")"
# a malformed transcript is a usage error
head -c 20 "$DIR/ai.http" > "$DIR/short.http"
set +e
echo x | "$OUTLAYER" run --http-transcript "$DIR/short.http" "$AI" > /dev/null 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 64 ] && grep -q "malformed" "$DIR/err" || fail "malformed transcript: rc $rc $(cat "$DIR/err")"
# a wrong key: the API's message, still no key printed
set +e
echo hi | "$OUTLAYER" run --allow-http 127.0.0.1 --env "OPENAI_API_KEY=sk-wrong-0001" --env "OPENAI_BASE_URL=$BASE" \
    "$AI" > "$DIR/out" 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "answered 401: invalid api key" "$DIR/err" || fail "wrong key: rc $rc $(cat "$DIR/err")"
! grep -qF "sk-wrong-0001" "$DIR/out" "$DIR/err" || fail "the wrong key was printed"
# no key at all
set +e
echo hi | "$OUTLAYER" run --allow-http 127.0.0.1 --env "OPENAI_BASE_URL=$BASE" "$AI" > /dev/null 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "OPENAI_API_KEY is not set" "$DIR/err" || fail "no key: rc $rc"
echo "ai_completion: ok"

# ---------------------------------------------------------- --http-ca-file
cd "$DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=OutLayer test CA" \
    -keyout ca.key -out ca.pem > /dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout srv.key -out srv.csr > /dev/null 2>&1
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' > srv.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile srv.ext -out srv.pem \
    > /dev/null 2>&1
cd - > /dev/null
mkdir "$DIR/www"
printf '{"symbol":"NEAR","price": 4.5}' > "$DIR/www/quote.json"
start tls unused "$DIR/tls.bodies" --tls "$DIR/srv.pem" "$DIR/srv.key" --www "$DIR/www"
URL="https://127.0.0.1:$PORT/quote.json"
set +e
echo "$URL" | "$OUTLAYER" run --allow-http 127.0.0.1 "$ORACLE" > "$DIR/out" 2> "$DIR/err"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "network error" "$DIR/err" || fail "an unknown CA was accepted: rc $rc $(cat "$DIR/err")"
echo "$URL" | "$OUTLAYER" run --allow-http 127.0.0.1 --http-ca-file "$DIR/ca.pem" "$ORACLE" > "$DIR/out" 2> "$DIR/err" \
    || fail "--http-ca-file: $(cat "$DIR/err")"
[ "$(cat "$DIR/out")" = '{"price":4.5,"status":200}' ] || fail "output: $(cat "$DIR/out")"
echo "$URL" | HTTP_CA_FILE="$DIR/ca.pem" "$OUTLAYER" run --allow-http 127.0.0.1 "$ORACLE" > "$DIR/out" 2> "$DIR/err" \
    || fail "HTTP_CA_FILE: $(cat "$DIR/err")"
set +e
echo "$URL" | "$OUTLAYER" run --allow-http 127.0.0.1 --http-ca-file "$DIR/none.pem" "$ORACLE" > /dev/null 2>&1; rc=$?
set -e
[ $rc -eq 66 ] || fail "a missing CA file: rc $rc"
echo "--http-ca-file: ok"
echo "hostapi examples: ok"
