#!/usr/bin/env bash
# Checks the Linux bundles the release build made, as a packager and a person would meet them:
# the .deb installed with apt (its dependencies resolved), its binary answering --version, the
# installed app started under Xvfb showing its login screen (screenshot in
# target/test-artifacts/installed-deb/), then removed; the .rpm's metadata, dependencies and
# files. Run as root (scripts/test.sh), after `tauri build --bundles deb,rpm`.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p "require('./tauri.conf.json').version")
deb=target/release/bundle/deb/Gatehouse_${version}_amd64.deb
rpm=target/release/bundle/rpm/Gatehouse-${version}-1.x86_64.rpm
for bundle in "$deb" "$rpm"; do
  [[ -f $bundle ]] || { echo "missing bundle: $bundle" >&2; exit 1; }
done

say() { printf '%s\n' "$*"; }
fail() { echo "bundle check: $*" >&2; exit 1; }

say "$deb: $(wc -c <"$deb") bytes"
dpkg-deb --info "$deb"
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3 libssl3; do
  [[ $depends == *"$lib"* ]] || fail "the .deb does not depend on $lib: $depends"
done
contents=$(dpkg-deb --contents "$deb")
for file in usr/bin/gatehouse usr/share/applications/Gatehouse.desktop \
  usr/share/icons/hicolor/32x32/apps/gatehouse.png usr/share/icons/hicolor/128x128/apps/gatehouse.png; do
  grep -q " $file\$" <<<"$contents" || fail "the .deb has no /$file"
done

# Installed, the app is what a person starts from the menu.
remove() { DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq gatehouse >/dev/null || true; }
trap remove EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "./$deb" >/dev/null
[[ $(command -v gatehouse) == /usr/bin/gatehouse ]] || fail "gatehouse is not on PATH"
[[ $(gatehouse --version) == "Gatehouse $version" ]] || fail "gatehouse --version: $(gatehouse --version)"
[[ $(gatehouse --help) == *GATEHOUSE_ISSUER* ]] || fail "gatehouse --help lists no configuration"
grep -q '^Exec=gatehouse' /usr/share/applications/Gatehouse.desktop || fail "the desktop entry does not start gatehouse"
GATEHOUSE_APP=/usr/bin/gatehouse GATEHOUSE_TEST_ARTIFACTS="$PWD/target/test-artifacts/installed-deb" \
  bash scripts/with-keyring.sh cargo test -p gatehouse-tests --test journey --locked \
  scenario_01_first_start_shows_login -- --exact
remove
trap - EXIT
[[ ! -e /usr/bin/gatehouse ]] || fail "the removed package left /usr/bin/gatehouse"

say "$rpm: $(wc -c <"$rpm") bytes"
rpm -qip "$rpm"
requires=$(rpm -qp --requires "$rpm")
for lib in 'libwebkit2gtk-4.1.so.0()(64bit)' 'libgtk-3.so.0()(64bit)' 'libdbus-1.so.3()(64bit)' \
  'libssl.so.3()(64bit)'; do
  grep -qxF "$lib" <<<"$requires" || fail "the .rpm does not require $lib: $requires"
done
files=$(rpm -qlp "$rpm")
printf '%s\n' "$files"
for file in /usr/bin/gatehouse /usr/share/applications/Gatehouse.desktop; do
  grep -qx "$file" <<<"$files" || fail "the .rpm has no $file"
done
