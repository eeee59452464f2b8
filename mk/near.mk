# libnear's interop vectors and fuzz targets (the library: mk/lib/near.mk).

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

# Fuzz targets for the borsh reader, the transaction decoder and the RPC
# outcome parser, linked with libnear's fuzz build.
$(eval $(call fuzz_target,near_tx,tests/fuzz/fuzz_near_tx.c $(FUZZ_LIB)/libnear.a,-lsodium))
$(eval $(call fuzz_target,near_borsh,tests/fuzz/fuzz_near_borsh.c $(FUZZ_LIB)/libnear.a,))
$(eval $(call fuzz_target,near_outcome,tests/fuzz/fuzz_near_outcome.c $(FUZZ_LIB)/libnear.a,-lsodium -ljansson -lcurl))
