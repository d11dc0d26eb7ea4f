// The shared conformance cases (tests/conformance/*.json) through the npm
// package in Node: each must give the golden `decision` field for field — the
// same check the Rust suite (core/tests/conformance.rs) makes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as api from "hazard-rules";
import { runCases, DEFAULT_LEAF } from "../shared.mjs";
import { conformanceCases, bundlePath } from "./helpers.mjs";

const cases = conformanceCases();

/**
 * As the core's case runner: a rule id, a table, or one row as `table[row]`.
 * @param {{id: string, row?: string}} t
 * @param {string} name
 */
function names(t, name) {
  const m = /^(.*)\[(.*)\]$/.exec(name);
  return m ? t.id === m[1] && t.row === m[2] : t.id === name;
}

/**
 * The value at a dotted path with indices (`a.b[0].c`), and whether it is there.
 * @param {any} value
 * @param {string} path
 * @returns {[boolean, any]}
 */
function lookup(value, path) {
  for (const part of path.split(".")) {
    const [field, ...indices] = part.replace(/\]/g, "").split("[");
    if (value === null || typeof value !== "object" || !(field in value))
      return [false, undefined];
    value = value[field];
    for (const i of indices) {
      if (!Array.isArray(value) || Number(i) >= value.length)
        return [false, undefined];
      value = value[Number(i)];
    }
  }
  return [true, value];
}

test("there are conformance cases", () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});

const results = runCases(api, cases);
for (const [i, c] of cases.entries()) {
  test(`conformance ${c.file}`, () => {
    const r = results[i];
    assert.deepStrictEqual(r.decision, c.decision);
    if (c.error) {
      assert.ok(r.error, "expected an error");
      assert.equal(r.error.code, c.error.kind);
      assert.equal(r.error.isError, true);
      for (const [k, v] of Object.entries(c.error))
        if (k !== "kind") assert.equal(r.decision[k], v, k);
      if (c.error.kind === "input") {
        assert.equal(r.error.class, "InputError");
        assert.equal(r.error.path, c.error.path);
      }
    } else {
      assert.equal(r.error, undefined);
      const trace = /** @type {{id: string, row?: string}[]} */ (
        r.decision.trace
      );
      for (const name of c.fired)
        assert.ok(
          trace.some((t) => names(t, name)),
          `${name} fired`,
        );
      for (const name of c.not_fired ?? [])
        assert.ok(!trace.some((t) => names(t, name)), `${name} did not fire`);
      for (const path of c.expect_null ?? []) {
        const [present, value] = lookup(r.decision, path);
        assert.ok(
          present && value === null,
          `${path}: expected null, got ${JSON.stringify(value)}`,
        );
      }
    }
  });
}

test("JSON text input gives the same decisions as objects", () => {
  const rules = api.HazardRules.default();
  for (const c of cases.filter(
    (c) => (c.ruleset ?? DEFAULT_LEAF) === DEFAULT_LEAF && !c.error,
  )) {
    assert.deepStrictEqual(
      rules.evaluate(JSON.stringify(c.input), { asOf: c.as_of, trace: 'full' }),
      c.decision,
      c.file,
    );
  }
  rules.free();
});

test("a bundle made by `hazard-rules bundle` gives the golden decisions", () => {
  const rules = api.HazardRules.fromBundle(readFileSync(bundlePath(), "utf8"));
  const own = cases.filter((c) => (c.ruleset ?? DEFAULT_LEAF) === DEFAULT_LEAF);
  assert.ok(own.length >= 20);
  const results = runCases(api, own, rules);
  for (const [i, c] of own.entries())
    assert.deepStrictEqual(results[i].decision, c.decision, c.file);
});

test("evaluateBatch gives the same decisions and errors, in order", () => {
  const own = cases.filter((c) => (c.ruleset ?? DEFAULT_LEAF) === DEFAULT_LEAF);
  const rules = api.HazardRules.default();
  // One as-of date per batch: group by date.
  for (const asOf of new Set(own.map((c) => c.as_of))) {
    const group = own.filter((c) => c.as_of === asOf);
    const out = rules.evaluateBatch(
      group.map((c) => c.input),
      { asOf, trace: "full" },
    );
    assert.equal(out.length, group.length);
    for (const [i, c] of group.entries()) {
      const got = out[i];
      if (got instanceof api.HazardRulesError) {
        assert.ok(c.error, `${c.file}: unexpected ${got.message}`);
        assert.equal(got.code, c.error.kind);
        // Paths are relative to the record, as for one input.
        if (got instanceof api.InputError) {
          assert.equal(got.path, c.error.path, c.file);
        }
      } else {
        assert.deepStrictEqual(got, c.decision, c.file);
      }
    }
  }
  rules.free();
});
