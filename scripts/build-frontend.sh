#!/usr/bin/env bash
# Builds the Yew frontend into frontend/dist without trunk:
# cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -Oz -> static files.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p gatehouse-ui --lib --target wasm32-unknown-unknown --profile wasm-release
stage=target/frontend-stage
rm -rf "$stage"
mkdir -p "$stage"
wasm-bindgen --target web --no-typescript --out-dir "$stage" \
  target/wasm32-unknown-unknown/wasm-release/gatehouse_ui.wasm
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$stage/gatehouse_ui_bg.wasm" -o "$stage/gatehouse_ui_bg.wasm"
cp frontend/static/* "$stage/"

# Only files whose bytes changed are replaced: the app embeds this folder, and a new mtime
# alone would make cargo rebuild it.
out=frontend/dist
mkdir -p "$out"
for file in "$stage"/*; do
  cmp -s "$file" "$out/${file##*/}" || cp "$file" "$out/"
done
for file in "$out"/*; do
  [[ -e "$stage/${file##*/}" ]] || rm -f "$file"
done
size=$(stat -c %s "$out/gatehouse_ui_bg.wasm")
gz=$(gzip -9c "$out/gatehouse_ui_bg.wasm" | wc -c)
echo "frontend/dist: wasm ${size} bytes (${gz} gzipped)"
