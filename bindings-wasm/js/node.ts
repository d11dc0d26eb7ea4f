// Entry point for Node: the core WebAssembly module is read and instantiated
// synchronously on import; the scripted one on first use (a bundle without a
// compiled plan, `fromFiles`, another embedded ruleset). `init()` and
// `initScripted()` exist so the same code runs in Node and in browsers.

import { readFileSync } from 'node:fs';
import { initSync } from './wasm/core/hazard_rules_core.js';
import * as scripted from './wasm/scripted/hazard_rules_scripted.js';
import { markReady } from './api.js';
import { loadScripted, registerScripted } from './modules.js';

export * from './api.js';

initSync({ module: readFileSync(new URL('./wasm/core/hazard_rules_core_bg.wasm', import.meta.url)) });
markReady();

let scriptedReady = false;
function scriptedNow(): typeof scripted {
  if (!scriptedReady) {
    scripted.initSync({
      module: readFileSync(new URL('./wasm/scripted/hazard_rules_scripted_bg.wasm', import.meta.url)),
    });
    scriptedReady = true;
  }
  return scripted;
}
registerScripted({ sync: scriptedNow, async: () => Promise.resolve(scriptedNow()) });

/** Already done on import in Node; resolves at once (the argument is ignored). */
export function init(_moduleOrPath?: unknown): Promise<void> {
  return Promise.resolve();
}

/** Loads the scripted module now (it is also loaded on first use); the argument is ignored. */
export function initScripted(_moduleOrPath?: unknown): Promise<void> {
  return loadScripted();
}
