//! The Rhai sandbox: compiling a chain's scripts, the helpers rules may call,
//! and turning script failures into located errors.
//!
//! Helpers available to rules:
//!
//! | helper | does |
//! |---|---|
//! | `explain(id, zh, en)` | adds a rule entry to the trace |
//! | `table(name)` | the whole table (array of rows, or the values map; a values table is traced) |
//! | `row(name, key)` | a keyed row, traced; an error if there is none |
//! | `peek_row(name, key)` | a keyed row or `()`, not traced (for checks and ranks) |
//! | `has_row(name, key)` | whether the row exists |
//! | `find_row(name, field, value)` | the first row whose `field` equals `value`, or `()`; not traced |
//! | `band(name, value)` | the band row containing `value` (traced) |
//! | `deadline(start, days)` | Civil Code counting: `#{nominal, due, skipped, provisional, note}` (traced) |
//! | `add_days(date, n)`, `days_between(a, b)`, `is_working_day(date)`, `weekday(date)`, `year_of(date)` | dates as `YYYY-MM-DD` text |
//! | `input_error(path, message)` | rejects the input, naming the field |
//!
//! Scripts have no file, network, module or `eval` access, and every call runs
//! under the manifest's limits.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{Datelike, NaiveDate};
use rhai::{
    Dynamic, Engine, EvalAltResult, FuncArgs, Map, NativeCallContext, Position, Scope, AST,
};

use crate::calendar::{self, Calendar};
use crate::decision::TraceEntry;
use crate::error::{Error, InputError, LimitError, RulesetError};
use crate::evaluate::ENTRY_POINTS;
use crate::in_force::{Applied, Day, Validity, Versions};
use crate::limits::Limits;
use crate::tables::{Table, TableBody};

/// The trace being written during one evaluation, with the day whose law
/// governs the entry being run and the table versions it applied; passed to
/// helpers as the call's tag, so a shared engine needs no global state.
#[derive(Clone, Default)]
pub(crate) struct TraceBuf(Arc<Mutex<Buf>>);

#[derive(Default)]
struct Buf {
    entries: Vec<TraceEntry>,
    day: Option<Day>,
    applied: Vec<Applied>,
}

impl TraceBuf {
    fn lock(&self) -> std::sync::MutexGuard<'_, Buf> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
    pub(crate) fn push(&self, e: TraceEntry) {
        self.lock().entries.push(e);
    }
    pub(crate) fn take(&self) -> Vec<TraceEntry> {
        std::mem::take(&mut self.lock().entries)
    }
    /// Sets the day the next entry call is judged by.
    pub(crate) fn set_day(&self, day: Day) {
        self.lock().day = Some(day);
    }
    fn day(&self) -> Option<Day> {
        self.lock().day
    }
    /// Records a version applied on `day`, once, with its trace entry.
    fn applied(&self, t: &Table, valid: Validity, day: Day) {
        let a = Applied::new(t, valid, day);
        let mut buf = self.lock();
        if !buf.applied.contains(&a) {
            let (zh, en) = a.explain();
            buf.entries.push(TraceEntry {
                kind: "version".into(),
                id: a.table.clone(),
                row: Some(a.version.clone()),
                ruleset: t.origin.clone(),
                zh,
                en,
            });
            buf.applied.push(a);
        }
    }
    /// The versions applied, in the order first used.
    pub(crate) fn take_applied(&self) -> Vec<Applied> {
        std::mem::take(&mut self.lock().applied)
    }
}

/// A compiled chain: the sandboxed engine, the merged script, the tables.
pub(crate) struct Rules {
    engine: Engine,
    ast: AST,
    pub(crate) tables: Arc<BTreeMap<String, Arc<Table>>>,
    /// The tables with versions in force by date.
    pub(crate) versions: Arc<Versions>,
    /// The file that defines each function (name, arity); a child's entry
    /// replaces its parent's, as in the merged script.
    fn_files: BTreeMap<(String, usize), String>,
    /// Each rule file's own AST and text, in chain order: what the plan
    /// compiler lowers.
    pub(crate) parts: Vec<(String, AST, String)>,
    pub(crate) rule_origins: Arc<BTreeMap<String, String>>,
    pub(crate) calendar: Arc<Calendar>,
    pub(crate) limits: Limits,
}

