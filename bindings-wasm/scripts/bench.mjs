// Benchmark of the npm package (not a timed test: it reports, it does not
// fail on a number). Needs a build (`npm run build`) and, for the browser
// part, Chromium at /usr/bin/chromium (or CHROMIUM=path).
//
//   node scripts/bench.mjs [--runs N] [--no-browser]
//
// Measures:
//   - size of the WebAssembly module and the JS, raw and gzipped (-9);
//   - start-up: instantiate the module and load the embedded default ruleset,
//     in fresh Node processes and in fresh Chromium contexts (cold cache);
//   - one full evaluation from JS (the core bench's record), median, in Node
//     and Chromium, and how much of it is conversion between JS and Rust
//     (full call minus the same evaluation repeated inside WebAssembly).
// Writes target/wasm-bench.json and prints a Markdown table.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import * as api from 'hazard-rules';
import { measure } from './bench-measure.mjs';
import { serve } from '../test/server.mjs';

const pkg = fileURLToPath(new URL('../', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : process.argv[i + 1];
};
const runs = Number(arg('--runs', 15));
const browser = !process.argv.includes('--no-browser');

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const gz = (/** @type {Buffer} */ b) => gzipSync(b, { level: 9 }).length;

// ---- size: what a first visit downloads (the core module and the JS that
// loads it), and the scripted module fetched only for bundles that need it.
const wasm = readFileSync(`${pkg}dist/wasm/core/hazard_rules_core_bg.wasm`);
const scriptedWasm = readFileSync(`${pkg}dist/wasm/scripted/hazard_rules_scripted_bg.wasm`);
const jsFiles = ['web.js', 'api.js', 'modules.js', 'wasm/core/hazard_rules_core.js'].map((f) =>
  readFileSync(`${pkg}dist/${f}`),
);
const size = {
  wasm_bytes: wasm.length,
  wasm_gzip_bytes: gz(wasm),
  js_bytes: jsFiles.reduce((n, b) => n + b.length, 0),
  js_gzip_bytes: jsFiles.reduce((n, b) => n + gz(b), 0),
  scripted_wasm_bytes: scriptedWasm.length,
  scripted_wasm_gzip_bytes: gz(scriptedWasm),
  build: JSON.parse(readFileSync(`${pkg}dist/size.json`, 'utf8')),
};
size.total_gzip_bytes = size.wasm_gzip_bytes + size.js_gzip_bytes;

// ---- Node: start-up in fresh processes
const startupScript = `
  const t0 = performance.now();
  const m = await import(${JSON.stringify(`${pkg}dist/node.js`)});
  const t1 = performance.now();
  const r = m.HazardRules.default();
  const t2 = performance.now();
  r.evaluate({accident: {deaths: 3}}, {asOf: '2024-05-01'});
  const t3 = performance.now();
  console.log(JSON.stringify({instantiate_ms: t1 - t0, load_default_ms: t2 - t1, first_evaluation_ms: t3 - t2}));
`;
const nodeStartups = [];
for (let i = 0; i < runs; i++) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', startupScript], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  nodeStartups.push(JSON.parse(r.stdout));
}
const startupMedians = (/** @type {Record<string, number>[]} */ xs) =>
  Object.fromEntries(Object.keys(xs[0]).map((k) => [k, median(xs.map((x) => x[k]))]));
const node = {
  version: process.version,
  startup: startupMedians(nodeStartups),
  evaluation: measure(api),
};

// ---- Chromium
let chromium;
if (browser) {
  const { launchChromium } = await import('../test/chromium.mjs');
  const server = await serve(repo, 0, { cache: true });
  const b = await launchChromium();
  try {
    const harness = `${server.url}/bindings-wasm/test/browser/harness.html`;
    const startup = async () => {
      const t0 = performance.now();
      const m = await import('hazard-rules');
      const t1 = performance.now();
      await m.init();
      const t2 = performance.now();
      const r = m.HazardRules.default();
      const t3 = performance.now();
      r.evaluate({ accident: { deaths: 3 } }, { asOf: '2024-05-01' });
      const t4 = performance.now();
      return {
        import_js_ms: t1 - t0,
        instantiate_ms: t2 - t1,
        load_default_ms: t3 - t2,
        instantiate_and_load_ms: t3 - t1,
        first_evaluation_ms: t4 - t3,
      };
    };
    const startups = [];
    for (let i = 0; i < runs; i++) {
      const context = await b.newContext(); // fresh: nothing cached
      const page = await context.newPage();
      await page.goto(harness);
      startups.push(await page.evaluate(startup));
      await context.close();
    }
    // Later visits in one context: the HTTP cache and V8's code cache for the
    // module are warm (what a returning user sees).
    const revisits = [];
    {
      const context = await b.newContext();
      const page = await context.newPage();
      for (let i = 0; i <= runs; i++) {
        await page.goto(harness);
        const s = await page.evaluate(startup);
        if (i > 0) revisits.push(s);
        await page.waitForTimeout(300); // let the code cache be written
      }
      await context.close();
    }
    const context = await b.newContext();
    const page = await context.newPage();
    await page.goto(harness);
    const evaluation = await page.evaluate(async () => {
      const m = await import('hazard-rules');
      await m.init();
      const url = '/bindings-wasm/scripts/bench-measure.mjs'; // on the local server
      const { measure } = /** @type {typeof import('./bench-measure.mjs')} */ (await import(url));
      return { isolated: crossOriginIsolated, ...measure(m) };
    });
    chromium = { version: b.version(), startup: startupMedians(startups), revisit: startupMedians(revisits), evaluation };
    await context.close();
  } finally {
    await b.close();
    await server.close();
  }
}

