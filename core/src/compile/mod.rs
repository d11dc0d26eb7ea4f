//! Compiling a chain's Rhai functions into a [`Plan`](crate::plan::Plan).
//!
//! Every rule function that stays inside the compiled subset (documented in
//! `rulesets/README.md`, "What compiles") is lowered from Rhai's AST into the
//! plan's IR; the rest run in the interpreter, section by section, and
//! `hazard-rules check` says which and why ([`FunctionReport`]).

//!
//! The compiler needs Rhai and exists only with the `scripted` feature; the
//! report travels with a precompiled plan and exists in every build.

#[cfg(feature = "scripted")]
mod lower;
#[cfg(feature = "scripted")]
mod switch;

#[cfg(feature = "scripted")]
use std::collections::{BTreeMap, HashMap};
#[cfg(feature = "scripted")]
use std::sync::Arc;

#[cfg(feature = "scripted")]
use rhai::AST;
use serde::{Deserialize, Serialize};

#[cfg(feature = "scripted")]
use crate::calendar::Calendar;
#[cfg(feature = "scripted")]
use crate::evaluate::ENTRY_POINTS;
#[cfg(feature = "scripted")]
use crate::limits::Limits;
#[cfg(feature = "scripted")]
use crate::plan::{frame, Consts, Plan};
#[cfg(feature = "scripted")]
use crate::tables::Table;

/// Whether a rule function was compiled, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionReport {
    pub name: String,
    pub arity: usize,
    /// The file that defines it (after overlays).
    pub file: String,
    pub compiled: bool,
    /// The first construct outside the compiled subset, when interpreted.
    #[serde(default)]
    pub reason: Option<String>,
    /// Where `reason` is (the function's start when compiled).
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for FunctionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sig = format!("{}/{}", self.name, self.arity);
        match &self.reason {
            None => write!(f, "{}: {sig}: compiled", self.file),
            Some(r) => write!(
                f,
                "{}:{}:{}: {sig}: interpreted: {r}",
                self.file, self.line, self.column
            ),
        }
    }
}

/// Everything the compiler needs from a loaded chain.
#[cfg(feature = "scripted")]
pub(crate) struct Sources<'a> {
    pub limits: Limits,
    pub tables: &'a BTreeMap<String, Arc<Table>>,
    pub versions: &'a crate::in_force::Versions,
    pub calendar: Arc<Calendar>,
    /// Each rule file's own AST, in chain order (base first).
    pub parts: &'a [(String, AST, String)],
    /// Rule id → `id@version` of the ruleset whose file names it last.
    pub rule_origins: &'a BTreeMap<String, String>,
}

/// Lowers every function of the chain; returns the plan (with `None` for the
/// functions that stay interpreted) and the report, in name order.
#[cfg(feature = "scripted")]
pub(crate) fn compile(src: &Sources) -> Option<(Plan, Vec<FunctionReport>)> {
    let mut consts = Consts::default();
    let keys = frame::Keys::new(&mut consts);
    let (tables, table_index, versions) = Plan::tables_from(src.tables, src.versions, &mut consts)?;

    // The final definition of each (name, arity): the last file in chain order.
    let mut ids: HashMap<(String, usize), u32> = HashMap::new();
    // Rhai keeps functions in a hash map, whose order differs between
    // builds and platforms: in name order, the plan is the same bytes
    // everywhere (a bundle's `compiled` is checked against its files).
    for (_, ast, _) in src.parts {
        let mut fns: Vec<(String, usize)> = ast
            .iter_functions()
            .map(|f| (f.name.to_owned(), f.params.len()))
            .collect();
        fns.sort();
        for key in fns {
            let n = ids.len() as u32;
            ids.entry(key).or_insert(n);
        }
    }
    let mut lw = lower::Lowering {
        consts,
        table_index: &table_index,
        templates: Vec::new(),
        ids: &ids,
        rule_origins: src.rule_origins,
        results: (0..ids.len()).map(|_| None).collect(),
        switch_values: HashMap::new(),
        // A table read whole is a constant, unless its rows are dated.
        wholes: tables
            .iter()
            .map(|t| t.valid.is_empty().then_some(t.whole))
            .collect(),
        traced_tables: tables
            .iter()
            .enumerate()
            .filter(|(_, t)| t.kind == crate::plan::TableKind::Values)
            .map(|(i, _)| i as u16)
            .collect(),
    };
    for (file, ast, text) in src.parts {
        lw.file(file, ast, text);
    }
    let lower::Lowering {
        consts,
        templates,
        results,
        ..
    } = lw;

    // A function compiles when it lowered and everything it calls compiles.
    let mut ok: Vec<bool> = results
        .iter()
        .map(|r| matches!(r, Some(l) if l.func.is_ok()))
        .collect();
    let mut why: Vec<Option<(String, rhai::Position)>> = results
        .iter()
        .map(|r| match r {
            Some(l) => l.func.as_ref().err().map(|e| (e.reason.clone(), e.pos)),
            None => None,
        })
        .collect();
    loop {
        let mut changed = false;
        for (i, r) in results.iter().enumerate() {
            let Some(l) = r else { continue };
            if !ok[i] {
                continue;
            }
            if let Some(&(callee, pos)) = l.calls.iter().find(|(c, _)| !ok[*c as usize]) {
                ok[i] = false;
                let name = ids
                    .iter()
                    .find(|(_, &id)| id == callee)
                    .map(|((n, a), _)| format!("{n}/{a}"))
                    .unwrap_or_default();
                why[i] = Some((format!("calls `{name}`, which is interpreted"), pos));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    let mut report = Vec::new();
    let mut funcs = Vec::with_capacity(results.len());
    for (i, r) in results.into_iter().enumerate() {
        let Some(l) = r else {
            funcs.push(None);
            continue;
        };
        let (line, column) = match &why[i] {
            Some((_, p)) => pos(*p),
            None => pos(l.start),
        };
        report.push(FunctionReport {
            name: l.name.clone(),
            arity: l.arity,
            file: l.file.clone(),
            compiled: ok[i],
            reason: why[i].as_ref().map(|(r, _)| r.clone()),
            line,
            column,
        });
        funcs.push(if ok[i] { l.func.ok() } else { None });
    }
    report.sort_by(|a, b| (&a.name, a.arity).cmp(&(&b.name, b.arity)));

    let mut entries = crate::plan::FastMap::default();
    for (name, params) in ENTRY_POINTS {
        if let Some(&id) = ids.get(&((*name).to_owned(), params.len())) {
            if funcs[id as usize].is_some() {
                entries.insert((*name).into(), id);
            }
        }
    }
    let limits = src.limits;
    Some((
        Plan {
            consts,
            tables,
            table_index,
            versions,
            calendar: src.calendar.clone(),
            templates,
            funcs,
            entries,
            max_operations: limits.max_operations,
            max_call_levels: limits.max_call_levels,
            max_string_size: limits.max_string_size,
            max_array_size: limits.max_array_size,
            max_map_size: limits.max_map_size,
            keys,
            codes: Default::default(),
        },
        report,
    ))
}

#[cfg(feature = "scripted")]
fn pos(p: rhai::Position) -> (usize, usize) {
    (p.line().unwrap_or(0), p.position().unwrap_or(0))
}
