#!/usr/bin/env bash
# Runs Gatehouse on Debian/Ubuntu: installs what is missing, builds the release app, starts the
# local identity provider and opens the app signed against it. With GATEHOUSE_ISSUER (or
# AUTH0_DOMAIN) already set, the app uses that provider instead.
#
# Run it as yourself: it asks sudo only for the system packages it must install. Browsers do
# not run as root, so an app started as root could not finish a sign-in: run through sudo, the
# provider and the app run as the invoking user (SUDO_USER), on their display and session bus.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
node_modules/.bin/tauri build --ci --no-bundle

# How to run the provider and the app: as the invoking user when this runs as root via sudo.
as_person=()
if ((EUID == 0)); then
  if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    uid=$(id -u "$SUDO_USER")
    home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
    runtime=/run/user/$uid
    person_env=(HOME="$home" USER="$SUDO_USER" LOGNAME="$SUDO_USER")
    if [[ -d $runtime ]]; then
      person_env+=(XDG_RUNTIME_DIR="$runtime")
      [[ -S $runtime/bus ]] && person_env+=(DBUS_SESSION_BUS_ADDRESS="unix:path=$runtime/bus")
    fi
    # setpriv replaces itself with the command (no process in between), so the provider's pid
    # below is the provider's own and the trap ends it.
    as_person=(setpriv --reuid="$uid" --regid="$(id -g "$SUDO_USER")" --init-groups
      env "${person_env[@]}")
    echo "Started through sudo: running the provider and the app as $SUDO_USER."
  else
    echo "Warning: running as root. Browsers refuse to run as root, so signing in will not finish;" >&2
    echo "run this as an ordinary user (it asks sudo for what it must install)." >&2
  fi
fi

if [[ -z ${GATEHOUSE_ISSUER:-} && -z ${AUTH0_DOMAIN:-} ]]; then
  idp_out=$(mktemp)
  chmod 644 "$idp_out"
  "${as_person[@]}" node idp/server.mjs --port "${GATEHOUSE_IDP_PORT:-0}" >"$idp_out" 2>/dev/null &
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
  "${as_person[@]}" xvfb-run -a "$app"
else
  "${as_person[@]}" "$app"
fi