const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load ${os.loadavg()[0].toFixed(2)}`,
  runs,
  size,
  node,
  chromium,
};
mkdirSync(`${repo}target`, { recursive: true });
writeFileSync(`${repo}target/wasm-bench.json`, JSON.stringify(result, null, 2) + '\n');

// ---- report
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
const us = (n) => `${n.toFixed(1)} µs`;
const ms = (n) => `${n.toFixed(1)} ms`;
const pct = (n) => `${(n * 100).toFixed(0)} %`;
const lines = [
  `| measure | Node ${node.version} | Chromium ${chromium?.version ?? '(not run)'} | target |`,
  '|---|---|---|---|',
  `| size: core .wasm raw / gzipped (opt-level ${size.build.core.opt_level}) | ${kb(size.wasm_bytes)} / ${kb(size.wasm_gzip_bytes)} | same | |`,
  `| size: JS raw / gzipped | ${kb(size.js_bytes)} / ${kb(size.js_gzip_bytes)} | same | |`,
  `| size: first visit, gzipped (core .wasm with the default ruleset + JS) | ${kb(size.total_gzip_bytes)} | same | ≤ 200 KB |`,
  `| size: scripted .wasm raw / gzipped (only for bundles that need it) | ${kb(size.scripted_wasm_bytes)} / ${kb(size.scripted_wasm_gzip_bytes)} | same | |`,
  `| instantiate the module | ${ms(node.startup.instantiate_ms)} | ${chromium ? ms(chromium.startup.instantiate_ms) : '–'} | |`,
  `| load the default ruleset | ${ms(node.startup.load_default_ms)} | ${chromium ? ms(chromium.startup.load_default_ms) : '–'} | |`,
  `| instantiate + load | ${ms(node.startup.instantiate_ms + node.startup.load_default_ms)} | ${chromium ? ms(chromium.startup.instantiate_and_load_ms) : '–'} | ≤ 50 ms (Chromium) |`,
  `| … on a later visit (HTTP and code cache warm) | – | ${chromium ? `${ms(chromium.revisit.instantiate_ms)} + ${ms(chromium.revisit.load_default_ms)} = ${ms(chromium.revisit.instantiate_and_load_ms)}` : '–'} | |`,
  `| first evaluation after loading | ${ms(node.startup.first_evaluation_ms)} | ${chromium ? ms(chromium.startup.first_evaluation_ms) : '–'} | |`,
  `| one full evaluation from JS, trace ids (median) | ${us(node.evaluation.full_us)} | ${chromium ? us(chromium.evaluation.full_us) : '–'} | ≤ 20 µs |`,
  `| … with the trace's sentences (trace: 'full') | ${us(node.evaluation.full_text_us)} | ${chromium ? us(chromium.evaluation.full_text_us) : '–'} | |`,
  `| of which evaluation inside WebAssembly | ${us(node.evaluation.core_us)} | ${chromium ? us(chromium.evaluation.core_us) : '–'} | |`,
  `| of which conversion JS ↔ Rust | ${us(node.evaluation.conversion_us)} (${pct(node.evaluation.conversion_share)}) | ${chromium ? `${us(chromium.evaluation.conversion_us)} (${pct(chromium.evaluation.conversion_share)})` : '–'} | |`,
  `| boundary: JSON text both ways, trace ids / full | ${us(node.evaluation.json_ids_us)} / ${us(node.evaluation.json_full_us)} | ${chromium ? `${us(chromium.evaluation.json_ids_us)} / ${us(chromium.evaluation.json_full_us)}` : '–'} | |`,
  `| … JSON.stringify(input) | ${us(node.evaluation.stringify_us)} | ${chromium ? us(chromium.evaluation.stringify_us) : '–'} | |`,
  `| … JSON.parse(answer) | ${us(node.evaluation.parse_us)} | ${chromium ? us(chromium.evaluation.parse_us) : '–'} | |`,
];
console.log(lines.join('\n'));
console.log(`\n(${result.machine}; ${runs} fresh start-ups each; full results in target/wasm-bench.json)`);
