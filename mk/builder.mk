# Reproducible git -> wasm32-wasip1 builds (git + clang-19 in bubblewrap),
# shared by the worker and `outlayer build` / `outlayer verify`:
# src/builder/ -> build/lib/libbuilder.a. See docs/verify.md.
BUILDER_SRC := $(wildcard src/builder/*.c)
BUILDER_OBJ := $(call objs_of,$(BUILDER_SRC))
BUILDER_LIB := $(LIB)/libbuilder.a
STATIC_LIBS += $(BUILDER_LIB)

$(BUILDER_LIB): $(BUILDER_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^
