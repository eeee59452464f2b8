# `outlayer verify` and `outlayer build` (src/cli/cmd_verify.c, cmd_build.c;
# docs/verify.md): tests against a real `outlayer dev`, and the determinism
# audit's test.

# A program that prints its whole environment, clocks, random bytes and NaN bits.
VERIFY_PROBE := $(BUILD)/tests/verify/probe.wasm
$(VERIFY_PROBE): tests/verify/probe.c
	@mkdir -p $(@D)
	$(CLANG) $(WASI_TARGET_FLAGS) -O2 -std=gnu17 -Wall -Wextra -Werror $< -o $@ -lm

# The test-only dishonest worker: execute.c built with -DOUTLAYER_TEST_TAMPER_OUTPUT
# into a separate binary under build/tests (the shipped worker never has it).
VERIFY_TAMPER_OBJ := $(OBJ)/tests/verify/execute_tampered.o
VERIFY_TAMPER_WORKER := $(BUILD)/tests/verify/bin/outlayer-worker
$(VERIFY_TAMPER_OBJ): src/worker/execute.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -DOUTLAYER_TEST_TAMPER_OUTPUT -c $< -o $@
$(VERIFY_TAMPER_WORKER): $(WORKER_MAIN_OBJ) $(VERIFY_TAMPER_OBJ) $(WORKER_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(WORKER_MAIN_OBJ) $(VERIFY_TAMPER_OBJ) -Wl,--start-group $(WORKER_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_CURL) $(LIB_HTTP) $(LIB_SODIUM) $(LIB_SSL) -lpcre2-8 $(LDLIBS)

VERIFY_DEPS := $(DEV_RUNTIME_FILES) $(VERIFY_PROBE) \
  $(BUILD)/examples/hello.wasm $(BUILD)/examples/echo.wasm $(BUILD)/examples/random_number.wasm \
  $(BUILD)/examples/coin_flip.wasm

verify-test: $(VERIFY_DEPS)
	@timeout 170 tests/verify/run.sh $(BUILD) honest
verify-tamper-test: $(VERIFY_DEPS) $(VERIFY_TAMPER_WORKER)
	@timeout 170 tests/verify/run.sh $(BUILD) tampered
TEST_STEPS += verify-test verify-tamper-test
.PHONY: verify-test verify-tamper-test

# The determinism audit (docs/verify.md): every example and the probe run
# twice under different host settings with the worker's seeded sources.
EXAMPLE_WASM_FOR_VERIFY := $(patsubst examples/%.c,$(BUILD)/examples/%.wasm,$(wildcard examples/*.c))
determinism-test: $(BIN)/outlayer $(VERIFY_PROBE) $(EXAMPLE_WASM_FOR_VERIFY)
	@timeout 170 tests/verify/determinism.sh $(BUILD)
TEST_STEPS += determinism-test
.PHONY: determinism-test

# tests/unit/test_verify_replay.c (part of `make unit`) runs examples/random.
$(BUILD)/tests/unit/test_verify_replay: $(BUILD)/examples/random.wasm

# Fuzzing what verify parses from the node and the coordinator.
VERIFY_FUZZ_SRC := tests/fuzz/fuzz_verify.c src/cli/verify_chain.c src/worker/events.c src/worker/request.c \
  src/worker/util.c src/base/log.c
$(eval $(call fuzz_target,verify,$(VERIFY_FUZZ_SRC),-ljansson -lsodium))

# The honest part with `outlayer` (dev supervisor, request, verify, build)
# built with ASan + UBSan; the daemons are the normal build (their own -san
# steps cover them). Sanitizer reports fail the test.
verify-test-san:
	@$(MAKE) --no-print-directory $(VERIFY_DEPS)
	@$(MAKE) --no-print-directory SAN=1 build/san/bin/outlayer
	@VERIFY_OUTLAYER=build/san/bin/outlayer timeout 170 tests/verify/run.sh build honest
TEST_STEPS += verify-test-san
.PHONY: verify-test-san
