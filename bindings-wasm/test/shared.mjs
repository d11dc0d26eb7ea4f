// Shared by the Node tests and the browser test (runs in both, so no Node
// imports here): evaluates conformance cases through the package's public API
// and returns what each produced, for the caller to compare with the golden
// `decision` of each case.

/** The default leaf of the embedded chain (the Rust suite's DEFAULT_LEAF). */
export const DEFAULT_LEAF = 'zhejiang/jinhua';

/**
 * @param {typeof import('hazard-rules')} api the loaded package
 * @param {{name: string, ruleset?: string, as_of: string, input: unknown}[]} cases
 * @param {import('hazard-rules').HazardRules} [rules] evaluate every case with these rules
 *   instead of the embedded ruleset the case names
 */
export function runCases(api, cases, rules) {
  /** @type {Map<string, import('hazard-rules').HazardRules>} */
  const byLeaf = new Map();
  const rulesFor = (/** @type {string} */ leaf) => {
    let r = byLeaf.get(leaf);
    if (!r) {
      r = leaf === DEFAULT_LEAF ? api.HazardRules.default() : api.HazardRules.embedded(leaf);
      byLeaf.set(leaf, r);
    }
    return r;
  };
  const results = cases.map((c) => {
    const r = rules ?? rulesFor(c.ruleset ?? DEFAULT_LEAF);
    try {
      return { name: c.name, decision: r.evaluate(/** @type {any} */ (c.input), { asOf: c.as_of, trace: 'full' }) };
    } catch (e) {
      if (!(e instanceof api.HazardRulesError)) throw e;
      return {
        name: c.name,
        // The core's error object, the golden `decision` of an error case.
        decision: e.toJSON(),
        error: {
          class: e.constructor.name,
          isError: e instanceof Error,
          name: e.name,
          code: e.code,
          message: e.message,
          path: e instanceof api.InputError ? e.path : undefined,
        },
      };
    }
  });
  for (const r of byLeaf.values()) r.free();
  return results;
}

/** An overlay on the embedded national ruleset, as a map of files for `fromFiles`. */
export function overlay(/** @type {Record<string, string>} */ base, /** @type {Record<string, string>} */ files) {
  const all = { ...base };
  all['demo/ruleset.toml'] =
    'id = "demo"\nversion = "0.1"\ntitle = "demo"\nextends = "../national"\neffective_from = "2020-01-01"\n';
  for (const [p, t] of Object.entries(files)) all[`demo/${p}`] = t;
  return { leaf: 'demo', files: all };
}

/** A rule that never ends: the sandbox's operation limit must stop it. */
export const RUNAWAY_RULE = 'fn score_risk(risk) {\n    let n = 0;\n    loop { n += 1; }\n}\n';
