# NEAR contracts in C: contracts/sdk (freestanding SDK + native mock),
# contracts/outlayer (the OutLayer contract), contracts/examples (callers).
#
#   make contracts          build/contracts/*.wasm (also part of `make`)
#   make contracts-check    validate features, imports, exports and size, then run
#                           the wasm in Node with a JS NEAR host (wasm_smoke.mjs)
#   make contract-test      native cmocka tests against the mock runtime
#   make contract-test-san  the same under ASan + UBSan
#   make fuzz-smoke-contract  arbitrary JSON into every method (libFuzzer)

CONTRACT_SDK_SRC := $(filter-out contracts/sdk/mock/%,$(wildcard contracts/sdk/*.c))
CONTRACT_MOCK_SRC := contracts/sdk/mock/mock.c
OUTLAYER_SRC := $(wildcard contracts/outlayer/*.c)
COINFLIP_SRC := contracts/examples/coinflip.c
CONTRACT_INCLUDES := -Icontracts/sdk -Icontracts/sdk/mock -Icontracts/outlayer -Icontracts/examples

# ---- wasm32 ----
# Another contract can reuse these: link $(call contract_wasm_objs,SOURCES)
# with $(WASM_LD) $(CONTRACT_WASM_LDFLAGS) ... $(CONTRACT_WASM_RT), and check
# it with tests/contract/check_wasm.sh.
CONTRACT_WASM_DIR := build/contracts
CONTRACT_WASM_OBJ := build/contracts/obj
# MVP + sign-extension + mutable globals only: what every NEAR protocol
# version accepts. Bulk memory stays off so memcpy/memset are never lowered
# to memory.copy/fill; the SDK provides them (contracts/sdk/mem.c).
CONTRACT_WASM_CFLAGS := --target=wasm32 -nostdlib -ffreestanding -O2 -std=gnu17 $(WARNINGS) \
  -mcpu=mvp -msign-ext -mmutable-globals -mno-bulk-memory -mno-multivalue -mno-reference-types \
  -fno-exceptions -ffunction-sections -fdata-sections $(CONTRACT_INCLUDES)
# u128 multiply/divide helpers (__multi3, __udivti3) from compiler-rt.
CONTRACT_WASM_RT := $(shell $(CLANG) --target=wasm32-wasi -print-libgcc-file-name 2>/dev/null)
# --stack-first: a stack overflow runs below address 0 and traps instead of
# silently overwriting static data.
CONTRACT_WASM_LDFLAGS := --no-entry --strip-all --gc-sections -z stack-size=131072 --stack-first \
  --allow-undefined --initial-memory=1114112

contract_wasm_objs = $(patsubst %.c,$(CONTRACT_WASM_OBJ)/%.o,$(1))

$(CONTRACT_WASM_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(CONTRACT_WASM_CFLAGS) -MMD -MP -c $< -o $@

# mem.c implements memcpy & co.: keep the compiler from turning its loops
# back into calls to themselves.
$(CONTRACT_WASM_OBJ)/contracts/sdk/mem.o: CONTRACT_WASM_CFLAGS += -fno-builtin

OUTLAYER_WASM := $(CONTRACT_WASM_DIR)/outlayer.wasm
COINFLIP_WASM := $(CONTRACT_WASM_DIR)/coinflip.wasm

$(OUTLAYER_WASM): $(call contract_wasm_objs,$(CONTRACT_SDK_SRC) $(OUTLAYER_SRC))
	@mkdir -p $(@D)
	$(WASM_LD) $(CONTRACT_WASM_LDFLAGS) -o $@ $^ $(CONTRACT_WASM_RT)

$(COINFLIP_WASM): $(call contract_wasm_objs,$(CONTRACT_SDK_SRC) $(COINFLIP_SRC))
	@mkdir -p $(@D)
	$(WASM_LD) $(CONTRACT_WASM_LDFLAGS) -o $@ $^ $(CONTRACT_WASM_RT)

contracts: $(OUTLAYER_WASM) $(COINFLIP_WASM)
PROGRAMS += $(OUTLAYER_WASM) $(COINFLIP_WASM)

# Exported methods each contract must have (checked by contracts-check).
OUTLAYER_METHODS := new migrate request_execution resolve_execution submit_execution_output_and_resolve \
  submit_execution_output on_execution_response cancel_stale_execution store_secrets delete_secrets \
  update_access set_owner set_operator set_paused set_pricing emergency_cancel_execution \
  clear_all_pending_requests get_request get_stats get_pricing estimate_execution_cost get_max_limits \
  is_paused get_config get_pending_output has_pending_output get_storage_version get_secrets \
  secrets_exist list_user_secrets estimate_storage_cost list_profiles
COINFLIP_METHODS := new flip on_flip_result get_config

contracts-check: $(OUTLAYER_WASM) $(COINFLIP_WASM)
	@tests/contract/check_wasm.sh $(OUTLAYER_WASM) 102400 $(OUTLAYER_METHODS)
	@tests/contract/check_wasm.sh $(COINFLIP_WASM) 102400 $(COINFLIP_METHODS)
	@node tests/contract/wasm_smoke.mjs $(OUTLAYER_WASM) $(COINFLIP_WASM)

# ---- native (tests against the mock) ----
CONTRACT_NATIVE_SRC := $(CONTRACT_SDK_SRC) $(CONTRACT_MOCK_SRC) $(OUTLAYER_SRC) $(COINFLIP_SRC)
# Only our own test files: other contracts (e.g. contracts/register) bring
# their own rules for their tests/contract/test_<name>_*.c.
CONTRACT_TEST_SRC := $(wildcard tests/contract/test_outlayer_*.c tests/contract/test_sdk_*.c \
  tests/contract/test_coinflip.c)
CONTRACT_NATIVE_OBJ := $(call objs_of,$(CONTRACT_NATIVE_SRC) $(CONTRACT_TEST_SRC))
$(CONTRACT_NATIVE_OBJ): CFLAGS += $(CONTRACT_INCLUDES)

CONTRACT_TEST_BIN := $(patsubst tests/contract/%.c,$(BUILD)/tests/contract/%,$(CONTRACT_TEST_SRC))
CONTRACT_SDK_NATIVE_OBJ := $(call objs_of,$(CONTRACT_SDK_SRC) $(CONTRACT_MOCK_SRC))

$(BUILD)/tests/contract/test_outlayer_%: $(OBJ)/tests/contract/test_outlayer_%.o $(CONTRACT_SDK_NATIVE_OBJ) \
    $(call objs_of,$(OUTLAYER_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA)

$(BUILD)/tests/contract/test_sdk_%: $(OBJ)/tests/contract/test_sdk_%.o $(CONTRACT_SDK_NATIVE_OBJ)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA)

$(BUILD)/tests/contract/test_coinflip: $(OBJ)/tests/contract/test_coinflip.o $(CONTRACT_SDK_NATIVE_OBJ) \
    $(call objs_of,$(COINFLIP_SRC) $(OUTLAYER_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA)

contract-test: $(CONTRACT_TEST_BIN)
	@fail=0; for t in $(CONTRACT_TEST_BIN); do echo "--- $$t"; $$t || fail=1; done; exit $$fail

contract-test-san:
	@$(MAKE) --no-print-directory SAN=1 contract-test

TEST_STEPS += contracts-check contract-test contract-test-san

# ---- fuzzing: arbitrary JSON into every method ----
$(eval $(call fuzz_target,contract,$(CONTRACT_SDK_SRC) $(CONTRACT_MOCK_SRC) $(OUTLAYER_SRC) \
  tests/fuzz/fuzz_contract.c,$(CONTRACT_INCLUDES)))

.PHONY: contracts contracts-check contract-test contract-test-san

-include $(shell find build/contracts/obj -name '*.d' 2>/dev/null)
