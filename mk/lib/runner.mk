# The job runner (load + WASI + limits + report data), shared by `outlayer run`
# and the worker: src/runner/ -> build/lib/librunner.a
RUNNER_SRC := $(wildcard src/runner/*.c)
RUNNER_OBJ := $(call objs_of,$(RUNNER_SRC))
RUNNER_LIB := $(LIB)/librunner.a
STATIC_LIBS += $(RUNNER_LIB)
$(eval $(call static_lib,runner,$(RUNNER_SRC)))
