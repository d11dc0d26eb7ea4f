#!/usr/bin/env bash
# The differential test's data: generated input records (the proptest
# strategies of core/tests/common/inputs.rs, through
# core/examples/gen_inputs.rs) and the CLI's answers to them. The Python and
# Node tests (test_differential.py, differential.test.mjs) evaluate the same
# records and compare answer for answer; they fail if these files are missing.
#
#   bash scripts/differential-inputs.sh [CLI]   (default target/release/hazard-rules)
#
# Environment: DIFFERENTIAL_SEED (default 20261130), DIFFERENTIAL_COUNT (400).
set -euo pipefail
cd "$(dirname "$0")/.."
cli=${1:-target/release/hazard-rules}
seed=${DIFFERENTIAL_SEED:-20261130}
count=${DIFFERENTIAL_COUNT:-400}
as_of=2024-06-30
out=target/differential
[ -x "$cli" ] || { echo "error: no CLI at $cli" >&2; exit 1; }
mkdir -p "$out"
cargo run --quiet --locked -p hazard-rules --example gen_inputs -- \
  --seed "$seed" --count "$count" > "$out/inputs.jsonl"
# Exit 1 says some records are errors, as intended; anything else is a failure.
status=0
"$cli" eval "$out/inputs.jsonl" --as-of "$as_of" --format jsonl --trace full > "$out/rust.jsonl" || status=$?
[ "$status" -le 1 ] || { echo "error: the CLI exited with $status" >&2; exit 1; }
printf '{"seed": %s, "count": %s, "as_of": "%s"}\n' "$seed" "$count" "$as_of" > "$out/meta.json"
decisions=$(grep -c '"decision"' "$out/rust.jsonl" || true)
echo "differential: $count records from seed $seed ($decisions decisions, $((count - decisions)) errors) in $out/"
