#!/usr/bin/env bash
# The WebAssembly binding and its npm package: installs what is missing (the
# wasm32 target, the wasm-bindgen CLI at exactly the version in Cargo.lock,
# Debian's chromium, the npm dev dependencies), builds the package, then runs
# the binding's Rust tests, the lint (tsc), the Node tests, the Chromium test,
# and the README's examples against the packed tarball installed into an empty
# project. Exits non-zero on the first failure; skips nothing.
#
#   bash scripts/test-wasm.sh
#
# Environment: CHROMIUM (default /usr/bin/chromium); WASM_BINDGEN_JOBS (cargo
# install -j, default 1: the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=$root/bindings-wasm
started=$SECONDS

step() { printf '\n== %s\n' "$*"; }
fail() { echo "error: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif have sudo; then sudo "$@"
  else fail "need root (or sudo) to run: $*"; fi
}

step "tools"
have cargo && have rustup || fail "Rust (rustup, cargo) is required"
have node && have npm || fail "Node 20+ and npm are required"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || fail "Node 20+ is required (found $(node --version))"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$want" ] || fail "wasm-bindgen is not in Cargo.lock"
got=$( (wasm-bindgen --version 2>/dev/null || true) | awk '{ print $2 }')
if [ "$got" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (found: ${got:-none}); this is the long part"
  jobs=${WASM_BINDGEN_JOBS:-1}
  # Only the wasm-bindgen binary, without TLS (for the test runner's
  # downloads): ~4 instead of ~5.5 minutes at -j 1. --locked first; when a
  # dependency of the CLI is missing from the registry at its locked version,
  # resolve afresh.
  args=(wasm-bindgen-cli --version "$want" --bin wasm-bindgen --no-default-features
        -j "$jobs" --target-dir target/wasm-bindgen-cli)
  cargo install --locked "${args[@]}" || cargo install "${args[@]}"
  export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
  got=$(wasm-bindgen --version | awk '{ print $2 }')
  [ "$got" = "$want" ] || fail "wasm-bindgen $got installed, $want wanted"
fi
echo "wasm-bindgen $got"

chromium=${CHROMIUM:-/usr/bin/chromium}
missing=()
[ -x "$chromium" ] || missing+=(chromium)
# A CJK font, so the screenshots show the form's Chinese text.
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with apt"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
[ -x "$chromium" ] || fail "no Chromium at $chromium"
echo "$("$chromium" --version 2>/dev/null || echo chromium)"
export CHROMIUM=$chromium

(cd "$pkg" && npm ci --no-audit --no-fund)

step "generated TypeScript types match the JSON Schemas"
(cd "$pkg" && node scripts/gen-types.mjs --check)

step "build the package (wasm32, wasm-bindgen, wasm-opt, tsc)"
(cd "$pkg" && node scripts/build.mjs)

step "lint: tsc on the package sources, tests, scripts and demo form"
(cd "$pkg" && npx tsc -p tsconfig.json --noEmit && npx tsc -p tsconfig.check.json)

step "the binding's Rust tests (native), for each module"
cargo clippy --locked -p hazard-rules-wasm --all-targets -- -D warnings
cargo test --locked -p hazard-rules-wasm
cargo test --locked -p hazard-rules-wasm --features scripted

step "a bundle made by the CLI, for the tests"
cargo build --locked -p hazard-rules-cli
mkdir -p target/wasm-test
cli=${CARGO_TARGET_DIR:-target}/debug/hazard-rules
"$cli" bundle rulesets/zhejiang/jinhua -o target/wasm-test/jinhua.bundle.json
export HAZARD_RULES_BUNDLE=$root/target/wasm-test/jinhua.bundle.json

step "differential test data (generated records and the CLI's answers)"
bash scripts/differential-inputs.sh "$cli"

step "Node tests (node --test)"
(cd "$pkg" && node --test test/node/)

step "Chromium test (playwright-core, headless, 127.0.0.1)"
rm -f tests/artifacts/wasm-form-*.png
(cd "$pkg" && node --test --test-concurrency=1 test/browser/)
for shot in hazard invalid accident; do
  [ -s "tests/artifacts/wasm-form-$shot.png" ] || fail "no screenshot tests/artifacts/wasm-form-$shot.png"
done
echo "screenshots: tests/artifacts/wasm-form-{hazard,invalid,accident}.png"

step "bundlers: Vite and esbuild build an app from the packed tarball; Chromium runs it"
(cd "$pkg" && node --test --test-concurrency=1 test/bundlers/)

step "npm pack; the README examples in an empty project"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(cd "$pkg" && npm pack --silent --pack-destination "$tmp" | tail -1)
tar -tzf "$tmp/$tarball" | sort
mkdir "$tmp/project"
(
  cd "$tmp/project"
  npm init -y >/dev/null
  npm install --no-audit --no-fund "../$tarball"
  node "$pkg/scripts/readme-examples.mjs" .
  node example.mjs | tee out.txt
  grep -qx 'major' out.txt && grep -q '^2021-10-08' out.txt && grep -qx 'red' out.txt \
    && grep -qx 'input hazard.sector' out.txt || fail "the README's Node example printed something else"
  # The installed package's declarations type-check the example.
  "$pkg/node_modules/.bin/tsc" --noEmit --allowJs --checkJs --strict --target es2022 \
    --module nodenext --moduleResolution nodenext --skipLibCheck false \
    --typeRoots "$pkg/node_modules/@types" --types node example.mjs
  echo "example.mjs type-checks against the packed declarations"
)
(cd "$pkg" && node scripts/check-example-page.mjs "$tmp/project")

printf '\nwasm tests passed in %d s\n' $((SECONDS - started))
