# Secrets: src/secrets/ -> build/lib/libsecrets.a
# (seed normalisation, key derivation, sealed-box blobs, secret names and
# generation, access conditions). Uses libsodium, jansson, PCRE2 and, for
# the RPC-backed conditions, libnear.
SECRETS_SRC := $(wildcard src/secrets/*.c)
SECRETS_OBJ := $(call objs_of,$(SECRETS_SRC))
SECRETS_LIB := $(LIB)/libsecrets.a
STATIC_LIBS += $(SECRETS_LIB)

$(SECRETS_LIB): $(SECRETS_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

secrets-lib: $(SECRETS_LIB)
.PHONY: secrets-lib

# Fuzz target: the access-condition parser and evaluator (with a fake chain).
SECRETS_FUZZ_COND_SRC := src/secrets/cond.c src/near/account_id.c src/near/u128.c tests/fuzz/fuzz_secrets_cond.c
$(eval $(call fuzz_target,secrets_cond,$(SECRETS_FUZZ_COND_SRC),-ljansson -lpcre2-8))
