//! Test coverage of a ruleset chain: which rule ids, table rows and band rows
//! its test cases reached, read from the decisions' traces.
//!
//! What is counted, per file of the chain after overlays:
//!
//! - **Rule ids**: the string-literal first argument of every `explain(...)`
//!   call in the functions that are in force (a function an overlay replaces
//!   — same name and arity — does not count, the overlay's does). An id
//!   written by interpolation cannot be listed before running: when one
//!   fires it is listed under [`Report::dynamic_ids`], and it is never
//!   required.
//! - **Band rows**: every row of every `bands` table, by its 1-based index
//!   (the trace's `row` for a band).
//! - **Table rows**: every row of a `rows` table that rules read row by row
//!   (`row(...)`, which the trace records), by key. A `rows` table that no
//!   rule reads with `row` — read whole with `table(..)` and scanned, or only
//!   with `peek_row`, `has_row`, `find_row` — leaves no per-row trace: it is
//!   reported as [`Tracing::NotTraced`], never as missed. A table counts as
//!   read row by row when a rule file names it as the literal first argument
//!   of `row`/`band`, or when a row of it is in some case's trace (names
//!   computed at run time, e.g. a catalogue's table).
//! - **Values tables** are reached when read whole (`table(name)`), which the
//!   trace records: one item per table.
//! - **Calendar tables** are not counted: a deadline records the calendar
//!   entry `civil_code_201_203`, not which holiday it skipped; they are
//!   listed with [`Tracing::Calendar`].
//!
//! A row that no input can reach is excluded from the percentage by a
//! comment inside the row (on its `[[rows]]` line or before the next):
//! `# coverage: unreachable: <why>`. It is listed with its reason.
//!
//! Rule ids and band rows are what [`Report::below`] checks (`hazard-rules
//! test --min-coverage N`); table rows and values tables are reported.
//!
//! ```
//! use hazard_rules::{coverage::Coverage, Input, Ruleset, RulesetFiles};
//!
//! let files = RulesetFiles::embedded("national");
//! let rules = Ruleset::from_files(files.clone()).unwrap();
//! let mut coverage = Coverage::new(&files).unwrap();
//! let input = Input::from_json(r#"{"accident": {"kind": "production", "deaths": 3}}"#).unwrap();
//! coverage.record(&rules.evaluate(&input, "2024-06-30".parse().unwrap()).unwrap());
//! let report = coverage.report();
//! // Three deaths: band row 3 of `accident_deaths` (3 ≤ deaths < 10, 较大事故).
//! let deaths = report.tables.iter().find(|t| t.name == "accident_deaths").unwrap();
//! assert!(deaths.items.iter().any(|r| r.id == "3" && r.hits == 1));
//! assert!(deaths.items.iter().any(|r| r.id == "1" && r.hits == 0));
//! // Far from complete after one input.
//! assert!(!report.below(100.0).is_empty());
//! ```

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::decision::Decision;
use crate::error::RulesetError;
use crate::load::RulesetFiles;
use crate::tables::line_col;

/// The marker that excludes a row from the percentage.
const UNREACHABLE: &str = "coverage: unreachable";

/// The items a chain's cases may reach, and how often each was.
#[derive(Debug, Clone)]
pub struct Coverage {
    rule_files: Vec<Tally>,
    tables: Vec<(Tally, TableMeta)>,
    dynamic_ids: BTreeMap<String, usize>,
    calendar_hits: usize,
    decisions: usize,
}

#[derive(Debug, Clone)]
struct Tally {
    file: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
struct TableMeta {
    name: String,
    kind: String,
    /// Named as the literal table of `row`/`band` in a rule in force.
    read_by_row: bool,
    /// A row of it was in a trace.
    seen_row: bool,
}

/// One rule id or table row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Rule id, row key, 1-based band index, or the values table's name.
    pub id: String,
    /// 1-based line in the file (the `explain` call, the `[[rows]]` header).
    pub line: usize,
    /// How many trace entries named it.
    pub hits: usize,
    /// Why it is not counted (`# coverage: unreachable: ...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excluded: Option<String>,
}

