# The `outlayer` command line: src/cli/ -> build/bin/outlayer
#
# `make run` builds it and the hello example and runs the example with some
# input, showing the program's output and the run report.
CLI_SRC := $(wildcard src/cli/*.c)
CLI_OBJ := $(call objs_of,$(CLI_SRC))
PROGRAMS += $(BIN)/outlayer

# The libraries outlayer links, named directly: prerequisites are expanded
# when read, and the library fragments come later in sorted order.
# Subcommands that need more (libnear, ...) add them here.
CLI_LIBS := $(LIB)/librunner.a $(LIB)/libwasi.a $(LIB)/libwasm.a
# `outlayer secrets` (src/cli/cmd_secrets.c):
CLI_LIBS += $(LIB)/libsecrets.a $(LIB)/libbase.a $(LIB)/libnear.a
$(BIN)/outlayer: LDLIBS += $(LIB_CURL) -lpcre2-8
# `outlayer dev` serves local .wasm files (src/cli/dev_files.c):
$(BIN)/outlayer: LDLIBS += $(LIB_HTTP)

$(BIN)/outlayer: $(CLI_OBJ) $(CLI_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) -Wl,--start-group $(CLI_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_SODIUM) $(LDLIBS)

RUN_INPUT ?= {"name": "OutLayer"}

run: deps
	@$(MAKE) --no-print-directory $(BIN)/outlayer $(BUILD)/examples/hello.wasm
	@echo '$$ echo '"'"'$(RUN_INPUT)'"'"' | $(BIN)/outlayer run $(BUILD)/examples/hello.wasm --input - --env GREETING=Hello'
	@echo '$(RUN_INPUT)' | $(BIN)/outlayer run $(BUILD)/examples/hello.wasm --input - --env GREETING=Hello

.PHONY: run

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
