# WASI's test modules and unit-test wiring (the library: mk/lib/wasi.mk).

# Test modules written in WAT (tests/wasi/*.wat) -> $(BUILD)/tests/wasi/*.wasm,
# used by the WASI unit tests and the CLI tests.
WASI_TEST_WAT := $(wildcard tests/wasi/*.wat)
WASI_TEST_WASM := $(patsubst tests/wasi/%.wat,$(BUILD)/tests/wasi/%.wasm,$(WASI_TEST_WAT)) \
  $(BUILD)/tests/wasi/imports_all.wasm

$(BUILD)/tests/wasi/%.wasm: tests/wasi/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

# Imports every WASI function of wasi-libc, to check our signatures.
$(BUILD)/tests/wasi/imports_all.wasm: tests/wasi/imports_all.c
	@mkdir -p $(@D)
	$(CLANG) --target=wasm32-wasi -O0 -Wall -Wextra -Werror $< -o $@ -Wl,--strip-debug

# The WASI unit tests find the test modules and the examples by absolute
# path (they run with cwd tests/unit) and need them built first.
WASI_UNIT_BIN := $(filter $(BUILD)/tests/unit/test_wasi_%,$(UNIT_BIN))
$(OBJ)/tests/unit/test_wasi_%.o: CFLAGS += -DWASI_TEST_WASM_DIR='"$(abspath $(BUILD)/tests/wasi)"' \
  -DEXAMPLES_WASM_DIR='"$(abspath $(BUILD)/examples)"'
$(WASI_UNIT_BIN): $(WASI_TEST_WASM) $(EXAMPLE_WASM) $(RUNNER_LIB) $(WASI_LIB) $(WASM_LIB)