const INPUT_ERROR_TAG: &str = "__input_error__";

impl Rules {
    pub(crate) fn compile(
        limits: Limits,
        tables: BTreeMap<String, Arc<Table>>,
        calendar: Calendar,
        scripts: &[(String, String, String)],
        leaf_manifest: &str,
    ) -> Result<Rules, RulesetError> {
        let tables = Arc::new(tables);
        // Rule ids are attributed to the ruleset whose file names them in `explain`.
        let mut rule_origins = BTreeMap::new();
        let compiler = base_engine(limits);
        let mut ast = AST::empty();
        let mut fn_files = BTreeMap::new();
        let mut parts = Vec::new();
        for (file, origin, text) in scripts {
            let mut part = compiler.compile(text).map_err(|e| {
                let (line, column) = pos(e.position());
                RulesetError::new(file, line, column, e.err_type().to_string())
            })?;
            if let Some(stmt) = part.statements().first() {
                let (line, column) = pos(stmt.position());
                return Err(RulesetError::new(
                    file,
                    line,
                    column,
                    "only `fn` definitions may stand at the top level of a rule file",
                )
                .with_zh("规则文件的顶层只能是 `fn` 函数定义"));
            }
            for f in part.iter_functions() {
                fn_files.insert((f.name.to_owned(), f.params.len()), file.clone());
            }
            for id in explained_ids(&part) {
                rule_origins.insert(id, origin.clone());
            }
            part.set_source(file.as_str());
            // A child's function replaces its parent's of the same name and arity.
            ast = ast.merge(&part);
            parts.push((file.clone(), part, text.clone()));
        }
        for (name, params) in ENTRY_POINTS {
            if !ast
                .iter_functions()
                .any(|f| f.name == *name && f.params.len() == params.len())
            {
                return Err(RulesetError::in_file(
                    leaf_manifest,
                    format!(
                        "the chain defines no rule function `{name}({})`",
                        params.join(", ")
                    ),
                ));
            }
        }
        let calendar = Arc::new(calendar);
        let rule_origins = Arc::new(rule_origins);
        let versions = Arc::new(Versions::build(&tables)?);
        let engine = sandbox(
            base_engine(limits),
            tables.clone(),
            versions.clone(),
            calendar.clone(),
            rule_origins.clone(),
        );
        Ok(Rules {
            engine,
            ast,
            tables,
            versions,
            fn_files,
            parts,
            rule_origins,
            calendar,
            limits,
        })
    }

    /// Calls an entry function under the sandbox, writing to `trace`.
    pub(crate) fn call(
        &self,
        entry: &str,
        args: impl FuncArgs,
        trace: &TraceBuf,
    ) -> Result<Dynamic, Error> {
        let options = rhai::CallFnOptions::new()
            .eval_ast(false)
            .with_tag(trace.clone());
        HELPER_OPS.with(|c| c.set(0));
        self.engine
            .call_fn_with_options::<Dynamic>(options, &mut Scope::new(), &self.ast, entry, args)
            .map_err(|e| self.script_error(entry, *e))
    }

    /// Converts what a rule returned into its output type.
    pub(crate) fn output<T: serde::de::DeserializeOwned>(
        &self,
        entry: &str,
        value: &Dynamic,
    ) -> Result<T, Error> {
        rhai::serde::from_dynamic(value).map_err(|e| {
            let file = self.file_of(entry);
            Error::Ruleset(RulesetError::in_file(
                file,
                format!(
                    "rule `{entry}` returned an invalid result: {}",
                    e.unwrap_inner()
                ),
            ))
        })
    }

    fn file_of(&self, function: &str) -> String {
        self.fn_files
            .iter()
            .find(|((name, _), _)| name == function)
            .map(|(_, file)| file.clone())
            .unwrap_or_else(|| "<rules>".to_owned())
    }

