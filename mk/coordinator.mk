# The coordinator: src/coordinator/ -> build/bin/outlayer-coordinator
# (job queue with leases, content-addressed WASM cache, public API; SQLite
# storage). Docs: docs/coordinator.md. Tests: tests/coordinator/.
COORD_SRC := $(filter-out src/coordinator/main.c,$(wildcard src/coordinator/*.c))
COORD_OBJ := $(call objs_of,$(COORD_SRC))
COORD_LIB := $(LIB)/libcoordinator.a
COORD_BIN := $(BIN)/outlayer-coordinator
PROGRAMS += $(COORD_BIN)

# libpq's header lives in its own directory on Debian.
$(OBJ)/src/coordinator/db_pg.o: CFLAGS += -I/usr/include/postgresql

$(eval $(call static_lib,coordinator,$(COORD_SRC)))
$(call fuzz_objs_of,src/coordinator/db_pg.c): FUZZ_CFLAGS += -I/usr/include/postgresql

# libsecrets: the one repo/seed normalisation and the access-condition
# parser the keystore uses (api_secrets.c); it needs libnear and PCRE2.
$(COORD_BIN): $(OBJ)/src/coordinator/main.o $(COORD_LIB) $(LIB)/libsecrets.a $(BASE_LIB) $(LIB)/libnear.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) -lpq -lpcre2-8 $(LDLIBS)

coordinator: $(COORD_BIN)
.PHONY: coordinator

# Integration test: the real binary over HTTP on 127.0.0.1 (port 0).
# `coordinator-test-san` runs the same suite against the ASan+UBSan build.
COORD_TEST_BIN := $(BUILD)/tests/coordinator/test_coordinator
$(COORD_TEST_BIN): $(OBJ)/tests/coordinator/test_coordinator.o $(COORD_LIB) $(LIB)/libsecrets.a $(BASE_LIB) $(LIB)/libnear.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_CMOCKA) $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SQLITE) -lpq -lpcre2-8 $(LDLIBS)

coordinator-test: $(COORD_BIN) $(COORD_TEST_BIN)
	COORD_BIN=$(COORD_BIN) $(if $(filter 1,$(SAN)),COORD_SAN=1) timeout 170 $(COORD_TEST_BIN)

coordinator-test-san:
	@$(MAKE) --no-print-directory SAN=1 coordinator-test

# The same suite against a private PostgreSQL cluster (tests/coordinator/run_pg.sh),
# including two coordinator processes sharing the database.
coordinator-test-pg: $(COORD_BIN) $(COORD_TEST_BIN)
	$(if $(filter 1,$(SAN)),COORD_SAN=1 ASAN_OPTIONS=detect_stack_use_after_return=1$${ASAN_OPTIONS:+:$$ASAN_OPTIONS}) \
	  timeout 170 tests/coordinator/run_pg.sh $(COORD_BIN) $(COORD_TEST_BIN)

# The PostgreSQL suite against the ASan+UBSan build (group commit, pipelines;
# group members' queue entries live on their stacks: use-after-return is checked).
coordinator-test-pg-san:
	@$(MAKE) --no-print-directory SAN=1 coordinator-test-pg

TEST_STEPS += coordinator-test coordinator-test-san coordinator-test-pg coordinator-test-pg-san
.PHONY: coordinator-test coordinator-test-san coordinator-test-pg coordinator-test-pg-san

# Fuzzing the request parsers (seed corpus: tests/fuzz/corpus/coordinator/).
$(eval $(call fuzz_target,coordinator,tests/fuzz/fuzz_coordinator.c $(FUZZ_LIB)/libcoordinator.a $(FUZZ_LIB)/libbase.a,\
  -ljansson -lsodium -lmicrohttpd))

# Load benchmark (wrk + bench/coordinator_cycle.c) on SQLite and PostgreSQL;
# numbers in docs/benchmarks.md.
COORD_CYCLE_BIN := $(BUILD)/bench/coordinator_cycle
$(COORD_CYCLE_BIN): $(OBJ)/bench/coordinator_cycle.o $(BASE_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIB_JSON) $(LIB_CURL) $(LDLIBS)

bench-coordinator: $(COORD_BIN) $(COORD_CYCLE_BIN)
	bench/coordinator_bench.sh $(COORD_BIN) $(COORD_CYCLE_BIN)
.PHONY: bench-coordinator
