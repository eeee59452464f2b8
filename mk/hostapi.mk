# The program host API (library: mk/lib/hostapi.mk), its C SDK (sdk/) and
# tests. The SDK's example and the test program are wasm32-wasi programs:
#   $(BUILD)/sdk/price_oracle.wasm   sdk/examples/price_oracle.c
#   $(BUILD)/tests/hostapi/http_probe.wasm
# `make hostapi-test` runs tests/unit/test_hostapi.c (a local HTTP server on
# 127.0.0.1, port chosen by the OS) and its ASan+UBSan build.
HOSTAPI_ORACLE_WASM := $(BUILD)/sdk/price_oracle.wasm
HOSTAPI_PROBE_WASM := $(BUILD)/tests/hostapi/http_probe.wasm
HOSTAPI_SDK_CFLAGS := --target=wasm32-wasi -O2 -std=gnu17 -Wall -Wextra -Werror -Isdk -Wl,--strip-debug

$(HOSTAPI_ORACLE_WASM): sdk/examples/price_oracle.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
$(HOSTAPI_PROBE_WASM): tests/hostapi/http_probe.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
PROGRAMS += $(HOSTAPI_ORACLE_WASM)

$(OBJ)/tests/unit/test_hostapi.o: CFLAGS += -DHOSTAPI_PROBE_WASM='"$(abspath $(HOSTAPI_PROBE_WASM))"' \
  -DHOSTAPI_ORACLE_WASM='"$(abspath $(HOSTAPI_ORACLE_WASM))"'
$(BUILD)/tests/unit/test_hostapi: $(HOSTAPI_PROBE_WASM) $(HOSTAPI_ORACLE_WASM)

hostapi-test: $(BUILD)/tests/unit/test_hostapi $(BUILD)/tests/unit/test_hostapi_vrf
	@cd tests/unit && timeout 170 ../../$(BUILD)/tests/unit/test_hostapi && ../../$(BUILD)/tests/unit/test_hostapi_vrf
hostapi-test-san:
	@$(MAKE) --no-print-directory SAN=1 hostapi-test
TEST_STEPS += hostapi-test hostapi-test-san
.PHONY: hostapi-test hostapi-test-san

# Fuzzing the host-call argument decoding (fuzz-smoke-hostapi_decode is part of make test).
$(eval $(call fuzz_target,hostapi_decode,tests/fuzz/fuzz_hostapi_decode.c $(FUZZ_LIB)/libhostapi.a,-lcurl -lsodium))

# `outlayer run --allow-http` with the price-oracle example (tests/cli/hostapi.sh).
hostapi-cli-test: $(BIN)/outlayer $(HOSTAPI_ORACLE_WASM)
	@timeout 120 tests/cli/hostapi.sh $(BUILD)
TEST_STEPS += hostapi-cli-test
.PHONY: hostapi-cli-test

# The worker e2e test runs the price oracle on the devnet (tests/worker/test_worker_e2e.c).
worker-test: $(HOSTAPI_ORACLE_WASM)

# ---- persistent storage and NEAR views (src/hostapi/kv.c, store_*.c, views.c) ----
# The SDK's examples (sdk/examples/counter.c, view_reader.c) and the test
# program tests/hostapi/kv_probe.c.
HOSTAPI_COUNTER_WASM := $(BUILD)/sdk/counter.wasm
HOSTAPI_VIEW_WASM := $(BUILD)/sdk/view_reader.wasm
HOSTAPI_KV_PROBE_WASM := $(BUILD)/tests/hostapi/kv_probe.wasm
$(BUILD)/sdk/%.wasm: sdk/examples/%.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
$(HOSTAPI_KV_PROBE_WASM): tests/hostapi/kv_probe.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
PROGRAMS += $(HOSTAPI_COUNTER_WASM) $(HOSTAPI_VIEW_WASM)

# The storage/view integration tests link the worker's test support: mk/worker_kv.mk.

# Fuzzing the storage/view argument checks and the coordinator's list reply.
$(eval $(call fuzz_target,hostapi_kv,tests/fuzz/fuzz_hostapi_kv.c $(FUZZ_LIB)/libhostapi.a,-ljansson -lsodium))
