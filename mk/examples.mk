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

# The forwarding caller contract (contracts/examples/forwarder.c): built like
# the coin flip (mk/contracts.mk), deployed by `outlayer dev`, tested natively
# against the OutLayer contract on the mock runtime (forwarder-test) and on
# the devnet by the e2e suite.
FORWARDER_SRC := contracts/examples/forwarder.c
FORWARDER_WASM := $(CONTRACT_WASM_DIR)/forwarder.wasm
$(FORWARDER_WASM): $(call contract_wasm_objs,$(CONTRACT_SDK_SRC) $(FORWARDER_SRC))
	@mkdir -p $(@D)
	$(WASM_LD) $(CONTRACT_WASM_LDFLAGS) -o $@ $^ $(CONTRACT_WASM_RT)
contracts: $(FORWARDER_WASM)
PROGRAMS += $(FORWARDER_WASM)

$(call objs_of,$(FORWARDER_SRC) tests/contract/test_forwarder.c): CFLAGS += $(CONTRACT_INCLUDES)
$(BUILD)/tests/contract/test_forwarder: $(OBJ)/tests/contract/test_forwarder.o $(CONTRACT_SDK_NATIVE_OBJ) \
    $(call objs_of,$(FORWARDER_SRC) $(OUTLAYER_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA)
forwarder-test: $(BUILD)/tests/contract/test_forwarder $(FORWARDER_WASM)
	@tests/contract/check_wasm.sh $(FORWARDER_WASM) 102400 new ask on_answer get_answer get_config
	@$(BUILD)/tests/contract/test_forwarder
forwarder-test-san:
	@$(MAKE) --no-print-directory SAN=1 forwarder-test
TEST_STEPS += forwarder-test forwarder-test-san
.PHONY: forwarder-test forwarder-test-san

# libFuzzer: the examples' JSON reader, X25519 and HMAC on arbitrary bytes.
$(eval $(call fuzz_target,examples_json,tests/fuzz/fuzz_examples_json.c,))
