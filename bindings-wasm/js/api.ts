// The package's API over the WebAssembly modules. This layer converts types
// and picks the module; every rule, check and message comes from the Rust
// core.
//
// Two modules (see bindings-wasm/Cargo.toml): the small *core* one evaluates
// precompiled plans (the embedded default chain, bundles that carry their
// compiled plan); the *scripted* one also loads TOML and Rhai, and is loaded
// only for what needs it (a bundle without a compiled plan, `fromFiles`,
// the other embedded rulesets).

import { Rules } from './wasm/core/hazard_rules_core.js';
import { loadScripted, needScripted, type RawRules } from './modules.js';
import type { Input } from './types/input.js';
import type { Decision } from './types/decision.js';

export type * from './types/input.js';
export type * from './types/decision.js';

/** A part of the decision that can be asked for alone. */
export type Section =
  | 'classification'
  | 'rectification'
  | 'responsibility'
  | 'response'
  | 'risk'
  | 'standardisation'
  | 'targets';

/** The sections, in evaluation order. */
export const SECTIONS: readonly Section[] = Object.freeze([
  'classification',
  'rectification',
  'responsibility',
  'response',
  'risk',
  'standardisation',
  'targets',
] as const);

/**
 * How much trace a decision carries: `ids` (the default) the entries without
 * their sentences — which rules and rows fired, cheap enough for every
 * keystroke; `full` every entry with its Chinese and English sentences (ask
 * for it when the trace is shown); `off` none.
 */
export type TraceMode = 'full' | 'ids' | 'off';

export interface EvaluateOptions {
  /** The "as of" date, `YYYY-MM-DD`. Required: the library never reads the clock. */
  asOf: string;
  /** Evaluate only this section (and what it depends on, which shows in the trace). */
  section?: Section;
  /** The trace to return (default `ids`; `full` for the sentences). */
  trace?: TraceMode;
}

export interface BatchOptions {
  /** The "as of" date, `YYYY-MM-DD`. */
  asOf: string;
  /** The trace to return with each decision (default `ids`; `full` for the sentences). */
  trace?: TraceMode;
}

export interface ValidateOptions {
  /** The "as of" date, `YYYY-MM-DD`. */
  asOf: string;
}

/** A problem with one field of the input. */
export interface Problem {
  /** JSON path of the field, e.g. `hazard.found_on`, `risk.points[0].l`; `""` for the whole input. */
  path: string;
  /** What is wrong, as a stable code: `missing`, `not_a_date`, `negative`, `unknown_item`, … */
  problem: string;
  /** The reason in English (without the path). */
  message: string;
  /** The reason in Chinese (without the path). */
  message_zh: string;
}

/** The result of `validate`: every problem of the input, in document order. */
export interface Validation {
  valid: boolean;
  problems: Problem[];
}

/** A code the input takes, with its labels (from the ruleset's tables). */
export interface Term {
  id: string;
  zh: string;
  /** Empty where the ruleset has no English label. */
  en: string;
}

/** The codes a form offers, read from the ruleset it evaluates with. */
export interface Vocabulary {
  /** `hazard.sector` */
  sectors: Term[];
  /** `hazard.listing.level` */
  listing_levels: Term[];
  /** `hazard.events[].stage` */
  stages: Term[];
  /** Risk and warning colours. */
  colours: Term[];
  /** `risk.points[].method` */
  risk_methods: Term[];
}

/** A major-hazard catalogue item in force: what an item picker lists. */
export interface CatalogueItem {
  /** The id `hazard.items` takes, e.g. `GM-4-1`. */
  id: string;
  /** Article and item number in the standard (0 where it has none). */
  article: number;
  item: number;
  /** The section heading, for a standard numbered by sections (2017 工贸). */
  section?: string;
  /** The item's text in Chinese. */
  title: string;
  /** Whether its wording was checked against a published copy. */
  verified: boolean;
  /** The standard's code, e.g. `MEM-10-2023`. */
  standard: string;
  /** The sector (or special situation) the item is written for. */
  sector: string;
  /** The catalogue's title in Chinese. */
  catalogue: string;
  /** The version of a versioned catalogue in force that day. */
  version?: string;
}

export interface CatalogueOptions {
  /** The `hazard.sector` code. */
  sector: string;
  /** The day whose catalogue applies (for a finding: its `found_on`), `YYYY-MM-DD`. */
  asOf: string;
}

/** One ruleset of a chain. */
export interface ChainEntry {
  id: string;
  version: string;
  title: string;
  description: string;
  /** `YYYY-MM-DD` */
  effective_from: string;
}

export interface RulesetInfo {
  /** The chain, base first. */
  chain: ChainEntry[];
  /** Tables after overlays, with the `id@version` each came from. */
  tables: { name: string; ruleset: string }[];
}

/** A ruleset chain as an in-memory map of files (what `Ruleset::from_files` takes in Rust). */
export interface RulesetFiles {
  /** Directory of the chain's last ruleset, e.g. `zhejiang/jinhua`. */
  leaf: string;
  /** `/`-separated path → file text, e.g. `national/ruleset.toml`. */
  files: Record<string, string>;
}

