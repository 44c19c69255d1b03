# The README's two commands: `make run` (the main job) and `make test` (every check).
.PHONY: run test setup fmt clippy wasm-core purity test-rust test-ui bench wasm test-wasm bench-wasm

CARGO ?= cargo

setup:
	@.ci/setup

## The main job: for now, the CLI on the bundled example plugins.
run: setup
	$(CARGO) build --release -p skillmeat
	./target/release/skillmeat inspect tests/fixtures/superpowers
	./target/release/skillmeat hash tests/fixtures/superpowers tests/fixtures/superpowers/skills/brainstorming
	./target/release/skillmeat inspect tests/fixtures/wshobson-agents | tail -n 1

## Every check, as CI runs it.
test: setup fmt clippy wasm-core purity test-rust test-ui test-wasm

fmt:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-core -p skillmeat-wasm --target wasm32-unknown-unknown --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-wasm --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

## core (and its wasm bindings) must build for the browser.
wasm-core:
	$(CARGO) build -p skillmeat-core -p skillmeat-wasm --target wasm32-unknown-unknown --locked

## core never depends on I/O, async, database or app crates.
purity:
	@if $(CARGO) tree -p skillmeat-core -e normal --prefix none --locked | grep -E '^(tokio|sqlx|tauri|walkdir|rayon|libsqlite3-sys|zip) ' ; then \
		echo "skillmeat-core must stay pure: the crates above do not belong in it"; exit 1; \
	else echo "skillmeat-core dependencies are pure"; fi

test-rust:
	$(CARGO) test --workspace --locked

test-ui:
	cd ui && npm run --silent build && npm test --silent

bench:
	$(CARGO) bench -p skillmeat --bench hash
	$(CARGO) bench -p skillmeat --bench import

## The browser package: wasm-bindgen --target web into wasm/pkg/ (not committed),
## then wasm-opt -Oz (Debian's binaryen) when it is installed.
## Built without the reference-types feature (rustc enables it by default):
## Debian bookworm's binaryen 108 renumbers wasm-bindgen's externref table
## export, and the optimised module then fails at init. `strip = true` in
## [profile.wasm-release] drops the target_features section (which would
## still list reference-types, from the prebuilt std), so wasm-bindgen keeps
## JS values in its JS-side heap; wasm-opt is told the features instead.
WASM_OUT := target/wasm32-unknown-unknown/wasm-release/skillmeat_wasm.wasm
WASM_PKG := wasm/pkg
## simd128: as in .cargo/config.toml (sha2's wasm SIMD backend).
WASM_RUSTFLAGS ?= -C target-feature=+simd128,-reference-types
WASM_OPT_FEATURES := --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals
wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(WASM_RUSTFLAGS)" \
		$(CARGO) build --profile wasm-release --target wasm32-unknown-unknown -p skillmeat-wasm --locked
	wasm-bindgen --target web --out-dir $(WASM_PKG) $(WASM_OUT)
	@if command -v wasm-opt >/dev/null; then \
		echo "wasm-opt -Oz $(WASM_OPT_FEATURES)  ($$(wc -c < $(WASM_PKG)/skillmeat_wasm_bg.wasm) bytes before)"; \
		wasm-opt -Oz $(WASM_OPT_FEATURES) $(WASM_PKG)/skillmeat_wasm_bg.wasm -o $(WASM_PKG)/skillmeat_wasm_bg.opt.wasm && \
		mv $(WASM_PKG)/skillmeat_wasm_bg.opt.wasm $(WASM_PKG)/skillmeat_wasm_bg.wasm; \
	else echo "wasm-opt not found (Debian package binaryen): the package is not size-optimised"; fi
	@printf 'wasm/pkg/skillmeat_wasm_bg.wasm: %s bytes (%s gzipped)\n' \
		"$$(wc -c < $(WASM_PKG)/skillmeat_wasm_bg.wasm)" "$$(gzip -9 -c $(WASM_PKG)/skillmeat_wasm_bg.wasm | wc -c)"

## wasm_bindgen_test suites in Node.js and in headless Chromium (chromedriver),
## the generated TypeScript types (tsc --strict, with ui's TypeScript), then
## the File API parity test against the native CLI in Chromium.
WASM_TEST_ENV := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
WASM_BROWSER_ENV := WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=/usr/bin/chromedriver \
	WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/wasm/webdriver.json
test-wasm: wasm
	$(WASM_TEST_ENV) $(CARGO) test -p skillmeat-wasm --target wasm32-unknown-unknown --locked
	$(WASM_TEST_ENV) $(WASM_BROWSER_ENV) $(CARGO) test -p skillmeat-wasm --target wasm32-unknown-unknown --locked
	node ui/node_modules/typescript/bin/tsc -p wasm/browser/tsconfig.json
	$(CARGO) build -p skillmeat --locked
	node wasm/browser/parity.mjs

## TreeHasher vs WebCrypto SHA-256 in headless Chromium.
bench-wasm: wasm
	node wasm/browser/bench.mjs
