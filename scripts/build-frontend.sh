#!/usr/bin/env bash
# Builds the Yew frontend into frontend/dist without trunk:
# cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -Oz -> static files.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -p gatehouse-ui --lib --target wasm32-unknown-unknown --profile wasm-release
out=frontend/dist
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-release/gatehouse_ui.wasm
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
  --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
  "$out/gatehouse_ui_bg.wasm" -o "$out/gatehouse_ui_bg.wasm"
cp frontend/static/* "$out/"
size=$(stat -c %s "$out/gatehouse_ui_bg.wasm")
gz=$(gzip -9c "$out/gatehouse_ui_bg.wasm" | wc -c)
echo "frontend/dist: wasm ${size} bytes (${gz} gzipped)"
