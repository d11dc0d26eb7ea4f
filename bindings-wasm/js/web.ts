// Entry point for browsers and bundlers: `await init()` fetches and
// instantiates the WebAssembly module once (next to this file, or from
// `module_or_path`); everything else is the shared API.

import initWasm, { type InitInput } from './wasm/hazard_rules_wasm.js';
import { markReady } from './api.js';

export * from './api.js';

let loading: Promise<void> | undefined;

/**
 * Loads the WebAssembly module. Call once before anything else; later calls
 * return the same promise. `moduleOrPath` overrides where the `.wasm` comes
 * from (a URL, a `Response`, bytes or a compiled `WebAssembly.Module`).
 */
export function init(moduleOrPath?: InitInput | Promise<InitInput>): Promise<void> {
  loading ??= initWasm(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath }).then(
    () => markReady(),
  );
  return loading;
}
