# Shared daemon library: src/base/ -> build/lib/libbase.a
# (one-line logs, table-driven config, HTTP server on libmicrohttpd with
#  routes/JSON/CORS/long polls, HTTP client on libcurl). Used by the
# coordinator, the worker and the keystore. Tests: tests/unit/test_base_*.c.
BASE_SRC := $(wildcard src/base/*.c)
BASE_OBJ := $(call objs_of,$(BASE_SRC))
BASE_LIB := $(LIB)/libbase.a
STATIC_LIBS += $(BASE_LIB)
$(eval $(call static_lib,base,$(BASE_SRC)))

base-lib: $(BASE_LIB)
.PHONY: base-lib
