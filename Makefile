# The README's two commands: `make run` (the main job) and `make test` (every check).
.PHONY: run test setup fmt clippy wasm-core purity test-rust test-ui bench

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
test: setup fmt clippy wasm-core purity test-rust test-ui

fmt:
	$(CARGO) fmt --all --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p skillmeat-core -p skillmeat-wasm --target wasm32-unknown-unknown --locked -- -D warnings

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
