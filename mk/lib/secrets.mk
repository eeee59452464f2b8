# Secrets: src/secrets/ -> build/lib/libsecrets.a
# (seed normalisation, key derivation, sealed-box blobs, secret names and
# generation, access conditions). Uses libsodium, jansson, PCRE2 and, for
# the RPC-backed conditions, libnear. Its fuzz target: mk/secrets.mk.
SECRETS_SRC := $(wildcard src/secrets/*.c)
SECRETS_OBJ := $(call objs_of,$(SECRETS_SRC))
SECRETS_LIB := $(LIB)/libsecrets.a
STATIC_LIBS += $(SECRETS_LIB)
$(eval $(call static_lib,secrets,$(SECRETS_SRC)))

secrets-lib: $(SECRETS_LIB)
.PHONY: secrets-lib