/// How a table's use shows in the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tracing {
    /// Bands, and rows tables read with `row`: each row used is traced.
    PerRow,
    /// A values table: reading it whole is traced.
    Whole,
    /// A rows table no rule reads with `row`: the rows used are not traced.
    NotTraced,
    /// A calendar year: not counted.
    Calendar,
}

/// Coverage of one rule file or table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileCoverage {
    pub file: String,
    /// Table name (empty for a rule file).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `rule` for a rule file, else the table's kind (`rows`, `bands`, `values`, `calendar`).
    pub kind: String,
    pub tracing: Tracing,
    /// Items reached, of those counted (excluded ones are not).
    pub reached: usize,
    pub total: usize,
    /// `reached / total` in percent; `None` when nothing is counted.
    pub percent: Option<f64>,
    pub items: Vec<Item>,
}

impl FileCoverage {
    /// The counted items never reached.
    pub fn missed(&self) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(|i| i.hits == 0 && i.excluded.is_none())
    }

    /// Whether `--min-coverage` applies: rule files and band tables.
    pub fn required(&self) -> bool {
        self.kind == "rule" || self.kind == "bands"
    }
}

/// Reached over total, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Sum {
    pub reached: usize,
    pub total: usize,
    pub percent: Option<f64>,
}

impl Sum {
    fn of<'a>(files: impl Iterator<Item = &'a FileCoverage>) -> Sum {
        let (reached, total) = files.fold((0, 0), |(r, t), f| (r + f.reached, t + f.total));
        Sum {
            reached,
            total,
            percent: percent(reached, total),
        }
    }
}

/// What [`Coverage::report`] shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Decisions recorded.
    pub decisions: usize,
    pub rule_files: Vec<FileCoverage>,
    pub tables: Vec<FileCoverage>,
    /// Rule ids that fired but are written by interpolation (not literal in
    /// any `explain`), with their hits: seen, never required.
    pub dynamic_ids: BTreeMap<String, usize>,
    /// Deadlines counted on the calendar (`civil_code_201_203` entries).
    pub calendar_hits: usize,
    pub rule_ids: Sum,
    pub band_rows: Sum,
    pub table_rows: Sum,
    pub values_tables: Sum,
}

impl Report {
    /// Rule files and band tables whose percentage is below `min`, each as
    /// `file: reached/total (p %)`.
    pub fn below(&self, min: f64) -> Vec<String> {
        self.rule_files
            .iter()
            .chain(&self.tables)
            .filter(|f| f.required())
            .filter_map(|f| {
                let p = f.percent?;
                (p + 1e-9 < min)
                    .then(|| format!("{}: {}/{} ({p:.1} %)", f.file, f.reached, f.total))
            })
            .collect()
    }
}

fn percent(reached: usize, total: usize) -> Option<f64> {
    (total > 0).then(|| 100.0 * reached as f64 / total as f64)
}

