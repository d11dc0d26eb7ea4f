// Every ruleset's own test cases (rulesets/*/tests/*.toml, what
// `hazard-rules test` runs natively) through the WebAssembly build, so the
// wasm32 build of Rhai (only_i64, no_time) is shown to decide the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initScripted } from 'hazard-rules';
import { __runRulesetCases } from '../../dist/wasm/scripted/hazard_rules_scripted.js';
import { rulesetTree } from './helpers.mjs';

await initScripted(); // the scripted module loads TOML and Rhai: the test cases need it

const { files, leaves } = rulesetTree();
let total = 0;

test('there are rulesets with cases', () => {
  assert.ok(leaves.length >= 4, leaves.join(', '));
});

for (const leaf of leaves) {
  test(`ruleset ${leaf}: its test cases pass in WebAssembly`, () => {
    const answer = JSON.parse(__runRulesetCases(JSON.stringify({ leaf, files })));
    assert.ok(answer.ok, JSON.stringify(answer.error));
    assert.ok(answer.ok.cases > 0, `${leaf} has no cases`);
    assert.deepStrictEqual(answer.ok.failures, []);
    total += answer.ok.cases;
  });
}

test('the cases ran', () => {
  console.log(`# ruleset cases run in WebAssembly: ${total}`);
  assert.ok(total >= 100, `only ${total} cases`);
});
