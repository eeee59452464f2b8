# Unit tests (cmocka): every tests/unit/test_*.c is one binary linked with
# all of our static libraries. `make unit` runs them all; `make unit-san`
# runs the same tests built with ASan + UBSan.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
SYSTEM_LIBS := $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) $(LIB_SSL) $(LIB_SQLITE) -lpcre2-8 -lm -lpthread

# Second expansion: STATIC_LIBS is complete only after every fragment is read.
.SECONDEXPANSION:
$(BUILD)/tests/unit/%: $(OBJ)/tests/unit/%.o $$(STATIC_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(STATIC_LIBS) -Wl,--end-group \
	  $(LIB_CMOCKA) $(SYSTEM_LIBS)

unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "--- $$t"; (cd tests/unit && ../../$$t) || fail=1; done; exit $$fail

unit-san:
	@$(MAKE) --no-print-directory SAN=1 unit

TEST_STEPS += unit unit-san
.PHONY: unit unit-san
