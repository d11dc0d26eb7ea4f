//! Rule functions (`HR011`, `HR030`–`HR035`): what each function calls and
//! which tables it names, read from Rhai's syntax tree.

use std::collections::BTreeSet;

use rhai::{ASTNode, Dynamic, Expr, Stmt, AST};

use super::tables::Chain;
use super::{names, strings_of, Findings, Level, Map};
use crate::evaluate::ENTRY_POINTS;
use crate::load::RulesetFiles;

/// The engine's helpers and the methods rules use, with their parameters:
/// a rule function with the same name and number of parameters replaces
/// them (Rhai looks up script functions first).
const HELPERS: &[(&str, usize)] = &[
    ("explain", 3),
    ("table", 1),
    ("row", 2),
    ("peek_row", 2),
    ("has_row", 2),
    ("find_row", 3),
    ("band", 2),
    ("deadline", 2),
    ("add_days", 2),
    ("days_between", 2),
    ("is_working_day", 1),
    ("weekday", 1),
    ("year_of", 1),
    ("input_error", 2),
    ("input_error", 4),
    ("closest_key", 2),
    ("contains", 2),
    ("starts_with", 2),
    ("ends_with", 2),
    ("is_empty", 1),
    ("len", 1),
    ("to_float", 1),
    ("to_int", 1),
    ("floor", 1),
    ("ceiling", 1),
    ("round", 1),
    ("abs", 1),
    ("keys", 1),
    ("push", 2),
];

/// Helpers whose first argument is a table name.
const TABLE_HELPERS: &[&str] = &[
    "table",
    "row",
    "peek_row",
    "has_row",
    "find_row",
    "band",
    "closest_key",
];

/// Helpers that read one row by its key.
const KEYED: &[&str] = &["row", "peek_row", "has_row"];

/// A helper call that names its table literally.
pub(crate) struct TableUse {
    pub helper: String,
    pub table: String,
    /// The key, when the helper reads by key and the key is a literal.
    pub key: Option<String>,
    pub at: (usize, usize),
}

/// One rule function of one file.
pub(crate) struct Func {
    pub level: usize,
    pub file: String,
    pub name: String,
    pub arity: usize,
    /// Where `fn name` is.
    pub at: (usize, usize),
    /// Calls to script functions: name and number of arguments (`None`
    /// for a method call, whose object may or may not count).
    pub calls: Vec<(String, Option<usize>)>,
    /// Every text literal in the body.
    pub strings: Vec<String>,
    /// The leading literal of each interpolated text (`catalogue_` of
    /// `` `catalogue_${x}` ``): a table name it may build.
    pub prefixes: Vec<String>,
    pub table_uses: Vec<TableUse>,
}

/// The functions of the chain.
pub(crate) struct Functions {
    pub all: Vec<Func>,
    /// (name, arity) → index in `all` of the definition in force.
    pub effective: Map<(String, usize), usize>,
    /// A rule file did not parse: checks that need every call are skipped
    /// (the loader reports the file, `HR000`).
    pub incomplete: bool,
}

fn engine() -> rhai::Engine {
    let ceiling = |name: &str| {
        crate::limits::LIMIT_RANGES
            .iter()
            .find(|r| r.0 == name)
            .map_or(64, |r| r.2 as usize)
    };
    let mut e = crate::engine::base_engine(crate::Limits::default());
    e.set_max_expr_depths(ceiling("max_expr_depth"), ceiling("max_expr_depth"));
    e.set_optimization_level(rhai::OptimizationLevel::None);
    e
}

fn pos(p: rhai::Position) -> (usize, usize) {
    (p.line().unwrap_or(0), p.position().unwrap_or(0))
}

/// The line and column of `fn name` before the body at `body` (Rhai keeps
/// only the body's position).
fn fn_position(text: &str, name: &str, body: (usize, usize)) -> (usize, usize) {
    let mut best = body;
    for (line_no, line) in text.lines().enumerate() {
        if line_no + 1 > body.0 {
            break;
        }
        for (i, _) in line.match_indices("fn") {
            let rest = line[i + 2..].trim_start();
            let before = line[..i].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            if let Some(after) = rest.strip_prefix(name) {
                if after.trim_start().starts_with('(') {
                    best = (line_no + 1, line[..i].chars().count() + 1);
                }
            }
        }
    }
    best
}

fn dynamic_strings(d: &Dynamic, out: &mut Vec<String>) {
    if let Ok(s) = d.clone().into_immutable_string() {
        out.push(s.to_string());
    } else if let Some(a) = d.read_lock::<rhai::Array>() {
        a.iter().for_each(|x| dynamic_strings(x, out));
    } else if let Some(m) = d.read_lock::<rhai::Map>() {
        m.values().for_each(|x| dynamic_strings(x, out));
    }
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::StringConstant(s, _) => Some(s.to_string()),
        _ => None,
    }
}

