#!/usr/bin/env bash
# scripts/run-dev.sh — what `make run` does after building: starts
# `outlayer dev`, sends one request through the whole path (contract ->
# event monitor -> coordinator -> worker -> resolve on chain -> refund),
# prints the answer, and leaves the stack up until Ctrl-C.
#   scripts/run-dev.sh BUILD_DIR HOME PORT_BASE INPUT
set -u
build=${1:-build}; home=${2:-.outlayer-dev}; port=${3:-3030}; input=${4:-'{"name":"OutLayer"}'}
bin=$build/bin
rm -f "$home/dev.json"
"$bin/outlayer" dev --home "$home" --port-base "$port" &
dev=$!
trap 'kill -TERM $dev 2>/dev/null; wait $dev' INT TERM
for _ in $(seq 1 300); do
  [ -s "$home/dev.json" ] && break
  kill -0 $dev 2>/dev/null || { echo "outlayer dev did not start; logs in $home/logs/" >&2; exit 1; }
  sleep 0.1
done
echo
echo "\$ $bin/outlayer request --home $home --wasm $build/examples/hello.wasm --input '$input'"
"$bin/outlayer" request --home "$home" --wasm "$build/examples/hello.wasm" --input "$input"
echo
echo "The stack stays up (Ctrl-C stops it). In another terminal, try the command above with your own .wasm."
wait $dev
