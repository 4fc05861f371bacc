#!/usr/bin/env bash
# Installs everything Gatehouse needs to build, run and test on Debian/Ubuntu. Run it as an
# ordinary user (it asks sudo only for the apt packages it must install) or as root.
# Idempotent: each step checks first and does nothing when its tool is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Tauri's build dependencies
  build-essential pkg-config curl file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev
  # the opener used by default, and the desktop under test
  xdg-utils xvfb xauth webkit2gtk-driver
  # a real browser for the provider's pages, and its driver for the frontend's wasm tests
  chromium chromium-driver
  # the Secret Service, headless
  gnome-keyring dbus-x11 libsecret-tools
  # the local identity provider and the Tauri CLI
  nodejs npm
  # to inspect the .rpm bundle
  rpm
  # to check the Windows build (x86_64-pc-windows-gnu): the C compiler and resource compiler
  gcc-mingw-w64-x86-64
)
# Versions pinned here and in Cargo.lock / package-lock.json.
TAURI_DRIVER_VERSION=2.1.0
CARGO_DENY_VERSION=0.20.2

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  # Node may come from elsewhere (nodesource, nvm); only ask apt for it when there is none.
  if [[ $pkg == nodejs || $pkg == npm ]] && command -v "${pkg/nodejs/node}" >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "apt: installing ${missing[*]}"
  as_root=()
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null; then
      echo "These system packages are missing: ${missing[*]}. Install them as root (or install sudo), then run this again." >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "Rust is not installed: see https://rustup.rs, then run this again." >&2
  exit 1
fi
# The toolchain rust-toolchain.toml pins. When the machine's stable toolchain is that very
# release, it serves under the pinned name (a link, as rustup's own toolchain folder holds it);
# otherwise rustup installs the pinned one.
pinned=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
if ! RUSTUP_TOOLCHAIN=stable rustup toolchain list | grep -q "^$pinned-"; then
  stable_version=$(RUSTUP_TOOLCHAIN=stable rustc --version 2>/dev/null | cut -d' ' -f2)
  if [[ $stable_version == "$pinned" ]]; then
    say "rustup: the stable toolchain is $pinned, the pinned one: linking it under that name"
    sysroot=$(RUSTUP_TOOLCHAIN=stable rustc --print sysroot)
    ln -s "$sysroot" "$(dirname "$sysroot")/$pinned-$(basename "$sysroot" | sed 's/^stable-//')"
  else
    say "rustup: installing the pinned toolchain $pinned"
    rustup toolchain install "$pinned" --profile minimal --component rustfmt,clippy
  fi
fi
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
if ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
  say "rustup: adding the x86_64-pc-windows-gnu target"
  rustup target add x86_64-pc-windows-gnu
fi

# wasm-bindgen-cli (for its test runner, which runs the frontend's wasm tests) must match the
# wasm-bindgen in Cargo.lock exactly. It does not install with
# --locked (a locked dependency is no longer served), so the version pin is what holds it.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wb_version" ]]; then
  say "cargo: installing wasm-bindgen-cli $wb_version"
  cargo install wasm-bindgen-cli --version "=$wb_version" --force
fi
if ! cargo install --list | grep -qx "tauri-driver v$TAURI_DRIVER_VERSION:"; then
  say "cargo: installing tauri-driver $TAURI_DRIVER_VERSION"
  cargo install tauri-driver --version "=$TAURI_DRIVER_VERSION" --locked --force
fi

if ! cargo install --list | grep -qx "cargo-deny v$CARGO_DENY_VERSION:"; then
  say "cargo: installing cargo-deny $CARGO_DENY_VERSION"
  cargo install cargo-deny --version "=$CARGO_DENY_VERSION" --locked --force
fi

# zizmor, the workflows' security linter, pinned with its hash, in a virtual environment of the
# project's own.
zizmor_version=$(sed -n 's/^zizmor==\([^ ]*\) .*/\1/p' scripts/python-tools.txt)
if [[ "$(.tools/python/bin/zizmor --version 2>/dev/null || true)" != "zizmor $zizmor_version" ]]; then
  say "pip: installing the Python tools from scripts/python-tools.txt"
  rm -rf .tools/python
  python3 -m venv .tools/python
  .tools/python/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
    --no-deps -r scripts/python-tools.txt
fi

# npm ci when the lockfile changed since the last install.
stamp=node_modules/.gatehouse-lock.sha256
if [[ ! -f $stamp ]] || ! sha256sum --status -c "$stamp" 2>/dev/null; then
  say "npm: installing from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  sha256sum package-lock.json >"$stamp"
fi
