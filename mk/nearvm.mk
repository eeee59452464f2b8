# The NEAR VM: src/nearvm/ -> build/lib/libnearvm.a (one NEAR function call
# on our engine, with NEAR's host functions and gas; see docs/nearvm.md).
# It uses the engine's public API (wasm/olw.h) and libnear (UTF-8).
NEARVM_SRC := $(wildcard src/nearvm/*.c)
NEARVM_LIB := $(LIB)/libnearvm.a
STATIC_LIBS += $(NEARVM_LIB)
$(eval $(call static_lib,nearvm,$(NEARVM_SRC)))

# Test contracts for tests/unit/test_nearvm_*.c: .wat through wat2wasm and
# freestanding C through clang-19 (MVP + sign-ext + mutable globals, the
# features NEAR accepts everywhere). They are plain wasm, identical for the
# normal and the sanitizer build, so they always go to build/.
NEARVM_CONTRACTS := build/tests/devnet/contracts
NEARVM_TEST_WASM := \
  $(patsubst tests/devnet/contracts/%.wat,$(NEARVM_CONTRACTS)/%.wasm,$(wildcard tests/devnet/contracts/*.wat)) \
  $(patsubst tests/devnet/contracts/%.c,$(NEARVM_CONTRACTS)/%.wasm,$(wildcard tests/devnet/contracts/*.c))
NEARVM_CONTRACT_CFLAGS := --target=wasm32 -nostdlib -O2 -mcpu=mvp -msign-ext -mmutable-globals \
  -ffreestanding -fno-builtin -Wall -Wextra -Werror

$(NEARVM_CONTRACTS)/%.wasm: tests/devnet/contracts/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

$(NEARVM_CONTRACTS)/%.wasm: tests/devnet/contracts/%.c
	@mkdir -p $(@D)
	$(CLANG) $(NEARVM_CONTRACT_CFLAGS) -c $< -o $@.o
	$(WASM_LD) --no-entry --export-dynamic --allow-undefined --strip-all $@.o -o $@
	rm -f $@.o

NEARVM_UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_nearvm_*.c))
$(NEARVM_UNIT_BIN): $(NEARVM_TEST_WASM)
# test_nearvm_basic also runs the OutLayer contract: a dependency, never a skip.
$(BUILD)/tests/unit/test_nearvm_basic: build/contracts/outlayer.wasm

nearvm-contracts: $(NEARVM_TEST_WASM)
.PHONY: nearvm-contracts

# Fuzzing the VM layer with contracts (seed corpus: the test contracts).
$(eval $(call fuzz_target,nearvm,tests/fuzz/fuzz_nearvm.c $(FUZZ_LIB)/libnearvm.a $(FUZZ_LIB)/libwasm.a \
  $(FUZZ_LIB)/libnear.a,-ljansson -lsodium -lcrypto))