/// What one function's body calls and names.
fn read_body(ast: &AST, f: &mut Func) {
    ast.walk(&mut |path: &[ASTNode]| {
        let call = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(c, p))) | Some(ASTNode::Stmt(Stmt::FnCall(c, p))) => {
                Some((c, *p, false))
            }
            Some(ASTNode::Expr(Expr::MethodCall(c, p))) => Some((c, *p, true)),
            Some(ASTNode::Expr(Expr::StringConstant(s, _))) => {
                f.strings.push(s.to_string());
                None
            }
            Some(ASTNode::Expr(Expr::DynamicConstant(d, _))) => {
                dynamic_strings(d, &mut f.strings);
                None
            }
            Some(ASTNode::Expr(Expr::InterpolatedString(parts, _))) => {
                if let Some(first) = parts.first().and_then(literal) {
                    f.prefixes.push(first);
                }
                None
            }
            _ => None,
        };
        if let Some((c, p, method)) = call {
            let name = c.name.to_string();
            f.calls
                .push((name.clone(), (!method).then_some(c.args.len())));
            if !method && TABLE_HELPERS.contains(&name.as_str()) {
                if let Some(table) = c.args.first().and_then(literal) {
                    let key = KEYED
                        .contains(&name.as_str())
                        .then(|| c.args.get(1).and_then(literal))
                        .flatten();
                    f.table_uses.push(TableUse {
                        helper: name,
                        table,
                        key,
                        at: pos(p),
                    });
                }
            }
        }
        true
    });
}

impl Functions {
    pub fn read(files: &RulesetFiles, levels: &[Level]) -> Functions {
        let engine = engine();
        let mut out = Functions {
            all: Vec::new(),
            effective: Map::new(),
            incomplete: false,
        };
        for (level, l) in levels.iter().enumerate() {
            for (path, text) in files.under(&l.dir, "rules", ".rhai") {
                let Ok(ast) = engine.compile(text) else {
                    out.incomplete = true;
                    continue;
                };
                for def in ast.iter_fn_def() {
                    let (name, arity) = (def.name.to_string(), def.params.len());
                    let mut f = Func {
                        level,
                        file: path.to_owned(),
                        at: fn_position(text, &name, pos(def.body.start_position())),
                        name: name.clone(),
                        arity,
                        calls: Vec::new(),
                        strings: Vec::new(),
                        prefixes: Vec::new(),
                        table_uses: Vec::new(),
                    };
                    let one =
                        ast.clone_functions_only_filtered(|_, _, _, n, a| n == name && a == arity);
                    read_body(&one, &mut f);
                    out.effective.insert((name, arity), out.all.len());
                    out.all.push(f);
                }
            }
        }
        out
    }

    pub fn in_force(&self) -> impl Iterator<Item = &Func> {
        self.effective.values().map(|&i| &self.all[i])
    }

    /// Whether `name` is defined below `level` (with `arity`, or any).
    fn defined_below(&self, level: usize, name: &str, arity: Option<usize>) -> bool {
        self.all
            .iter()
            .any(|f| f.level < level && f.name == name && arity.is_none_or(|a| a == f.arity))
    }

    pub fn check(&self, chain: &Chain, levels: &[Level], out: &mut Findings) {
        for f in &self.all {
            if HELPERS.contains(&(f.name.as_str(), f.arity)) {
                out.add(
                    "HR033",
                    &f.file,
                    f.at,
                    format!(
                        "`{}/{}` has the name and parameters of a helper the engine provides: it replaces it for every rule; rename it",
                        f.name, f.arity
                    ),
                );
            }
            if f.level > 0
                && !self.defined_below(f.level, &f.name, Some(f.arity))
                && self.defined_below(f.level, &f.name, None)
            {
                let theirs: BTreeSet<usize> = self
                    .all
                    .iter()
                    .filter(|g| g.level < f.level && g.name == f.name)
                    .map(|g| g.arity)
                    .collect();
                out.add(
                    "HR032",
                    &f.file,
                    f.at,
                    format!(
                        "`{}` takes {} parameters here and {} in the parent: it adds a function instead of replacing the parent's",
                        f.name,
                        f.arity,
                        theirs.iter().map(usize::to_string).collect::<Vec<_>>().join(" or ")
                    ),
                );
            }
            if f.level > 0
                && !is_entry(&f.name, f.arity)
                && self
                    .effective
                    .get(&(f.name.clone(), f.arity))
                    .map(|&i| &self.all[i])
                    .is_some_and(|g| std::ptr::eq(g, f))
                && self.defined_below(f.level, &f.name, Some(f.arity))
                && self
                    .all
                    .iter()
                    .any(|g| g.level < f.level && calls(g, &f.name, f.arity))
                && !names(&description(levels, f.level), &f.name)
            {
                out.add(
                    "HR035",
                    &f.file,
                    f.at,
                    format!(
                        "`{}/{}` replaces the parent's helper of that name, also where the parent's rules call it; \
                         name it in `description` if that is meant, or give your helper its own name",
                        f.name, f.arity
                    ),
                );
            }
        }
        for f in self.in_force() {
            for u in &f.table_uses {
                if chain.get(&u.table).is_none() {
                    out.add(
                        "HR034",
                        &f.file,
                        u.at,
                        format!(
                            "`{}(\"{}\", …)`: the chain has no table `{}`",
                            u.helper, u.table, u.table
                        ),
                    );
                }
            }
        }
        if self.incomplete {
            return;
        }
        self.never_called(out);
        self.tables_read(chain, out);
    }

