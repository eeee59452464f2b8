# outlayer-keystore: src/keystore/ -> build/bin/outlayer-keystore
# (master secret, /pubkey, /decrypt, /add_generated_secret; docs/secrets.md)
#
#   make keystore-test   integration test: the real keystore against a real
#                        outlayer-devnet running the OutLayer contract
# Everything but main.c is libkeystore.a, so unit tests reach the request
# logic (tests/unit/test_keystore_*.c).
KEYSTORE_LIB_SRC := $(filter-out src/keystore/main.c,$(wildcard src/keystore/*.c))
KEYSTORE_LIB := $(LIB)/libkeystore.a
STATIC_LIBS += $(KEYSTORE_LIB)
KEYSTORE_BIN := $(BIN)/outlayer-keystore
KEYSTORE_LIBS := $(KEYSTORE_LIB) $(LIB)/libsecrets.a $(LIB)/libbase.a $(LIB)/libnear.a
PROGRAMS += $(KEYSTORE_BIN)

$(eval $(call static_lib,keystore,$(KEYSTORE_LIB_SRC)))

$(KEYSTORE_BIN): $(OBJ)/src/keystore/main.o $(KEYSTORE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(OBJ)/src/keystore/main.o -Wl,--start-group $(KEYSTORE_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) -lpcre2-8 $(LDLIBS)

# Integration test: tests/keystore/test_keystore.c starts the real devnet
# (with build/contracts/outlayer.wasm) and the real keystore on loopback.
KEYSTORE_TEST_SUPPORT := tests/keystore/ks_harness.c tests/devnet/devnet_harness.c
$(BUILD)/tests/keystore/test_keystore: $(OBJ)/tests/keystore/test_keystore.o \
    $(call objs_of,$(KEYSTORE_TEST_SUPPORT)) $(KEYSTORE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(call objs_of,$(KEYSTORE_TEST_SUPPORT)) \
	  -Wl,--start-group $(KEYSTORE_LIBS) -Wl,--end-group \
	  $(LIB_CMOCKA) $(LIB_JSON) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) -lpcre2-8 $(LDLIBS)
$(OBJ)/tests/keystore/%.o: CFLAGS += -Itests/devnet -Itests/keystore

keystore-test: $(KEYSTORE_BIN) $(BIN)/outlayer-devnet $(BIN)/outlayer $(BIN)/outlayer-coordinator \
    $(BUILD)/tests/keystore/test_keystore \
    build/contracts/outlayer.wasm
	@if [ ! -d node_modules/tweetnacl ] || [ ! -d node_modules/@noble/hashes ]; then npm ci --no-audit --no-fund; fi
	@KEYSTORE_BIN=$(KEYSTORE_BIN) DEVNET_BIN=$(BIN)/outlayer-devnet OUTLAYER_BIN=$(BIN)/outlayer \
	  COORDINATOR_BIN=$(BIN)/outlayer-coordinator \
	  timeout 300 $(BUILD)/tests/keystore/test_keystore

keystore-test-san:
	@$(MAKE) --no-print-directory SAN=1 keystore-test

TEST_STEPS += keystore-test keystore-test-san
.PHONY: keystore-test keystore-test-san

# Fuzz target: /decrypt (and /pubkey, /add_generated_secret) bodies through
# the request logic with a fake chain.
$(eval $(call fuzz_target,keystore_decrypt,tests/fuzz/fuzz_keystore_decrypt.c $(FUZZ_LIB)/libkeystore.a \
  $(FUZZ_LIB)/libsecrets.a $(FUZZ_LIB)/libbase.a $(FUZZ_LIB)/libnear.a,-ljansson -lsodium -lpcre2-8))

# Contracts the keystore test runs conditions against (FT, NFT, DAO policy),
# in C on the contract SDK; plain wasm, the same for every build.
KEYSTORE_TEST_CONTRACTS := $(patsubst tests/keystore/contracts/%.c,build/tests/keystore/contracts/%.wasm,\
  $(wildcard tests/keystore/contracts/*.c))
build/tests/keystore/contracts/%.wasm: $(call contract_wasm_objs,$(CONTRACT_SDK_SRC)) \
    $(CONTRACT_WASM_OBJ)/tests/keystore/contracts/%.o
	@mkdir -p $(@D)
	$(WASM_LD) $(CONTRACT_WASM_LDFLAGS) -o $@ $^ $(CONTRACT_WASM_RT)
keystore-test: $(KEYSTORE_TEST_CONTRACTS)
