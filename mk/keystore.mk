# outlayer-keystore: src/keystore/ -> build/bin/outlayer-keystore
# (master secret, /pubkey, /decrypt, /add_generated_secret; docs/secrets.md)
#
#   make keystore-test   integration test: the real keystore against a real
#                        outlayer-devnet running the OutLayer contract
KEYSTORE_SRC := $(wildcard src/keystore/*.c)
KEYSTORE_OBJ := $(call objs_of,$(KEYSTORE_SRC))
KEYSTORE_BIN := $(BIN)/outlayer-keystore
KEYSTORE_LIBS := $(LIB)/libsecrets.a $(LIB)/libbase.a $(LIB)/libnear.a
PROGRAMS += $(KEYSTORE_BIN)

$(KEYSTORE_BIN): $(KEYSTORE_OBJ) $(KEYSTORE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(KEYSTORE_OBJ) -Wl,--start-group $(KEYSTORE_LIBS) -Wl,--end-group \
	  $(LIB_JSON) $(LIB_HTTP) $(LIB_CURL) $(LIB_SODIUM) -lpcre2-8 $(LDLIBS)
