// Builds the npm package into dist/:
//   1. the crate for wasm32-unknown-unknown (cargo profile `wasm-release`);
//   2. wasm-bindgen (--target web: an ES module that runs in browsers,
//      bundlers and Node) into dist/wasm/; the CLI must be the exact version
//      of the wasm-bindgen crate in Cargo.lock;
//   3. wasm-opt from the npm `binaryen` package (not Debian's binaryen 108,
//      whose output fails to load);
//   4. tsc: js/*.ts → dist/*.js and the declarations dist/*.d.ts.
//
//   node scripts/build.mjs [--size] [--no-wasm-opt]
//
// --size         opt-level "z" and wasm-opt -Oz instead of 3 and -O3: about
//                20 % smaller gzipped, about 2× slower (see BENCHMARKS.md).
// --no-wasm-opt  skip wasm-opt, for quick builds while developing: it takes
//                ~50 s and makes evaluation ~15 % faster, gzipped size the same.

import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const useWasmOpt = !process.argv.includes('--no-wasm-opt');
const forSize = process.argv.includes('--size');

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

run(
  'cargo',
  ['build', '--locked', '--target', 'wasm32-unknown-unknown', '--profile', 'wasm-release', '-p', 'hazard-rules-wasm'],
  root,
  { ...process.env, CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL: forSize ? 'z' : '3' },
);

rmSync(`${pkg}dist`, { recursive: true, force: true });
const built = `${root}target/wasm32-unknown-unknown/wasm-release/hazard_rules_wasm.wasm`;
run('wasm-bindgen', [
  '--target', 'web',
  '--out-dir', 'dist/wasm',
  '--out-name', 'hazard_rules_wasm',
  '--remove-name-section',
  built,
]);

const wasm = `${pkg}dist/wasm/hazard_rules_wasm_bg.wasm`;
if (useWasmOpt) {
  // The features rustc enables by default for wasm32-unknown-unknown.
  run(`${pkg}node_modules/.bin/wasm-opt`, [
    forSize ? '-Oz' : '-O3',
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

run(`${pkg}node_modules/.bin/tsc`, ['-p', 'tsconfig.json']);

const bytes = readFileSync(wasm);
const js = ['web.js', 'api.js', 'wasm/hazard_rules_wasm.js'].map((f) => readFileSync(`${pkg}dist/${f}`));
const size = {
  wasm_bytes: statSync(wasm).size,
  wasm_gzip_bytes: gzipSync(bytes, { level: 9 }).length,
  js_bytes: js.reduce((n, b) => n + b.length, 0),
  js_gzip_bytes: js.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0),
  opt_level: forSize ? 'z' : '3',
  wasm_opt: useWasmOpt,
  wasm_bindgen: want,
};
writeFileSync(`${pkg}dist/size.json`, JSON.stringify(size, null, 2) + '\n');
console.log(size);
