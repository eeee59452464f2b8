# The register contract (TEE worker admission) and its DCAP verifier:
# contracts/register/dcap (freestanding quote verification, native + wasm),
# contracts/register (the contract).
#
#   make register-test        native cmocka tests (P-256 vs OpenSSL, real Intel quotes)
#   make register-test-san    the same under ASan + UBSan
#   make fuzz-smoke-dcap_quote fuzz-smoke-dcap_der   libFuzzer on the parsers

DCAP_DIR := contracts/register/dcap
DCAP_PURE_SRC := $(DCAP_DIR)/p256.c $(DCAP_DIR)/der.c $(DCAP_DIR)/time.c $(DCAP_DIR)/x509.c \
  $(DCAP_DIR)/quote.c $(DCAP_DIR)/pem.c
DCAP_SRC := $(DCAP_PURE_SRC) $(DCAP_DIR)/verify.c
DCAP_NATIVE_SRC := $(DCAP_SRC) $(DCAP_DIR)/sha256_native.c
REGISTER_INCLUDES := -I$(DCAP_DIR) -Icontracts/register -Icontracts/sdk -Icontracts/sdk/mock

DCAP_NATIVE_OBJ := $(call objs_of,$(DCAP_NATIVE_SRC))
REGISTER_TEST_SRC := $(filter-out tests/register/test_register_devnet.c tests/register/test_register_devnet_real.c,\
  $(wildcard tests/register/test_*.c))
REGISTER_TEST_BIN := $(patsubst tests/register/%.c,$(BUILD)/tests/register/%,$(REGISTER_TEST_SRC))
$(DCAP_NATIVE_OBJ) $(call objs_of,$(REGISTER_TEST_SRC)): CFLAGS += $(REGISTER_INCLUDES)

$(BUILD)/tests/register/test_dcap_p256: $(OBJ)/tests/register/test_dcap_p256.o \
    $(call objs_of,$(DCAP_PURE_SRC) $(DCAP_DIR)/sha256_native.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_SSL) $(LIB_SODIUM)

$(BUILD)/tests/register/test_dcap_quote: $(OBJ)/tests/register/test_dcap_quote.o $(DCAP_NATIVE_OBJ) \
    $(call objs_of,$(CONTRACT_SDK_SRC) $(CONTRACT_MOCK_SRC))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_SSL) $(LIB_SODIUM)

register-test: $(REGISTER_TEST_BIN)
	@fail=0; for t in $(REGISTER_TEST_BIN); do echo "--- $$t"; $$t || fail=1; done; exit $$fail

register-test-san:
	@$(MAKE) --no-print-directory SAN=1 register-test

TEST_STEPS += register-test register-test-san


.PHONY: register-test register-test-san

