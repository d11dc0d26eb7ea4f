// Entry point for browsers and bundlers: `await init()` fetches and
// instantiates the core WebAssembly module once (next to this file, or from
// `moduleOrPath`); `await initScripted()` the scripted one, for bundles that
// need TOML and Rhai. Everything else is the shared API.

import initCore, { type InitInput } from './wasm/core/hazard_rules_core.js';
import { markReady } from './api.js';
import { loadScripted, registerScripted } from './modules.js';

export * from './api.js';

let loading: Promise<void> | undefined;
let scriptedFrom: InitInput | Promise<InitInput> | undefined;

registerScripted({
  async: async () => {
    const m = await import('./wasm/scripted/hazard_rules_scripted.js');
    await m.default(scriptedFrom === undefined ? undefined : { module_or_path: scriptedFrom });
    return m;
  },
});

/**
 * Loads the core WebAssembly module. Call once before anything else; later
 * calls return the same promise. `moduleOrPath` overrides where the `.wasm`
 * comes from (a URL, a `Response`, bytes or a compiled `WebAssembly.Module`).
 */
export function init(moduleOrPath?: InitInput | Promise<InitInput>): Promise<void> {
  loading ??= initCore(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then(() =>
    markReady(),
  );
  return loading;
}

/**
 * Loads the scripted module too (and the core one, if not yet): needed for
 * bundles without a compiled plan, `HazardRules.fromFiles`, `embeddedFiles`
 * and the embedded rulesets other than the default. `moduleOrPath` as for
 * `init`, for the scripted `.wasm`.
 */
export async function initScripted(moduleOrPath?: InitInput | Promise<InitInput>): Promise<void> {
  scriptedFrom = moduleOrPath;
  await init();
  await loadScripted();
}
