#!/usr/bin/env bash
# CLI tests for `outlayer run`: every example program runs under outlayer
# and natively on the same inputs, and stdout and the exit code must match
# byte for byte; then the report (text and --json), each limit's trap and
# exit code, bad files and the help.
#
#   tests/cli/run.sh [BUILD_DIR]     (default: build)
#
# Prints one "ok"/"FAIL" line per check and exits non-zero if any failed.
set -u
BUILD=${1:-build}
OUTLAYER=$BUILD/bin/outlayer
EX=$BUILD/examples
NATIVE=$BUILD/examples/native
WAT=$BUILD/tests/wasi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# `outlayer run` reads our stdin when --input is not given: every run below
# without its own redirection gets an empty one, whatever ran this script.
exec </dev/null

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "     $2"; return 0; }
check() { # check NAME COMMAND... : passes when the command succeeds
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

for f in "$OUTLAYER" "$EX"/{hello,json_transform,sha256,env_exit,random}.wasm "$NATIVE"/sha256 "$WAT"/loop.wasm; do
  [ -e "$f" ] || { echo "FAIL missing $f (run make first)"; exit 1; }
done

# JSON field of the last stderr line: json_field FILE EXPR (python expression on j)
json_field() { tail -n 1 "$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"; }

# same_as_native NAME INPUT_FILE [ENV=V...]: outlayer run vs the native
# build, same input and environment; compares stdout and the exit code.
same_as_native() {
  local name=$1 input=$2; shift 2
  local envflags=()
  for kv in "$@"; do envflags+=(--env "$kv"); done
  "$OUTLAYER" run "$EX/$name.wasm" --input "$input" "${envflags[@]}" >"$TMP/wasm.out" 2>"$TMP/wasm.err"
  local wasm_rc=$?
  env -i "$@" "$NATIVE/$name" <"$input" >"$TMP/native.out" 2>"$TMP/native.err"
  local native_rc=$?
  local label="$name on $(basename "$input") ($(stat -c %s "$input") bytes${*:+, env $*})"
  if [ $wasm_rc -ne $native_rc ]; then
    fail "$label: same exit code" "outlayer $wasm_rc, native $native_rc"
  elif ! cmp -s "$TMP/wasm.out" "$TMP/native.out"; then
    fail "$label: same stdout" "$(diff <(head -c 2000 "$TMP/native.out") <(head -c 2000 "$TMP/wasm.out") | head -5)"
  else
    pass "$label: same stdout and exit code $wasm_rc"
  fi
}

# ---- inputs ---------------------------------------------------------------
: >"$TMP/empty"
printf 'Alice' >"$TMP/name.txt"
printf '{"name": "Bob", "age": 7}\n' >"$TMP/name.json"
printf '{"name": 42}' >"$TMP/badname.json"
printf '{"b": [1, 2.5, {"c": -3e2}], "a": {"x": 0.1, "y": 0.2}, "s": "t\\"x", "t": true, "n": null}' >"$TMP/obj.json"
printf '{"a": [1, 2' >"$TMP/broken.json"
printf '[1, 2, 3]' >"$TMP/array.json"
printf '   \n' >"$TMP/blank.txt"
printf '7\n' >"$TMP/seven.txt"
printf '255' >"$TMP/max.txt"
printf 'seven' >"$TMP/word.txt"
head -c 1048576 /dev/urandom >"$TMP/1mb.bin"
python3 -c "
import json
print(json.dumps({'k%d' % i: [i, i * 0.5, str(i)] for i in range(3000)}))" >"$TMP/big.json"

# ---- examples: outlayer run == native -------------------------------------
for input in empty name.txt name.json badname.json blank.txt; do
  same_as_native hello "$TMP/$input"
done
same_as_native hello "$TMP/name.json" GREETING=Bonjour
for input in obj.json broken.json array.json empty big.json name.json; do
  same_as_native json_transform "$TMP/$input"
done
for input in empty name.txt obj.json 1mb.bin; do
  same_as_native sha256 "$TMP/$input"
done
same_as_native env_exit "$TMP/empty"
same_as_native env_exit "$TMP/seven.txt" NEAR_SENDER_ID=alice.near NEAR_REQUEST_ID=12
same_as_native env_exit "$TMP/max.txt"
same_as_native env_exit "$TMP/word.txt"
same_as_native env_exit "$TMP/empty" EXIT_CODE=42 NEAR_BLOCK_HEIGHT=100
same_as_native env_exit "$TMP/blank.txt" EXIT_CODE=nope

# json_transform on ~90 KB: valid JSON out, and the sum Python computes.
"$OUTLAYER" run "$EX/json_transform.wasm" --input "$TMP/big.json" >"$TMP/out" 2>/dev/null
check "json_transform on big.json: 3000 keys, 6000 numbers, sum 6747750" \
  [ "$(python3 -c "import json,sys; j=json.load(open('$TMP/out')); print(len(j['keys']), j['numbers'], j['sum'])")" = "3000 6000 6747750" ]
# The program's stderr reaches our stderr, before the report.
"$OUTLAYER" run "$EX/json_transform.wasm" --input "$TMP/broken.json" >/dev/null 2>"$TMP/err"
check "program stderr is passed on" bash -c "head -n 1 '$TMP/err' | grep -q '^json_transform: expected .,. or .]. at byte 11$'"

# sha256 of 1 MiB against coreutils.
"$OUTLAYER" run "$EX/sha256.wasm" --input "$TMP/1mb.bin" >"$TMP/sha.out" 2>/dev/null
expected=$(sha256sum <"$TMP/1mb.bin" | cut -d' ' -f1)
check "sha256 of 1 MiB equals sha256sum" [ "$(cat "$TMP/sha.out")" = "$expected" ]
"$OUTLAYER" run "$EX/sha256.wasm" --input - <"$TMP/1mb.bin" >"$TMP/sha.out" 2>/dev/null
check "--input - reads our stdin (1 MiB)" [ "$(cat "$TMP/sha.out")" = "$expected" ]

# Without --input the program gets our stdin (as with `wasmtime run`);
# --input FILE overrides it, --input /dev/null gives none.
"$OUTLAYER" run "$EX/sha256.wasm" <"$TMP/1mb.bin" >"$TMP/sha.out" 2>/dev/null
check "no --input: our stdin is the program's (1 MiB)" [ "$(cat "$TMP/sha.out")" = "$expected" ]
printf 'Alice' | "$OUTLAYER" run "$EX/hello.wasm" >"$TMP/out" 2>/dev/null
check "no --input: piped stdin reaches the program" grep -qx 'Hello, Alice!' "$TMP/out"
printf 'Carol' | "$OUTLAYER" run "$EX/hello.wasm" --input "$TMP/name.txt" >"$TMP/out" 2>/dev/null
check "--input FILE overrides our stdin" grep -qx 'Hello, Alice!' "$TMP/out"
printf 'Carol' | "$OUTLAYER" run "$EX/sha256.wasm" --input /dev/null >"$TMP/out" 2>/dev/null
check "--input /dev/null: empty stdin although ours has data" \
  [ "$(cat "$TMP/out")" = "$(sha256sum <"$TMP/empty" | cut -d' ' -f1)" ]
"$OUTLAYER" run - <"$EX/sha256.wasm" >"$TMP/out" 2>/dev/null
check "FILE.wasm is -: the program's stdin is empty" \
  [ "$(cat "$TMP/out")" = "$(sha256sum <"$TMP/empty" | cut -d' ' -f1)" ]
"$OUTLAYER" run "$EX/sha256.wasm" <&- >"$TMP/out" 2>/dev/null; rc=$?
check "no --input, stdin closed: empty input, exit 0" \
  bash -c "[ $rc -eq 0 ] && [ \"\$(cat '$TMP/out')\" = '$(sha256sum <"$TMP/empty" | cut -d' ' -f1)' ]"
# A terminal as stdin is not read (it would wait for Ctrl-D): empty input.
# (script(1) from util-linux gives the program a pseudo-terminal.)
script -qec "timeout 20 $OUTLAYER run $EX/sha256.wasm" /dev/null >"$TMP/out" 2>&1; rc=$?
check "no --input, stdin a terminal: not read, empty input" \
  bash -c "[ $rc -eq 0 ] && grep -q '$(sha256sum <"$TMP/empty" | cut -d' ' -f1)' '$TMP/out'"

# random: not comparable, so check the shape, and that two runs differ.
printf '16' >"$TMP/sixteen.txt"
"$OUTLAYER" run "$EX/random.wasm" --input "$TMP/sixteen.txt" >"$TMP/r1" 2>/dev/null; rc1=$?
"$OUTLAYER" run "$EX/random.wasm" --input "$TMP/sixteen.txt" >"$TMP/r2" 2>/dev/null
check "random: 16 bytes as 32 hex digits, exit 0" \
  bash -c "[ $rc1 -eq 0 ] && grep -qxE '[0-9a-f]{32}' '$TMP/r1'"
check "random: two runs differ" bash -c "! cmp -s '$TMP/r1' '$TMP/r2'"
"$OUTLAYER" run "$EX/random.wasm" >"$TMP/r3" 2>/dev/null
check "random: default 32 bytes" grep -qxE '[0-9a-f]{64}' "$TMP/r3"
same_as_native random "$TMP/word.txt"  # the error path is deterministic

# ---- arguments reach the program ------------------------------------------
"$OUTLAYER" run "$EX/hello.wasm" --input "$TMP/name.txt" -- a b c >"$TMP/out" 2>"$TMP/err"
check "program arguments after -- are accepted" grep -qx 'Hello, Alice!' "$TMP/out"

# ---- the report -------------------------------------------------------------
"$OUTLAYER" run "$EX/hello.wasm" --input "$TMP/name.txt" >"$TMP/out" 2>"$TMP/err"
check "text report: status line" grep -q '^--- outlayer run: ok, exit code 0$' "$TMP/err"
check "text report: instructions" grep -qE '^instructions: [1-9][0-9]* of 1000000000$' "$TMP/err"
check "text report: wall time" grep -qE '^wall time: +[0-9]+ ms' "$TMP/err"
check "text report: peak memory" grep -qE '^peak memory: +[1-9][0-9]* bytes .* of 128 MiB$' "$TMP/err"
check "text report: output sizes" grep -qE '^output: +stdout 14 bytes, stderr 0 bytes' "$TMP/err"
check "report is on stderr, stdout is only the program's" bash -c "[ \"\$(cat '$TMP/out')\" = 'Hello, Alice!' ]"

"$OUTLAYER" run "$EX/env_exit.wasm" --input "$TMP/seven.txt" --json --fuel 5000000 --timeout-ms 9000 \
  --max-memory-mb 64 >"$TMP/out" 2>"$TMP/err"
rc=$?
check "--json: exit code 7 passed through" [ $rc -eq 7 ]
check "--json: status exit, program_exit_code 7" \
  [ "$(json_field "$TMP/err" "j['status'], j['program_exit_code'], j['exit_code'], j['trap']")" = "exit 7 7 None" ]
check "--json: numbers" \
  [ "$(json_field "$TMP/err" "j['instructions'] > 0 and j['peak_memory_bytes'] > 0 and j['wall_ms'] >= 0 and j['stdout_bytes'] == $(stat -c %s "$TMP/out")")" = True ]
check "--json: limits echo the flags" \
  [ "$(json_field "$TMP/err" "j['limits']")" = "{'fuel': 5000000, 'max_memory_mb': 64, 'timeout_ms': 9000}" ]
# Deterministic metering, seen from the CLI.
i1=$(json_field "$TMP/err" "j['instructions']")
"$OUTLAYER" run "$EX/env_exit.wasm" --input "$TMP/seven.txt" --json >/dev/null 2>"$TMP/err2"
check "same program and input: same instruction count ($i1)" [ "$(json_field "$TMP/err2" "j['instructions']")" = "$i1" ]

# ---- limits -------------------------------------------------------------------
"$OUTLAYER" run "$EX/sha256.wasm" --input "$TMP/1mb.bin" --fuel 100000 >"$TMP/out" 2>"$TMP/err"
rc=$?
check "--fuel: exhaustion exits 121" [ $rc -eq 121 ]
check "--fuel: text report names the trap" grep -q '^--- outlayer run: trap: out of fuel' "$TMP/err"
"$OUTLAYER" run "$EX/sha256.wasm" --input "$TMP/1mb.bin" --fuel 100000 --json >/dev/null 2>"$TMP/err"
check "--fuel: json trap 'out of fuel', limit fuel" \
  [ "$(json_field "$TMP/err" "j['status'], j['trap'], j['limit'], j['exit_code']")" = "trap out of fuel fuel 121" ]

"$OUTLAYER" run "$WAT/loop.wasm" --timeout-ms 200 --fuel 999999999999 --json >/dev/null 2>"$TMP/err"
rc=$?
check "--timeout-ms: infinite loop exits 124" [ $rc -eq 124 ]
check "--timeout-ms: json trap 'interrupted', limit timeout" \
  [ "$(json_field "$TMP/err" "j['trap'], j['limit']")" = "interrupted timeout" ]
"$OUTLAYER" run "$WAT/sleep.wasm" --timeout-ms 200 >/dev/null 2>"$TMP/err"
rc=$?
check "--timeout-ms: a program sleeping in poll_oneoff exits 124" [ $rc -eq 124 ]
check "--timeout-ms: text report says interrupted" grep -q 'trap: interrupted' "$TMP/err"

"$OUTLAYER" run "$WAT/grow.wasm" --max-memory-mb 2 --json >/dev/null 2>"$TMP/err"
rc=$?
check "--max-memory-mb: growth past 2 MiB exits 122" [ $rc -eq 122 ]
check "--max-memory-mb: json trap 'memory limit exceeded', peak <= 2 MiB" \
  [ "$(json_field "$TMP/err" "j['trap'], j['limit'], j['peak_memory_bytes'] <= 2*1024*1024")" = "memory limit exceeded memory True" ]

"$OUTLAYER" run "$WAT/flood.wasm" --max-memory-mb 1 >"$TMP/out" 2>"$TMP/err"
rc=$?
check "stdout cap (1 MiB with --max-memory-mb 1): exits 123" [ $rc -eq 123 ]
check "stdout cap: exactly 1 MiB of output kept" [ "$(stat -c %s "$TMP/out")" -eq 1048576 ]
check "stdout cap: report says output limit exceeded" grep -q 'output limit exceeded' "$TMP/err"

"$OUTLAYER" run "$WAT/flood.wasm" --max-memory-mb 1 --json >/dev/null 2>"$TMP/err"
check "stdout cap: json trap 'output limit exceeded', limit output, stdout_bytes 1048576" \
  [ "$(json_field "$TMP/err" "j['trap'], j['limit'], j['stdout_bytes']")" = "output limit exceeded output 1048576" ]

"$OUTLAYER" run "$WAT/big_memory.wasm" --max-memory-mb 1 --json >/dev/null 2>"$TMP/err"
rc=$?
check "initial memory above --max-memory-mb: exits 122 before running" \
  [ "$rc $(json_field "$TMP/err" "j['limit'], j['instructions']")" = "122 memory 0" ]
"$OUTLAYER" run "$WAT/recurse.wasm" --json >/dev/null 2>"$TMP/err"
rc=$?
check "endless recursion: exits 125, trap 'call stack exhausted', limit stack" \
  [ "$rc $(json_field "$TMP/err" "j['trap'], j['limit']")" = "125 call stack exhausted stack" ]
"$OUTLAYER" run "$WAT/start_trap.wasm" >/dev/null 2>"$TMP/err"
rc=$?
check "trap in the start function: exits 125, report says unreachable" \
  bash -c "[ $rc -eq 125 ] && grep -q '^--- outlayer run: trap: unreachable' '$TMP/err'"

# ---- bad files ------------------------------------------------------------------
head -c 100 "$EX/hello.wasm" >"$TMP/truncated.wasm"
"$OUTLAYER" run "$TMP/truncated.wasm" 2>"$TMP/err"
rc=$?
check "truncated module exits 65" [ $rc -eq 65 ]
check "truncated module: message with byte offset" grep -qE 'malformed module at byte offset [0-9]+ \(0x[0-9a-f]+\): .+' "$TMP/err"

printf '\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x0a\x04\x01\x02\x00\x0b' >"$TMP/invalid.wasm"
"$OUTLAYER" run "$TMP/invalid.wasm" --json 2>"$TMP/err"
rc=$?
check "invalid module (function returns nothing for i32) exits 65" [ $rc -eq 65 ]
check "invalid module: json load_error with offset and message" \
  [ "$(json_field "$TMP/err" "j['status'], isinstance(j['error_offset'], int), 'invalid module' in j['message']")" = "load_error True True" ]

cp README.md "$TMP/readme.wasm" 2>/dev/null || echo "not wasm at all" >"$TMP/readme.wasm"
"$OUTLAYER" run "$TMP/readme.wasm" 2>"$TMP/err"
rc=$?
check "non-wasm file exits 65" [ $rc -eq 65 ]
check "non-wasm file: says so, at byte offset 0" grep -q 'at byte offset 0 (0x0).*not a WebAssembly binary' "$TMP/err"

"$OUTLAYER" run "$TMP/does-not-exist.wasm" 2>"$TMP/err"
rc=$?
check "missing file exits 66 with the OS error" bash -c "[ $rc -eq 66 ] && grep -q 'No such file' '$TMP/err'"
"$OUTLAYER" run "$WAT/no_start.wasm" 2>"$TMP/err"
rc=$?
check "module without _start exits 65 and says _start" bash -c "[ $rc -eq 65 ] && grep -q '_start' '$TMP/err'"

"$OUTLAYER" run "$WAT/bad_import.wasm" 2>"$TMP/err"
rc=$?
check "import with a wrong signature exits 65 and names it" \
  bash -c "[ $rc -eq 65 ] && grep -q 'wasi_snapshot_preview1.fd_write' '$TMP/err'"

# ---- usage and help ---------------------------------------------------------------
"$OUTLAYER" --help >"$TMP/out"; rc=$?
check "--help exits 0 and lists run" bash -c "[ $rc -eq 0 ] && grep -qE '^  run ' '$TMP/out'"
"$OUTLAYER" help run >"$TMP/out"; rc=$?
check "help run documents every flag and exit code" bash -c "[ $rc -eq 0 ] && grep -q -- '--input' '$TMP/out' && grep -q -- '--fuel' '$TMP/out' && grep -q -- '--max-memory-mb' '$TMP/out' && grep -q -- '--timeout-ms' '$TMP/out' && grep -q -- '--env' '$TMP/out' && grep -q -- '--json' '$TMP/out' && grep -q '124' '$TMP/out'"
"$OUTLAYER" run --help >"$TMP/out2"; rc=$?
check "run --help equals help run" bash -c "[ $rc -eq 0 ] && cmp -s '$TMP/out' '$TMP/out2'"
check "--version" bash -c "'$OUTLAYER' --version | grep -qE '^outlayer [0-9]+\.[0-9]+\.[0-9]+$'"
for bad in "run" "run x.wasm --fuel abc" "run x.wasm --fuel 0" "run x.wasm --env NOEQUALS" "run x.wasm --bogus" \
           "run a.wasm b.wasm" "frobnicate"; do
  # shellcheck disable=SC2086
  "$OUTLAYER" $bad >/dev/null 2>"$TMP/err"; rc=$?
  check "usage error exits 64: outlayer $bad" bash -c "[ $rc -eq 64 ] && [ -s '$TMP/err' ]"
done

# outlayer dev / outlayer request: bad command lines are refused before
# anything starts (their real runs are in make e2e-test).
for bad in "dev --workers 0" "dev --workers x" "dev --port-base 80" "dev --bogus" "dev extra" \
           "dev --postgres mysql://x" "request" "request --wasm-url http://x/a.wasm" "request --repo r" \
           "request --wasm a.wasm --format Xml" "request --wasm a.wasm --repo r --commit c" \
           "request --wasm a.wasm --timeout 0" "request --wasm a.wasm --input a --input-file b" \
           "request --home $TMP/no-dev --wasm a.wasm"; do
  # shellcheck disable=SC2086
  "$OUTLAYER" $bad >/dev/null 2>"$TMP/err"; rc=$?
  check "usage error exits 64: outlayer $bad" bash -c "[ $rc -eq 64 ] && [ -s '$TMP/err' ]"
done
"$OUTLAYER" help dev >"$TMP/out"; rc=$?
check "help dev names every flag" bash -c "[ $rc -eq 0 ] && for f in --home --workers --port-base --block-ms --postgres --lease-seconds --git-base-url; do grep -q -- \$f '$TMP/out' || exit 1; done"
"$OUTLAYER" help request >"$TMP/out"; rc=$?
check "help request names every source and the exit codes" bash -c "[ $rc -eq 0 ] && for f in --wasm --wasm-url --hash --repo --commit --format --secrets-profile --deposit --network 75; do grep -q -- \$f '$TMP/out' || exit 1; done"
"$OUTLAYER" request --home "$TMP/no-dev" --wasm a.wasm 2>"$TMP/err"
check "request without outlayer dev says so" grep -q 'no running `outlayer dev`' "$TMP/err"

echo "cli-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
