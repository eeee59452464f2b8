# WASI preview 1 on top of the engine: src/wasi/ -> build/lib/libwasi.a
# (its test modules and unit-test wiring: mk/wasi.mk)
WASI_SRC := $(wildcard src/wasi/*.c)
WASI_OBJ := $(call objs_of,$(WASI_SRC))
WASI_LIB := $(LIB)/libwasi.a
STATIC_LIBS += $(WASI_LIB)
$(eval $(call static_lib,wasi,$(WASI_SRC)))
