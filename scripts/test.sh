#!/usr/bin/env bash
# The project's test command: installs what is missing, then runs every test.
# Used by CI (.ci/run) and by developers; works on a fresh Debian machine with
# Rust (rustup), Python 3.11 and Node 20.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
if [ ! -d ../shared ]; then
  echo "note: ../shared (the domain brief) is not beside the checkout; tests do not need it"
fi

step "the crate's copy of the rulesets matches rulesets/ (scripts/sync-rulesets.sh)"
bash scripts/sync-rulesets.sh --check

step "format and lint"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The core without its loaders (the browser's core module): no TOML, no Rhai.
cargo clippy -p hazard-rules --no-default-features --lib --locked -- -D warnings

step "Rust tests (unit, integration, property, conformance, doc)"
cargo test --workspace --locked
cargo test -p hazard-rules --no-default-features --lib --locked

step "self-contained crates: cargo package (and a build from the packages alone)"
# Cargo verifies the CLI against the core it just packaged, through a
# temporary registry under target/package, and keeps the extracted copy in
# $CARGO_HOME/registry/src under a name made from that registry's path: a later
# checkout at the same path (a CI runner's) would be verified against the
# earlier checkout's copy. Remove such copies of these two crates first.
rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/hazard-rules-[0-9]* \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/hazard-rules-cli-[0-9]*
# --allow-dirty: a developer's tree may have uncommitted changes; CI's is clean.
# Packaging both at once verifies the CLI against the packaged core.
cargo package --locked --allow-dirty -p hazard-rules -p hazard-rules-cli

step "ruleset check and test with the CLI"
cargo build --release --locked -p hazard-rules-cli
# Cargo's output directory (CARGO_TARGET_DIR when set); this script's own files go to target/.
cli=${CARGO_TARGET_DIR:-target}/release/hazard-rules
mkdir -p target
mapfile -t rulesets < <(find rulesets -name ruleset.toml -printf '%h\n' | sort)
for dir in "${rulesets[@]}"; do
  "$cli" check "$dir"
  # Every rule id and band row reached (rulesets/README.md §5, "Coverage").
  "$cli" test "$dir" --coverage --min-coverage 100
  "$cli" lint --deny-warnings "$dir"
done

step "the main job: evaluate the sample hazards with the embedded default ruleset"
"$cli" eval examples/hazards.jsonl --as-of 2024-06-30 --output table > target/sample-table.txt
"$cli" eval examples/hazards.jsonl --as-of 2024-06-30 > target/sample.jsonl
records=$(grep -c . examples/hazards.jsonl)
decisions=$(grep -c '"decision"' target/sample.jsonl)
[ "$records" = "$decisions" ] || { echo "only $decisions of $records sample records evaluated"; exit 1; }
echo "$decisions sample records evaluated"

step "bundle round trip"
"$cli" bundle rulesets/zhejiang/jinhua -o target/jinhua.bundle.json
"$cli" eval examples/hazards.jsonl --as-of 2024-06-30 --ruleset target/jinhua.bundle.json > target/sample-bundle.jsonl
cmp target/sample.jsonl target/sample-bundle.jsonl

step "precompiled plan round trip"
"$cli" compile rulesets/zhejiang/jinhua -o target/jinhua.plan
"$cli" eval examples/hazards.jsonl --as-of 2024-06-30 --ruleset target/jinhua.plan > target/sample-plan.jsonl
cmp target/sample.jsonl target/sample-plan.jsonl
"$cli" compile target/jinhua.bundle.json -o target/jinhua-from-bundle.plan
"$cli" eval examples/hazards.jsonl --as-of 2024-06-30 --ruleset target/jinhua-from-bundle.plan > target/sample-plan2.jsonl
cmp target/sample.jsonl target/sample-plan2.jsonl

step "differential test data: generated records and the CLI's answers (scripts/differential-inputs.sh)"
bash scripts/differential-inputs.sh "$cli"

step "Python binding, examples and notebook (scripts/test-python.sh)"
bash scripts/test-python.sh

step "WebAssembly binding, npm package and browser demo (scripts/test-wasm.sh)"
WASM_BINDGEN_JOBS=${WASM_BINDGEN_JOBS:-$(nproc)} bash scripts/test-wasm.sh

echo
echo "all tests passed"
