# Integration tests of programs' storage and NEAR views (src/hostapi/kv.c):
# after mk/worker.mk, whose test support (devnet harness, libraries) they link.

# tests/hostapi/test_hostapi_kv.c: the host functions against a real
# coordinator (SQLite, port 0) and a real devnet, the directory store,
# `outlayer run --storage/--near-rpc`. Linked like the worker's integration
# tests (devnet harness).
HOSTAPI_KV_TEST := $(BUILD)/tests/hostapi/test_hostapi_kv
$(OBJ)/tests/hostapi/test_hostapi_kv.o: CFLAGS += -Itests/devnet -Itests/worker \
  -DKV_PROBE_WASM='"$(abspath $(HOSTAPI_KV_PROBE_WASM))"' -DKV_COUNTER_WASM='"$(abspath $(HOSTAPI_COUNTER_WASM))"' \
  -DKV_VIEW_WASM='"$(abspath $(HOSTAPI_VIEW_WASM))"'
$(HOSTAPI_KV_TEST): $(OBJ)/tests/hostapi/test_hostapi_kv.o $(WORKER_IT_SUPPORT) $(WORKER_IT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(WORKER_IT_SUPPORT) -Wl,--start-group $(WORKER_IT_LIBS) -Wl,--end-group \
	  $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_HTTP) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) -lpcre2-8 $(LDLIBS)

hostapi-kv-test: $(HOSTAPI_KV_TEST) $(HOSTAPI_KV_PROBE_WASM) $(HOSTAPI_COUNTER_WASM) $(HOSTAPI_VIEW_WASM) \
    $(BIN)/outlayer $(BIN)/outlayer-coordinator $(DEVNET_BIN) build/contracts/outlayer.wasm
	@DEVNET_BIN=$(DEVNET_BIN) COORDINATOR_BIN=$(BIN)/outlayer-coordinator OUTLAYER_BIN=$(BIN)/outlayer \
	  timeout 170 $(HOSTAPI_KV_TEST)
hostapi-kv-test-san:
	@$(MAKE) --no-print-directory $(BIN)/outlayer-coordinator
	@$(MAKE) --no-print-directory SAN=1 hostapi-kv-test
TEST_STEPS += hostapi-kv-test hostapi-kv-test-san
.PHONY: hostapi-kv-test hostapi-kv-test-san

# The worker end to end (tests/worker/test_worker_kv.c): the counter run
# twice through the devnet request path prints 1 then 2; view_reader reads
# the OutLayer contract's get_stats.
worker-kv-test: $(BUILD)/tests/worker/test_worker_kv $(BIN)/outlayer-worker $(DEVNET_BIN) $(COORDINATOR_BIN_FOR_WORKER) \
    build/contracts/outlayer.wasm $(HOSTAPI_COUNTER_WASM) $(HOSTAPI_VIEW_WASM)
	@DEVNET_BIN=$(DEVNET_BIN) WORKER_BIN=$(BIN)/outlayer-worker COORDINATOR_BIN=$(COORDINATOR_BIN_FOR_WORKER) \
	  timeout 300 $(BUILD)/tests/worker/test_worker_kv
TEST_STEPS += worker-kv-test
.PHONY: worker-kv-test


# The same with the worker, devnet and this test built with ASan + UBSan
# (the coordinator's normal build, as worker-test-san does).
worker-kv-test-san:
	@$(MAKE) --no-print-directory build/bin/outlayer-coordinator build/sdk/counter.wasm build/sdk/view_reader.wasm
	@$(MAKE) --no-print-directory SAN=1 COORDINATOR_BIN_FOR_WORKER=build/bin/outlayer-coordinator worker-kv-test
TEST_STEPS += worker-kv-test-san
.PHONY: worker-kv-test-san
