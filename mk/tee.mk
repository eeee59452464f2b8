# libtee: the simulated TDX platform (src/tee/) -> build/lib/libtee.a, used
# by the register tests, outlayer-worker (--tee simulated), `outlayer dev`
# and `outlayer tee`. Also libdcapnative.a: the register contract's DCAP
# verifier built natively (with the contract SDK's JSON reader and mock
# runtime), for `outlayer tee verify` and the tests. See docs/attestation.md.
#
#   make tee-test      libtee: quotes verify with our DCAP verifier, save/load, binding
TEE_SRC := $(wildcard src/tee/*.c)
TEE_LIB := $(LIB)/libtee.a
STATIC_LIBS += $(TEE_LIB)

$(TEE_LIB): $(call objs_of,$(TEE_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

DCAP_NATIVE_LIB := $(LIB)/libdcapnative.a
DCAP_NATIVE_LIB_SRC := contracts/register/dcap/p256.c contracts/register/dcap/der.c contracts/register/dcap/time.c \
  contracts/register/dcap/x509.c contracts/register/dcap/quote.c contracts/register/dcap/pem.c \
  contracts/register/dcap/verify.c contracts/register/dcap/sha256_native.c contracts/register/intel_root.c \
  $(filter-out contracts/sdk/mock/%,$(wildcard contracts/sdk/*.c)) contracts/sdk/mock/mock.c
$(call objs_of,$(DCAP_NATIVE_LIB_SRC)): CFLAGS += -Icontracts/register/dcap -Icontracts/register -Icontracts/sdk \
  -Icontracts/sdk/mock
$(DCAP_NATIVE_LIB): $(call objs_of,$(DCAP_NATIVE_LIB_SRC))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

TEE_TEST_BIN := $(BUILD)/tests/tee/test_tee_sim
$(OBJ)/tests/tee/test_tee_sim.o: CFLAGS += -Icontracts/register/dcap -Icontracts/sdk -Icontracts/sdk/mock
$(TEE_TEST_BIN): $(OBJ)/tests/tee/test_tee_sim.o $(TEE_LIB) $(DCAP_NATIVE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_JSON) $(LIB_SODIUM) $(LIB_SSL)

tee-test: $(TEE_TEST_BIN)
	@$(TEE_TEST_BIN)
tee-test-san:
	@$(MAKE) --no-print-directory SAN=1 tee-test
TEST_STEPS += tee-test tee-test-san
.PHONY: tee-test tee-test-san

# `outlayer tee` (src/cli/cmd_tee.c) on the real Intel samples and a
# simulated platform (tests/cli/tee.sh).
tee-cli-test: $(BIN)/outlayer $(BIN)/outlayer-worker
	@tests/cli/tee.sh $(BUILD)
TEST_STEPS += tee-cli-test
.PHONY: tee-cli-test
# The same against the ASan + UBSan build of outlayer.
tee-cli-test-san:
	@$(MAKE) --no-print-directory SAN=1 tee-cli-test
TEST_STEPS += tee-cli-test-san
.PHONY: tee-cli-test-san