    /// Finds the innermost failure and says where it happened.
    fn script_error(&self, entry: &str, err: EvalAltResult) -> Error {
        let mut err = err;
        let mut file = self.file_of(entry);
        loop {
            match err {
                EvalAltResult::ErrorInFunctionCall(name, _, inner, _) => {
                    file = self.file_of(&name);
                    err = *inner;
                }
                EvalAltResult::ErrorInModule(_, inner, _) => err = *inner,
                _ => break,
            }
        }
        let (line, column) = pos(err.position());
        match err {
            EvalAltResult::ErrorRuntime(value, _) if is_input_error(&value) => {
                let map = value.cast::<Map>();
                let text = |k: &str| map.get(k).map(|v| v.to_string()).unwrap_or_default();
                Error::Input(InputError::of(
                    text("path"),
                    text("problem"),
                    text("message"),
                    text("message_zh"),
                ))
            }
            EvalAltResult::ErrorTooManyOperations(_) => {
                limit(entry, "too many operations", file, line, column)
            }

            EvalAltResult::ErrorStackOverflow(_) => {
                limit(entry, "call depth exceeded", file, line, column)
            }
            EvalAltResult::ErrorDataTooLarge(what, _) => {
                limit(entry, &format!("{what} too large"), file, line, column)
            }
            EvalAltResult::ErrorTooManyVariables(_) => {
                limit(entry, "too many variables", file, line, column)
            }
            other => {
                let detail = other.unwrap_inner().to_string();
                Error::Ruleset(
                    RulesetError::new(
                        file,
                        line,
                        column,
                        format!("rule `{entry}` failed: {detail}"),
                    )
                    .with_zh(format!(
                        "规则 `{entry}` 执行失败：{}{detail}",
                        crate::error::UNTRANSLATED
                    )),
                )
            }
        }
    }
}

/// The literal rule ids a script passes to `explain`.
fn explained_ids(ast: &AST) -> Vec<String> {
    use rhai::{ASTNode, Expr, Stmt};
    let mut ids = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, _)))
            | Some(ASTNode::Stmt(Stmt::FnCall(call, _))) => call,
            _ => return true,
        };
        {
            if call.name == "explain" {
                if let Some(Expr::StringConstant(id, _)) = call.args.first() {
                    ids.push(id.to_string());
                }
            }
        }
        true
    });
    ids
}

/// An input error raised from a helper, as `input_error(path, message)`
/// raises it from a rule.
fn input_error_value(e: crate::error::InputError) -> Box<EvalAltResult> {
    let mut m = Map::new();
    m.insert(INPUT_ERROR_TAG.into(), Dynamic::TRUE);
    m.insert("path".into(), Dynamic::from(e.path));
    m.insert("problem".into(), Dynamic::from(e.problem));
    m.insert("message".into(), Dynamic::from(e.message));
    m.insert("message_zh".into(), Dynamic::from(e.message_zh));
    EvalAltResult::ErrorRuntime(Dynamic::from_map(m), Position::NONE).into()
}

fn is_input_error(v: &Dynamic) -> bool {
    v.read_lock::<Map>()
        .is_some_and(|m| m.contains_key(INPUT_ERROR_TAG))
}

fn limit(rule: &str, what: &str, file: String, line: usize, column: usize) -> Error {
    Error::Limit(LimitError {
        rule: rule.to_owned(),
        limit: what.to_owned(),
        file,
        line,
        column,
    })
}

fn pos(p: Position) -> (usize, usize) {
    (p.line().unwrap_or(0), p.position().unwrap_or(0))
}

type HelperResult<T> = Result<T, Box<EvalAltResult>>;

fn fail<T>(msg: impl Into<String>) -> HelperResult<T> {
    Err(msg.into().into())
}

fn parse_date(s: &str) -> HelperResult<NaiveDate> {
    s.parse::<NaiveDate>()
        .or_else(|_| fail(format!("`{s}` is not a date (YYYY-MM-DD)")))
}

fn trace_of(ctx: &NativeCallContext) -> Option<TraceBuf> {
    ctx.tag()
        .and_then(|t| t.read_lock::<TraceBuf>().map(|b| b.clone()))
}

