#!/usr/bin/env bash
# The crate `hazard-rules` embeds the rulesets (Ruleset::default()) from its
# own directory, core/rulesets/, so that `cargo package`, the Python sdist and
# anything else built from the crate alone carry them: a build script may not
# read outside its package. rulesets/ stays the one place to edit; this script
# copies its ruleset files (*.toml, *.rhai; not the tests/ directories, which
# are not embedded) into core/rulesets/, then compiles the default chain into
# core/plans/default.hrplan: a build of the crate without its loaders (the
# browser's core module) embeds that plan instead (test.sh checks it is
# current).
#
#   bash scripts/sync-rulesets.sh          # copy rulesets/ into core/rulesets/
#   bash scripts/sync-rulesets.sh --check  # exit 1 if the copy differs (test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

src=rulesets
dst=core/rulesets

# The embedded files, as paths relative to $src, sorted.
embedded() {
  (cd "$1" && find . -path '*/tests' -prune -o -type f \( -name '*.toml' -o -name '*.rhai' \) -print \
    | sed 's|^\./||' | LC_ALL=C sort)
}

if [ "${1:-}" = --check ]; then
  status=0
  if ! diff <(embedded "$src") <(embedded "$dst") >/dev/null; then
    echo "core/rulesets/ lists other files than rulesets/:" >&2
    diff <(embedded "$src") <(embedded "$dst") >&2 || true
    status=1
  fi
  while read -r f; do
    if [ -f "$dst/$f" ] && ! cmp -s "$src/$f" "$dst/$f"; then
      echo "core/rulesets/$f differs from rulesets/$f" >&2
      status=1
    fi
  done < <(embedded "$src")
  # Anything else in the copy (a stray file of another kind) is an error too.
  stray=$(cd "$dst" && find . -type f ! -name '*.toml' ! -name '*.rhai' | sed 's|^\./||')
  if [ -n "$stray" ]; then
    echo "core/rulesets/ holds files that are not embedded: $stray" >&2
    status=1
  fi
  if [ "$status" != 0 ]; then
    echo "the embedded copy is stale: run bash scripts/sync-rulesets.sh and commit core/rulesets/" >&2
    exit 1
  fi
  echo "core/rulesets/ matches rulesets/ ($(embedded "$src" | wc -l) files)"
  exit 0
fi

[ $# = 0 ] || { echo "usage: $0 [--check]" >&2; exit 2; }
rm -rf "$dst"
while read -r f; do
  mkdir -p "$dst/$(dirname "$f")"
  cp "$src/$f" "$dst/$f"
done < <(embedded "$src")
echo "copied $(embedded "$dst" | wc -l) files into $dst/"
cargo run --quiet --locked --release -p hazard-rules-cli -- \
  compile rulesets/zhejiang/jinhua -o core/plans/default.hrplan
