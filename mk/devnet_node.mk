# The devnet program: src/devnet/*.c (chain, state, RPC, feed) on top of the
# VM layer (libnearvm, mk/nearvm.mk), the engine and the NEAR primitives.
#
#   make devnet-test     C integration tests against a running devnet
#   make devnet-interop  near-api-js script against a running devnet
#   make bench-devnet    transactions per second, start-up time
# Everything but main.c is libdevnet (build/lib/libdevnet.a, and its fuzz
# build for the RPC fuzzer); the program is main.o over it.
DEVNET_SRC := $(filter-out src/devnet/main.c,$(wildcard src/devnet/*.c))
DEVNET_LIB := $(LIB)/libdevnet.a
DEVNET_BIN := $(BIN)/outlayer-devnet
DEVNET_LIBS := $(DEVNET_LIB) $(LIB)/libnearvm.a $(LIB)/libnear.a $(LIB)/libwasm.a
PROGRAMS += $(DEVNET_BIN)
$(eval $(call static_lib,devnet,$(DEVNET_SRC)))

$(DEVNET_BIN): $(OBJ)/src/devnet/main.o $(DEVNET_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/src/devnet/main.o -Wl,--start-group $(DEVNET_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) $(LDLIBS)

# Integration tests: each tests/devnet/test_devnet_*.c starts the real
# binary on a free loopback port with a temporary home and talks to it
# through src/near's RPC client.
DEVNET_TEST_SRC := $(wildcard tests/devnet/test_devnet_*.c)
DEVNET_TEST_SUPPORT := tests/devnet/devnet_harness.c
DEVNET_TEST_BIN := $(patsubst tests/devnet/%.c,$(BUILD)/tests/devnet/%,$(DEVNET_TEST_SRC))
DEVNET_TEST_WASM := build/contracts/outlayer.wasm build/contracts/coinflip.wasm \
  $(patsubst tests/devnet/wat/%.wat,build/tests/devnet/chain/%.wasm,$(wildcard tests/devnet/wat/*.wat))

# Small contracts for the chain tests (plain wasm, the same for every build).
build/tests/devnet/chain/%.wasm: tests/devnet/wat/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

$(BUILD)/tests/devnet/test_devnet_%: $(OBJ)/tests/devnet/test_devnet_%.o $(call objs_of,$(DEVNET_TEST_SUPPORT)) \
    $(LIB)/libnear.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(call objs_of,$(DEVNET_TEST_SUPPORT)) $(LIB)/libnear.a \
	  $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) $(LDLIBS)

devnet-test: $(DEVNET_BIN) $(DEVNET_TEST_BIN) $(DEVNET_TEST_WASM)
	@fail=0; for t in $(DEVNET_TEST_BIN); do echo "--- $$t"; \
	  DEVNET_BIN=$(DEVNET_BIN) timeout 300 $$t || fail=1; done; exit $$fail

devnet-interop: $(DEVNET_BIN) $(DEVNET_TEST_WASM)
	@if [ ! -d node_modules/near-api-js ]; then npm ci --no-audit --no-fund; fi
	@DEVNET_BIN=$(DEVNET_BIN) timeout 300 node tests/devnet/interop/near_api_js.mjs

TEST_STEPS += devnet-test devnet-interop

bench-devnet: $(DEVNET_BIN) $(BUILD)/bench/devnet_bench $(DEVNET_TEST_WASM)
	@DEVNET_BIN=$(DEVNET_BIN) $(BUILD)/bench/devnet_bench

$(BUILD)/bench/devnet_bench: $(OBJ)/bench/devnet_bench.o $(call objs_of,$(DEVNET_TEST_SUPPORT)) $(LIB)/libnear.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(call objs_of,$(DEVNET_TEST_SUPPORT)) $(LIB)/libnear.a \
	  $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) $(LDLIBS)

.PHONY: devnet-test devnet-interop bench-devnet

# The same integration tests with the devnet and the tests built with
# ASan + UBSan (sanitizer reports in the devnet's log fail the test).
devnet-test-san:
	@$(MAKE) --no-print-directory SAN=1 devnet-test

TEST_STEPS += devnet-test-san
.PHONY: devnet-test-san

# Fuzzing the JSON-RPC dispatcher in process over a real chain state (the
# HTTP server, rpc_server.o, stays out: nothing the fuzzer calls needs it).
$(eval $(call fuzz_target,devnet_rpc,tests/devnet/fuzz_devnet_rpc.c $(FUZZ_LIB)/libdevnet.a \
  $(FUZZ_LIB)/libnearvm.a $(FUZZ_LIB)/libwasm.a $(FUZZ_LIB)/libnear.a,-ljansson -lsodium -lcrypto -lsqlite3 -lcurl))

# A contract laid out like a near-sdk-rs build (1 MiB stack first, heap
# above 64 MiB, many imports) for test_devnet_sdk and the interop script.
DEVNET_TEST_WASM += build/tests/devnet/chain/sdkshape.wasm
devnet-test devnet-interop devnet-test-san: build/tests/devnet/chain/sdkshape.wasm
build/tests/devnet/chain/sdkshape.wasm: tests/devnet/sdk/sdkshape.c
	@mkdir -p $(@D)
	$(CLANG) $(NEARVM_CONTRACT_CFLAGS) -c $< -o $@.o
	$(WASM_LD) --no-entry --export-dynamic --allow-undefined --strip-all --stack-first -z stack-size=1048576 \
	  $@.o -o $@
	rm -f $@.o
