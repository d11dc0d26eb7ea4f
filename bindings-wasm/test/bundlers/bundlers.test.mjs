// The package as an app uses it: packed (`npm pack`), installed into a new
// project, built with Vite and with esbuild, and loaded in Chromium from
// 127.0.0.1. The page decides a hazard with the core module, then loads a
// bundle without a compiled plan, which brings in the scripted module: both
// must work in each bundler's output, and decide alike. (README, "Bundlers".)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import * as esbuild from 'esbuild';
import { embeddedFiles } from 'hazard-rules';
import { launchChromium } from '../chromium.mjs';
import { serve } from '../server.mjs';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'hazard-rules-bundlers-'));
const app = join(tmp, 'app');

/** @param {string} cmd @param {string[]} args @param {string} cwd */
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

// The app: what a form would do with the package.
const MAIN = `
import { init, HazardRules } from 'hazard-rules';

const input = {
  hazard: { sector: 'light_industry', items: ['GM17-1-1'], found_on: '2021-09-01',
            listing: { level: 'county', listed_on: '2021-09-01' } },
  risk: { points: [{ method: 'LEC', l: 6, e: 6, c: 15 }] },
};
const asOf = '2021-09-20';
const pick = (d) => [d.classification.level, d.rectification.due, d.risk.points[0].colour];

try {
  await init();
  const core = HazardRules.default();
  const a = core.evaluate(input, { asOf, trace: 'full' });
  const bundle = await (await fetch('./plain.bundle.json')).text();
  const scripted = await HazardRules.load(bundle); // no compiled plan: the scripted module
  const b = scripted.evaluate(input, { asOf, trace: 'full' });
  document.body.dataset.result = JSON.stringify({
    core: [core.module, ...pick(a)],
    scripted: [scripted.module, ...pick(b)],
    same: JSON.stringify(a) === JSON.stringify(b),
    zh: a.trace.find((t) => t.id === 'civil_code_201_203')?.zh ?? '',
  });
} catch (e) {
  document.body.dataset.result = JSON.stringify({ error: String(e && e.stack || e) });
}
`;

/** @type {{url: string, close: () => Promise<unknown>}} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', tmp], pkg).trim().split('\n').pop();
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(tmp, String(tarball))], app);
  writeFileSync(join(app, 'main.js'), MAIN);
  writeFileSync(
    join(app, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./main.js"></script>\n',
  );
  // A bundle of the default chain's files without its compiled plan.
  const files = Object.fromEntries(
    Object.entries(embeddedFiles()).filter(([p]) => !p.startsWith('henan/')),
  );
  mkdirSync(join(app, 'public'));
  writeFileSync(
    join(app, 'public', 'plain.bundle.json'),
    JSON.stringify({ format: 'hazard-rules-bundle/1', leaf: 'zhejiang/jinhua', files }),
  );
  server = await serve(tmp);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Opens the built app and returns what it wrote. @param {string} path */
async function result(path) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/app/${path}`);
  await page.waitForFunction(() => document.body?.dataset.result, undefined, { timeout: 30_000 });
  const r = JSON.parse(await page.evaluate(() => document.body.dataset.result ?? '{}'));
  await page.close();
  assert.deepStrictEqual(errors, []);
  return r;
}

/** @param {any} r */
function check(r) {
  assert.equal(r.error, undefined, r.error);
  assert.deepStrictEqual(r.core, ['core', 'major', '2021-10-08', 'red']);
  assert.deepStrictEqual(r.scripted, ['scripted', 'major', '2021-10-08', 'red']);
  assert.equal(r.same, true);
  assert.match(r.zh, /顺延至2021-10-08/);
}

test('a Vite build of an app using the packed package runs in Chromium', async () => {
  await viteBuild({
    root: app,
    configFile: false,
    base: './', // served from a sub-path here
    logLevel: 'warn',
    build: { outDir: 'dist-vite', target: 'es2022', emptyOutDir: true },
  });
  const out = readdirSync(join(app, 'dist-vite', 'assets'));
  assert.equal(out.filter((f) => f.endsWith('.wasm')).length, 2, `both modules emitted: ${out}`);
  check(await result('dist-vite/'));
});

test('an esbuild bundle of the same app runs in Chromium, the .wasm files copied beside it', async () => {
  const outdir = join(app, 'dist-esbuild');
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: ['main.js'],
    bundle: true,
    splitting: true, // the scripted module's glue stays a chunk of its own, loaded on demand
    format: 'esm',
    target: 'es2022',
    outdir,
    logLevel: 'warning',
  });
  // esbuild leaves `new URL('…_bg.wasm', import.meta.url)` as it is: the
  // files go next to the bundle (README, "Bundlers").
  const dist = join(app, 'node_modules', 'hazard-rules', 'dist', 'wasm');
  for (const m of ['core', 'scripted']) {
    cpSync(join(dist, m, `hazard_rules_${m}_bg.wasm`), join(outdir, `hazard_rules_${m}_bg.wasm`));
  }
  cpSync(join(app, 'public', 'plain.bundle.json'), join(outdir, 'plain.bundle.json'));
  writeFileSync(
    join(outdir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="./main.js"></script>\n',
  );
  check(await result('dist-esbuild/'));
});