thread_local! {
    /// The work the helpers did for the call running on this thread,
    /// counted as operations (Rhai counts a native call as one).
    static HELPER_OPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts `n` operations of a helper's work (rows scanned, rows copied):
/// with Rhai's own count, they may not pass the call's `max_operations`, so
/// a loop of `find_row` over a large table stops at the same budget as a
/// loop of script.
fn charge(ctx: &NativeCallContext, n: usize) -> HelperResult<()> {
    if over_budget(
        ctx.global_runtime_state().num_operations,
        ctx.engine(),
        n as u64,
    ) {
        return Err(EvalAltResult::ErrorTooManyOperations(ctx.call_position()).into());
    }
    Ok(())
}

/// Adds `n` to the helpers' count; whether the call is now over its budget.
fn over_budget(script_ops: u64, engine: &Engine, n: u64) -> bool {
    let helpers = HELPER_OPS.with(|c| {
        let v = c.get().saturating_add(n);
        c.set(v);
        v
    });
    script_ops.saturating_add(helpers) > engine.max_operations()
}

/// Charges a variable's read by the size of its value. Rhai counts reading
/// a variable as one operation, but copies an array or map whole when it is
/// read (`let b = a`, `a = [a]`) and walks it whole to check its size after
/// a change (`b.push(x)`): without this, a loop over a 10,000-element array
/// spent 5 s, and nesting `a = [a]` 15 s, of CPU within the default budget.
///
/// Rhai does not say whether a read copies (`let b = a`) or works in place
/// (`a.len()`, `a.x`), so the charge is for the size: one operation per
/// [`VISITS_PER_OP`] element visits (an element, a quarter of a map entry, a
/// sixteenth of an array or map, 64 bytes of text), about what one
/// operation of script costs. A read in place is charged as a copy would be:
/// a rule that refers to a large record in a loop pays for it, which the
/// shipped rules (compiled to the plan, which does not copy) never do.
/// No allowance for small values: at the ceiling of `max_operations`, a
/// loop copying a record of 100 points ran for 7 s when reads of values the
/// size of the record were free. The walk that counts stops as soon as the
/// budget is spent.
#[allow(deprecated)] // `on_var` is marked volatile, not deprecated
fn charge_reads(engine: &mut Engine) {
    engine.on_var(|name, index, ctx| {
        let scope = ctx.scope();
        // `index` counts from the end of the scope, as `iter_raw` runs.
        let value = if index > 0 {
            scope.iter_raw().nth(index - 1).map(|(_, _, v)| v)
        } else {
            scope.get(name)
        };
        let Some(value) = value else {
            return Ok(None);
        };
        if !(value.is_array() || value.is_map() || value.is_string()) {
            return Ok(None);
        }
        let engine = ctx.engine();
        let script = ctx.global_runtime_state().num_operations;
        let used = script.saturating_add(HELPER_OPS.with(|c| c.get()));
        let left = engine.max_operations().saturating_sub(used);
        let cap = left.saturating_add(1).saturating_mul(VISITS_PER_OP);
        let Some(size) = value_size(value, cap) else {
            return Err(EvalAltResult::ErrorDataTooLarge(
                format!("Nesting depth of a value (at most {MAX_READ_DEPTH} levels)"),
                rhai::Position::NONE,
            )
            .into());
        };
        if over_budget(script, engine, size / VISITS_PER_OP) {
            return Err(EvalAltResult::ErrorTooManyOperations(rhai::Position::NONE).into());
        }
        Ok(None)
    });
}

/// Element visits a charged read counts as one operation: copying or
/// walking one element costs about a quarter of an operation of script
/// (measured at the ceilings: a loop copying a 100,000-element array stops
/// within 0.6 s).
const VISITS_PER_OP: u64 = 4;

/// How deep a value a rule may read from a variable. Rhai shows, compares,
/// copies and drops values recursively, on the native stack; in WebAssembly
/// (no `stacker`, a 1 MiB stack) 3,000 levels crashed the module. Real rules
/// nest a few levels.
pub(crate) const MAX_READ_DEPTH: usize = 128;

/// A value's size in element visits (arrays, maps, their elements and
/// entries, 64-byte runs of text), counted no further than `cap`; `None`
/// when it nests deeper than [`MAX_READ_DEPTH`].
fn value_size(v: &Dynamic, cap: u64) -> Option<u64> {
    /// An array or map costs an allocation to copy and to drop, about 16
    /// elements' worth; a map entry (a key and a value in a tree) four.
    const CONTAINER: u64 = 16;
    fn walk(v: &Dynamic, n: &mut u64, cap: u64, depth: usize) -> Option<()> {
        if *n >= cap {
            return Some(());
        }
        if v.is_string() {
            if let Some(s) = v.read_lock::<rhai::ImmutableString>() {
                *n += s.len() as u64 / 64;
            }
        } else if let Some(a) = v.read_lock::<rhai::Array>() {
            if depth >= MAX_READ_DEPTH {
                return None;
            }
            *n += CONTAINER + a.len() as u64;
            for x in a.iter() {
                walk(x, n, cap, depth + 1)?;
            }
        } else if let Some(m) = v.read_lock::<Map>() {
            if depth >= MAX_READ_DEPTH {
                return None;
            }
            *n += CONTAINER + 4 * m.len() as u64;
            for x in m.values() {
                walk(x, n, cap, depth + 1)?;
            }
        }
        Some(())
    }
    let mut n = 0;
    walk(v, &mut n, cap, 0)?;
    Some(n)
}

/// The stack the interpreter runs on. Rhai walks nested values (arrays in
/// arrays, which a rule can build thousands deep within `max_array_size`)
/// recursively, at about 1.5 KB of stack a level when it displays, sizes or
/// drops them: on a 2 MiB thread (a batch worker's), 2,000 levels overflowed
/// it. 256 MiB of address space covers the ceiling of `max_array_size`
/// (100,000); only the pages a call touches are ever used.
#[cfg(not(target_family = "wasm"))]
const BIG_STACK: usize = 256 << 20;

/// Runs `f` (an interpreter call and everything that handles its values) on
/// a stack of [`BIG_STACK`] bytes of its own.
pub(crate) fn on_big_stack<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(not(target_family = "wasm"))]
    {
        stacker::grow(BIG_STACK, f)
    }
    #[cfg(target_family = "wasm")]
    {
        f()
    }
}

