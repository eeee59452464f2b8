# The end-to-end suite: tests/e2e/ against `outlayer dev` (the real devnet,
# keystore, coordinator and workers, started by the command users run).
# Reuses the worker tests' harness (tests/worker/worker_harness.c): the
# account names of `outlayer dev` are the harness's.
E2E_BIN := $(BUILD)/tests/e2e/test_e2e
E2E_SUPPORT := $(call objs_of,tests/devnet/devnet_harness.c tests/worker/worker_harness.c)
E2E_LIBS := $(LIB)/libbase.a $(LIB)/libnear.a

$(OBJ)/tests/e2e/%.o: CFLAGS += -Itests/devnet -Itests/worker

$(E2E_BIN): $(OBJ)/tests/e2e/test_e2e.o $(E2E_SUPPORT) $(E2E_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(E2E_SUPPORT) -Wl,--start-group $(E2E_LIBS) -Wl,--end-group \
	  $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) $(LDLIBS)

E2E_DEPS := $(E2E_BIN) $(DEV_RUNTIME_FILES) build/tests/worker/probe.wasm \
  $(BUILD)/examples/random_number.wasm $(BUILD)/examples/echo.wasm
# issue 14's examples and the native hash_chain (its digest)
E2E_DEPS += $(BUILD)/examples/secrets_reader.wasm $(BUILD)/examples/dao_tally.wasm \
  $(BUILD)/examples/hash_chain.wasm $(BUILD)/examples/native/hash_chain

e2e-test: $(E2E_DEPS)
	@OUTLAYER_BIN=$(BIN)/outlayer timeout 300 $(E2E_BIN)
TEST_STEPS += e2e-test
.PHONY: e2e-test

# The same suite with `outlayer` (the supervisor and `outlayer request`) and
# the test built with ASan + UBSan; the daemons are the normal build (their
# own -san steps cover them). Sanitizer reports fail the test.
e2e-deps: $(E2E_DEPS)
e2e-test-san:
	@$(MAKE) --no-print-directory e2e-deps
	@$(MAKE) --no-print-directory SAN=1 build/san/bin/outlayer build/san/tests/e2e/test_e2e
	@OUTLAYER_BIN=build/san/bin/outlayer E2E_BIN_DIR=build/bin timeout 300 build/san/tests/e2e/test_e2e
TEST_STEPS += e2e-test-san
.PHONY: e2e-deps e2e-test-san

# make soak (not in make test): SOAK_N requests (default 1000) over
# SOAK_WORKERS workers (default 4) with random programs, limits and worker
# kills; prints requests/s, latency percentiles and the loss count.
$(BUILD)/tests/e2e/soak: $(OBJ)/tests/e2e/soak.o $(E2E_SUPPORT) $(E2E_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(E2E_SUPPORT) -Wl,--start-group $(E2E_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) $(LDLIBS)
soak: $(BUILD)/tests/e2e/soak $(E2E_DEPS)
	@OUTLAYER_BIN=$(BIN)/outlayer nice $(BUILD)/tests/e2e/soak
.PHONY: soak
