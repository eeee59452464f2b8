#!/usr/bin/env bash
# make examples-test: the example programs that need more than tests/cli/run.sh
# checks, each under `outlayer run` (as a worker runs it) and natively:
#   * secrets_reader: names of the secrets, never values; "require" fails
#   * hash_chain: the digest equals Python's hashlib; instruction metering is
#     deterministic and linear in the rounds; bad input refused
#   * dao_tally: voter keys equal an independent computation (@noble/curves
#     X25519 + @noble/hashes HMAC, already pinned in package-lock.json);
#     seal -> tally counts the right votes; a ballot under another voter's
#     name, noise and a changed vote are handled; quorum; no key -> exit 1
#
#   tests/examples/run.sh [BUILD_DIR]
set -u
BUILD=${1:-build}
OUTLAYER=$BUILD/bin/outlayer
EX=$BUILD/examples
NATIVE=$BUILD/examples/native
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "     $2"; return 0; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
for f in "$OUTLAYER" "$EX"/{secrets_reader,hash_chain,dao_tally}.wasm "$NATIVE"/{secrets_reader,hash_chain,dao_tally}; do
  [ -e "$f" ] || { echo "FAIL missing $f (run make first)"; exit 1; }
done
field() { python3 -c "import json,sys; j=json.load(open('$1')); print($2)"; }

# run NAME INPUT [ENV=V...]: outlayer run -> $TMP/out, report (--json) -> $TMP/rep, rc -> $rc;
# the native build on the same input and environment must agree byte for byte.
run() {
  local name=$1 input=$2; shift 2
  local envflags=()
  for kv in "$@"; do envflags+=(--env "$kv"); done
  printf '%s' "$input" >"$TMP/in"
  "$OUTLAYER" run "$EX/$name.wasm" --input "$TMP/in" --json "${envflags[@]}" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  tail -n 1 "$TMP/err" >"$TMP/rep"
  env -i "$@" "$NATIVE/$name" <"$TMP/in" >"$TMP/nout" 2>/dev/null
  local nrc=$?
  if [ "$rc" != "$nrc" ] || ! cmp -s "$TMP/out" "$TMP/nout"; then
    fail "$name on $input: wasm and native agree" "wasm rc $rc: $(head -c 300 "$TMP/out"); native rc $nrc: $(head -c 300 "$TMP/nout")"
  fi
}

# ---- secrets_reader ---------------------------------------------------------
run secrets_reader '' API_KEY=sk-123 DB_URL=postgres://x NEAR_SENDER_ID=bob.near NEAR_REQUEST_ID=7
check "secrets_reader: names sorted, NEAR_* left out, sender" \
  [ "$(cat "$TMP/out")" = '{"sender":"bob.near","secrets":["API_KEY","DB_URL"],"count":2}' ]
check "secrets_reader: no value is printed" bash -c "! grep -q 'sk-123\|postgres' '$TMP/out' '$TMP/err'"
run secrets_reader '{"require":["API_KEY"]}' API_KEY=sk-123
check "secrets_reader: a required secret present" [ $rc -eq 0 ]
run secrets_reader '{"require":["API_KEY","OTHER"]}' API_KEY=sk-123
check "secrets_reader: a required secret missing exits 1 naming it" \
  bash -c "[ $rc -eq 1 ] && grep -qx 'missing secret: OTHER' '$TMP/err'"
run secrets_reader '' NEAR_SENDER_ID=a.near
check "secrets_reader: no secrets" [ "$(cat "$TMP/out")" = '{"sender":"a.near","secrets":[],"count":0}' ]
run secrets_reader 'not json'
check "secrets_reader: input that is not JSON exits 2" [ $rc -eq 2 ]