impl Coverage {
    /// Lists what a chain's cases may reach: the rule ids and rows of the
    /// files in force after overlays.
    pub fn new(files: &RulesetFiles) -> Result<Coverage, RulesetError> {
        let dirs = files.chain_dirs()?;
        // Tables: a child's table replaces its parent's of the same name.
        let mut table_files: BTreeMap<String, (&str, &str)> = BTreeMap::new();
        let mut scripts: Vec<(&str, rhai::AST)> = Vec::new();
        let mut engine = rhai::Engine::new_raw();
        engine.set_max_expr_depths(0, 0);
        for dir in &dirs {
            for (path, text) in files.under(dir, "tables", ".toml") {
                table_files.insert(crate::load::stem(path).to_owned(), (path, text));
            }
            for (path, text) in files.under(dir, "rules", ".rhai") {
                let ast = engine.compile(text).map_err(|e| {
                    let p = e.position();
                    RulesetError::new(
                        path,
                        p.line().unwrap_or(0),
                        p.position().unwrap_or(0),
                        e.err_type().to_string(),
                    )
                })?;
                scripts.push((path, ast));
            }
        }
        // Functions in force: the last file to define a name and arity.
        let mut owner: BTreeMap<(String, usize), usize> = BTreeMap::new();
        for (i, (_, ast)) in scripts.iter().enumerate() {
            for f in ast.iter_functions() {
                owner.insert((f.name.to_owned(), f.params.len()), i);
            }
        }
        let mut by_row: BTreeSet<String> = BTreeSet::new();
        let mut rule_files = Vec::new();
        for (i, (path, ast)) in scripts.iter().enumerate() {
            let own = ast.clone_functions_only_filtered(|_, _, _, name, arity| {
                owner.get(&(name.to_owned(), arity)) == Some(&i)
            });
            let mut items: Vec<Item> = Vec::new();
            for (callee, arg, line) in literal_calls(&own) {
                match callee.as_str() {
                    "explain" if !items.iter().any(|it| it.id == arg) => items.push(Item {
                        id: arg,
                        line,
                        hits: 0,
                        excluded: None,
                    }),
                    "row" | "band" => {
                        by_row.insert(arg);
                    }
                    _ => {}
                }
            }
            items.sort_by_key(|it| it.line);
            rule_files.push(Tally {
                file: (*path).to_owned(),
                items,
            });
        }
        let mut tables = Vec::new();
        for (name, (path, text)) in table_files {
            let (kind, items) = table_items(path, text)?;
            tables.push((
                Tally {
                    file: path.to_owned(),
                    items,
                },
                TableMeta {
                    read_by_row: by_row.contains(&name),
                    name,
                    kind,
                    seen_row: false,
                },
            ));
        }
        Ok(Coverage {
            rule_files,
            tables,
            dynamic_ids: BTreeMap::new(),
            calendar_hits: 0,
            decisions: 0,
        })
    }

    /// Counts what a decision's trace shows.
    pub fn record(&mut self, decision: &Decision) {
        self.decisions += 1;
        for t in &decision.trace {
            match (t.kind.as_str(), &t.row) {
                ("rule", _) => {
                    let mut found = false;
                    for f in &mut self.rule_files {
                        for it in f.items.iter_mut().filter(|it| it.id == t.id) {
                            it.hits += 1;
                            found = true;
                        }
                    }
                    if !found {
                        *self.dynamic_ids.entry(t.id.clone()).or_default() += 1;
                    }
                }
                ("calendar", _) => self.calendar_hits += 1,
                ("table", row) => {
                    let Some((tally, meta)) = self.tables.iter_mut().find(|(_, m)| m.name == t.id)
                    else {
                        continue;
                    };
                    let want = match row {
                        Some(r) => {
                            meta.seen_row = true;
                            r.as_str()
                        }
                        None => t.id.as_str(),
                    };
                    for it in tally.items.iter_mut().filter(|it| it.id == want) {
                        it.hits += 1;
                    }
                }
                _ => {}
            }
        }
    }

    /// The counts, per file, with the items never reached.
    pub fn report(&self) -> Report {
        let rule_files: Vec<FileCoverage> = self
            .rule_files
            .iter()
            .map(|t| summarise(&t.file, "", "rule", Tracing::PerRow, &t.items))
            .collect();
        let tables: Vec<FileCoverage> = self
            .tables
            .iter()
            .map(|(t, m)| {
                let tracing = match m.kind.as_str() {
                    "bands" => Tracing::PerRow,
                    "values" => Tracing::Whole,
                    "calendar" => Tracing::Calendar,
                    _ if m.read_by_row || m.seen_row => Tracing::PerRow,
                    _ => Tracing::NotTraced,
                };
                summarise(&t.file, &m.name, &m.kind, tracing, &t.items)
            })
            .collect();
        let kind = |k: &'static str| move |f: &&FileCoverage| f.kind == k;
        Report {
            decisions: self.decisions,
            rule_ids: Sum::of(rule_files.iter()),
            band_rows: Sum::of(tables.iter().filter(kind("bands"))),
            table_rows: Sum::of(tables.iter().filter(kind("rows"))),
            values_tables: Sum::of(tables.iter().filter(kind("values"))),
            rule_files,
            tables,
            dynamic_ids: self.dynamic_ids.clone(),
            calendar_hits: self.calendar_hits,
        }
    }
}

