// The evaluation measurement, run unchanged in Node and in Chromium by
// scripts/bench.mjs. Times are medians over batches (browsers coarsen
// performance.now(), so single calls are not timed one by one).

/** The record of the core's criterion benchmark (core/benches/decision.rs). */
export const BENCH_INPUT = {
  id: 'bench-1',
  hazard: {
    sector: 'light_industry',
    items: ['GM-11-1'],
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
 * µs per call: the median over `batches` batches of `batch` calls.
 * @param {() => unknown} f
 */
function perCall(f, batches = 150, batch = 20) {
  const samples = [];
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) f();
    samples.push(((performance.now() - t0) / batch) * 1000);
  }
  return median(samples);
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
  const full = perCall(() => rules.evaluate(input, { asOf }), 150, batch);
  // Inside WebAssembly only: the input parsed once, `batch` evaluations, no conversion.
  const core = perCall(() => raw.__evaluateRepeated(json, asOf, batch), 150, 1) / batch;
  // The WebAssembly call with JSON text in and out (serde parse + evaluate + serialise + copies).
  const wasmCall = perCall(() => raw.evaluate(json, asOf, undefined), 150, batch);
  const stringify = perCall(() => JSON.stringify(input), 150, 200);
  const parse = perCall(() => JSON.parse(answer), 150, 200);
  rules.free();
  return {
    full_us: full,
    core_us: core,
    wasm_call_us: wasmCall,
    stringify_us: stringify,
    parse_us: parse,
    conversion_us: full - core,
    conversion_share: (full - core) / full,
    answer_bytes: answer.length,
    input_bytes: json.length,
  };
}
