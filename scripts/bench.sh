#!/usr/bin/env bash
# The benchmark: builds Gatehouse and the bare Tauri 2 + Yew app (bench/bare) with the same
# toolchain and release profile, measures both alternately under Xvfb (7 runs each; set
# GATEHOUSE_BENCH_RUNS for more) and prints the table, then the hot paths' benchmarks and what
# an API call through fetch adds to a plain one.
# Takes several minutes; not part of the test command (which only builds the benches).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo xtask frontend
cargo xtask frontend gatehouse-bare-ui bench/bare/ui/static bench/bare/ui/dist
node_modules/.bin/tauri build --ci --bundles deb
(cd bench/bare && ../../node_modules/.bin/tauri build --ci --bundles deb)
bash scripts/with-keyring.sh cargo bench -p gatehouse-tests --bench desktop --locked
cargo bench -p gatehouse-core --bench hot_paths --locked
bash scripts/with-keyring.sh cargo bench -p gatehouse-core --bench api_call --locked
