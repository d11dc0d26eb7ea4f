// Builds the npm package into dist/:
//   1. the crate for wasm32-unknown-unknown (cargo profile `wasm-release`),
//      twice: the core module (no features) and the scripted one;
//   2. wasm-bindgen (--target web: an ES module that runs in browsers,
//      bundlers and Node) into dist/wasm/core/ and dist/wasm/scripted/; the
//      CLI must be the exact version of the wasm-bindgen crate in Cargo.lock;
//   3. wasm-opt from the npm `binaryen` package (not Debian's binaryen 108,
//      whose output fails to load);
//   4. tsc: js/*.ts → dist/*.js and the declarations dist/*.d.ts.
//
//   node scripts/build.mjs [--speed] [--size] [--no-wasm-opt]
//
// The core module (what every page downloads) is built for size (opt-level
// "z", wasm-opt -Oz: ~15 % smaller gzipped than for speed); the scripted one
// (fetched only for bundles that need the interpreter) for speed (3, -O3).
// --speed        build the core module for speed too
// --size         build the scripted module for size too
// --no-wasm-opt  skip wasm-opt, for quick builds while developing.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const useWasmOpt = !process.argv.includes('--no-wasm-opt');
const coreForSize = !process.argv.includes('--speed');
const scriptedForSize = process.argv.includes('--size');

/** @param {string} cmd @param {string[]} args @param {string} cwd */
function run(cmd, args, cwd = pkg, env = process.env) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: 'inherit', env });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status}`);
}

function lockedVersion(crate) {
  const lock = readFileSync(`${root}Cargo.lock`, 'utf8');
  const m = lock.match(new RegExp(`name = "${crate}"\\nversion = "([^"]+)"`));
  if (!m) throw new Error(`${crate} is not in Cargo.lock`);
  return m[1];
}

const want = lockedVersion('wasm-bindgen');
const have = spawnSync('wasm-bindgen', ['--version'], { encoding: 'utf8' });
const haveVersion = have.stdout?.trim().split(' ')[1];
if (haveVersion !== want) {
  throw new Error(
    `wasm-bindgen CLI ${haveVersion ?? 'not found'}, but Cargo.lock has wasm-bindgen ${want}: ` +
      `cargo install wasm-bindgen-cli --version ${want}`,
  );
}

rmSync(`${pkg}dist`, { recursive: true, force: true });

/** The two modules (see bindings-wasm/Cargo.toml): the core one with the
 * compiled-plan runtime only, and the scripted one that loads TOML and Rhai. */
const MODULES = [
  { name: 'core', features: [], forSize: coreForSize },
  { name: 'scripted', features: ['--features', 'scripted'], forSize: scriptedForSize },
];

const sizes = {};
for (const m of MODULES) {
  run(
    'cargo',
    [
      'build', '--locked', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release',
      '-p', 'hazard-rules-wasm', ...m.features,
    ],
    root,
    { ...process.env, CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL: m.forSize ? 'z' : '3' },
  );
  // Cargo's output directory: CARGO_TARGET_DIR when set (relative to the workspace root).
  const targetDir = path.resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');
  const built = path.join(targetDir, 'wasm32-unknown-unknown', 'wasm-release', 'hazard_rules_wasm.wasm');
  const outName = `hazard_rules_${m.name}`;
  run('wasm-bindgen', [
    '--target', 'web',
    '--out-dir', `dist/wasm/${m.name}`,
    '--out-name', outName,
    '--remove-name-section',
    built,
  ]);
  const wasm = `${pkg}dist/wasm/${m.name}/${outName}_bg.wasm`;
  if (useWasmOpt) {
    // The features rustc enables by default for wasm32-unknown-unknown.
    run(`${pkg}node_modules/.bin/wasm-opt`, [
      m.forSize ? '-Oz' : '-O3',
      '--enable-bulk-memory',
      '--enable-nontrapping-float-to-int',
      '--enable-sign-ext',
      '--enable-mutable-globals',
      '--enable-multivalue',
      '--enable-reference-types',
      wasm,
      '-o',
      wasm,
    ]);
  }
  const bytes = readFileSync(wasm);
  sizes[m.name] = {
    wasm_bytes: statSync(wasm).size,
    wasm_gzip_bytes: gzipSync(bytes, { level: 9 }).length,
    opt_level: m.forSize ? 'z' : '3',
  };
}

run(`${pkg}node_modules/.bin/tsc`, ['-p', 'tsconfig.json']);

// What a first visit downloads: the core module and the JS that loads it
// (the scripted module is fetched only for a bundle that needs it).
const js = ['web.js', 'api.js', 'modules.js', 'wasm/core/hazard_rules_core.js'].map((f) =>
  readFileSync(`${pkg}dist/${f}`),
);
const jsBytes = js.reduce((n, b) => n + b.length, 0);
const jsGzip = js.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
const size = {
  core: sizes.core,
  scripted: sizes.scripted,
  js_bytes: jsBytes,
  js_gzip_bytes: jsGzip,
  first_visit_gzip_bytes: sizes.core.wasm_gzip_bytes + jsGzip,
  wasm_opt: useWasmOpt,
  wasm_bindgen: want,
};
writeFileSync(`${pkg}dist/size.json`, JSON.stringify(size, null, 2) + '\n');
console.log(size);
