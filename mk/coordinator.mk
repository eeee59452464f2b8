# The coordinator: src/coordinator/ -> build/bin/outlayer-coordinator
# (job queue with leases, content-addressed WASM cache, public API; SQLite
# storage). Docs: docs/coordinator.md. Tests: tests/coordinator/.
COORD_SRC := $(filter-out src/coordinator/main.c,$(wildcard src/coordinator/*.c))
COORD_OBJ := $(call objs_of,$(COORD_SRC))
COORD_LIB := $(LIB)/libcoordinator.a
COORD_BIN := $(BIN)/outlayer-coordinator
PROGRAMS += $(COORD_BIN)
STATIC_LIBS += $(COORD_LIB)

$(COORD_LIB): $(COORD_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(COORD_BIN): $(OBJ)/src/coordinator/main.o $(COORD_LIB) $(BASE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) $(LDLIBS)

coordinator: $(COORD_BIN)
.PHONY: coordinator
