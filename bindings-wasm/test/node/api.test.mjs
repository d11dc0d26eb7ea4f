// The package's API in Node: loading, sections, validation, info, errors and
// the sandbox limits, all through `import ... from 'hazard-rules'`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  init,
  HazardRules,
  HazardRulesError,
  InputError,
  RulesetError,
  LimitError,
  SECTIONS,
  embeddedFiles,
  initScripted,
} from "hazard-rules";
import { overlay, RUNAWAY_RULE } from "../shared.mjs";
import { bundlePath } from "./helpers.mjs";
import * as scriptedGlue from "../../dist/wasm/scripted/hazard_rules_scripted.js";

await init();
const rules = HazardRules.default();

const hazard = {
  hazard: {
    sector: "light_industry",
    items: ["GM17-1-1"],
    found_on: "2021-09-01",
    listing: { level: "county", listed_on: "2021-09-01" },
    enterprise: {
      name: "某某食品有限公司",
      principal: { name: "张三", backup: "李四", absent: true },
    },
    location: { township: "白龙桥镇", grid_member: { name: "王五" } },
  },
  risk: { points: [{ method: "LEC", l: 6, e: 6, c: 15 }] },
  accident: { deaths: 3, occurred_on: "2021-09-10" },
  checklist: {
    id: "village_7",
    subject: { name: "下骆宅村", kind: "village", township: "后宅街道" },
    items: ["grid_list", "evacuation_map", "shelter", "drill"],
    evidence: { drill: "2021-05-18" },
  },
  targets: {
    region: "示例县",
    year: 2021,
    this_year: {
      accidents: 40,
      deaths: 8,
      gdp_100m_cny: 640,
      disaster_loss_100m_cny: 6.4,
      fines_cny: 1000000,
      non_accident_fines_cny: 850000,
      inspections: 1000,
      inspections_with_penalty: 199,
      forest_fires: 0,
      forest_fires_found_30min: 0,
      townships: 12,
      township_stations_built: 12,
    },
    last_year: { accidents: 50, deaths: 10, gdp_100m_cny: 600 },
    year_before_last: { accidents: 50, deaths: 10, gdp_100m_cny: 600 },
  },
};

/**
 * Calls `f` and returns what it threw.
 * @param {() => unknown} f
 * @returns {any}
 */
function thrown(f) {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected a throw");
}

test("the default chain is embedded, with ids and versions", () => {
  const info = rules.info();
  assert.deepStrictEqual(
    info.chain.map((c) => c.id),
    ["national", "zhejiang", "jinhua"],
  );
  for (const c of info.chain) assert.match(c.version, /^\d+\.\d+\.\d+$/);
  assert.match(info.chain[0].effective_from, /^\d{4}-\d{2}-\d{2}$/);
  const listing = info.tables.find((t) => t.name === "listing_periods");
  assert.equal(
    listing?.ruleset,
    info.chain[2].id + "@" + info.chain[2].version,
  );
});

test("the decision names the law in force on the day the hazard was found", () => {
  const before = rules.evaluate(
    {
      hazard: {
        sector: "metallurgy",
        items: ["GM17-4-1"],
        found_on: "2023-05-14",
      },
    },
    { asOf: "2024-06-30" },
  );
  assert.deepStrictEqual(
    before.in_force.map((v) => [v.table, v.version, v.on, v.field, v.valid_to]),
    [
      [
        "catalogue_gongmao",
        "SAWS-129-2017",
        "2023-05-14",
        "hazard.found_on",
        "2023-05-14",
      ],
    ],
  );
  assert.equal(before.classification?.basis[0].standard, "SAWS-129-2017");
  assert.ok(
    before.trace.some((t) => t.kind === "version" && t.row === "SAWS-129-2017"),
  );
  const after = rules.evaluate(
    {
      hazard: {
        sector: "metallurgy",
        items: ["GM-4-1"],
        found_on: "2023-05-15",
      },
    },
    { asOf: "2024-06-30" },
  );
  assert.equal(after.in_force[0].version, "MEM-10-2023");
  const e = thrown(() =>
    rules.evaluate(
      {
        hazard: {
          sector: "metallurgy",
          items: ["GM17-4-1"],
          found_on: "2017-11-29",
        },
      },
      { asOf: "2024-06-30" },
    ),
  );
  assert.ok(e instanceof InputError);
  assert.equal(e.path, "hazard.found_on");
});

