# Example WASI programs (examples/*.c): each is built twice, for WebAssembly
# into $(BUILD)/examples/NAME.wasm and natively into $(BUILD)/examples/native/NAME,
# so the CLI tests can check that both give the same output.
#
# wasi-libc and clang's wasm32 runtime come from Debian (wasi-libc,
# libclang-rt-19-dev-wasm32); clang-19 finds them by itself for
# --target=wasm32-wasi. --strip-debug drops the DWARF that the prebuilt
# libc objects carry (5x the code size) and keeps the name section.
EXAMPLES := $(basename $(notdir $(wildcard examples/*.c)))
EXAMPLE_WASM := $(patsubst %,$(BUILD)/examples/%.wasm,$(EXAMPLES))
EXAMPLE_NATIVE := $(patsubst %,$(BUILD)/examples/native/%,$(EXAMPLES))
EXAMPLE_CFLAGS := -O2 -std=gnu17 -Wall -Wextra -Werror
EXAMPLE_HEADERS := $(wildcard examples/include/*.h)
WASI_TARGET_FLAGS := --target=wasm32-wasi -Wl,--strip-debug

$(BUILD)/examples/%.wasm: examples/%.c $(EXAMPLE_HEADERS)
	@mkdir -p $(@D)
	$(CLANG) $(WASI_TARGET_FLAGS) $(EXAMPLE_CFLAGS) $< -o $@

$(BUILD)/examples/native/%: examples/%.c $(EXAMPLE_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) $(SANFLAGS) $< -o $@ -lm

examples: $(EXAMPLE_WASM) $(EXAMPLE_NATIVE)
PROGRAMS += $(EXAMPLE_WASM) $(EXAMPLE_NATIVE)

.PHONY: examples

# make examples-test: secrets_reader, hash_chain and dao_tally under
# `outlayer run` and natively (tests/examples/run.sh; X25519 checked against
# @noble/curves from package-lock.json). The e2e suite runs them on chain.
EXAMPLES_TEST_DEPS = $(BIN)/outlayer $(EXAMPLE_WASM) $(EXAMPLE_NATIVE)
examples-test: $(EXAMPLES_TEST_DEPS)
	@tests/examples/run.sh $(BUILD)
examples-test-san:
	@$(MAKE) --no-print-directory SAN=1 examples-test
TEST_STEPS += examples-test examples-test-san
.PHONY: examples-test examples-test-san
