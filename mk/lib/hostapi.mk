# The programs' host API (import module outlayer_v1: HTTP with an allow-list,
# caps and a transcript hash) and the outbound address policy shared with the
# worker's downloads: src/hostapi/ -> build/lib/libhostapi.a. Uses libcurl,
# libsodium. ABI: docs/program-api.md. Tests: mk/hostapi.mk.
HOSTAPI_SRC := $(wildcard src/hostapi/*.c)
HOSTAPI_OBJ := $(call objs_of,$(HOSTAPI_SRC))
HOSTAPI_LIB := $(LIB)/libhostapi.a
STATIC_LIBS += $(HOSTAPI_LIB)
$(eval $(call static_lib,hostapi,$(HOSTAPI_SRC)))