/** The core's error object, as in the conformance cases' `decision` for error cases. */
export interface ErrorPayload {
  kind: string;
  message: string;
  message_zh: string;
  [field: string]: unknown;
}

/** Base class of every error the package throws for a rules problem. */
export class HazardRulesError extends Error {
  /** `input`, `ruleset` or `limit`: the same code in every binding. */
  readonly code: string;
  /** The message in Chinese (`message` is the English one). */
  readonly messageZh: string;
  readonly #payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = new.target.name;
    this.code = payload.kind;
    this.messageZh = String(payload.message_zh ?? '');
    this.#payload = { ...payload };
  }

  /** The core's error object (`kind`, `message` and the location fields). */
  toJSON(): ErrorPayload {
    return { ...this.#payload };
  }
}

/** Bad input: `path` is the JSON path of the field, e.g. `hazard.events[2].on`. */
export class InputError extends HazardRulesError {
  readonly path: string;
  /** What is wrong, as a stable code (as in `validate`'s problems). */
  readonly problem: string;
  constructor(payload: ErrorPayload) {
    super(payload);
    this.path = String(payload.path);
    this.problem = String(payload.problem ?? '');
  }
}

/** A ruleset problem, by file and 1-based line and column (0 where not known). */
export class RulesetError extends HazardRulesError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(payload: ErrorPayload) {
    super(payload);
    this.file = String(payload.file);
    this.line = Number(payload.line);
    this.column = Number(payload.column);
  }
}

/** A rule ran past a sandbox limit (operations, call depth, sizes). */
export class LimitError extends HazardRulesError {
  /** The entry function that was running. */
  readonly rule: string;
  /** Which limit, e.g. `too many operations`. */
  readonly limit: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(payload: ErrorPayload) {
    super(payload);
    this.rule = String(payload.rule);
    this.limit = String(payload.limit);
    this.file = String(payload.file);
    this.line = Number(payload.line);
    this.column = Number(payload.column);
  }
}

/** The Error subclass for a core error object. */
export function errorFromPayload(payload: ErrorPayload): HazardRulesError {
  switch (payload.kind) {
    case 'input':
      return new InputError(payload);
    case 'ruleset':
      return new RulesetError(payload);
    case 'limit':
      return new LimitError(payload);
    default:
      return new HazardRulesError(payload);
  }
}

type Answer<T> = { ok: T } | { error: ErrorPayload };

function unwrap<T>(answerJson: string): T {
  const answer = JSON.parse(answerJson) as Answer<T>;
  if ('error' in answer) throw errorFromPayload(answer.error);
  return answer.ok;
}

function asJson(value: unknown): string {
  // A string is taken as JSON text already; `undefined` becomes `null`, which
  // the core rejects with an input error at path "".
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
}

/** Runs a loader; the WebAssembly layer throws the core's error JSON as text. */
function loaded(load: () => RawRules): HazardRules {
  let rules: RawRules;
  try {
    rules = load();
  } catch (e) {
    if (typeof e === 'string') unwrap<never>(e);
    throw e;
  }
  return new HazardRules(rules);
}

let ready = false;

/** @internal Called by the entry points once the core module is instantiated. */
export function markReady(): void {
  ready = true;
}

function checkReady(): void {
  if (!ready) {
    throw new Error('hazard-rules: the WebAssembly module is not loaded yet; call `await init()` first');
  }
}

/** The default chain's leaf, whose precompiled plan the core module embeds. */
const DEFAULT_LEAF = 'zhejiang/jinhua';

/**
 * Whether a bundle carries its precompiled plan (`compiled`), which the core
 * module reads. Text that is not JSON also goes to the core module, whose
 * error names the line and column.
 */
function carriesPlan(bundle: string | object): boolean {
  let b: unknown = bundle;
  if (typeof bundle === 'string') {
    try {
      b = JSON.parse(bundle);
    } catch {
      return true;
    }
  }
  return typeof b !== 'object' || b === null || 'compiled' in b;
}

/**
 * A loaded ruleset chain. Load once, evaluate many times. `free()` releases
 * its WebAssembly memory at once; otherwise it is released when the object is
 * garbage-collected.
 */
export class HazardRules {
  readonly #rules: RawRules;

  /** @internal Use `HazardRules.default()`, `embedded`, `fromBundle`, `fromCompiled`, `load` or `fromFiles`. */
  constructor(rules: RawRules) {
    this.#rules = rules;
  }

  /** The embedded default chain (national → 浙江 → 金华), precompiled in the core module; no fetch. */
  static default(): HazardRules {
    checkReady();
    return new HazardRules(Rules.defaultChain());
  }

