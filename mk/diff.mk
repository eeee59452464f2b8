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