/// How deep a value an interpreted section may hand to the compiled plan,
/// which reads it recursively on its caller's stack (a deeper one makes the
/// whole decision run in the interpreter).
pub(crate) const MAX_HANDED_DEPTH: usize = 64;

/// Whether `v` nests arrays and maps deeper than `max`. It recurses at
/// most `max + 1` levels, whatever the value's depth.
pub(crate) fn nested_deeper_than(v: &Dynamic, max: usize) -> bool {
    fn deeper(v: &Dynamic, left: usize) -> bool {
        if let Some(a) = v.read_lock::<rhai::Array>() {
            left == 0 || a.iter().any(|x| deeper(x, left - 1))
        } else if let Some(m) = v.read_lock::<Map>() {
            left == 0 || m.values().any(|x| deeper(x, left - 1))
        } else {
            false
        }
    }
    deeper(v, max)
}

/// An engine with the sandbox limits and nothing that reaches outside.
pub(crate) fn base_engine(limits: Limits) -> Engine {
    let mut engine = Engine::new();
    engine
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size)
        .set_max_modules(0)
        .set_strict_variables(true)
        .set_fail_on_invalid_map_property(true)
        .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    // No string interning: Rhai's interner is one lock per engine, taken for
    // writing on every interpolated string a rule builds (every `explain`),
    // so threads sharing a ruleset would take turns instead of running in
    // parallel. The values are the same either way.
    engine.set_max_strings_interned(0);
    engine.disable_symbol("eval");
    charge_reads(&mut engine);
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine
}

