# The `outlayer` command line: src/cli/ -> build/bin/outlayer
#
# `make run` builds everything and runs `outlayer dev` with a demo request;
# `make run-local` runs the hello example through `outlayer run` only.
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(call objs_of,$(CLI_SRC))
PROGRAMS += $(BIN)/outlayer

# The libraries outlayer links. Subcommands that need more add them here.
CLI_LIBS := $(RUNNER_LIB) $(HOSTAPI_LIB) $(WASI_LIB) $(WASM_LIB)
# `outlayer secrets` (src/cli/cmd_secrets.c):
CLI_LIBS += $(SECRETS_LIB) $(BASE_LIB) $(NEAR_LIB)
$(BIN)/outlayer: LDLIBS += $(LIB_CURL) -lpcre2-8
# `outlayer dev` serves local .wasm files (src/cli/dev_files.c):
$(BIN)/outlayer: LDLIBS += $(LIB_HTTP)
# `outlayer build` links the worker's build code, `outlayer verify` the
# worker's execution code (src/builder/, src/worker/).
CLI_LIBS := $(LIB)/libworker.a $(LIB)/libbuilder.a $(CLI_LIBS)
# `outlayer tee` and `outlayer dev`'s register contract: libtee (OpenSSL) and
# the register contract's DCAP verifier built natively (mk/tee.mk).
CLI_LIBS += $(LIB)/libtee.a $(LIB)/libdcapnative.a
$(BIN)/outlayer: LDLIBS += $(LIB_SSL)
$(call objs_of,src/cli/cmd_tee.c): CFLAGS += -Icontracts/register/dcap -Icontracts/register -Icontracts/sdk
# `outlayer dev` checks the register contract's collateral with the same verifier (src/cli/dev_tee.c)
$(call objs_of,src/cli/dev_tee.c): CFLAGS += -Icontracts/register/dcap -Icontracts/register -Icontracts/sdk

$(BIN)/outlayer: $(CLI_OBJ) $(CLI_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) -Wl,--start-group $(CLI_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_SODIUM) $(LDLIBS)

RUN_INPUT ?= {"name": "OutLayer"}
RUN_HOME ?= .outlayer-dev
RUN_PORT_BASE ?= 3030

# Everything `outlayer dev` reads when it starts: the daemons, the dashboard,
# the contracts it deploys and the programs it serves. `make run` and every
# test that starts `outlayer dev` depend on this one list.
DEV_RUNTIME_FILES := $(BIN)/outlayer $(BIN)/outlayer-devnet $(BIN)/outlayer-coordinator $(BIN)/outlayer-keystore \
  $(BIN)/outlayer-worker $(BUILD)/dashboard/index.html build/contracts/outlayer.wasm build/contracts/coinflip.wasm \
  build/contracts/register.wasm build/contracts/forwarder.wasm $(BUILD)/examples/coin_flip.wasm \
  $(BUILD)/examples/hello.wasm

# `make run`: everything built, then `outlayer dev` with one demo request
# through the whole path (scripts/run-dev.sh); the stack stays up until Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory all $(DEV_RUNTIME_FILES)
	@scripts/run-dev.sh $(BUILD) $(RUN_HOME) $(RUN_PORT_BASE) '$(RUN_INPUT)'

# The earlier `make run`: one program through `outlayer run`, no network.
run-local: deps
	@$(MAKE) --no-print-directory $(BIN)/outlayer $(BUILD)/examples/hello.wasm
	@echo '$$ echo '"'"'$(RUN_INPUT)'"'"' | $(BIN)/outlayer run $(BUILD)/examples/hello.wasm --input - --env GREETING=Hello'
	@echo '$(RUN_INPUT)' | $(BIN)/outlayer run $(BUILD)/examples/hello.wasm --input - --env GREETING=Hello

.PHONY: run run-local

# CLI tests: every example under `outlayer run` vs natively, the report,
# each limit, bad files, usage (tests/cli/run.sh). The example and test
# module paths are spelled out because their fragments are read later.
CLI_TEST_DEPS := $(BIN)/outlayer \
  $(patsubst examples/%.c,$(BUILD)/examples/%.wasm,$(wildcard examples/*.c)) \
  $(patsubst examples/%.c,$(BUILD)/examples/native/%,$(wildcard examples/*.c)) \
  $(patsubst tests/wasi/%.wat,$(BUILD)/tests/wasi/%.wasm,$(wildcard tests/wasi/*.wat))

cli-test: $(CLI_TEST_DEPS)
	@tests/cli/run.sh $(BUILD)

# The same tests against the ASan + UBSan build.
cli-test-san:
	@$(MAKE) --no-print-directory SAN=1 cli-test

TEST_STEPS += cli-test cli-test-san
.PHONY: cli-test cli-test-san

# How long `outlayer dev` takes to be ready, on a new and a used home
# (bench/dev_ready.py; numbers in docs/benchmarks.md). DEV_READY_RUNS=N
# (default 5); DEV_READY_BINS="OTHER/outlayer ..." adds builds to compare.
bench-dev-ready: $(BIN)/outlayer $(BIN)/outlayer-devnet $(BIN)/outlayer-coordinator $(BIN)/outlayer-keystore \
    $(BIN)/outlayer-worker build/contracts/outlayer.wasm build/contracts/coinflip.wasm build/contracts/register.wasm \
    build/contracts/forwarder.wasm $(BUILD)/examples/coin_flip.wasm
	nice python3 bench/dev_ready.py --runs $${DEV_READY_RUNS:-5} --bin $(BIN)/outlayer \
	  $(foreach b,$(DEV_READY_BINS),--bin $(b))
.PHONY: bench-dev-ready
