# The WebAssembly engine: src/wasm/ -> build/lib/libwasm.a
WASM_SRC := $(wildcard src/wasm/*.c)
WASM_OBJ := $(call objs_of,$(WASM_SRC))
WASM_LIB := $(LIB)/libwasm.a
STATIC_LIBS += $(WASM_LIB)
$(eval $(call static_lib,wasm,$(WASM_SRC)))
