#!/usr/bin/env bash
# Runs a command inside a private D-Bus session whose Secret Service (gnome-keyring) is
# unlocked, with no display: a real keyring for tests, and no prompt that could block them.
set -euo pipefail
if (($# == 0)); then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
runtime=$(mktemp -d)
trap 'rm -rf "$runtime"' EXIT
chmod 700 "$runtime"
mkdir -p "$runtime/keyring-data"
export XDG_RUNTIME_DIR=$runtime
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
# The daemon keeps its keyrings under XDG_DATA_HOME: a throw-away one, for it alone.
exec dbus-run-session -- bash -c '
  XDG_DATA_HOME="$XDG_RUNTIME_DIR/keyring-data" \
    gnome-keyring-daemon --unlock --components=secrets <<<"gatehouse-test" >/dev/null
  exec "$@"
' gatehouse-keyring "$@"
