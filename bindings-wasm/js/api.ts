// The package's API over the WebAssembly module. This layer converts types
// only: objects to JSON text on the way in, the core's answer
// (`{"ok": ...}` / `{"error": {...}}`) to a value or an Error subclass on the
// way out. Every rule, check and message comes from the Rust core.

import { Rules, embeddedFiles as rawEmbeddedFiles } from './wasm/hazard_rules_wasm.js';
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
 * How much trace a decision carries: `full` (default) every entry with its
 * Chinese and English sentences; `ids` the entries without sentences
 * (cheaper, enough for highlighting what fired); `off` none.
 */
export type TraceMode = 'full' | 'ids' | 'off';

export interface EvaluateOptions {
  /** The "as of" date, `YYYY-MM-DD`. Required: the library never reads the clock. */
  asOf: string;
  /** Evaluate only this section (and what it depends on, which shows in the trace). */
  section?: Section;
  /** The trace to return (default `full`). */
  trace?: TraceMode;
}

export interface BatchOptions {
  /** The "as of" date, `YYYY-MM-DD`. */
  asOf: string;
  /** The trace to return with each decision (default `full`). */
  trace?: TraceMode;
}

export interface ValidateOptions {
  /** The "as of" date, `YYYY-MM-DD`. */
  asOf: string;
}

/** A problem with one field of the input. */
export interface FieldError {
  /** JSON path of the field, e.g. `hazard.found_on`, `risk.points[0].l`; `""` for the whole input. */
  path: string;
  message: string;
}

/** The result of `validate`. The core reports the first problem in document order. */
export interface Validation {
  valid: boolean;
  errors: FieldError[];
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
  [field: string]: unknown;
}

/** Base class of every error the package throws for a rules problem. */
export class HazardRulesError extends Error {
  /** `input`, `ruleset` or `limit`: the same code in every binding. */
  readonly code: string;
  readonly #payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(payload.message);
    this.name = new.target.name;
    this.code = payload.kind;
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
  constructor(payload: ErrorPayload) {
    super(payload);
    this.path = String(payload.path);
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
function loaded(load: () => Rules): HazardRules {
  let rules: Rules;
  try {
    rules = load();
  } catch (e) {
    if (typeof e === 'string') unwrap<never>(e);
    throw e;
  }
  return new HazardRules(rules);
}

let ready = false;

/** @internal Called by the entry points once the WebAssembly module is instantiated. */
export function markReady(): void {
  ready = true;
}

function checkReady(): void {
  if (!ready) {
    throw new Error('hazard-rules: the WebAssembly module is not loaded yet; call `await init()` first');
  }
}

/**
 * A loaded ruleset chain. Load once (that compiles the rules), evaluate many
 * times. `free()` releases its WebAssembly memory at once; otherwise it is
 * released when the object is garbage-collected.
 */
export class HazardRules {
  readonly #rules: Rules;

  /** @internal Use `HazardRules.default()`, `embedded`, `fromBundle` or `fromFiles`. */
  constructor(rules: Rules) {
    this.#rules = rules;
  }

  /** The embedded default chain (national → 浙江 → 金华); no fetch. */
  static default(): HazardRules {
    checkReady();
    return new HazardRules(Rules.defaultChain());
  }

  /** One of the embedded rulesets: `national`, `zhejiang`, `zhejiang/jinhua`, `henan`. */
  static embedded(leaf: string): HazardRules {
    checkReady();
    return loaded(() => Rules.embedded(leaf));
  }

  /** A bundle made by `hazard-rules bundle`: its JSON text or the parsed object. */
  static fromBundle(bundle: string | object): HazardRules {
    checkReady();
    return loaded(() => Rules.fromBundle(asJson(bundle)));
  }

  /**
   * A chain from a map of files. To add an overlay to the embedded rulesets,
   * spread `embeddedFiles()` into `files` and set `extends = "../national"`.
   */
  static fromFiles(files: RulesetFiles): HazardRules {
    checkReady();
    return loaded(() => Rules.fromFiles(asJson(files)));
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
        options?.trace ?? undefined,
      ),
    );
  }

  /**
   * One result per input, in order: a decision, or the error for that record
   * (returned, not thrown, so a bad record does not stop the others).
   */
  evaluateBatch(inputs: (Input | unknown)[], options: BatchOptions): (Decision | HazardRulesError)[] {
    const answers = JSON.parse(
      this.#rules.evaluateBatch(asJson(inputs), String(options?.asOf ?? ''), options?.trace ?? undefined),
    ) as Answer<Decision>[];
    return answers.map((a) => ('error' in a ? errorFromPayload(a.error) : a.ok));
  }

  /**
   * Checks an input for a form: `{valid: true, errors: []}`, or the input
   * error with its JSON path to highlight. Ruleset and limit errors throw.
   */
  validate(input: unknown, options: ValidateOptions): Validation {
    try {
      unwrap<{ valid: boolean }>(this.#rules.validate(asJson(input), String(options?.asOf ?? '')));
      return { valid: true, errors: [] };
    } catch (e) {
      if (e instanceof InputError) return { valid: false, errors: [{ path: e.path, message: e.message }] };
      throw e;
    }
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
  get raw(): Rules {
    return this.#rules;
  }
}

/** The embedded rulesets' files, to build an overlay on with `HazardRules.fromFiles`. */
export function embeddedFiles(): Record<string, string> {
  checkReady();
  return JSON.parse(rawEmbeddedFiles()) as Record<string, string>;
}
