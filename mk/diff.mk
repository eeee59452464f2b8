# Differential testing against V8 (issue 10): binaryen's `wasm-opt -ttf`
# makes random valid modules; tests/diff/diff.py runs each in our engine
# (diffrun, linked with libwasm) and in node, and compares every logged
# value, result and trap. `make diff-test`: DIFF_CASES (300) in make test;
# `make fuzz-diff`: DIFF_FUZZ_CASES (3000) from a random seed, part of make fuzz.
DIFF_RUN := $(BUILD)/tests/diff/diffrun
DIFF_CASES ?= 300
DIFF_SEED ?= 1
DIFF_FUZZ_CASES ?= 3000

$(DIFF_RUN): $(OBJ)/tests/diff/diffrun.o $(WASM_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(WASM_LIB) $(LDLIBS)

diff-test: $(DIFF_RUN)
	@nice python3 tests/diff/diff.py $(BUILD) $(DIFF_CASES) $(DIFF_SEED)

fuzz-diff: $(DIFF_RUN)
	nice python3 tests/diff/diff.py $(BUILD) $(DIFF_FUZZ_CASES) $$(od -An -N4 -tu4 /dev/urandom)

fuzz: fuzz-diff
TEST_STEPS += diff-test
.PHONY: diff-test fuzz-diff

# The interpreter against the compiling tier (issue 17): every bench workload
# and example under both tiers, then TIERS_CASES random modules (binaryen
# -ttf) through tierrun: identical output, traps and instruction counts.
# `make tiers-test` is part of make test; `make fuzz-tiers` (TIERS_FUZZ_CASES
# from a random seed) part of make fuzz.
TIER_RUN := $(BUILD)/tests/diff/tierrun
TIERS_CASES ?= 300
TIERS_SEED ?= 1
TIERS_FUZZ_CASES ?= 3000

$(TIER_RUN): $(OBJ)/tests/diff/tierrun.o $(OBJ)/tests/diff/tier_transcript.o $(WASM_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/tests/diff/tierrun.o $(OBJ)/tests/diff/tier_transcript.o $(WASM_LIB) $(LDLIBS)

tiers-test: $(TIER_RUN) $(BIN)/outlayer $(BENCH_WASM) $(EXAMPLE_WASM)
	@nice python3 tests/diff/tiers.py $(BUILD) $(TIERS_CASES) $(TIERS_SEED)

fuzz-tiers: $(TIER_RUN)
	nice python3 tests/diff/tiers.py $(BUILD) $(TIERS_FUZZ_CASES) $$(od -An -N4 -tu4 /dev/urandom) --no-programs

fuzz: fuzz-tiers
TEST_STEPS += tiers-test
.PHONY: tiers-test fuzz-tiers

# libFuzzer: the same comparison on mutated modules (seeds: the wasm target's corpus).
$(eval $(call fuzz_target,wasm_tiers,tests/fuzz/fuzz_wasm_tiers.c tests/diff/tier_transcript.c $(FUZZ_LIB)/libwasm.a))