/// Adds the helpers, bound to one chain's data.
fn sandbox(
    mut engine: Engine,
    tables: Arc<BTreeMap<String, Arc<Table>>>,
    versions: Arc<Versions>,
    calendar: Arc<Calendar>,
    rule_origins: Arc<BTreeMap<String, String>>,
) -> Engine {
    {
        engine.register_fn(
            "explain",
            move |ctx: NativeCallContext, id: &str, zh: &str, en: &str| {
                if let Some(t) = trace_of(&ctx) {
                    let origin = rule_origins.get(id).cloned();
                    t.push(TraceEntry {
                        kind: "rule".into(),
                        id: id.into(),
                        row: None,
                        ruleset: origin.unwrap_or_default(),
                        zh: zh.into(),
                        en: en.into(),
                    });
                }
            },
        );
    }

    // A table by the name the rules use: the version in force on the day
    // the entry is judged by (see `in_force`), with that day's date for
    // rows that carry their own dates.
    let get = {
        let tables = tables.clone();
        move |ctx: &NativeCallContext,
              name: &str|
              -> HelperResult<(Arc<Table>, Option<NaiveDate>)> {
            let buf = trace_of(ctx);
            let day = buf.as_ref().and_then(TraceBuf::day);
            let member = match day {
                Some(day) => versions
                    .resolve(&tables, name, day)
                    .map_err(input_error_value)?,
                None if versions.contains(name) => {
                    return fail(format!(
                        "table `{name}` has versions, and no day was given to choose one"
                    ))
                }
                None => None,
            };
            let file = member.map_or(name, |m| m.file.as_str());
            let t = tables
                .get(file)
                .cloned()
                .ok_or_else(|| format!("no table named `{name}`"))?;
            // A version chosen by the day is recorded; a version named by
            // its own file is the rule's explicit choice.
            if let (Some(buf), Some(day), Some(m)) = (&buf, day, member) {
                buf.applied(&t, m.valid, day);
            }
            Ok((t, day.map(|d| d.date)))
        }
    };

    {
        let get = get.clone();
        engine.register_fn(
            "table",
            move |ctx: NativeCallContext, name: &str| -> HelperResult<Dynamic> {
                let (t, day) = get(&ctx, name)?;
                // Settings tables are used whole, so reading one is what fired;
                // row tables read whole are scanned, and the rows used are traced.
                if let (TableBody::Values(_), Some(buf)) = (&t.body, trace_of(&ctx)) {
                    buf.push(TraceEntry {
                        kind: "table".into(),
                        id: t.name.clone(),
                        row: None,
                        ruleset: t.origin.clone(),
                        zh: t.source.clone().unwrap_or_default(),
                        en: String::new(),
                    });
                }
                charge(&ctx, t.len())?;
                Ok(t.to_dynamic_on(day))
            },
        );
    }
    {
        let get = get.clone();
        engine.register_fn(
            "has_row",
            move |ctx: NativeCallContext, name: &str, key: &str| -> HelperResult<bool> {
                let (t, day) = get(&ctx, name)?;
                Ok(t.row_on(key, day).is_some())
            },
        );
    }
    {
        let get = get.clone();
        engine.register_fn(
            "closest_key",
            move |ctx: NativeCallContext, name: &str, text: &str| -> HelperResult<Dynamic> {
                let (t, day) = get(&ctx, name)?;
                charge(&ctx, t.len())?;
                let key = crate::suggest::closest(text, t.keys_on(day)).map(str::to_owned);
                Ok(key.map_or(Dynamic::UNIT, Dynamic::from))
            },
        );
    }
    {
        let get = get.clone();
        engine.register_fn(
            "find_row",
            move |ctx: NativeCallContext,
                  name: &str,
                  field: &str,
                  value: Dynamic|
                  -> HelperResult<Dynamic> {
                let (t, day) = get(&ctx, name)?;
                charge(&ctx, t.len())?;
                Ok(t.find_row(field, &value, day)
                    .cloned()
                    .unwrap_or(Dynamic::UNIT))
            },
        );
    }
    {
        let get = get.clone();
        engine.register_fn(
            "peek_row",
            move |ctx: NativeCallContext, name: &str, key: &str| -> HelperResult<Dynamic> {
                let (t, day) = get(&ctx, name)?;
                Ok(t.row_on(key, day).cloned().unwrap_or(Dynamic::UNIT))
            },
        );
    }
    {
        let get = get.clone();
        engine.register_fn(
            "row",
            move |ctx: NativeCallContext, name: &str, key: &str| -> HelperResult<Dynamic> {
                let (t, day) = get(&ctx, name)?;
                let row = t.row_on(key, day).ok_or_else(|| match t.row_by_key(key) {
                    Some(_) => format!(
                        "row `{key}` of table `{name}` is not in force on {}",
                        day.map(|d| d.to_string()).unwrap_or_default()
                    ),
                    None => format!("table `{name}` has no row `{key}`"),
                })?;
                trace_row(&ctx, &t, key, row);
                Ok(row.clone())
            },
        );
    }
    for_numbers(&mut engine, "band", {
        let get = get.clone();
        move |ctx: &NativeCallContext, name: &str, value: f64| -> HelperResult<Dynamic> {
            let (t, _) = get(ctx, name)?;
            charge(ctx, t.len())?;
            let (n, row) = t
                .band(value)
                .ok_or_else(|| format!("no band of table `{name}` holds {value}"))?;
            trace_row(ctx, &t, &format!("{n}"), row);
            Ok(row.clone())
        }
    });

    {
        let calendar = calendar.clone();
        engine.register_fn(
            "deadline",
            move |ctx: NativeCallContext, start: &str, days: i64| -> HelperResult<Map> {
                let start_date = parse_date(start)?;
                if days < 0 {
                    return fail(format!("a period cannot be negative ({days} days)"));
                }
                let d = calendar.deadline(start_date, days as u64);
                let skipped: Vec<Dynamic> = d
                    .skipped
                    .iter()
                    .map(|(date, kind)| {
                        Dynamic::from(format!("{date} {}", calendar::day_label(kind)))
                    })
                    .collect();
                if let Some(t) = trace_of(&ctx) {
                    let (zh, en) = calendar::deadline_text(&calendar, start_date, days, &d);
                    t.push(TraceEntry {
                        kind: "calendar".into(),
                        id: "civil_code_201_203".into(),
                        row: None,
                        ruleset: calendar
                            .origin(d.nominal.year())
                            .unwrap_or_default()
                            .to_owned(),
                        zh,
                        en,
                    });
                }
                let missing = calendar.missing_year(d.nominal, d.due);
                let mut m = Map::new();
                m.insert("nominal".into(), Dynamic::from(d.nominal.to_string()));
                m.insert("due".into(), Dynamic::from(d.due.to_string()));
                m.insert("skipped".into(), Dynamic::from_array(skipped));
                m.insert("provisional".into(), Dynamic::from_bool(missing.is_some()));
                m.insert(
                    "note".into(),
                    missing.map_or(Dynamic::UNIT, |y| {
                        Dynamic::from(calendar::provisional_note(y))
                    }),
                );
                Ok(m)
            },
        );
    }
    engine.register_fn("add_days", |date: &str, n: i64| -> HelperResult<String> {
        Ok(calendar::add_days(parse_date(date)?, n).to_string())
    });
    engine.register_fn("days_between", |a: &str, b: &str| -> HelperResult<i64> {
        Ok(calendar::days_between(parse_date(a)?, parse_date(b)?))
    });
    {
        let calendar = calendar.clone();
        engine.register_fn("is_working_day", move |date: &str| -> HelperResult<bool> {
            Ok(calendar.day_kind(parse_date(date)?).is_working())
        });
    }
    engine.register_fn("weekday", |date: &str| -> HelperResult<i64> {
        Ok(parse_date(date)?.weekday().number_from_monday() as i64)
    });
    engine.register_fn("year_of", |date: &str| -> HelperResult<i64> {
        Ok(i64::from(parse_date(date)?.year()))
    });
    engine.register_fn(
        "input_error",
        |path: &str, message: &str| -> HelperResult<Dynamic> {
            Err(input_error_value(crate::error::InputError::new(
                path, message,
            )))
        },
    );
    engine.register_fn(
        "input_error",
        |path: &str, problem: &str, en: &str, zh: &str| -> HelperResult<Dynamic> {
            Err(input_error_value(crate::error::InputError::of(
                path, problem, en, zh,
            )))
        },
    );
    engine
}

