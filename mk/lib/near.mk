# NEAR primitives: src/near/ -> build/lib/libnear.a
# (borsh, base58/base64, account ids, keys, transactions, amounts,
#  credential files, JSON-RPC client). Uses libsodium, jansson, libcurl.
# Its interop vectors and fuzz targets: mk/near.mk.
NEAR_SRC := $(wildcard src/near/*.c)
NEAR_OBJ := $(call objs_of,$(NEAR_SRC))
NEAR_LIB := $(LIB)/libnear.a
STATIC_LIBS += $(NEAR_LIB)
$(eval $(call static_lib,near,$(NEAR_SRC)))

near-lib: $(NEAR_LIB)
.PHONY: near-lib
