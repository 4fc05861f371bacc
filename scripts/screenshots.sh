#!/usr/bin/env bash
# Regenerates the README's pictures: the end-to-end scenarios that sign in through the local
# provider's real pages take them, and they are copied into docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo xtask frontend
node_modules/.bin/tauri build --ci --no-bundle
bash scripts/with-keyring.sh cargo test -p gatehouse-tests --test journey --locked -- \
  --exact scenario_01_first_start_shows_login scenario_02_log_in_through_the_providers_form_shows_home

shots=target/test-artifacts
cp "$shots/01-first-start-login.png" docs/screenshots/login.png
cp "$shots/02-log-in-waiting.png" docs/screenshots/waiting.png
cp "$shots/02-log-in-home.png" docs/screenshots/home.png
cp "$shots/02-log-in-callback.png" docs/screenshots/callback.png
echo "docs/screenshots/ updated."
