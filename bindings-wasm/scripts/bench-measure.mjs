// The evaluation measurement, run unchanged in Node and in Chromium by
// scripts/bench.mjs. Times are medians over batches (browsers coarsen
// performance.now(), so single calls are not timed one by one).

/** The record of the core's criterion benchmark (core/benches/decision.rs). */
export const BENCH_INPUT = {
  id: 'bench-1',
  hazard: {
    sector: 'light_industry',
    items: ['GM17-1-1'],
    found_on: '2021-09-01',
    listing: { level: 'county', listed_on: '2021-09-01' },
    enterprise: { name: '某木制品厂', principal: { name: '赵永强', backup: '钱海', absent: true } },
    location: { township: '城北街道', village: '三江村', grid: '第2网格', grid_member: { name: '王丽' } },
    events: [
      { stage: 'found', on: '2021-09-01' },
      { stage: 'assigned', on: '2021-09-02' },
    ],
  },
  accident: { deaths: 3, serious_injuries: 4, direct_loss_cny: 5000000, occurred_on: '2021-09-03' },
  warning: { typhoon: { within_hours: 12, sustained_force: 10 } },
  risk: {
    points: [
      { method: 'LEC', l: 6, e: 6, c: 15 },
      { method: 'LS', l: 4, s: 5 },
    ],
    unit: { sector_group: 'other', standardisation_grade: 2, open_major_hazards: 1 },
  },
};
export const BENCH_AS_OF = '2021-09-20';

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * µs per call of each function: batches of each run in turn, round after
 * round, so that load from other processes falls on all of them alike; the
 * median batch of each.
 * @param {Record<string, [() => unknown, number]>} fns name → [function, calls per batch]
 */
function interleaved(fns, rounds = 150) {
  /** @type {Record<string, number[]>} */
  const samples = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  const names = Object.keys(fns);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(r + j) % names.length];
      const [f, calls] = fns[name];
      const t0 = performance.now();
      f();
      samples[name].push(((performance.now() - t0) / calls) * 1000);
    }
  }
  return Object.fromEntries(names.map((k) => [k, median(samples[k])]));
}

/**
 * @param {typeof import('hazard-rules')} api a loaded package
 */
export function measure(api, input = BENCH_INPUT, asOf = BENCH_AS_OF) {
  const rules = api.HazardRules.default();
  const raw = rules.raw;
  const json = JSON.stringify(input);
  const answer = raw.evaluate(json, asOf, undefined);
  const check = rules.evaluate(input, { asOf });
  if (check.rectification?.due !== '2021-10-08') throw new Error('unexpected decision');
  for (let i = 0; i < 300; i++) rules.evaluate(input, { asOf }); // warm up (tier-up)

  const batch = 20;
  const repeat = (/** @type {() => unknown} */ f, /** @type {number} */ n) => () => {
    for (let i = 0; i < n; i++) f();
  };
  const viaJson = (/** @type {string} */ trace) => () =>
    JSON.parse(raw.evaluate(JSON.stringify(input), asOf, undefined, trace));
  const t = interleaved({
    // The package's call: object in, decision object out, trace ids (the default).
    full: [repeat(() => rules.evaluate(input, { asOf }), batch), batch],
    // The same with the trace's sentences.
    fullText: [repeat(() => rules.evaluate(input, { asOf, trace: 'full' }), batch), batch],
    // Inside WebAssembly only: the input parsed once, `batch` evaluations (trace ids), no conversion.
    core: [() => raw.__evaluateRepeated(json, asOf, batch), batch],
    // The boundary, each way: JSON text both ways (stringify, parse) …
    jsonIds: [repeat(viaJson('ids'), batch), batch],
    jsonFull: [repeat(viaJson('full'), batch), batch],
    stringify: [repeat(() => JSON.stringify(input), 200), 200],
    parse: [repeat(() => JSON.parse(answer), 200), 200],
  });
  rules.free();
  return {
    full_us: t.full,
    full_text_us: t.fullText,
    core_us: t.core,
    json_ids_us: t.jsonIds,
    json_full_us: t.jsonFull,
    stringify_us: t.stringify,
    parse_us: t.parse,
    conversion_us: t.full - t.core,
    conversion_share: (t.full - t.core) / t.full,
    answer_bytes: answer.length,
    input_bytes: json.length,
  };
}
