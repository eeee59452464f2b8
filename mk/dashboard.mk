# The dashboard (dashboard/ -> $(BUILD)/dashboard/): static files that
# outlayer-coordinator serves at / with --dashboard-dir (outlayer dev passes
# BIN_DIR/../dashboard). Bundled by esbuild from npm packages pinned in
# package-lock.json; nothing is fetched at run time. Docs: docs/dashboard.md.
#
#   make dashboard        build it
#   make dashboard-test   Playwright (playwright-core) drives Debian's chromium
#                         headless against a real `outlayer dev`; screenshots
#                         of every page go to build/screenshots/
DASH_OUT := $(BUILD)/dashboard
DASH_SRC := dashboard/build.mjs dashboard/index.html dashboard/favicon.svg $(wildcard dashboard/src/*.js dashboard/src/*/*.js dashboard/src/*.css)
DASH_EXAMPLES := $(BUILD)/dashboard-examples/print_secret.wasm

$(BUILD)/dashboard-examples/%.wasm: dashboard/examples/%.c
	@mkdir -p $(@D)
	$(CLANG) $(WASI_TARGET_FLAGS) $(EXAMPLE_CFLAGS) $< -o $@

node_modules/.dashboard-deps: package-lock.json
	@if [ ! -d node_modules/esbuild ] || [ ! -d node_modules/playwright-core ] || \
	    [ ! -d node_modules/libsodium-wrappers ] || [ ! -d node_modules/@near-wallet-selector/core ]; then \
	  npm ci --no-audit --no-fund; fi
	@touch $@

# (examples.mk is read after this file: name the example files here)
DASH_EXAMPLE_WASM := $(patsubst examples/%.c,$(BUILD)/examples/%.wasm,$(wildcard examples/*.c))
$(DASH_OUT)/index.html: $(DASH_SRC) $(DASH_EXAMPLE_WASM) $(DASH_EXAMPLES) node_modules/.dashboard-deps
	node dashboard/build.mjs $(DASH_OUT) $(BUILD)/examples $(BUILD)/dashboard-examples

dashboard: $(DASH_OUT)/index.html
PROGRAMS += $(DASH_OUT)/index.html
.PHONY: dashboard

DASH_TEST_DEPS := $(DEV_RUNTIME_FILES)

dashboard-test: $(DASH_TEST_DEPS)
	@command -v chromium >/dev/null || { echo "dashboard-test: chromium missing (scripts/deps.sh installs it)" >&2; exit 1; }
	@OUTLAYER_BIN=$(BIN)/outlayer DASH_PORT_BASE=$${DASH_PORT_BASE:-44100} SCREENSHOT_DIR=build/screenshots \
	  timeout 240 node --test tests/dashboard/dashboard.test.mjs
TEST_STEPS += dashboard-test
.PHONY: dashboard-test

# The same test with `outlayer` (the dev supervisor and the dashboard's
# signer) and outlayer-coordinator (which serves the dashboard) built with
# ASan + UBSan; the other daemons are the normal build (their own -san steps
# cover them). The last test fails on any sanitizer report in the logs.
DASH_SAN_ROOT := build/san/dashboard-test
dashboard-test-san: $(DASH_TEST_DEPS)
	@$(MAKE) --no-print-directory SAN=1 build/san/bin/outlayer build/san/bin/outlayer-coordinator
	@rm -rf $(DASH_SAN_ROOT) && mkdir -p $(DASH_SAN_ROOT)/bin
	@for b in outlayer-devnet outlayer-keystore outlayer-worker; do ln -s $(CURDIR)/$(BIN)/$$b $(DASH_SAN_ROOT)/bin/$$b; done
	@ln -s $(CURDIR)/build/san/bin/outlayer-coordinator $(DASH_SAN_ROOT)/bin/outlayer-coordinator
	@ln -s $(CURDIR)/$(DASH_OUT) $(DASH_SAN_ROOT)/dashboard
	@ln -s $(CURDIR)/build/contracts $(DASH_SAN_ROOT)/contracts
	@ln -s $(CURDIR)/$(BUILD)/examples $(DASH_SAN_ROOT)/examples
	@OUTLAYER_BIN=build/san/bin/outlayer DASH_BIN_DIR=$(DASH_SAN_ROOT)/bin DASH_PORT_BASE=$${DASH_PORT_BASE:-44110} \
	  SCREENSHOT_DIR=build/san/screenshots timeout 240 node --test tests/dashboard/dashboard.test.mjs
TEST_STEPS += dashboard-test-san
.PHONY: dashboard-test-san
