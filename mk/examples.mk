# Example WASI programs (examples/*.c): each is built twice, for WebAssembly
# into $(BUILD)/examples/NAME.wasm and natively into $(BUILD)/examples/native/NAME,
# so the CLI tests can check that both give the same output.
#
# wasi-libc and clang's wasm32 runtime come from Debian (wasi-libc,
# libclang-rt-19-dev-wasm32); clang-19 finds them by itself for
# --target=wasm32-wasi. --strip-debug drops the DWARF that the prebuilt
# libc objects carry (5x the code size) and keeps the name section.
EXAMPLES := $(basename $(notdir $(wildcard examples/*.c)))
EXAMPLE_WASM := $(patsubst %,$(BUILD)/examples/%.wasm,$(EXAMPLES))
EXAMPLE_NATIVE := $(patsubst %,$(BUILD)/examples/native/%,$(EXAMPLES))
EXAMPLE_CFLAGS := -O2 -std=gnu17 -Wall -Wextra -Werror
WASI_TARGET_FLAGS := --target=wasm32-wasi -Wl,--strip-debug

$(BUILD)/examples/%.wasm: examples/%.c
	@mkdir -p $(@D)
	$(CLANG) $(WASI_TARGET_FLAGS) $(EXAMPLE_CFLAGS) $< -o $@

$(BUILD)/examples/native/%: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(EXAMPLE_CFLAGS) $(SANFLAGS) $< -o $@ -lm

examples: $(EXAMPLE_WASM) $(EXAMPLE_NATIVE)
PROGRAMS += $(EXAMPLE_WASM) $(EXAMPLE_NATIVE)

.PHONY: examples
