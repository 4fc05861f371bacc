#!/usr/bin/env bash
# Runs Gatehouse (as root on Debian/Ubuntu): installs what is missing, builds the release app,
# starts the local identity provider and opens the app signed against it.
# With GATEHOUSE_ISSUER (or AUTH0_DOMAIN) already set, the app uses that provider instead.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
node_modules/.bin/tauri build --ci --no-bundle

if [[ -z ${GATEHOUSE_ISSUER:-} && -z ${AUTH0_DOMAIN:-} ]]; then
  idp_out=$(mktemp)
  node idp/server.mjs --port "${GATEHOUSE_IDP_PORT:-0}" >"$idp_out" 2>/dev/null &
  idp_pid=$!
  trap 'kill "$idp_pid" 2>/dev/null; rm -f "$idp_out"' EXIT
  for _ in $(seq 100); do [[ -s $idp_out ]] && break; sleep 0.1; done
  ready=$(head -n 1 "$idp_out")
  GATEHOUSE_ISSUER=$(node -e 'console.log(JSON.parse(process.argv[1]).issuer)' "$ready")
  GATEHOUSE_CLIENT_ID=$(node -e 'console.log(JSON.parse(process.argv[1]).clientId)' "$ready")
  export GATEHOUSE_ISSUER GATEHOUSE_CLIENT_ID
  echo "Local identity provider at $GATEHOUSE_ISSUER (any name signs in)."
fi

app=target/release/gatehouse
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} ]]; then
  echo "No display: running under Xvfb."
  xvfb-run -a "$app"
else
  "$app"
fi
