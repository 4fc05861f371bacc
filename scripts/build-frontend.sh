#!/usr/bin/env bash
# Builds a Yew frontend without trunk: cargo (wasm32) -> wasm-bindgen --target web ->
# wasm-opt -Oz -> static files.
#
#   bash scripts/build-frontend.sh [PACKAGE STATIC_DIR OUT_DIR]
#
# Default: Gatehouse's UI (gatehouse-ui, frontend/static, frontend/dist).
set -euo pipefail
cd "$(dirname "$0")/.."

package=${1:-gatehouse-ui}
static=${2:-frontend/static}
out=${3:-frontend/dist}
lib=${package//-/_}

cargo build -p "$package" --lib --target wasm32-unknown-unknown --profile wasm-release
stage=target/frontend-stage/$package
rm -rf "$stage"
mkdir -p "$stage"
wasm-bindgen --target web --no-typescript --out-dir "$stage" \
  "target/wasm32-unknown-unknown/wasm-release/$lib.wasm"
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$stage/${lib}_bg.wasm" -o "$stage/${lib}_bg.wasm"
cp "$static"/* "$stage/"

# Only files whose bytes changed are replaced: the app embeds this folder, and a new mtime
# alone would make cargo rebuild it.
mkdir -p "$out"
for file in "$stage"/*; do
  cmp -s "$file" "$out/${file##*/}" || cp "$file" "$out/"
done
for file in "$out"/*; do
  [[ -e "$stage/${file##*/}" ]] || rm -f "$file"
done
size=$(wc -c <"$out/${lib}_bg.wasm")
gz=$(gzip -9c "$out/${lib}_bg.wasm" | wc -c)
echo "$out: wasm ${size} bytes (${gz} gzipped)"