test("a full evaluation: level, deadline, people, response, risk colour and trace", () => {
  const d = rules.evaluate(hazard, { asOf: "2021-09-20", trace: "full" });
  assert.equal(d.classification?.level, "major");
  assert.equal(d.rectification?.due, "2021-10-08"); // National Day: next working day
  assert.equal(d.rectification?.status, "not_due");
  const lead = d.responsibility?.assignments.find(
    (a) => a.role === "rectification_lead",
  );
  assert.equal(lead?.person, "李四"); // the backup acts for the absent principal
  assert.equal(lead?.acting_for, "张三");
  assert.equal(d.response?.accident?.grade, "large");
  assert.equal(d.risk?.points[0].score, 540);
  assert.equal(d.risk?.points[0].colour, "red");
  assert.deepStrictEqual(
    d.ruleset.map((r) => r.id),
    ["national", "zhejiang", "jinhua"],
  );
  const trace = d.trace.find((t) => t.id === "civil_code_201_203");
  assert.ok(
    trace &&
      trace.zh.length > 0 &&
      trace.en.length > 0 &&
      trace.ruleset.startsWith("national@"),
  );
  // By default the trace carries ids only: the same entries, no sentences.
  const ids = rules.evaluate(hazard, { asOf: "2021-09-20" });
  assert.deepStrictEqual(
    ids.trace.map((t) => [t.kind, t.id, t.row, t.ruleset]),
    d.trace.map((t) => [t.kind, t.id, t.row, t.ruleset]),
  );
  assert.ok(ids.trace.every((t) => t.zh === "" && t.en === ""));
});

test("each section alone matches the same section of the full decision", () => {
  const full = rules.evaluate(hazard, { asOf: "2021-09-20" });
  assert.deepStrictEqual(
    [...SECTIONS],
    [
      "classification",
      "rectification",
      "responsibility",
      "response",
      "risk",
      "standardisation",
      "targets",
    ],
  );
  for (const section of SECTIONS) {
    const d = rules.evaluate(hazard, { asOf: "2021-09-20", section });
    assert.deepStrictEqual(d[section], full[section], section);
    for (const other of SECTIONS)
      if (other !== section)
        assert.equal(d[other], null, `${section}: ${other}`);
    assert.ok(d.trace.length > 0);
  }
});

test("a village checklist and a county year: what is missing, and each target", () => {
  const d = rules.evaluate(hazard, { asOf: "2021-09-20" });
  assert.equal(d.standardisation?.complete, false);
  assert.deepStrictEqual(d.standardisation?.missing, [
    "monitoring_warning",
    "emergency_supplies",
    "warning_signs",
  ]);
  assert.equal(
    d.standardisation?.items.find((i) => i.id === "drill")?.status,
    "done",
  );
  assert.equal(d.targets?.met, 7);
  const penalty = d.targets?.results.find(
    (r) => r.id === "inspection_penalty_rate",
  );
  assert.deepStrictEqual(
    [penalty?.met, penalty?.value, penalty?.limit],
    [false, 0.199, 0.2],
  );
  const e = thrown(() =>
    rules.evaluate(
      { checklist: { ...hazard.checklist, items: ["shelterr"] } },
      { asOf: "2021-09-20" },
    ),
  );
  assert.ok(e instanceof InputError);
  assert.equal(e.path, "checklist.items[0]");
});

