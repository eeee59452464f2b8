# Makefile — the one non-recursive build for everything in OutLayer.
#
#   make            build every program and library into build/
#   make run        build and run a sample WASI program through `outlayer run`
#   make test       everything: unit, spec, CLI, contract and interop tests,
#                   the sanitizer build, and the fuzz smoke runs
#   make spec       the WebAssembly core test suite
#   make bench      the benchmarks (see bench/)
#   make fuzz       longer fuzzing sessions (FUZZ_SECONDS=60 each by default)
#
# Each component describes its own sources and tests in mk/<component>.mk;
# a library of ours is made by $(call static_lib,...) in mk/lib/<name>.mk,
# read before every other fragment. This file holds what they share.
# Variables a fragment may append to:
#   PROGRAMS     binaries that `make` builds
#   TEST_STEPS   make targets that `make test` runs, in order
#   FUZZ_TARGETS libFuzzer binaries (built with clang-19)
#
# `make SAN=1` builds everything with AddressSanitizer + UBSan into
# build/san/ (make test does this for the unit and spec tests).

SHELL := /bin/bash
.DEFAULT_GOAL := all
.SUFFIXES:

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT ?= -O1
else
BUILD ?= build
SANFLAGS :=
OPT ?= -O2
endif

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang-19
WASM_LD ?= wasm-ld-19

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
CFLAGS += -std=gnu17 $(WARNINGS) $(SANFLAGS) -D_GNU_SOURCE -Isrc -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS += -lm -lpthread

# pkg-config is slow to call repeatedly; these are plain Debian library names.
LIB_JSON := -ljansson
LIB_HTTP := -lmicrohttpd
LIB_CURL := -lcurl
LIB_SODIUM := -lsodium
LIB_SSL := -lssl -lcrypto
LIB_SQLITE := -lsqlite3
LIB_CMOCKA := -lcmocka

BIN := $(BUILD)/bin
OBJ := $(BUILD)/obj
LIB := $(BUILD)/lib

PROGRAMS :=
TEST_STEPS :=
FUZZ_TARGETS :=
FUZZ_SECONDS ?= 60

# Sources under a directory -> objects under $(OBJ).
objs_of = $(patsubst %.c,$(OBJ)/%.o,$(1))

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# A static library of ours:
#   $(eval $(call static_lib,NAME,SOURCES))
# defines $(LIB)/libNAME.a from the objects of SOURCES, and its libFuzzer
# build $(FUZZ_LIB)/libNAME.a (the same sources through clang-19 with
# FUZZ_CFLAGS, made only when a fuzz target links it). The fragment still
# appends $(LIB)/libNAME.a to STATIC_LIBS itself when every unit test may
# link it. Library fragments live in mk/lib/ and are read before the rest,
# so every other fragment may name them by variable ($(WASM_LIB), ...).
FUZZ_OBJ = $(BUILD)/fuzz/obj
FUZZ_LIB = $(BUILD)/fuzz/lib
fuzz_objs_of = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))
define static_lib
$(LIB)/lib$(1).a: $(call objs_of,$(2))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(FUZZ_LIB)/lib$(1).a: $(call fuzz_objs_of,$(2))
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef

# libFuzzer targets, built with clang-19 (coverage needs its
# instrumentation, so they do not reuse the gcc objects).
#   $(eval $(call fuzz_target,NAME,SOURCES,EXTRA_LDLIBS))
# SOURCES is the fuzzer's own .c files followed by the fuzz builds of the
# libraries it exercises, dependents first: $(FUZZ_LIB)/libNAME.a.
# defines $(BUILD)/fuzz/NAME, `make fuzz-smoke-NAME` (a short run from the
# committed corpus tests/fuzz/corpus/NAME/, part of make test) and adds NAME
# to `make fuzz` (FUZZ_SECONDS each, the corpus grows in build/fuzz/).
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_CFLAGS := -std=gnu17 -g -O1 -D_GNU_SOURCE -Isrc -DFUZZING \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
define fuzz_target
FUZZ_TARGETS += $(1)
$(BUILD)/fuzz/$(1): $(2)
	@mkdir -p $$(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(2) -o $$@ $(3) -lm -lpthread
fuzz-smoke-$(1): $(BUILD)/fuzz/$(1)
	@mkdir -p $(BUILD)/fuzz/work-$(1)
	$(BUILD)/fuzz/$(1) -max_total_time=$(FUZZ_SMOKE_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	  -print_final_stats=1 $(BUILD)/fuzz/work-$(1) tests/fuzz/corpus/$(1)
fuzz-$(1): $(BUILD)/fuzz/$(1)
	@mkdir -p $(BUILD)/fuzz/work-$(1)
	$(BUILD)/fuzz/$(1) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 \
	  -print_final_stats=1 $(BUILD)/fuzz/work-$(1) tests/fuzz/corpus/$(1)
.PHONY: fuzz-smoke-$(1) fuzz-$(1)
endef

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

include $(sort $(wildcard mk/lib/*.mk))
include $(sort $(wildcard mk/*.mk))

fuzz-smoke: $(addprefix fuzz-smoke-,$(FUZZ_TARGETS))
fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))
TEST_STEPS += fuzz-smoke

all: $(PROGRAMS)

# Installs the Debian packages the build needs (fast no-op when present).
deps:
	@scripts/deps.sh

# Every test step runs even if an earlier one fails; the summary line lists both.
test: deps
	@tests/run_steps.sh $(TEST_STEPS)

clean:
	rm -rf build

print-%:
	@echo '$($*)'

.PHONY: all deps test clean run spec bench fuzz
# Keep intermediate objects: make would otherwise delete them and rebuild next time.
.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
