# The WebAssembly core test suite (`make spec`) and the wasm fuzz target.
#
# Every .wast script of the suite is converted with wast2json into
# $(BUILD)/spec/<name>/ and all of them are run by tests/spec/spec_runner.
# The suite lives beside the repository (CI clones it as ../shared);
# override with WASM_TESTSUITE=/path/to/testsuite.
WASM_TESTSUITE ?= $(CURDIR)/../shared/wasm-testsuite
SPEC_NAMES := $(sort $(notdir $(basename $(wildcard $(WASM_TESTSUITE)/*.wast))))
SPEC_JSON := $(foreach n,$(SPEC_NAMES),$(BUILD)/spec/$(n)/$(n).json)
SPEC_RUNNER := $(BUILD)/tests/spec/spec_runner

$(SPEC_RUNNER): $(OBJ)/tests/spec/spec_runner.o $(WASM_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_JSON) -lm -lpthread

# wast2json writes the modules next to the JSON file.
define spec_convert
$(BUILD)/spec/$(1)/$(1).json: $(WASM_TESTSUITE)/$(1).wast
	@mkdir -p $$(@D)
	@rm -f $$(@D)/*.wasm $$(@D)/*.wat
	@wast2json $$< -o $$@
endef
$(foreach n,$(SPEC_NAMES),$(eval $(call spec_convert,$(n))))

spec: $(SPEC_RUNNER) $(SPEC_JSON)
	@if [ -z "$(SPEC_NAMES)" ]; then echo "spec: no .wast files in $(WASM_TESTSUITE)"; exit 1; fi
	@# both tiers (docs/engine.md, "The compiling tier"): each full report goes to
	@# $(BUILD)/spec/spec-TIER.log; shown are the files with failures and the totals
	@for e in interp jit; do \
	  $(SPEC_RUNNER) --engine $$e $(SPEC_JSON) > $(BUILD)/spec/spec-$$e.log; rc=$$?; \
	  grep -v ' 0 failed ' $(BUILD)/spec/spec-$$e.log; [ $$rc -eq 0 ] || exit $$rc; \
	done

spec-san:
	@$(MAKE) --no-print-directory SAN=1 spec

TEST_STEPS += spec spec-san
.PHONY: spec spec-san

# libFuzzer: load -> instantiate -> call every export with small fuel.
$(eval $(call fuzz_target,wasm,tests/fuzz/fuzz_wasm.c $(FUZZ_LIB)/libwasm.a))