test("trace modes: full sentences, ids only, or none; the outputs are the same", () => {
  const full = rules.evaluate(hazard, { asOf: "2021-09-20" });
  const ids = rules.evaluate(hazard, { asOf: "2021-09-20", trace: "ids" });
  const off = rules.evaluate(hazard, { asOf: "2021-09-20", trace: "off" });
  assert.deepEqual(
    ids.trace.map((t) => t.id),
    full.trace.map((t) => t.id),
  );
  assert.ok(ids.trace.every((t) => t.zh === "" && t.en === ""));
  assert.deepEqual(off.trace, []);
  assert.deepEqual({ ...off, trace: [] }, { ...full, trace: [] });
  const [batch] = rules.evaluateBatch([hazard], {
    asOf: "2021-09-20",
    trace: "off",
  });
  assert.deepEqual(batch, off);
  assert.throws(
    () =>
      rules.evaluate(hazard, {
        asOf: "2021-09-20",
        trace: /** @type {any} */ ("loud"),
      }),
    (e) => e instanceof InputError && e.path === "trace",
  );
});

test("an unknown section or a missing date is an input error with a path", () => {
  const e = thrown(() =>
    rules.evaluate(hazard, {
      asOf: "2021-09-20",
      section: /** @type {any} */ ("colour"),
    }),
  );
  assert.ok(e instanceof InputError);
  assert.equal(e.path, "section");
  const d = thrown(() => rules.evaluate(hazard, /** @type {any} */ ({})));
  assert.ok(d instanceof InputError);
  assert.equal(d.path, "as_of");
  const n = thrown(() => rules.evaluate(hazard, { asOf: "2021-02-30" }));
  assert.equal(n.path, "as_of");
});

test("input errors are Error subclasses with code, path and the core message", () => {
  const e = thrown(() =>
    rules.evaluate(
      { hazard: { sector: "shipyard", found_on: "2024-03-05" } },
      { asOf: "2024-06-30" },
    ),
  );
  assert.ok(e instanceof InputError);
  assert.ok(e instanceof HazardRulesError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "InputError");
  assert.equal(e.code, "input");
  assert.equal(e.path, "hazard.sector");
  assert.equal(
    e.message,
    'invalid input at `hazard.sector`: unknown sector "shipyard" (not in the sectors table)',
  );
  assert.ok(typeof e.stack === "string");
  assert.equal(e.problem, "unknown_sector");
  assert.equal(e.messageZh, "输入有误（hazard.sector）：行业“shipyard”不在行业表（sectors）中");
  assert.deepStrictEqual(e.toJSON(), {
    kind: "input",
    path: "hazard.sector",
    problem: "unknown_sector",
    message: e.message,
    message_zh: e.messageZh,
  });
  assert.deepStrictEqual(JSON.parse(JSON.stringify(e)), e.toJSON());
});

test("wrong JavaScript values are input errors, never bare strings", () => {
  for (const bad of [
    undefined,
    null,
    42,
    "not json",
    { hazard: "x" },
    { unknown: 1 },
  ]) {
    const e = thrown(() =>
      rules.evaluate(/** @type {any} */ (bad), { asOf: "2024-06-30" }),
    );
    assert.ok(e instanceof InputError, `${JSON.stringify(bad)}: ${e}`);
  }
  assert.equal(
    thrown(() =>
      rules.evaluate(/** @type {any} */ ({ hazard: "x" }), {
        asOf: "2024-06-30",
      }),
    ).path,
    "hazard",
  );
  assert.equal(
    thrown(() =>
      rules.evaluate(/** @type {any} */ ({ unknown: 1 }), {
        asOf: "2024-06-30",
      }),
    ).path,
    "unknown",
  );
  // JSON.stringify's own failures surface as its TypeError.
  const cyclic = /** @type {any} */ ({});
  cyclic.self = cyclic;
  assert.ok(
    thrown(() => rules.evaluate(cyclic, { asOf: "2024-06-30" })) instanceof
      TypeError,
  );
});

