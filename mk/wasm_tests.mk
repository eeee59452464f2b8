# WebAssembly test modules for the engine's unit tests: tests/unit/wat/*.wat
# are converted with wabt's wat2wasm into $(BUILD)/tests/wat/*.wasm, and the
# test binaries that use them find the directory through WASM_TEST_DIR.
WAT_SRC := $(wildcard tests/unit/wat/*.wat)
WAT_BIN := $(patsubst tests/unit/wat/%.wat,$(BUILD)/tests/wat/%.wasm,$(WAT_SRC))
WASM_EXEC_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_wasm_exec*.c))

$(BUILD)/tests/wat/%.wasm: tests/unit/wat/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

$(addprefix $(OBJ)/tests/unit/,$(addsuffix .o,$(WASM_EXEC_TESTS))): \
  CFLAGS += -DWASM_TEST_DIR='"$(abspath $(BUILD))/tests/wat"'
$(addprefix $(BUILD)/tests/unit/,$(WASM_EXEC_TESTS)): $(WAT_BIN)

# `make unit` runs these under the default tier (the compiling tier on
# x86-64 Linux); this step runs them again under the interpreter, so both
# tiers pass the engine's unit tests.
WASM_EXEC_BIN := $(addprefix $(BUILD)/tests/unit/,$(WASM_EXEC_TESTS))
wasm-unit-interp: $(WASM_EXEC_BIN)
	@fail=0; for t in $(WASM_EXEC_BIN); do echo "--- $$t (OLW_ENGINE=interp)"; \
	  (cd tests/unit && OLW_ENGINE=interp ../../$$t) || fail=1; done; exit $$fail
TEST_STEPS += wasm-unit-interp
.PHONY: wasm-unit-interp