    /// `HR030`.
    fn never_called(&self, out: &mut Findings) {
        for f in self.in_force() {
            if is_entry(&f.name, f.arity) {
                continue;
            }
            let called = self.in_force().any(|g| {
                (!std::ptr::eq(g, f) && calls(g, &f.name, f.arity)) || g.strings.contains(&f.name)
            });
            if !called {
                out.add(
                    "HR030",
                    &f.file,
                    f.at,
                    format!(
                        "`{}/{}` is never called: no other function of the chain calls it and it is not an entry point",
                        f.name, f.arity
                    ),
                );
            }
        }
    }

    /// `HR031` and `HR011`.
    fn tables_read(&self, chain: &Chain, out: &mut Findings) {
        // Names in table data (`catalogues.table`) and declarations.
        let mut in_data: Map<String, BTreeSet<String>> = Map::new();
        for t in chain.in_force() {
            let mut s = Vec::new();
            for row in &t.raw.rows {
                for v in row.get_ref().values() {
                    strings_of(v.get_ref(), &mut s);
                }
            }
            if let Some(v) = &t.raw.values {
                strings_of(&toml::Value::Table(v.clone()), &mut s);
            }
            if let Some(r) = &t.raw.references {
                s.extend(r.get_ref().values().map(|v| v.get_ref().clone()));
            }
            if let Some(a) = &t.raw.aligns_with {
                s.push(a.get_ref().clone());
            }
            for name in s {
                in_data.entry(name).or_default().insert(t.name.clone());
            }
        }
        for t in chain.in_force() {
            if t.raw.kind.get_ref() == "calendar" {
                continue; // the engine reads every calendar
            }
            // A version of a table is read by the table's name.
            let name = t.read_as().to_owned();
            let named_by_data = in_data
                .get(&name)
                .is_some_and(|by| by.iter().any(|b| *b != t.name))
                || in_data
                    .get(&name)
                    .is_some_and(|_| t.raw.references.is_some());
            let maybe_built = self
                .in_force()
                .flat_map(|f| &f.prefixes)
                .any(|p| !p.is_empty() && name.starts_with(p.as_str()));
            let mentions = self
                .in_force()
                .flat_map(|f| &f.strings)
                .filter(|s| **s == name)
                .count();
            if mentions == 0 && !named_by_data && !maybe_built {
                out.at(
                    "HR031",
                    &t.path,
                    t.text,
                    t.raw.kind.span().start,
                    format!(
                        "table `{}` is never read: no rule and no other table names it",
                        t.name
                    ),
                );
                continue;
            }
            // Rows no rule reaches: every mention reads one row by a literal key.
            if !t.is_keyed_rows() || named_by_data || maybe_built || in_data.contains_key(&name) {
                continue;
            }
            let uses: Vec<&TableUse> = self
                .in_force()
                .flat_map(|f| &f.table_uses)
                .filter(|u| u.table == name)
                .collect();
            if uses.len() != mentions || uses.iter().any(|u| u.key.is_none()) {
                continue;
            }
            let reached: BTreeSet<&str> = uses.iter().filter_map(|u| u.key.as_deref()).collect();
            for (i, row) in t.raw.rows.iter().enumerate() {
                let Some(k) = t.key_of(i) else { continue };
                if !reached.contains(k.as_str()) {
                    out.at(
                        "HR011",
                        &t.path,
                        t.text,
                        row.span().start,
                        format!(
                            "row `{k}` is never read: the rules read `{}` only by the keys {}",
                            t.name,
                            reached
                                .iter()
                                .map(|k| format!("\"{k}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    );
                }
            }
        }
    }
}

fn is_entry(name: &str, arity: usize) -> bool {
    ENTRY_POINTS
        .iter()
        .any(|(n, p)| *n == name && p.len() == arity)
}

fn calls(g: &Func, name: &str, arity: usize) -> bool {
    g.calls
        .iter()
        .any(|(n, a)| n == name && a.is_none_or(|a| a == arity))
}

/// The description of the manifest at `level` (empty when it has none or
/// does not parse).
pub(crate) fn description(levels: &[Level], level: usize) -> String {
    levels
        .get(level)
        .and_then(|l| toml::from_str::<Map<String, toml::Value>>(l.manifest_text).ok())
        .and_then(|m| {
            m.get("description")
                .and_then(|d| d.as_str())
                .map(str::to_owned)
        })
        .unwrap_or_default()
}