test("validate returns field errors with JSON paths", () => {
  const asOf = "2024-06-30";
  assert.deepStrictEqual(rules.validate(hazard, { asOf }), {
    valid: true,
    problems: [],
  });
  /** @type {[unknown, string][]} */
  const cases = [
    [
      { hazard: { sector: "metallurgy", found_on: "2024/03/05" } },
      "hazard.found_on",
    ],
    [{ hazard: { sector: "metallurgy", found_on: "" } }, "hazard.found_on"],
    [
      { hazard: { sector: "shipyard", found_on: "2024-03-05" } },
      "hazard.sector",
    ],
    [
      {
        hazard: {
          sector: "metallurgy",
          items: ["GM-3-1", "GM-99-9"],
          found_on: "2024-01-01",
        },
      },
      "hazard.items[1]",
    ],
    [
      {
        hazard: {
          sector: "metallurgy",
          found_on: "2024-01-05",
          events: [
            { stage: "found", on: "2024-01-05" },
            { stage: "assigned", on: "2024-01-04" },
          ],
        },
      },
      "hazard.events[1].on",
    ],
    [
      {
        hazard: {
          sector: "metallurgy",
          found_on: "2024-01-05",
          listing: { level: "village", listed_on: "2024-01-05" },
        },
      },
      "hazard.listing.level",
    ],
    [
      { risk: { points: [{ method: "LEC", l: 7, e: 6, c: 15 }] } },
      "risk.points[0].l",
    ],
    [{ accident: { deaths: -1 } }, "accident.deaths"],
    [{ warning: { rainfall_1h_mm: -5 } }, "warning.rainfall_1h_mm"],
  ];
  for (const [input, path] of cases) {
    const v = rules.validate(input, { asOf });
    assert.equal(v.valid, false, path);
    assert.equal(v.problems.length, 1, JSON.stringify(v.problems));
    assert.equal(v.problems[0].path, path);
    assert.ok(v.problems[0].problem.length > 0);
    assert.ok(v.problems[0].message.length > 0);
    assert.match(v.problems[0].message_zh, /[\u4e00-\u9fff]/, path);
  }
});

test("validate reports every problem at once, each in Chinese and English", () => {
  const v = rules.validate(
    {
      hazard: {
        sector: "metallurgy",
        items: ["GM-3-1", "GM-99-9"],
        found_on: "2024/03/05",
      },
      accident: { deaths: -1 },
      risk: { points: [{ method: "LEC", l: 7, e: 6, c: 15 }] },
    },
    { asOf: "2024-06-30" },
  );
  assert.equal(v.valid, false);
  const paths = v.problems.map((p) => p.path);
  for (const p of ["hazard.found_on", "accident.deaths"]) {
    assert.ok(paths.includes(p), `${p} in ${paths}`);
  }
  assert.ok(v.problems.length >= 2);
  for (const p of v.problems) {
    assert.match(p.message_zh, /[\u4e00-\u9fff]/, p.path);
    assert.notEqual(p.message_zh, p.message);
  }
  // evaluate stops at the first of them, with the same path and its Chinese text.
  const two = { hazard: { sector: "metallurgy", found_on: "2024/03/05" }, accident: { deaths: -1 } };
  const first = rules.validate(two, { asOf: "2024-06-30" }).problems[0];
  const e = thrown(() => rules.evaluate(two, { asOf: "2024-06-30" }));
  assert.ok(e instanceof InputError);
  assert.equal(e.path, first.path);
  assert.equal(e.problem, first.problem);
  assert.ok(e.messageZh.includes(first.message_zh), `${e.messageZh} / ${first.message_zh}`);
});

