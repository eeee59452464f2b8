# Benchmarks (issue 3): bench/ -> build/bench/, run by `make bench`.
#
#   make bench                  build the workloads and run bench/run.py
#   make bench BENCH_RUNS=1     one run each (quick look while developing)
#   make bench-build            only build (workloads as wasm and native,
#                               the generated large module, engine_bench)
#
# The workloads are ours, in C (bench/workloads/*.c): each is compiled to a
# WASI command with clang-19 and natively with clang-19 -O2, the native
# build being the baseline and the reference for every engine's checksum.
# Other engines (wasm3, iwasm, node) are used when on PATH or named by
# WASM3=, IWASM=, NODE= (see docs/benchmarks.md for how we built them).
BENCH_DIR := $(BUILD)/bench
BENCH_NAMES := $(basename $(notdir $(wildcard bench/workloads/*.c)))
BENCH_WASM := $(patsubst %,$(BENCH_DIR)/wasm/%.wasm,$(BENCH_NAMES))
BENCH_NATIVE := $(patsubst %,$(BENCH_DIR)/native/%,$(BENCH_NAMES))
BENCH_CFLAGS := -O2 -ffp-contract=off -std=gnu17 -Wall -Wextra -Werror
WASI_SYSROOT ?= /usr
# Functions in the generated large module (~4 MB of wasm; compiling it once
# takes a minute or two).
BENCH_LARGE_FUNCS ?= 20000

$(BENCH_DIR)/wasm/%.wasm: bench/workloads/%.c bench/workloads/bench_common.h
	@mkdir -p $(@D)
	$(CLANG) --target=wasm32-wasi --sysroot=$(WASI_SYSROOT) $(BENCH_CFLAGS) -s $< -o $@

$(BENCH_DIR)/native/%: bench/workloads/%.c bench/workloads/bench_common.h
	@mkdir -p $(@D)
	$(CLANG) $(BENCH_CFLAGS) $< -o $@ -lm

$(BENCH_DIR)/large.c: bench/gen_large.py
	@mkdir -p $(@D)
	python3 bench/gen_large.py $(BENCH_LARGE_FUNCS) > $@.tmp && mv $@.tmp $@

$(BENCH_DIR)/large.wasm: $(BENCH_DIR)/large.c
	$(CLANG) --target=wasm32-wasi --sysroot=$(WASI_SYSROOT) -O2 -s $< -o $@

$(BENCH_DIR)/engine_bench: $(OBJ)/bench/engine_bench.o $(WASI_LIB) $(WASM_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(WASI_LIB) $(WASM_LIB) $(LIB_SODIUM) $(LDLIBS)

# Ours (outlayer, engine_bench) is a prerequisite like the workloads: a
# build failure stops the benchmark instead of being skipped.
bench-build: $(BENCH_WASM) $(BENCH_NATIVE) $(BENCH_DIR)/large.wasm $(BIN)/outlayer $(BENCH_DIR)/engine_bench

# The engine comparison, then the devnet's throughput and start-up time.
bench: bench-build
	python3 bench/run.py $(BUILD)
	@$(MAKE) --no-print-directory bench-devnet

.PHONY: bench bench-build

# Correctness only, in seconds: every workload once at a small size on every
# engine found, each output compared with the native build's.
bench-check: bench-build
	python3 bench/run.py --check $(BUILD)

.PHONY: bench-check

# CoreMark (issue 17's "CoreMark-class code"): not in this repository
# (EEMBC's licence); point COREMARK_DIR at a checkout of
# https://github.com/eembc/coremark. Prints native, jit, interp (and node).
bench-coremark: $(BIN)/outlayer
	@[ -n "$(COREMARK_DIR)" ] || { echo "make bench-coremark COREMARK_DIR=/path/to/coremark" >&2; exit 64; }
	bench/coremark.sh $(COREMARK_DIR) $(BUILD)
.PHONY: bench-coremark
