#!/usr/bin/env bash
# Coverage-guided fuzzing of Gatehouse's parsers with libFuzzer (libfuzzer-sys), on the stable
# toolchain: the coverage instrumentation libFuzzer needs is asked of rustc with stable codegen
# flags, for the target only (build scripts and proc macros stay uninstrumented).
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     # default: 600 s for each target
#
# Targets: callback, id_token, vault_open, discovery, token_response, jwks, par, request_head,
# vault_file, claims. Each runs on its corpus in fuzz/corpus/<target>/ (kept in the repository
# and replayed by the test command), adds what it finds there, and stops at the first crash,
# leaving it in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(callback id_token vault_open discovery token_response jwks par request_head vault_file claims)

host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
  -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
  -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares \
  -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR=target/fuzz
cargo build --manifest-path fuzz/Cargo.toml --locked --release --target "$host" --bins

for target in "${targets[@]}"; do
  corpus=fuzz/corpus/$target
  artifacts=fuzz/artifacts/$target
  mkdir -p "$corpus" "$artifacts"
  printf '\033[1m==> fuzzing %s for %s s\033[0m\n' "$target" "$seconds"
  "target/fuzz/$host/release/$target" "$corpus" \
    -max_total_time="$seconds" -max_len=65536 -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" -print_final_stats=1
  # Keep only the inputs that add coverage, so the corpus in the repository stays small.
  minimized=$(mktemp -d)
  "target/fuzz/$host/release/$target" -merge=1 "$minimized" "$corpus" 2>/dev/null
  rm -rf "$corpus"
  mv "$minimized" "$corpus"
  chmod 755 "$corpus"
  printf '%s: %s inputs kept\n' "$target" "$(find "$corpus" -type f | wc -l)"
done