test("vocabulary and catalogue come from the ruleset", () => {
  const v = rules.vocabulary();
  const sector = v.sectors.find((t) => t.id === "light_industry");
  assert.ok(sector && sector.zh.includes("轻工") && sector.en.length > 0);
  assert.deepStrictEqual(
    v.listing_levels.map((t) => t.id).sort(),
    ["city", "county", "province", "township"],
  );
  for (const list of [v.stages, v.colours, v.risk_methods]) {
    assert.ok(list.length > 0 && list.every((t) => t.zh.length > 0));
  }
  // The standard in force that day: the 2017 工贸 items before 2023-05-15.
  const before = rules.catalogue({ sector: "light_industry", asOf: "2023-05-14" });
  const after = rules.catalogue({ sector: "light_industry", asOf: "2023-05-15" });
  assert.ok(before.length > 0 && before.every((i) => i.id.startsWith("GM17-")));
  assert.ok(after.some((i) => i.id === "GM-11-1"));
  assert.ok(after.every((i) => !i.id.startsWith("GM17-")));
  assert.ok(after.some((i) => i.verified) && after.some((i) => !i.verified));
  const e = thrown(() => rules.catalogue({ sector: "shipyard", asOf: "2024-01-01" }));
  assert.ok(e instanceof InputError);
  assert.equal(e.path, "sector");
  // The same answer from the scripted module (the chain loaded from its files).
  const scripted = HazardRules.fromFiles({ leaf: "zhejiang/jinhua", files: embeddedFiles() });
  assert.equal(scripted.module, "scripted");
  assert.deepStrictEqual(scripted.vocabulary(), v);
  assert.deepStrictEqual(scripted.catalogue({ sector: "light_industry", asOf: "2023-05-15" }), after);
});

test("embedded rulesets by name; an unknown one is a ruleset error", () => {
  const zhejiang = HazardRules.embedded("zhejiang");
  assert.deepStrictEqual(
    zhejiang.info().chain.map((c) => c.id),
    ["national", "zhejiang"],
  );
  zhejiang.free();
  const e = thrown(() => HazardRules.embedded("nowhere"));
  assert.ok(e instanceof RulesetError);
  assert.equal(e.code, "ruleset");
  assert.equal(e.file, "nowhere/ruleset.toml");
  assert.equal(e.line, 0);
});

test("a bundle loads from its text or its parsed object; a broken one names line and column", () => {
  const text = readFileSync(bundlePath(), "utf8");
  const a = HazardRules.fromBundle(text);
  const b = HazardRules.fromBundle(JSON.parse(text));
  assert.deepStrictEqual(a.info(), rules.info());
  assert.deepStrictEqual(
    b.evaluate(hazard, { asOf: "2021-09-20" }),
    rules.evaluate(hazard, { asOf: "2021-09-20" }),
  );
  const e = thrown(() =>
    HazardRules.fromBundle('{"format": "hazard-rules-bundle/1",\n  "leaf": }'),
  );
  assert.ok(e instanceof RulesetError);
  assert.equal(e.file, "<bundle>");
  assert.equal(e.line, 2);
  assert.ok(e.column > 0);
  const f = thrown(() =>
    HazardRules.fromBundle({ format: "other", leaf: "x", files: {} }),
  );
  assert.ok(f instanceof RulesetError);
  assert.match(f.message, /unsupported bundle format/);
});

test("a map of files: an overlay on the embedded rulesets", () => {
  const files = overlay(embeddedFiles(), {
    "tables/listing_periods.toml": readFileSync(
      new URL(
        "../../../rulesets/zhejiang/jinhua/tables/listing_periods.toml",
        import.meta.url,
      ),
      "utf8",
    ),
  });
  const demo = HazardRules.fromFiles(files);
  assert.deepStrictEqual(
    demo.info().chain.map((c) => c.id),
    ["national", "demo"],
  );
  const d = demo.evaluate(hazard, { asOf: "2021-09-20" });
  assert.equal(d.rectification?.period_days, 30);
  assert.ok(d.trace.some((t) => t.ruleset === "demo@0.1"));
});

