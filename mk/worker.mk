# outlayer-worker: src/worker/ -> build/lib/libworker.a (everything but
# main.c, so the unit tests link it) + build/bin/outlayer-worker.
# See docs/worker.md.
WORKER_SRC := $(filter-out src/worker/main.c,$(wildcard src/worker/*.c))
WORKER_OBJ := $(call objs_of,$(WORKER_SRC))
WORKER_LIB := $(LIB)/libworker.a
STATIC_LIBS += $(WORKER_LIB)

$(eval $(call static_lib,worker,$(WORKER_SRC)))

worker-lib: $(WORKER_LIB)
.PHONY: worker-lib

# The tests' guest program (plain wasm: the same for the sanitizer build).
WORKER_PROBE := build/tests/worker/probe.wasm
build/tests/worker/probe.wasm: tests/worker/probe.c
	@mkdir -p $(@D)
	$(CLANG) $(WASI_TARGET_FLAGS) -O2 -std=gnu17 -Wall -Wextra -Werror $< -o $@

WORKER_UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_worker_*.c))
$(WORKER_UNIT_BIN): $(WORKER_PROBE)

worker-unit: $(WORKER_UNIT_BIN)
	@fail=0; for t in $(WORKER_UNIT_BIN); do echo "--- $$t"; (cd tests/unit && ../../$$t) || fail=1; done; exit $$fail
.PHONY: worker-unit

WORKER_MAIN_OBJ := $(call objs_of,src/worker/main.c)
PROGRAMS += $(BIN)/outlayer-worker
WORKER_LIBS := $(WORKER_LIB) $(LIB)/libbuilder.a $(LIB)/libbase.a $(LIB)/librunner.a $(LIB)/libhostapi.a $(LIB)/libwasi.a $(LIB)/libwasm.a $(LIB)/libnear.a \
  $(LIB)/libsecrets.a $(LIB)/libtee.a

$(BIN)/outlayer-worker: $(WORKER_MAIN_OBJ) $(WORKER_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(WORKER_MAIN_OBJ) -Wl,--start-group $(WORKER_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_CURL) $(LIB_HTTP) $(LIB_SODIUM) $(LIB_SSL) -lpcre2-8 $(LDLIBS)

# Integration tests against the real devnet (and, for the e2e test, the
# real coordinator and worker binaries): tests/worker/test_worker_*.c,
# linked with the devnet harness and tests/worker/worker_harness.c.
WORKER_IT_SRC := $(wildcard tests/worker/test_worker_*.c)
WORKER_IT_BIN := $(patsubst tests/worker/%.c,$(BUILD)/tests/worker/%,$(WORKER_IT_SRC))
# (tests/keystore/ks_harness.c: the e2e test starts a real keystore.)
WORKER_IT_SUPPORT := $(call objs_of,tests/devnet/devnet_harness.c tests/worker/worker_harness.c tests/keystore/ks_harness.c)
WORKER_IT_LIBS := $(WORKER_LIB) $(LIB)/libbuilder.a $(LIB)/libbase.a $(LIB)/librunner.a $(LIB)/libhostapi.a $(LIB)/libwasi.a $(LIB)/libwasm.a $(LIB)/libnear.a \
  $(LIB)/libsecrets.a $(LIB)/libtee.a

$(OBJ)/tests/worker/%.o: CFLAGS += -Itests/devnet -Itests/worker -Itests/keystore

$(BUILD)/tests/worker/test_worker_%: $(OBJ)/tests/worker/test_worker_%.o $(WORKER_IT_SUPPORT) $(WORKER_IT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(WORKER_IT_SUPPORT) -Wl,--start-group $(WORKER_IT_LIBS) -Wl,--end-group \
	  $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_HTTP) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) -lpcre2-8 $(LDLIBS)

worker-chain-test: $(BUILD)/tests/worker/test_worker_chain $(DEVNET_BIN) build/contracts/outlayer.wasm
	@DEVNET_BIN=$(DEVNET_BIN) timeout 300 $(BUILD)/tests/worker/test_worker_chain
.PHONY: worker-chain-test
TEST_STEPS += worker-chain-test

# Fuzzing what the worker parses from the feed and the coordinator.
$(eval $(call fuzz_target,worker_events,tests/fuzz/fuzz_worker_events.c $(FUZZ_LIB)/libworker.a $(FUZZ_LIB)/libbase.a,\
  -ljansson -lsodium))

worker-compile-test: $(BUILD)/tests/worker/test_worker_compile
	@timeout 300 $(BUILD)/tests/worker/test_worker_compile
TEST_STEPS += worker-compile-test
.PHONY: worker-compile-test

# The whole path: devnet + coordinator + worker binaries on loopback.
COORDINATOR_BIN_FOR_WORKER := $(BIN)/outlayer-coordinator
# (the keystore, for the secrets step, is the same build's)
worker-test: $(BUILD)/tests/worker/test_worker_e2e $(BIN)/outlayer-worker $(DEVNET_BIN) $(COORDINATOR_BIN_FOR_WORKER) \
    $(KEYSTORE_BIN) build/contracts/outlayer.wasm build/contracts/coinflip.wasm $(WORKER_PROBE)
	@DEVNET_BIN=$(DEVNET_BIN) WORKER_BIN=$(BIN)/outlayer-worker COORDINATOR_BIN=$(COORDINATOR_BIN_FOR_WORKER) \
	  KEYSTORE_BIN=$(KEYSTORE_BIN) \
	  timeout 300 $(BUILD)/tests/worker/test_worker_e2e
TEST_STEPS += worker-test
.PHONY: worker-test

# WasmUrl download policy over the wire (loopback server, redirects) and a
# restarted worker handing back its dead leases (real coordinator + worker;
# no chain needed).
worker-fetch-test: $(BUILD)/tests/worker/test_worker_fetch $(BIN)/outlayer-worker $(COORDINATOR_BIN_FOR_WORKER)
	@WORKER_BIN=$(BIN)/outlayer-worker COORDINATOR_BIN=$(COORDINATOR_BIN_FOR_WORKER) \
	  timeout 170 $(BUILD)/tests/worker/test_worker_fetch
TEST_STEPS += worker-fetch-test
.PHONY: worker-fetch-test

# The same three integration tests with everything built with ASan + UBSan
# (the devnet, coordinator and worker binaries too); sanitizer reports in
# their logs fail the tests.
# (The coordinator is another component's: its normal build is used here.)
worker-test-san:
	@$(MAKE) --no-print-directory build/bin/outlayer-coordinator
	@$(MAKE) --no-print-directory SAN=1 COORDINATOR_BIN_FOR_WORKER=build/bin/outlayer-coordinator \
	  worker-chain-test worker-compile-test worker-test worker-fetch-test worker-tee-test
TEST_STEPS += worker-test-san
.PHONY: worker-test-san

# make bench-worker: latency, throughput with 1/2/4 threads, build vs cache
# (bench/worker_bench.c; numbers in docs/benchmarks.md).
$(BUILD)/bench/worker_bench: $(OBJ)/bench/worker_bench.o $(WORKER_IT_SUPPORT) $(WORKER_IT_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(WORKER_IT_SUPPORT) -Wl,--start-group $(WORKER_IT_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_CURL) $(LIB_HTTP) $(LIB_SODIUM) $(LIB_SQLITE) -lpcre2-8 $(LDLIBS)
$(OBJ)/bench/worker_bench.o: CFLAGS += -Itests/devnet -Itests/worker -Itests/keystore

bench-worker: $(BUILD)/bench/worker_bench $(BIN)/outlayer-worker $(DEVNET_BIN) $(COORDINATOR_BIN_FOR_WORKER) \
    build/contracts/outlayer.wasm $(WORKER_PROBE)
	@DEVNET_BIN=$(DEVNET_BIN) nice $(BUILD)/bench/worker_bench
.PHONY: bench-worker

# --tee simulated with --register-contract: the worker registers with the
# register contract (libtee platform), resolves as it, attests with the
# platform's quote; an untrusted platform is refused (tests/worker/test_worker_tee.c).
worker-tee-test: $(BUILD)/tests/worker/test_worker_tee $(BIN)/outlayer-worker $(DEVNET_BIN) \
    $(COORDINATOR_BIN_FOR_WORKER) build/contracts/outlayer.wasm build/contracts/register.wasm $(WORKER_PROBE)
	@DEVNET_BIN=$(DEVNET_BIN) WORKER_BIN=$(BIN)/outlayer-worker COORDINATOR_BIN=$(COORDINATOR_BIN_FOR_WORKER) \
	  timeout 300 $(BUILD)/tests/worker/test_worker_tee
TEST_STEPS += worker-tee-test
.PHONY: worker-tee-test
