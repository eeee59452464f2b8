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

# ---- VRF, the AI completion example, private CAs, HTTP transcripts (issue 16) ----
# sdk/examples/vrf_dice.c (outlayer_v1.vrf) and sdk/examples/ai_completion.c
# (POST to an OpenAI-style API; the examples' JSON reader), and
# tests/cli/hostapi_examples.sh: the dice through `outlayer run` and
# `outlayer verify-vrf` (a tampered proof fails), the AI example against a
# mock API on loopback with the transcript exported and replayed, https
# through a test CA (--http-ca-file). The worker runs both in worker-test.
HOSTAPI_DICE_WASM := $(BUILD)/sdk/vrf_dice.wasm
HOSTAPI_AI_WASM := $(BUILD)/sdk/ai_completion.wasm
$(HOSTAPI_DICE_WASM): sdk/examples/vrf_dice.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
$(HOSTAPI_AI_WASM): sdk/examples/ai_completion.c sdk/outlayer.h examples/include/ol_json.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) -Iexamples/include $< -o $@
PROGRAMS += $(HOSTAPI_DICE_WASM) $(HOSTAPI_AI_WASM)

hostapi-examples-test: $(BIN)/outlayer $(HOSTAPI_DICE_WASM) $(HOSTAPI_AI_WASM) $(HOSTAPI_ORACLE_WASM)
	@timeout 170 tests/cli/hostapi_examples.sh $(BUILD)
hostapi-examples-test-san:
	@$(MAKE) --no-print-directory SAN=1 hostapi-examples-test
TEST_STEPS += hostapi-examples-test hostapi-examples-test-san
.PHONY: hostapi-examples-test hostapi-examples-test-san
worker-test: $(HOSTAPI_DICE_WASM) $(HOSTAPI_AI_WASM) $(BIN)/outlayer

# Fuzzing the HTTP transcript reader (what `outlayer verify --http-transcript` parses).
$(eval $(call fuzz_target,hostapi_transcript,tests/fuzz/fuzz_hostapi_transcript.c $(FUZZ_LIB)/libhostapi.a $(FUZZ_LIB)/libwasm.a $(FUZZ_LIB)/libnear.a,-lcurl -ljansson -lsodium -lm -lpthread))

# tests/unit/test_hostapi_vrfcall.c: outlayer_v1.vrf and transcript record/replay
# through the runner with tests/hostapi/vrf_probe.c (and its ASan+UBSan build).
HOSTAPI_VRF_PROBE_WASM := $(BUILD)/tests/hostapi/vrf_probe.wasm
$(HOSTAPI_VRF_PROBE_WASM): tests/hostapi/vrf_probe.c sdk/outlayer.h
	@mkdir -p $(@D)
	$(CLANG) $(HOSTAPI_SDK_CFLAGS) $< -o $@
$(OBJ)/tests/unit/test_hostapi_vrfcall.o: CFLAGS += -DHOSTAPI_VRF_PROBE_WASM='"$(abspath $(HOSTAPI_VRF_PROBE_WASM))"'
$(BUILD)/tests/unit/test_hostapi_vrfcall: $(HOSTAPI_VRF_PROBE_WASM)
hostapi-vrfcall-test: $(BUILD)/tests/unit/test_hostapi_vrfcall
	@cd tests/unit && timeout 170 ../../$(BUILD)/tests/unit/test_hostapi_vrfcall
hostapi-vrfcall-test-san:
	@$(MAKE) --no-print-directory SAN=1 hostapi-vrfcall-test
TEST_STEPS += hostapi-vrfcall-test hostapi-vrfcall-test-san
.PHONY: hostapi-vrfcall-test hostapi-vrfcall-test-san

# `outlayer verify` of programs that used HTTP or storage (transcript replay,
# exit 4 without it) and the VRF, against a real `outlayer dev`
# (tests/verify/http.sh).
verify-http-test: $(DEV_RUNTIME_FILES) $(BIN)/outlayer $(HOSTAPI_ORACLE_WASM) $(HOSTAPI_DICE_WASM) \
    $(BUILD)/sdk/counter.wasm
	@timeout 170 tests/verify/http.sh $(BUILD)
TEST_STEPS += verify-http-test
.PHONY: verify-http-test
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