# ---- hash_chain -------------------------------------------------------------
for rounds in 1 2 1000; do
  run hash_chain "{\"seed\":\"outlayer\",\"rounds\":$rounds}"
  want=$(python3 -c "
import hashlib
h = hashlib.sha256(b'outlayer').digest()
for _ in range($rounds - 1): h = hashlib.sha256(h).digest()
print(h.hex())")
  check "hash_chain: $rounds rounds equal hashlib" [ "$(field "$TMP/out" "j['digest']")" = "$want" ]
done
run hash_chain '{"seed":"a \"quoted\" seed","rounds":3}'
check "hash_chain: the seed is echoed as JSON" [ "$(field "$TMP/out" "j['seed']")" = 'a "quoted" seed' ]
run hash_chain '{"rounds":10000}'
i1=$(field "$TMP/rep" "j['instructions']")
run hash_chain '{"rounds":10000}'
check "hash_chain: the same run costs the same instructions" [ "$(field "$TMP/rep" "j['instructions']")" = "$i1" ]
run hash_chain '{"rounds":20000}'
i2=$(field "$TMP/rep" "j['instructions']")
check "hash_chain: twice the rounds, twice the instructions (within 1%)" \
  python3 -c "import sys; r = $i2 / $i1; sys.exit(0 if 1.98 < r < 2.02 else 1)"
printf '{"rounds":20000}' >"$TMP/in"
"$OUTLAYER" run "$EX/hash_chain.wasm" --input "$TMP/in" --fuel $((i2 / 2)) --json >/dev/null 2>"$TMP/err"
check "hash_chain: under half the fuel it runs out (exit 121)" \
  [ "$(tail -n 1 "$TMP/err" | python3 -c "import json,sys; print(json.load(sys.stdin)['limit'])")" = fuel ]
for bad in '{"rounds":0}' '{"rounds":1.5}' '{"seed":7}' '[1]' 'x'; do
  run hash_chain "$bad"
  check "hash_chain: $bad refused with exit 2" [ $rc -eq 2 ]
done

# ---- dao_tally --------------------------------------------------------------
KEY=$(python3 -c "import os; print(os.urandom(32).hex())")
voter_key() {
  run dao_tally "{\"action\":\"voter_key\",\"dao\":\"dao.near\",\"voter\":\"$1\"}" PROTECTED_DAO_KEY=$KEY
  field "$TMP/out" "j['pubkey']"
}
PA=$(voter_key alice.near)
PB=$(voter_key bob.near)
PC=$(voter_key carol.near)
want=$(node --input-type=module -e "
import {x25519} from '@noble/curves/ed25519.js';
import {hmac} from '@noble/hashes/hmac.js';
import {sha256} from '@noble/hashes/sha2.js';
for (const v of ['alice.near', 'bob.near', 'carol.near']) {
  const sk = hmac(sha256, Buffer.from('$KEY', 'hex'), Buffer.from('outlayer-dao-vote-key:dao.near:' + v));
  console.log(Buffer.from(x25519.getPublicKey(sk)).toString('hex'));
}" | tr '\n' ' ')
check "dao_tally: voter keys equal @noble/curves X25519 of the HMAC-derived secrets" [ "$PA $PB $PC " = "$want" ]
# The X25519 itself against @noble for random scalars and points (through seal:
# E = X25519(e, 9) is in the ballot; the tally opening it proves S agreed).
seal() { # seal PUBKEY VOTE -> ballot hex (no key: seal runs anywhere)
  "$OUTLAYER" run "$EX/dao_tally.wasm" --input - 2>/dev/null <<<"{\"action\":\"seal\",\"pubkey\":\"$1\",\"vote\":\"$2\"}" |
    python3 -c "import json,sys; print(json.load(sys.stdin)['ballot'])"
}
A1=$(seal "$PA" yes); B1=$(seal "$PB" no); B2=$(seal "$PB" abstain); C1=$(seal "$PC" yes)
COPY=$(seal "$PA" no) # alice's key, filed under carol's name below: must not count
A2=$(seal "$PA" no)   # alice changes her mind: the last counting ballot wins
check "dao_tally: two seals of the same vote differ (fresh ephemeral key)" [ "$(seal "$PA" yes)" != "$A1" ]
ballots="[{\"voter\":\"alice.near\",\"ballot\":\"$A1\"},{\"voter\":\"bob.near\",\"ballot\":\"$B1\"},
 {\"voter\":\"bob.near\",\"ballot\":\"$B2\"},{\"voter\":\"carol.near\",\"ballot\":\"$C1\"},
 {\"voter\":\"carol.near\",\"ballot\":\"$COPY\"},{\"voter\":\"dave.near\",\"ballot\":\"zz\"}]"
run dao_tally "{\"action\":\"tally\",\"dao\":\"dao.near\",\"proposal\":\"p1\",\"quorum\":3,\"ballots\":$ballots}" PROTECTED_DAO_KEY=$KEY
check "dao_tally: yes 2, no 1, 3 voters, 3 ignored (abstain, copied ballot, garbage)" \
  [ "$(field "$TMP/out" "j['yes'], j['no'], j['voters'], j['ignored'], j['quorum_met']")" = "2 1 3 3 True" ]
root1=$(field "$TMP/out" "j['ballots_root']")
want_root=$(python3 -c "
import json, hashlib
b = json.loads('''$ballots''')
print(hashlib.sha256(''.join(x['voter'] + '\n' + x['ballot'] + '\n' for x in b).encode()).hexdigest())")
check "dao_tally: ballots_root is the SHA-256 of the tallied ballots" [ "$root1" = "$want_root" ]
ballots2="${ballots%]},{\"voter\":\"alice.near\",\"ballot\":\"$A2\"}]"
run dao_tally "{\"action\":\"tally\",\"dao\":\"dao.near\",\"proposal\":\"p1\",\"quorum\":3,\"ballots\":$ballots2}" PROTECTED_DAO_KEY=$KEY
check "dao_tally: a voter's last ballot wins" [ "$(field "$TMP/out" "j['yes'], j['no'], j['voters']")" = "1 2 3" ]
run dao_tally "{\"action\":\"tally\",\"dao\":\"dao.near\",\"proposal\":\"p1\",\"quorum\":4,\"ballots\":$ballots}" PROTECTED_DAO_KEY=$KEY
check "dao_tally: below the quorum the counts are hidden" \
  [ "$(field "$TMP/out" "j['yes'], j['no'], j['voters'], j['quorum_met']")" = "None None 3 False" ]
OTHER=$(python3 -c "import os; print(os.urandom(32).hex())")
run dao_tally "{\"action\":\"tally\",\"dao\":\"dao.near\",\"proposal\":\"p1\",\"ballots\":$ballots}" PROTECTED_DAO_KEY=$OTHER
check "dao_tally: with another master key no ballot opens" [ "$(field "$TMP/out" "j['voters'], j['ignored']")" = "0 6" ]
run dao_tally "{\"action\":\"tally\",\"dao\":\"other.near\",\"proposal\":\"p1\",\"ballots\":$ballots}" PROTECTED_DAO_KEY=$KEY
check "dao_tally: ballots for one DAO do not open for another" [ "$(field "$TMP/out" "j['voters']")" = "0" ]
run dao_tally '{"action":"tally","dao":"dao.near","proposal":"p1","ballots":[]}'
check "dao_tally: without PROTECTED_DAO_KEY it exits 1 and says so" \
  bash -c "[ $rc -eq 1 ] && grep -q 'PROTECTED_DAO_KEY is not set' '$TMP/err'"
run dao_tally '{"action":"voter_key","dao":"d","voter":"v"}' PROTECTED_DAO_KEY=abc
check "dao_tally: a key that is not hex exits 1" [ $rc -eq 1 ]
run dao_tally '{"action":"vote"}' PROTECTED_DAO_KEY=$KEY
check "dao_tally: an unknown action exits 2" [ $rc -eq 2 ]

# ---- outlayer secrets put --generate (dao_tally's key): usage is checked first -
H=0000000000000000000000000000000000000000000000000000000000000000
"$OUTLAYER" secrets encrypt --wasm-hash $H --owner bob.near --generate PROTECTED_K:hex32 </dev/null >/dev/null 2>"$TMP/err"
check "secrets: --generate works with put only (exit 64)" \
  bash -c "[ $? -eq 64 ] && grep -q 'works with put only' '$TMP/err'"
"$OUTLAYER" secrets put --wasm-hash $H --owner bob.near --profile p --generate PROTECTED_K </dev/null >/dev/null 2>"$TMP/err"
check "secrets: --generate without :TYPE is refused (exit 64)" \
  bash -c "[ $? -eq 64 ] && grep -q 'expected PROTECTED_NAME:TYPE' '$TMP/err'"

echo "examples: $passed passed, $failed failed"
[ $failed -eq 0 ]
