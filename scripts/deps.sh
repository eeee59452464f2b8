#!/usr/bin/env bash
# Installs every Debian package the build and the tests need.
# Idempotent: only missing packages are installed; `apt-get update` runs at most
# once per invocation and only when something is missing. Fails loudly.
set -euo pipefail

PACKAGES=(
  # build
  build-essential pkg-config make
  # C -> WebAssembly (examples, contracts, benchmarks) and libFuzzer
  clang-19 lld-19 llvm-19 wasi-libc libclang-rt-19-dev-wasm32 libclang-rt-19-dev
  # WAT/WASM tools used by the tests
  wabt binaryen
  # libraries named in docs/DESIGN
  libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libsodium-dev libssl-dev
  libsqlite3-dev libpq-dev libhiredis-dev
  # tests
  libcmocka-dev valgrind
  # interop tests (near-api-js)
  nodejs
  # coordinator: PostgreSQL backend tests (private cluster) and load benchmark
  postgresql wrk
  # worker: git sources (tests run a git daemon) and the build sandbox
  git bubblewrap
  # keystore: access-condition patterns (src/secrets/cond.c)
  libpcre2-dev
  # dashboard: browser tests (Playwright drives Debian's chromium headless)
  chromium
  # worker: Rust builds (rustc 1.63 + the wasm32-wasi std; rust-lld is lld-14)
  rustc cargo libstd-rust-dev-wasm32 lld-14
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# Verify: a package that apt claims to have installed but whose tools are
# absent is a broken machine, and the build would fail later with a worse message.
for tool in clang-19 wasm-ld-19 wast2json wasm-validate node git bwrap; do
  command -v "$tool" >/dev/null || { echo "deps: $tool missing after install" >&2; exit 1; }
done
echo "deps: done"