/// Registers a helper taking a table name and a number, for both Rhai integers and floats.
fn for_numbers<F>(engine: &mut Engine, name: &str, f: F)
where
    F: Fn(&NativeCallContext, &str, f64) -> HelperResult<Dynamic> + Send + Sync + Clone + 'static,
{
    let g = f.clone();
    engine.register_fn(name, move |ctx: NativeCallContext, t: &str, v: i64| {
        g(&ctx, t, v as f64)
    });
    engine.register_fn(name, move |ctx: NativeCallContext, t: &str, v: f64| {
        f(&ctx, t, v)
    });
}

fn trace_row(ctx: &NativeCallContext, t: &Table, key: &str, row: &Dynamic) {
    let Some(buf) = trace_of(ctx) else { return };
    let label = |k: &str| {
        row.read_lock::<Map>()
            .and_then(|m| m.get(k).map(|v| v.to_string()))
    };
    let zh = label("zh").or_else(|| label("title")).unwrap_or_default();
    let en = label("en").unwrap_or_default();
    let source = t.source.as_deref().unwrap_or("");
    buf.push(TraceEntry {
        kind: "table".into(),
        id: t.name.clone(),
        row: Some(key.to_owned()),
        ruleset: t.origin.clone(),
        zh: if source.is_empty() {
            zh
        } else {
            format!("{zh}（{source}）")
        },
        en,
    });
}
