// Where the scripted module comes from. The core module is imported by
// `api.ts` itself; the scripted one (TOML, Rhai: ~4× larger) is loaded only
// when something needs it, by whatever the entry point registers: in
// browsers a fetch (`initScripted`), in Node a synchronous read on first use.

import type * as Scripted from './wasm/scripted/hazard_rules_scripted.js';
import type { Rules as CoreRules } from './wasm/core/hazard_rules_core.js';

/** The scripted module's exports. */
export type ScriptedModule = typeof Scripted;

/** A chain in either module: both export the same evaluation methods. */
export type RawRules = CoreRules | Scripted.Rules;

let scripted: ScriptedModule | undefined;
let loadNow: (() => ScriptedModule) | undefined;
let loadLater: (() => Promise<ScriptedModule>) | undefined;

/** @internal The entry point says how the scripted module is loaded. */
export function registerScripted(how: {
  sync?: () => ScriptedModule;
  async: () => Promise<ScriptedModule>;
}): void {
  loadNow = how.sync;
  loadLater = how.async;
}

/** Loads the scripted module (once); resolves when it is ready. */
export async function loadScripted(): Promise<void> {
  if (scripted) return;
  if (!loadLater) throw new Error('hazard-rules: no way to load the scripted module was registered');
  scripted = await loadLater();
}

/** @internal The scripted module, for `what`; loaded now where that can be done synchronously (Node). */
export function needScripted(what: string): ScriptedModule {
  if (!scripted && loadNow) scripted = loadNow();
  if (!scripted) {
    throw new Error(
      `hazard-rules: ${what} needs the scripted module (TOML and Rhai); ` +
        'call `await initScripted()` first, or load a bundle with `await HazardRules.load(bundle)`',
    );
  }
  return scripted;
}