# ---- the contract: build/contracts/register.wasm ----
REGISTER_CONTRACT_SRC := $(wildcard contracts/register/*.c)
REGISTER_WASM_SRC := $(CONTRACT_SDK_SRC) $(REGISTER_CONTRACT_SRC) $(DCAP_SRC) $(DCAP_DIR)/sha256_host.c
REGISTER_WASM := $(CONTRACT_WASM_DIR)/register.wasm
$(call contract_wasm_objs,$(REGISTER_CONTRACT_SRC) $(DCAP_SRC) $(DCAP_DIR)/sha256_host.c): \
  CONTRACT_WASM_CFLAGS += -I$(DCAP_DIR) -Icontracts/register

$(REGISTER_WASM): $(call contract_wasm_objs,$(REGISTER_WASM_SRC))
	@mkdir -p $(@D)
	$(WASM_LD) $(CONTRACT_WASM_LDFLAGS) -o $@ $^ $(CONTRACT_WASM_RT)

contracts: $(REGISTER_WASM)
PROGRAMS += $(REGISTER_WASM)

REGISTER_METHODS := new register_worker_key update_collateral add_approved_rtmr3 remove_approved_rtmr3 \
  add_approved_measurements remove_approved_measurements set_tcb_policy transfer_ownership remove_worker \
  get_approved_rtmr3 is_rtmr3_approved get_collateral get_init_worker_account get_approved_measurements \
  get_config list_workers get_worker set_stake_config unstake withdraw slash
# Size budget: 100 KB (the reference's Rust contract is 551 KB).
register-contracts-check: $(REGISTER_WASM)
	@tests/contract/check_wasm.sh $(REGISTER_WASM) 102400 $(REGISTER_METHODS)
contracts-check: register-contracts-check
.PHONY: register-contracts-check

# register.wasm in the devnet's NEAR VM (gas measured) — links the project's static libraries.
.SECONDEXPANSION:
$(BUILD)/tests/register/test_register_wasm: $(OBJ)/tests/register/test_register_wasm.o $$(STATIC_LIBS) $(REGISTER_WASM)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(STATIC_LIBS) -Wl,--end-group $(LIB_CMOCKA) $(LIB_JSON) \
	  $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) -lm -lpthread
$(BUILD)/tests/register/test_register_sim: $(OBJ)/tests/register/test_register_sim.o $$(STATIC_LIBS) $(REGISTER_WASM)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(STATIC_LIBS) -Wl,--end-group $(LIB_CMOCKA) $(LIB_JSON) \
	  $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) -lm -lpthread

# End to end on the real devnet (starts build/bin/outlayer-devnet on a free port).
$(BUILD)/tests/register/test_register_devnet: $(OBJ)/tests/register/test_register_devnet.o \
    $(call objs_of,tests/devnet/devnet_harness.c) $(LIB)/libnear.a $(LIB)/libtee.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) $(LDLIBS)
$(OBJ)/tests/register/test_register_devnet.o: CFLAGS += -Itests/devnet

register-devnet-test: $(DEVNET_BIN) $(BUILD)/tests/register/test_register_devnet $(REGISTER_WASM) $(OUTLAYER_WASM)
	@DEVNET_BIN=$(DEVNET_BIN) timeout 300 $(BUILD)/tests/register/test_register_devnet
TEST_STEPS += register-devnet-test
.PHONY: register-devnet-test

# The real Intel sample quote and collateral verified on the devnet at a block
# time inside the collateral's window (outlayer-devnet --genesis-time,
# sandbox_set_time): tests/register/test_register_devnet_real.c.
$(BUILD)/tests/register/test_register_devnet_real: $(OBJ)/tests/register/test_register_devnet_real.o \
    $(call objs_of,tests/devnet/devnet_harness.c) $(LIB)/libnear.a $(LIB)/libtee.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) $(LDLIBS)
$(OBJ)/tests/register/test_register_devnet_real.o: CFLAGS += -Itests/devnet
register-devnet-real-test: $(DEVNET_BIN) $(BUILD)/tests/register/test_register_devnet_real $(REGISTER_WASM)
	@DEVNET_BIN=$(DEVNET_BIN) timeout 300 $(BUILD)/tests/register/test_register_devnet_real
TEST_STEPS += register-devnet-real-test
.PHONY: register-devnet-real-test
$(BUILD)/tests/register/test_register_keys: $(OBJ)/tests/register/test_register_keys.o \
    $(call objs_of,contracts/register/pubkey.c $(DCAP_DIR)/sha256_native.c $(CONTRACT_SDK_SRC) $(CONTRACT_MOCK_SRC)) \
    $(LIB)/libnear.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) -lm -lpthread
$(call objs_of,contracts/register/pubkey.c): CFLAGS += $(REGISTER_INCLUDES)

# ---- fuzzing (make fuzz-NAME runs each for FUZZ_SECONDS) ----
# dcap_quote: quote + PEM chain + certificates; dcap_der: DER/X.509/CRL;
# dcap_collateral: arbitrary collateral JSON against the real quote;
# register: every contract method natively. Their smoke runs in the shared
# fuzz-smoke step last 8 s each (the macro expands FUZZ_SMOKE_SECONDS when
# called), so the step stays short.
REGISTER_SAVED_SMOKE_SECONDS := $(FUZZ_SMOKE_SECONDS)
FUZZ_SMOKE_SECONDS := 8
$(eval $(call fuzz_target,dcap_quote,$(DCAP_PURE_SRC) $(DCAP_DIR)/sha256_native.c tests/fuzz/fuzz_dcap_quote.c,\
  -I$(DCAP_DIR) -Icontracts/sdk -lsodium))
$(eval $(call fuzz_target,dcap_der,$(DCAP_PURE_SRC) $(DCAP_DIR)/sha256_native.c tests/fuzz/fuzz_dcap_der.c,\
  -I$(DCAP_DIR) -Icontracts/sdk -lsodium))
$(eval $(call fuzz_target,dcap_collateral,$(DCAP_SRC) $(DCAP_DIR)/sha256_native.c $(CONTRACT_SDK_SRC) \
  $(CONTRACT_MOCK_SRC) tests/fuzz/fuzz_dcap_collateral.c,-I$(DCAP_DIR) -Icontracts/sdk -Icontracts/sdk/mock -lsodium))
$(eval $(call fuzz_target,register,$(DCAP_SRC) $(DCAP_DIR)/sha256_native.c $(CONTRACT_SDK_SRC) \
  $(CONTRACT_MOCK_SRC) $(wildcard contracts/register/*.c) tests/fuzz/fuzz_register.c,\
  -I$(DCAP_DIR) -Icontracts/register -Icontracts/sdk -Icontracts/sdk/mock -lsodium))
FUZZ_SMOKE_SECONDS := $(REGISTER_SAVED_SMOKE_SECONDS)