  /**
   * One of the embedded rulesets: `national`, `zhejiang`, `zhejiang/jinhua`,
   * `henan`. The default one (`zhejiang/jinhua`) is the core module's; the
   * others load from their files in the scripted module (in browsers, call
   * `await initScripted()` first).
   */
  static embedded(leaf: string): HazardRules {
    checkReady();
    if (leaf === DEFAULT_LEAF) return HazardRules.default();
    return loaded(() => needScripted(`the embedded ruleset \`${leaf}\``).Rules.embedded(leaf));
  }

  /**
   * A bundle made by `hazard-rules bundle`: its JSON text or the parsed
   * object. A bundle that carries its compiled plan loads in the core module;
   * one without (a rule function runs in the interpreter) needs the scripted
   * module (in browsers, `await initScripted()` first, or use `load`).
   */
  static fromBundle(bundle: string | object): HazardRules {
    checkReady();
    if (carriesPlan(bundle)) return loaded(() => Rules.fromBundle(asJson(bundle)));
    return loaded(() =>
      needScripted('a bundle without a compiled plan').Rules.fromBundle(asJson(bundle)),
    );
  }

  /**
   * `fromBundle`, first loading the scripted module if the bundle needs it
   * (what a page that takes any bundle calls).
   */
  static async load(bundle: string | object): Promise<HazardRules> {
    checkReady();
    if (!carriesPlan(bundle)) await loadScripted();
    return HazardRules.fromBundle(bundle);
  }

  /** A precompiled plan made by `hazard-rules compile` (its bytes); core module. */
  static fromCompiled(bytes: Uint8Array): HazardRules {
    checkReady();
    return loaded(() => Rules.fromCompiled(bytes));
  }

  /**
   * A chain from a map of files (scripted module). To add an overlay to the
   * embedded rulesets, spread `embeddedFiles()` into `files` and set
   * `extends = "../national"`.
   */
  static fromFiles(files: RulesetFiles): HazardRules {
    checkReady();
    return loaded(() => needScripted('a ruleset from files').Rules.fromFiles(asJson(files)));
  }

  /** Which module evaluates this chain: `core` or `scripted`. */
  get module(): 'core' | 'scripted' {
    return this.#rules instanceof Rules ? 'core' : 'scripted';
  }

  /**
   * Evaluates every section the input calls for (or only `options.section`),
   * as of `options.asOf`. Throws `InputError` (with the JSON `path`),
   * `RulesetError` or `LimitError`.
   */
  evaluate(input: Input | string, options: EvaluateOptions): Decision {
    return unwrap<Decision>(
      this.#rules.evaluate(
        asJson(input),
        String(options?.asOf ?? ''),
        options?.section ?? undefined,
        options?.trace ?? 'ids',
      ),
    );
  }

  /**
   * One result per input, in order: a decision, or the error for that record
   * (returned, not thrown, so a bad record does not stop the others).
   */
  evaluateBatch(inputs: (Input | unknown)[], options: BatchOptions): (Decision | HazardRulesError)[] {
    const answers = JSON.parse(
      this.#rules.evaluateBatch(asJson(inputs), String(options?.asOf ?? ''), options?.trace ?? 'ids'),
    ) as Answer<Decision>[];
    return answers.map((a) => ('error' in a ? errorFromPayload(a.error) : a.ok));
  }

  /**
   * Checks an input for a form, in one pass: `{ valid, problems }`, every
   * problem with its JSON path (to highlight the field), a code, and the
   * reason in English and Chinese. A failing rule (not the input's fault)
   * throws its `RulesetError` or `LimitError`.
   */
  validate(input: unknown, options: ValidateOptions): Validation {
    return unwrap<Validation>(this.#rules.validate(asJson(input), String(options?.asOf ?? '')));
  }

  /** The codes a form offers (sectors, listing levels, stages, colours, risk methods), with their labels. */
  vocabulary(): Vocabulary {
    return unwrap<Vocabulary>(this.#rules.vocabulary());
  }

  /**
   * The catalogue items in force for `sector` on `asOf` (the version of the
   * standard in force that day), for a searchable item picker. Throws an
   * `InputError` at `sector` or `as_of` for an unknown sector or a bad date.
   */
  catalogue(options: CatalogueOptions): CatalogueItem[] {
    return unwrap<CatalogueItem[]>(
      this.#rules.catalogue(String(options?.sector ?? ''), String(options?.asOf ?? '')),
    );
  }

  /** The chain (ids, versions, titles, effective dates) and its tables. */
  info(): RulesetInfo {
    return unwrap<RulesetInfo>(this.#rules.info());
  }

  /** Releases the WebAssembly memory now; the object cannot be used afterwards. */
  free(): void {
    this.#rules.free();
  }

  /** @internal The raw WebAssembly handle, for the benchmark. */
  get raw(): RawRules {
    return this.#rules;
  }
}

/** The embedded rulesets' files (scripted module), to build an overlay on with `HazardRules.fromFiles`. */
export function embeddedFiles(): Record<string, string> {
  checkReady();
  return JSON.parse(needScripted('the embedded files').embeddedFiles()) as Record<string, string>;
}
