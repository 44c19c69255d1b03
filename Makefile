# The README's two commands: `make run` (the main job) and `make test` (every check).
.PHONY: run test setup fmt clippy wasm-core purity test-rust test-ui bench wasm test-wasm bench-wasm \
	ui-build app app-release deb clippy-app test-app e2e bench-desktop cli-demo browser api-fuzz bench-serve \
	bench-outdated bench-browser test-postgres bench-postgres

CARGO ?= cargo

setup:
	@.ci/setup

## The main job: build the wasm package, the UI and the desktop app, and open
## it. A machine without a display ($$DISPLAY / $$WAYLAND_DISPLAY unset) gets
## the CLI demo on the bundled example plugins instead.
run: setup
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(MAKE) --no-print-directory app-release && ./target/release/skillmeat-desktop; \
	else \
		echo "no display: the CLI demo instead of the desktop app"; \
		$(MAKE) --no-print-directory cli-demo; \
	fi

## The CLI on the bundled example plugins, in a throwaway home and project
## (nothing is written to ~/.skillmeat). The release binary embeds ui/dist
## (`skillmeat serve`'s browser UI), so the UI is built first.
DEMO := target/cli-demo
SM := SKILLMEAT_HOME=$(DEMO)/home ./target/release/skillmeat
cli-demo: ui-build
	$(CARGO) build --release -p skillmeat --bin skillmeat --locked
	rm -rf $(DEMO) && mkdir -p $(DEMO)/project
	./target/release/skillmeat inspect tests/fixtures/guardrails
	./target/release/skillmeat hash tests/fixtures/superpowers tests/fixtures/superpowers/skills/brainstorming
	$(SM) add tests/fixtures/superpowers
	$(SM) add tests/fixtures/guardrails
	$(SM) preview tests/fixtures/guardrails
	$(SM) list
	$(SM) show guardrails
	$(SM) deploy guardrails --project $(DEMO)/project
	$(SM) status --project $(DEMO)/project
	$(SM) export guardrails -o $(DEMO)/guardrails.zip
	$(SM) verify

## Every check, as CI runs it. ui-build comes before test-rust: the server's
## tests read ui/dist (a debug build serves it from there); without it they
## check the "UI not built" answer instead.
test: setup fmt clippy wasm-core purity ui-build test-rust test-postgres api-fuzz test-ui browser clippy-app test-app test-wasm e2e

fmt:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-core -p skillmeat-wasm --target wasm32-unknown-unknown --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-wasm --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-wasm --target wasm32-unknown-unknown --no-default-features --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-core --no-default-features --all-targets --locked -- -D warnings

## core (and its wasm bindings) must build for the browser, and without std.
wasm-core:
	$(CARGO) build -p skillmeat-core -p skillmeat-wasm --target wasm32-unknown-unknown --locked
	$(CARGO) build -p skillmeat-wasm --target wasm32-unknown-unknown --no-default-features --locked

## core never depends on I/O, async, database or app crates.
purity:
	@if $(CARGO) tree -p skillmeat-core -e normal --prefix none --locked | grep -E '^(tokio|sqlx|tauri|walkdir|rayon|libsqlite3-sys|zip) ' ; then \
		echo "skillmeat-core must stay pure: the crates above do not belong in it"; exit 1; \
	else echo "skillmeat-core dependencies are pure"; fi

test-rust:
	$(CARGO) test --workspace --locked

## The engine's tests with each test's collection (rows and contents) in a fresh PostgreSQL
## database on a throwaway cluster (tests/src/postgres.rs: Debian's server
## binaries, `make setup` installs them), started for the run and stopped after.
test-postgres:
	$(CARGO) build -p skillmeat-tests --bin throwaway-postgres --locked
	./target/debug/throwaway-postgres $(CARGO) test -p skillmeat --test engine --test observability --locked

## Two servers × 8 clients importing into one PostgreSQL database, against
## one server (benches/serve_postgres.rs), on a throwaway cluster.
bench-postgres:
	$(CARGO) build -p skillmeat-tests --bin throwaway-postgres --locked
	./target/debug/throwaway-postgres $(CARGO) bench -p skillmeat --bench serve_postgres --locked

## Schemathesis (in .venv-ci/, installed by .ci/setup) against a real
## `skillmeat serve` over a throwaway collection: no 5xx and no response
## outside the OpenAPI description, API_FUZZ_EXAMPLES (30) examples per
## operation from a fixed seed. See .ci/api-fuzz.
api-fuzz: setup
	$(CARGO) build -p skillmeat --bin skillmeat --locked
	.ci/api-fuzz

