#!/usr/bin/env bash
# How much of the code each fuzz target reaches: its corpus (fuzz/corpus/<target>/) replayed
# once through a build with rustc's source-based coverage, reported per source file of the
# core by llvm-cov (the llvm-tools rustup component, added if missing).
#
#   bash scripts/fuzz-coverage.sh [TARGET...]     # default: every target
#
# Lines and regions covered are the corpus's, so the figure grows as scripts/fuzz.sh finds more.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=("$@")
((${#targets[@]})) || targets=(callback id_token vault_open discovery token_response jwks par request_head vault_file claims)

host=$(rustc -vV | sed -n 's/^host: //p')
tools=$(rustc --print sysroot)/lib/rustlib/$host/bin
[[ -x $tools/llvm-cov ]] || rustup component add llvm-tools

export RUSTFLAGS="--cfg fuzzing -Cinstrument-coverage"
export CARGO_TARGET_DIR=target/fuzz-coverage
cargo build --manifest-path fuzz/Cargo.toml --locked --release --target "$host" --bins

for target in "${targets[@]}"; do
  binary=$CARGO_TARGET_DIR/$host/release/$target
  profiles=$(mktemp -d)
  # Each input is run once, as a file named on the command line: no fuzzing, no mutation.
  find "fuzz/corpus/$target" -type f -print0 |
    LLVM_PROFILE_FILE="$profiles/%m_%p.profraw" xargs -0 -r -n 256 "$binary" >/dev/null 2>&1
  "$tools/llvm-profdata" merge -sparse "$profiles"/*.profraw -o "$profiles/all.profdata"
  printf '\033[1m==> %s: coverage of the core by its corpus (%s inputs)\033[0m\n' \
    "$target" "$(find "fuzz/corpus/$target" -type f | wc -l)"
  "$tools/llvm-cov" report "$binary" -instr-profile="$profiles/all.profdata" \
    -ignore-filename-regex='/(\.cargo|\.rustup|rustc)/|/fuzz/|/testing\.rs$|/tests?/' |
    awk 'NR <= 2 || / [1-9][0-9]*\.[0-9]+%/ && $1 ~ /core\/src/ || /^TOTAL/' |
    sed "s|$PWD/||"
  rm -rf "$profiles"
done