test("a ruleset error names file, line and column", () => {
  const e = thrown(() =>
    HazardRules.fromFiles(
      overlay(embeddedFiles(), {
        "tables/broken.toml": 'kind = "rows"\nkey = \n',
      }),
    ),
  );
  assert.ok(e instanceof RulesetError);
  assert.equal(e.file, "demo/tables/broken.toml");
  assert.equal(e.line, 2);
  assert.ok(e.column > 0);
  const r = thrown(() =>
    HazardRules.fromFiles(
      overlay(embeddedFiles(), {
        "rules/bad.rhai": "fn classify(h) {\n  let x = ;\n}\n",
      }),
    ),
  );
  assert.ok(r instanceof RulesetError);
  assert.equal(r.file, "demo/rules/bad.rhai");
  assert.equal(r.line, 2);
  const m = thrown(() =>
    HazardRules.fromFiles(/** @type {any} */ ({ leaf: 1 })),
  );
  assert.ok(m instanceof RulesetError);
  assert.equal(m.file, "<files>");
});

test("a runaway rule stops with a LimitError naming the rule", () => {
  const demo = HazardRules.fromFiles(
    overlay(embeddedFiles(), { "rules/loop.rhai": RUNAWAY_RULE }),
  );
  const e = thrown(() =>
    demo.evaluate({ risk: { points: [] } }, { asOf: "2024-01-01" }),
  );
  assert.ok(e instanceof LimitError);
  assert.ok(e instanceof Error);
  assert.equal(e.code, "limit");
  assert.equal(e.rule, "score_risk");
  assert.equal(e.file, "demo/rules/loop.rhai");
  assert.match(e.limit, /operations/);
  assert.equal(
    e.message,
    "rule `score_risk` stopped: too many operations (in demo/rules/loop.rhai)",
  );
  // The ruleset still works afterwards.
  assert.equal(
    demo.evaluate({ accident: { deaths: 3 } }, { asOf: "2024-01-01" }).response
      ?.accident?.grade,
    "large",
  );
  const deep = HazardRules.fromFiles(
    overlay(embeddedFiles(), {
      "rules/deep.rhai":
        "fn down(n) { down(n + 1) }\nfn score_risk(risk) { down(0) }\n",
    }),
  );
  const d = thrown(() => deep.evaluate({ risk: {} }, { asOf: "2024-01-01" }));
  assert.ok(d instanceof LimitError);
  assert.match(d.limit, /call depth/);
});

test("validate throws (does not return) ruleset and limit errors", () => {
  const demo = HazardRules.fromFiles(
    overlay(embeddedFiles(), { "rules/loop.rhai": RUNAWAY_RULE }),
  );
  assert.ok(
    thrown(() =>
      demo.validate({ risk: { points: [] } }, { asOf: "2024-01-01" }),
    ) instanceof LimitError,
  );
});

test("a freed ruleset throws an Error, not a string", () => {
  const r = HazardRules.default();
  r.free();
  const e = thrown(() => r.evaluate(hazard, { asOf: "2021-09-20" }));
  assert.ok(e instanceof Error, String(e));
});

test("the scripted module compiles a bundle's files into the very plan the CLI put beside them", async () => {
  // The check a scripted build makes on a bundle's `compiled`: it holds only
  // if WebAssembly and the native CLI compile the same bytes (Rhai's hash
  // order fixed in the core).
  await initScripted();
  const text = readFileSync(bundlePath(), "utf8");
  assert.ok(JSON.parse(text).compiled, "the CLI's bundle carries its plan");
  const raw = scriptedGlue.Rules.fromBundle(text); // throws the core's error JSON if refused
  assert.equal(JSON.parse(raw.info()).ok.chain.length, 3);
  raw.free();
  // And a plan that is not the files' is refused.
  const other = JSON.parse(text);
  other.compiled = btoa("HRPLAN\0not a plan");
  assert.throws(() => scriptedGlue.Rules.fromBundle(JSON.stringify(other)), /is not the plan of the bundle's files/);
});
