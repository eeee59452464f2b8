#!/usr/bin/env bash
# tests/cli/tee.sh BUILD — `outlayer tee` against the real Intel-signed
# samples (tests/register/data, = ../shared/tdx-samples) and a simulated
# platform: verify inside / outside the collateral window, the outdated
# platform, a flipped byte, a truncated quote, a wrong root; platform ->
# quote -> verify round trip with the measurements of a given binary and the
# documented report-data binding; usage errors.
set -u
build=${1:-build}
bin=$build/bin/outlayer
data=tests/register/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
check() { # name, condition result
  n=$((n + 1))
  if [ "$2" = 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# 1. the real quote inside its window: UpToDate, MRTD at bytes 184..231
"$bin" tee verify $data/tdx_quote --collateral $data/tdx_quote_collateral.json --time 2025-06-25T12:00:00Z > $tmp/v.json
check "real quote verifies in its window (exit 0)" $?
check "real quote: UpToDate" $([ "$(field $tmp/v.json tcb_status)" = UpToDate ]; echo $?)
mrtd=$(xxd -p -s 184 -l 48 $data/tdx_quote | tr -d '\n')
check "real quote: MRTD as read with xxd" $([ "$(field $tmp/v.json mrtd)" = "$mrtd" ]; echo $?)
rd=$(xxd -p -s 568 -l 64 $data/tdx_quote | tr -d '\n')
check "real quote: report_data as read with xxd" $([ "$(field $tmp/v.json report_data)" = "$rd" ]; echo $?)
check "real quote: fmspc" $([ "$(field $tmp/v.json fmspc)" = b0c06f000000 ]; echo $?)
# hex input is accepted too
xxd -p $data/tdx_quote > $tmp/q.hex
"$bin" tee verify $tmp/q.hex --collateral $data/tdx_quote_collateral.json --time 2025-07-19T10:00:35Z > /dev/null
check "hex quote at the window's last second" $?

# 2. refusals, each with its reason and exit 1
expect_refusal() { # name, needle, args...
  local name=$1 needle=$2; shift 2
  "$bin" tee verify "$@" > $tmp/r.json 2> $tmp/r.err
  local rc=$?
  check "$name: exit 1" $([ $rc = 1 ]; echo $?)
  check "$name: says '$needle'" $(grep -qF -- "$needle" $tmp/r.json; echo $?)
}
expect_refusal "expired collateral" "expired" $data/tdx_quote --collateral $data/tdx_quote_collateral.json \
  --time 2026-01-01T00:00:00Z
expect_refusal "before the window" "not yet valid" $data/tdx_quote --collateral $data/tdx_quote_collateral.json \
  --time 2025-06-19T10:16:02Z
expect_refusal "outdated platform (v5)" "no TCB level matches the platform" $data/tdx_quote_outdated \
  --collateral $data/tdx_quote_outdated_collateral.json --time 2026-03-01T12:00:00Z
cp $data/tdx_quote $tmp/flipped
printf '\x01' | dd of=$tmp/flipped bs=1 seek=600 conv=notrunc 2> /dev/null
expect_refusal "flipped report byte" "quote signature invalid" $tmp/flipped --collateral $data/tdx_quote_collateral.json \
  --time 2025-06-25T12:00:00Z
head -c 1000 $data/tdx_quote > $tmp/short
expect_refusal "truncated quote" "exceeds the quote" $tmp/short --collateral $data/tdx_quote_collateral.json --time 2025-06-25T12:00:00Z

# 3. a simulated platform: its quote verifies with its root, not with Intel's
"$bin" tee platform --dir $tmp/platform > $tmp/p.json
check "platform created" $([ "$(field $tmp/p.json created)" = True ]; echo $?)
"$bin" tee platform --dir $tmp/platform > $tmp/p2.json
check "platform reopened, same root" $([ "$(field $tmp/p2.json created)" = False ] &&
  [ "$(field $tmp/p.json root_ca_hex)" = "$(field $tmp/p2.json root_ca_hex)" ]; echo $?)
key=ed25519:6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp
"$bin" tee quote --simulated --platform $tmp/platform --key $key --register-contract reg.test.near \
  --account operator.test.near --worker-binary $bin --out $tmp/sim.quote
check "simulated quote written" $?
"$bin" tee verify $tmp/sim.quote --platform $tmp/platform > $tmp/s.json
check "simulated quote verifies with the platform's root" $?
check "simulated quote: UpToDate" $([ "$(field $tmp/s.json tcb_status)" = UpToDate ]; echo $?)
want=$(python3 - "$bin" <<'PY'
import hashlib, sys
exe = hashlib.sha256(open(sys.argv[1], 'rb').read()).digest()
print(hashlib.sha384(b"outlayer-sim-mrtd:" + exe).hexdigest())
PY
)
check "simulated quote: MRTD = SHA-384 label of the binary's SHA-256" $([ "$(field $tmp/s.json mrtd)" = "$want" ]; echo $?)
want_rd=$(python3 - <<'PY'
import hashlib
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
n = 0
for c in "6E8sCci9badyRkXb3JoRpBj5p8C6Tw41ELDZoiihKEtp": n = n * 58 + alphabet.index(c)
key = n.to_bytes(32, "big")
print((key + hashlib.sha256(b"outlayer-register-v1:reg.test.near:operator.test.near").digest()).hex())
PY
)
check "simulated quote: report_data = key || SHA-256 binding" $([ "$(field $tmp/s.json report_data)" = "$want_rd" ]; echo $?)
"$bin" tee collateral --platform $tmp/platform > $tmp/coll.json
expect_refusal "simulated quote under Intel's root" "not issued by the expected CA" $tmp/sim.quote --collateral $tmp/coll.json
"$bin" tee quote --platform $tmp/platform --report-data "$(printf '%0128d' 7)" --version 5 --worker-binary $bin \
  > $tmp/v5.hex
"$bin" tee verify $tmp/v5.hex --platform $tmp/platform > $tmp/v5.json
check "simulated v5 quote verifies" $([ $? = 0 ] && [ "$(field $tmp/v5.json td_report)" = "TD 1.5" ]; echo $?)

# 4. usage
"$bin" tee verify > /dev/null 2>&1; check "verify without a file: usage (64)" $([ $? = 64 ]; echo $?)
"$bin" tee verify $data/tdx_quote > /dev/null 2>&1; check "verify without collateral: usage (64)" $([ $? = 64 ]; echo $?)
"$bin" tee verify $data/tdx_quote --collateral $data/tdx_quote --time x > /dev/null 2>&1
check "bad --time: usage (64)" $([ $? = 64 ]; echo $?)
"$bin" tee verify $data/tdx_quote --collateral $data/tdx_quote > /dev/null 2>&1
check "collateral that is not JSON: usage (64)" $([ $? = 64 ]; echo $?)
"$bin" tee quote --platform $tmp/platform --key nope --register-contract a --account b > /dev/null 2>&1
check "bad --key: usage (64)" $([ $? = 64 ]; echo $?)
"$bin" tee quote --platform $tmp/missing --report-data "$(printf '%0128d' 7)" > /dev/null 2>&1
check "missing platform: 66" $([ $? = 66 ]; echo $?)
"$bin" tee frobnicate > /dev/null 2>&1; check "unknown subcommand: usage (64)" $([ $? = 64 ]; echo $?)

echo "tee-cli-test: $n checks, $([ $fail = 0 ] && echo all passed || echo FAILURES)"
exit $fail