## The UI imports wasm/pkg; the app (generate_context!) and a release
## `skillmeat` (skillmeat serve's browser UI, rust-embed) embed ui/dist.
ui-build: wasm
	cd ui && npm run --silent build

test-ui: ui-build
	cd ui && npm test --silent

## The UI in headless Chromium against a real `skillmeat serve` (ui/e2e/browser.mjs),
## with /folder.html hashing a folder in a Web Worker (checked against `skillmeat hash`);
## then the browser's Import (ui/e2e/browser-import.mjs: hash-first uploads,
## re-import, a changed copy, Keep, Cancel; screenshots into docs/screenshots/).
browser: ui-build
	$(CARGO) build -p skillmeat --bin skillmeat --locked
	node ui/e2e/browser.mjs
	node ui/e2e/browser-import.mjs

## The browser's Import of a generated 300-plugin marketplace in Chromium
## (hash + discover + plan through the File API, then upload and re-import);
## prints the figures (README). The marketplace goes to TMPDIR. The server
## is the debug build (it serves ui/dist from disk); SKILLMEAT_BIN overrides it.
bench-browser: ui-build
	$(CARGO) build -p skillmeat --bin skillmeat --locked
	node ui/e2e/bench-browser.mjs

## The desktop app (feature `app`): clippy, the tauri::test command tests
## (which also check that ui/src/generated/types.ts is fresh), the binary.
clippy-app: ui-build
	$(CARGO) clippy -p skillmeat --features app-test --all-targets --locked -- -D warnings

test-app: ui-build
	$(CARGO) test -p skillmeat --features app-test --test app --locked

app: ui-build
	$(CARGO) build -p skillmeat --features app --bin skillmeat-desktop --locked

app-release: ui-build
	$(CARGO) build --release -p skillmeat --features app,tauri/custom-protocol --bin skillmeat-desktop --locked

## The Debian package: the app and the `skillmeat` CLI in /usr/bin
## (target/release/bundle/deb/). Tauri packages `default-run`, the app.
deb: ui-build
	$(CARGO) build --release -p skillmeat --bin skillmeat --locked
	cd desktop && ../ui/node_modules/.bin/tauri build --ci --bundles deb --features app \
		--config tauri.deb.conf.json -- --locked
	@ls -l target/release/bundle/deb/*.deb

## The real window under Xvfb, driven by tauri-driver + WebKitWebDriver
## (the CLI adds the test's 1,500-artifact collection).
e2e: app
	$(CARGO) build -p skillmeat --bin skillmeat --locked
	xvfb-run -a -s "-screen 0 1280x1024x24" node ui/e2e/app.e2e.mjs

## The same run against the release app, for its figures (the marketplace
## preview, the collection search): no screenshots taken.
bench-desktop: app-release
	$(CARGO) build -p skillmeat --bin skillmeat --locked
	SKILLMEAT_APP=target/release/skillmeat-desktop SKILLMEAT_E2E_SHOTS=0 \
		xvfb-run -a -s "-screen 0 1280x1024x24" node ui/e2e/app.e2e.mjs

bench:
	$(CARGO) bench -p skillmeat --bench hash
	$(CARGO) bench -p skillmeat --bench import

## `skillmeat serve` under load (figures in the README): oha (crates.io) as
## the load generator, installed here when missing (it is needed nowhere
## else); the collection in TMPDIR (TMPDIR=/dev/shm keeps the disk out).
bench-serve:
	@command -v oha >/dev/null || $(CARGO) install oha --locked
	$(CARGO) bench -p skillmeat --bench serve --locked
	$(CARGO) bench -p skillmeat --bench serve_import --locked

## `outdated` over 300 plugins of one cached repository (figure in the README).
bench-outdated:
	$(CARGO) bench -p skillmeat --bench outdated --locked

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
## --no-default-features: the package links no std (see wasm/Cargo.toml).
## --low-memory-unused: Rust puts the stack first (the low 1 MB, growing
## down), so the low 1 KB is only reached by a stack about to overflow.
WASM_RUSTFLAGS ?= -C target-feature=+simd128,-reference-types
WASM_OPT_FEATURES := --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals --low-memory-unused
wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$(WASM_RUSTFLAGS)" \
		$(CARGO) build --profile wasm-release --target wasm32-unknown-unknown -p skillmeat-wasm \
		--no-default-features --locked
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

## TreeHasher vs WebCrypto SHA-256 in headless Chromium, and planImport
## against a 100,000-artifact snapshot in Node.js.
bench-wasm: wasm
	node wasm/browser/bench.mjs
	node wasm/browser/plan-bench.mjs
