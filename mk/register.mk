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
REGISTER_TEST_SRC := $(wildcard tests/register/test_*.c)
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

# ---- fuzzing: quote + PEM chain + certificates, and DER/X.509/CRL ----
$(eval $(call fuzz_target,dcap_quote,$(DCAP_PURE_SRC) $(DCAP_DIR)/sha256_native.c tests/fuzz/fuzz_dcap_quote.c,\
  -I$(DCAP_DIR) -Icontracts/sdk -lsodium))
$(eval $(call fuzz_target,dcap_der,$(DCAP_PURE_SRC) $(DCAP_DIR)/sha256_native.c tests/fuzz/fuzz_dcap_der.c,\
  -I$(DCAP_DIR) -Icontracts/sdk -lsodium))

.PHONY: register-test register-test-san