fn summarise(file: &str, name: &str, kind: &str, tracing: Tracing, items: &[Item]) -> FileCoverage {
    let counted = matches!(tracing, Tracing::PerRow | Tracing::Whole);
    let (reached, total) = if counted {
        let live = items.iter().filter(|i| i.excluded.is_none());
        let total = live.clone().count();
        (live.filter(|i| i.hits > 0).count(), total)
    } else {
        (0, 0)
    };
    FileCoverage {
        file: file.to_owned(),
        name: name.to_owned(),
        kind: kind.to_owned(),
        tracing,
        reached,
        total,
        percent: percent(reached, total),
        items: items.to_vec(),
    }
}

/// Every call of `explain`, `row` or `band` whose first argument is a
/// string literal: (function, literal, line).
fn literal_calls(ast: &rhai::AST) -> Vec<(String, String, usize)> {
    use rhai::{ASTNode, Expr, Stmt};
    let mut out = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let (call, pos) = match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, pos)))
            | Some(ASTNode::Stmt(Stmt::FnCall(call, pos))) => (call, pos),
            _ => return true,
        };
        if matches!(call.name.as_str(), "explain" | "row" | "band") {
            if let Some(Expr::StringConstant(s, _)) = call.args.first() {
                out.push((
                    call.name.to_string(),
                    s.to_string(),
                    pos.line().unwrap_or(0),
                ));
            }
        }
        true
    });
    out
}

/// `[[rows]]`, alone or followed by a comment.
fn is_header(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("[[rows]]")
        .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
}

/// A table's kind and its items with their lines and exclusions.
fn table_items(path: &str, text: &str) -> Result<(String, Vec<Item>), RulesetError> {
    #[derive(Deserialize)]
    struct Raw {
        kind: String,
        #[serde(default)]
        key: Option<String>,
        #[serde(default)]
        rows: Vec<toml::Spanned<toml::Table>>,
    }
    let raw: Raw = toml::from_str(text).map_err(|e| crate::tables::toml_error(path, text, &e))?;
    let lines: Vec<&str> = text.lines().collect();
    // A row's header: the last `[[rows]]` line at or before its span.
    let header = |offset: usize| {
        let (line, _) = line_col(text, offset);
        (1..=line)
            .rev()
            .find(|&l| lines.get(l - 1).is_some_and(|s| is_header(s)))
            .unwrap_or(line)
    };
    let starts: Vec<usize> = raw.rows.iter().map(|r| header(r.span().start)).collect();
    let mut items = Vec::new();
    match raw.kind.as_str() {
        "values" => items.push(Item {
            id: crate::load::stem(path).to_owned(),
            line: 1,
            hits: 0,
            excluded: None,
        }),
        "rows" | "bands" => {
            for (i, row) in raw.rows.iter().enumerate() {
                let id = match (&raw.kind[..], &raw.key) {
                    ("rows", Some(k)) => row.get_ref().get(k).map_or(String::new(), |v| match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    }),
                    _ => format!("{}", i + 1),
                };
                let end = starts.get(i + 1).copied().unwrap_or(lines.len() + 1);
                let excluded = lines[starts[i].saturating_sub(1)..end.saturating_sub(1)]
                    .iter()
                    .find_map(|l| {
                        let c = l.split_once('#')?.1.trim();
                        let why = c.strip_prefix(UNREACHABLE)?;
                        Some(
                            why.trim_start_matches([':', ' ', '—', '-'])
                                .trim()
                                .to_owned(),
                        )
                    });
                items.push(Item {
                    id,
                    line: starts[i],
                    hits: 0,
                    excluded,
                });
            }
        }
        _ => {}
    }
    Ok((raw.kind, items))
}
