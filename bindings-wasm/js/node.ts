// Entry point for Node: the WebAssembly module is read and instantiated
// synchronously on import, so `init()` has nothing left to do (it exists so
// the same code runs in Node and in browsers).

import { readFileSync } from 'node:fs';
import { initSync } from './wasm/hazard_rules_wasm.js';
import { markReady } from './api.js';

export * from './api.js';

initSync({ module: readFileSync(new URL('./wasm/hazard_rules_wasm_bg.wasm', import.meta.url)) });
markReady();

/** Already done on import in Node; resolves at once (the argument is ignored). */
export function init(_moduleOrPath?: unknown): Promise<void> {
  return Promise.resolve();
}
