# NEAR primitives: src/near/ -> build/lib/libnear.a
# (borsh, base58/base64, account ids, keys, transactions, amounts,
#  credential files, JSON-RPC client). Uses libsodium, jansson, libcurl.
NEAR_SRC := $(wildcard src/near/*.c)
NEAR_OBJ := $(call objs_of,$(NEAR_SRC))
NEAR_LIB := $(LIB)/libnear.a
STATIC_LIBS += $(NEAR_LIB)

$(NEAR_LIB): $(NEAR_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

near-lib: $(NEAR_LIB)
.PHONY: near-lib

# Interop vectors from near-api-js: re-generate them into a temp file and
# fail on any difference from the committed tests/near/vectors.json, then
# run the C test that checks our encoder against them byte for byte.
# (npm ci runs only when node_modules is missing; versions are pinned by
# package-lock.json.)
near-vectors: $(BUILD)/tests/unit/test_near_vectors
	@if [ ! -d node_modules/near-api-js ]; then npm ci --no-audit --no-fund; fi
	@tmp=$$(mktemp); trap 'rm -f $$tmp' EXIT; \
	  node tests/near/gen_vectors.js $$tmp || exit 1; \
	  if ! cmp -s tests/near/vectors.json $$tmp; then \
	    echo "near-vectors: tests/near/vectors.json differs from what near-api-js generates now:"; \
	    diff -u tests/near/vectors.json $$tmp | head -40; exit 1; fi; \
	  echo "near-vectors: tests/near/vectors.json matches near-api-js"
	@cd tests/unit && ../../$(BUILD)/tests/unit/test_near_vectors

TEST_STEPS += near-vectors
.PHONY: near-vectors

# Fuzz targets for the borsh reader and the transaction decoder.
NEAR_FUZZ_TX_SRC := src/near/borsh.c src/near/utf8.c src/near/status.c src/near/u128.c src/near/transaction.c src/near/keys.c src/near/base58.c
$(eval $(call fuzz_target,near_tx,$(NEAR_FUZZ_TX_SRC) tests/fuzz/fuzz_near_tx.c,-lsodium))
$(eval $(call fuzz_target,near_borsh,src/near/borsh.c src/near/utf8.c src/near/u128.c tests/fuzz/fuzz_near_borsh.c,))
NEAR_FUZZ_OUTCOME_SRC := src/near/rpc.c src/near/rpc_send.c src/near/rpc_reads.c src/near/borsh.c src/near/u128.c src/near/transaction.c src/near/keys.c \
  src/near/base58.c src/near/base64.c src/near/status.c src/near/utf8.c
$(eval $(call fuzz_target,near_outcome,$(NEAR_FUZZ_OUTCOME_SRC) tests/fuzz/fuzz_near_outcome.c,-lsodium -ljansson -lcurl))
