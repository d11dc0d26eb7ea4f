// The differential test: the records scripts/differential-inputs.sh generated
// (proptest strategies, core/tests/common/inputs.rs) evaluated by the npm
// package must give what the CLI gave for them, decision for decision (the
// whole decision JSON, trace included) and error for error (the whole error
// object). Each record is parsed and handed over as an object, as a caller
// would. The files are made by the test command; without them this fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { HazardRules, HazardRulesError } from 'hazard-rules';
import { repo } from './helpers.mjs';

const data = process.env.HAZARD_RULES_DIFFERENTIAL ?? `${repo}target/differential`;

function readJsonl(path) {
  assert.ok(existsSync(path), `${path} is missing: run \`bash scripts/differential-inputs.sh\` (the test command does)`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

test('Node decides as the CLI on the generated records', () => {
  const meta = existsSync(`${data}/meta.json`) ? JSON.parse(readFileSync(`${data}/meta.json`, 'utf8')) : {};
  const inputs = readJsonl(`${data}/inputs.jsonl`);
  const cli = readJsonl(`${data}/rust.jsonl`);
  assert.ok(inputs.length > 0 && inputs.length === cli.length, `${inputs.length} inputs, ${cli.length} answers`);
  const rules = HazardRules.default();
  const asOf = meta.as_of ?? '2024-06-30';
  let decided = 0;
  inputs.forEach((record, i) => {
    assert.equal(cli[i].record, i + 1);
    const want = 'decision' in cli[i] ? { decision: cli[i].decision } : { error: cli[i].error };
    let got;
    try {
      got = { decision: rules.evaluate(record, { asOf, trace: 'full' }) };
      decided += 1;
    } catch (e) {
      if (!(e instanceof HazardRulesError)) throw e;
      got = { error: e.toJSON() };
    }
    assert.deepStrictEqual(
      got,
      want,
      `record ${i + 1} (seed ${meta.seed}) differs; input: ${JSON.stringify(record)}`,
    );
  });
  console.log(`# ${inputs.length} records (seed ${meta.seed}): ${decided} decisions, ${inputs.length - decided} errors`);
  assert.ok(decided > 0 && decided < inputs.length, 'both decisions and errors');
});
