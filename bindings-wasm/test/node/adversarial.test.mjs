// The adversarial suite (tests/adversarial/, described in its README) through
// the npm package: the error's kind and path (or a ruleset error's file and
// line) or the decision each case expects, within its CPU time and a memory
// bound. A ruleset directory is given to `HazardRules.fromFiles` as a map (the
// embedded national files beside the case's own, as the CLI and Python
// runners lay them out on disk); cases about the file system (symbolic links,
// FIFOs, `extends` leaving a directory) name the runners they are for and why,
// and are listed here, not skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HazardRules, HazardRulesError, RulesetError, embeddedFiles } from 'hazard-rules';
import { repo } from './helpers.mjs';

const RUNNER = 'node';
const MAX_RSS_MB = 512;
const suite = `${repo}tests/adversarial/`;

const cases = readdirSync(`${suite}cases/`)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => {
    const c = JSON.parse(readFileSync(`${suite}cases/${f}`, 'utf8'));
    assert.equal(c.name, f.slice(0, -'.json'.length), f);
    return c;
  });
const mine = cases.filter((c) => (c.runners ?? [RUNNER]).includes(RUNNER));

/** @param {[string, number][]} parts */
const built = (parts) => parts.map(([text, n]) => text.repeat(n)).join('');

/** The record as an object, or the text the core parses. */
function input(c) {
  if ('input' in c) return c.input;
  if ('input_text' in c) return c.input_text;
  if ('input_built' in c) return built(c.input_built);
  throw new Error(`${c.name}: no input Node can read (add \`runners\`)`);
}

/** The national files and the case's directory (with its `write` steps), as a files map. */
function filesOf(spec) {
  const name = spec.dir.split('/').pop();
  /** @type {Record<string, string>} */
  const files = {};
  for (const [path, text] of Object.entries(embeddedFiles())) {
    if (path.startsWith('national/')) files[path] = text;
  }
  const base = join(suite, spec.dir);
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath ?? entry.path, entry.name);
    files[`${name}/${relative(base, path)}`] = readFileSync(path, 'utf8');
  }
  for (const step of spec.setup ?? []) {
    if (!('write' in step)) throw new Error(`${name}: setup ${JSON.stringify(step)} needs a file system`);
    files[`${name}/${step.write}`] = built(step.built);
  }
  return { leaf: name, files };
}

function matches(actual, fragment) {
  if (fragment !== null && typeof fragment === 'object' && !Array.isArray(fragment)) {
    return (
      actual !== null &&
      typeof actual === 'object' &&
      Object.entries(fragment).every(([k, v]) => k in actual && matches(actual[k], v))
    );
  }
  return JSON.stringify(actual) === JSON.stringify(fragment);
}

/** @param {HazardRulesError} error */
function checkError(error, want) {
  assert.ok(error instanceof HazardRulesError, String(error));
  const got = /** @type {Record<string, unknown>} */ (error.toJSON());
  for (const [key, value] of Object.entries(want)) {
    if (key === 'message_contains') assert.ok(String(got.message).includes(value), JSON.stringify(got));
    else if (key === 'file') assert.ok(String(got.file ?? '').endsWith(value), JSON.stringify(got));
    else assert.deepEqual(got[key], value, `${key}: ${JSON.stringify(got)}`);
  }
}

function load(spec) {
  if (spec === undefined) return HazardRules.default();
  if ('dir' in spec) return HazardRules.fromFiles(filesOf(spec));
  return HazardRules.fromBundle(readFileSync(`${suite}${spec.bundle}`, 'utf8'));
}

test('every case is run here or says why not', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
  for (const c of cases) {
    if (mine.includes(c)) continue;
    assert.ok(c.runners_why, c.name);
    console.log(`# not for Node: ${c.name} (${c.runners_why})`);
  }
});

for (const c of mine) {
  test(`adversarial case ${c.name}`, () => {
    const want = c[`expect_${RUNNER}`] ?? c.expect;
    assert.ok(!Array.isArray(want), `${c.name}: one record a case in Node`);
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    const cpu = process.cpuUsage();
    let rules;
    try {
      rules = load(c.ruleset);
    } catch (e) {
      if (!('load_error' in want) || !(e instanceof RulesetError)) throw e;
      checkError(e, want.load_error);
    }
    if (rules !== undefined) {
      assert.ok(!('load_error' in want), `the ruleset loaded; expected ${JSON.stringify(want.load_error)}`);
      if ('decision' in want) {
        const decision = rules.evaluate(input(c), { asOf: c.as_of });
        assert.ok(matches(decision, want.decision), JSON.stringify(decision));
      } else {
        /** @type {any} */
        let thrown;
        try {
          rules.evaluate(input(c), { asOf: c.as_of });
        } catch (e) {
          thrown = e;
        }
        assert.ok(thrown !== undefined, `expected ${JSON.stringify(want.error)}`);
        checkError(thrown, want.error);
      }
      if (c.ruleset !== undefined) rules.free();
    }
    const used = process.cpuUsage(cpu);
    const seconds = (used.user + used.system) / 1e6;
    assert.ok(seconds <= (c.max_cpu_seconds ?? 1), `${seconds.toFixed(2)} s of CPU`);
    const peak = process.resourceUsage().maxRSS / 1024;
    assert.ok(peak - rssBefore <= (c.max_rss_mb ?? MAX_RSS_MB), `peak ${peak} MB from ${rssBefore} MB`);
  });
}
