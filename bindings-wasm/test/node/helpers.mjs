// Node-side helpers: reading the shared conformance cases and the bundle.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Every case in tests/conformance/, in file order. */
export function conformanceCases() {
  const dir = `${repo}tests/conformance/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ file: f, ...JSON.parse(readFileSync(dir + f, 'utf8')) }));
}

/**
 * The bundle of rulesets/zhejiang/jinhua made by `hazard-rules bundle`
 * (scripts/test-wasm.sh writes it; HAZARD_RULES_BUNDLE overrides the path).
 */
export function bundlePath() {
  const path = process.env.HAZARD_RULES_BUNDLE ?? `${repo}target/wasm-test/jinhua.bundle.json`;
  if (!existsSync(path)) {
    throw new Error(
      `no bundle at ${path}: run scripts/test-wasm.sh, or ` +
        '`cargo run -p hazard-rules-cli -- bundle rulesets/zhejiang/jinhua -o target/wasm-test/jinhua.bundle.json`',
    );
  }
  return path;
}

/**
 * Every file of rulesets/ (tables, rules, test cases) keyed by its path under
 * rulesets/, and the ruleset directories (those with a ruleset.toml).
 */
export function rulesetTree() {
  const base = `${repo}rulesets/`;
  /** @type {Record<string, string>} */
  const files = {};
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(toml|rhai)$/.test(entry.name)) continue;
    const path = `${entry.parentPath ?? entry.path}/${entry.name}`.slice(base.length);
    files[path] = readFileSync(base + path, 'utf8');
  }
  const leaves = Object.keys(files)
    .filter((p) => p.endsWith('/ruleset.toml'))
    .map((p) => p.slice(0, -'/ruleset.toml'.length))
    .sort();
  return { files, leaves };
}
