//! Static checks over a whole ruleset chain (`hazard-rules lint`).
//!
//! Loading ([`crate::Ruleset::from_files`]) stops at the first error;
//! linting reads every file of the chain on its own and reports everything
//! it can prove wrong or suspicious, each finding with its file, line,
//! column, severity and a stable code from [`CODES`]. A chain that does not
//! load is reported too, as `HR000` at the loader's position, so `lint`
//! finds at least what `check` finds.
//!
//! ```
//! use hazard_rules::lint::{lint, Severity};
//! use hazard_rules::RulesetFiles;
//!
//! let mut files = RulesetFiles::embedded("national");
//! files.files.insert("demo/ruleset.toml".into(), r#"
//!     id = "demo"
//!     version = "1"
//!     title = "demo"
//!     description = "Changes from national: `accident_deaths`."
//!     extends = "../national"
//!     effective_from = "2024-01-01"
//! "#.into());
//! // Deaths 3..5 match no row: a gap between two bands.
//! files.files.insert("demo/tables/accident_deaths.toml".into(), r#"
//! kind = "bands"
//! [[rows]]
//! gte = 5
//! grade = "large"
//! [[rows]]
//! gte = 0
//! lt = 3
//! grade = "general"
//! "#.into());
//! files.leaf = "demo".into();
//! let findings = lint(&files);
//! let gap = findings.iter().find(|f| f.code == "HR001").unwrap();
//! assert_eq!(gap.severity, Severity::Error);
//! assert_eq!((gap.file.as_str(), gap.line), ("demo/tables/accident_deaths.toml", 3));
//! assert_eq!(gap.to_string(), "demo/tables/accident_deaths.toml:3:1: error HR001: \
//!     values from 3 (inclusive) to 5 (exclusive) match no row");
//! ```

mod bands;
mod manifest;
mod rules;
mod tables;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Error, RulesetError};
use crate::load::RulesetFiles;

/// How serious a finding is: an error is wrong (a value matches no band, a
/// reference names nothing); a warning is probably a mistake (a table no
/// rule reads). `lint` exits 1 on errors only, unless told to deny warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding. Lines and columns are 1-based; 0 when the problem is a
/// whole file's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} {}: {}",
            self.file, self.line, self.column, self.severity, self.code, self.message
        )
    }
}

/// Every lint code: `(code, severity, what it means)`. Codes are stable: a
/// code is never reused for another check.
pub const CODES: &[(&str, Severity, &str)] = &[
    ("HR000", Severity::Error, "the chain does not load (the loader's error)"),
    ("HR001", Severity::Error, "bands: values between two bands match no row (a gap)"),
    ("HR002", Severity::Error, "bands: a value matches two rows (an overlap; the first wins)"),
    ("HR003", Severity::Error, "bands: a row no value can reach (earlier rows hold all of it)"),
    ("HR004", Severity::Warning, "bands: an edge written on one side only (the other row's end is implied by row order)"),
    ("HR005", Severity::Error, "bands: a NaN edge, or a lower edge above the upper (an empty band)"),
    ("HR006", Severity::Error, "bands: edges differ from those of the table named by `aligns_with`"),
    ("HR010", Severity::Error, "rows: a key given twice"),
    ("HR011", Severity::Warning, "rows: a row no rule can reach (the rules read the table only by other literal keys)"),
    ("HR012", Severity::Error, "rows: a value declared in `references` is not a key of the table named"),
    ("HR020", Severity::Warning, "calendar: a date of another year than the table's"),
    ("HR021", Severity::Warning, "calendar: two holidays overlap"),
    ("HR022", Severity::Error, "calendar: a make-up working day that is not a Saturday or Sunday, or is also a holiday"),
    ("HR030", Severity::Warning, "rules: a function no other function calls (and not an entry point)"),
    ("HR031", Severity::Warning, "rules: a table no rule and no table names"),
    ("HR032", Severity::Warning, "rules: an overlay function with a parent's name but another number of parameters (it adds, not replaces)"),
    ("HR033", Severity::Error, "rules: a function with the name and parameters of an engine helper or method (it shadows it)"),
    ("HR034", Severity::Error, "rules: a helper call names a table the chain does not have"),
    ("HR035", Severity::Warning, "rules: an overlay replaces a parent's helper (not an entry point) that the description does not name"),
    ("HR040", Severity::Error, "manifest: a limit outside its allowed range"),
    ("HR042", Severity::Warning, "versions: days between two versions of a table that no version covers (a gap)"),
    ("HR041", Severity::Warning, "manifest: `description` does not name a table or function the overlay replaces or a table it adds"),
];

/// The severity of a code in [`CODES`].
fn severity(code: &str) -> Severity {
    CODES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, s, _)| *s)
        .unwrap_or_else(|| panic!("lint code {code} is not in CODES"))
}

/// Collects findings; the severity of each comes from [`CODES`].
#[derive(Default)]
pub(crate) struct Findings(Vec<Finding>);

impl Findings {
    pub(crate) fn add(
        &mut self,
        code: &'static str,
        file: &str,
        (line, column): (usize, usize),
        message: impl Into<String>,
    ) {
        self.0.push(Finding {
            code,
            severity: severity(code),
            file: file.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    /// At the byte offset `at` of `text`.
    pub(crate) fn at(
        &mut self,
        code: &'static str,
        file: &str,
        text: &str,
        at: usize,
        message: impl Into<String>,
    ) {
        self.add(code, file, crate::tables::line_col(text, at), message);
    }
}

/// One ruleset of the chain: its directory, manifest path and text.
pub(crate) struct Level<'a> {
    pub dir: String,
    pub manifest_path: String,
    pub manifest_text: &'a str,
}

/// Lints a chain. Findings come in file, line and column order.
pub fn lint(files: &RulesetFiles) -> Vec<Finding> {
    let mut out = Findings::default();
    match files
        .chain_dirs()
        .map_err(|e| (e, files.chain_dirs_by_extends()))
    {
        Err((e, None)) => from_load_error(&mut out, &Error::Ruleset(e)),
        Ok(dirs) | Err((_, Some(dirs))) => {
            let levels: Vec<Level> = dirs
                .iter()
                .map(|d| {
                    let manifest_path = files.manifest_path(d);
                    let manifest_text = files.files.get(&manifest_path).map_or("", String::as_str);
                    Level {
                        dir: d.clone(),
                        manifest_path,
                        manifest_text,
                    }
                })
                .collect();
            let chain = tables::Chain::read(files, &levels);
            chain.check(&mut out);
            let fns = rules::Functions::read(files, &levels);
            fns.check(&chain, &levels, &mut out);
            manifest::check(&levels, &chain, &fns, &mut out);
            match crate::Ruleset::from_files(files.clone()) {
                Ok(rs) => version_gaps(&rs, &chain, &mut out),
                Err(e) => from_load_error(&mut out, &e),
            }
        }
    }
    let mut v = out.0;
    v.sort_by(|a, b| (&a.file, a.line, a.column, a.code).cmp(&(&b.file, b.line, b.column, b.code)));
    v.dedup();
    v
}

/// `HR042`: a gap between two versions of a table (overlaps are the
/// loader's error). Found at the later version's `valid_from`.
fn version_gaps(rs: &crate::Ruleset, chain: &tables::Chain, out: &mut Findings) {
    let Some(rules) = rs.rules.as_ref() else {
        return;
    };
    for (name, after, first, last) in rules.versions.gaps() {
        let Some(t) = chain.in_force().find(|t| t.name == after) else {
            continue;
        };
        let at = t
            .raw
            .valid_from
            .as_ref()
            .map_or(t.raw.kind.span().start, |v| v.span().start);
        out.at(
            "HR042",
            &t.path,
            t.text,
            at,
            format!("no version of `{name}` is in force from {first} to {last}: a hazard of those days is an input error; give the earlier version `valid_to` = the day before this one's `valid_from`, or add a version for the gap"),
        );
    }
}

/// The loader's error as `HR000`, unless a finding already says it at the
/// same place (lint's own check is more specific).
fn from_load_error(out: &mut Findings, e: &Error) {
    let e = match e {
        Error::Ruleset(e) => e.clone(),
        other => RulesetError::in_file("<chain>", other.to_string()),
    };
    let said = out
        .0
        .iter()
        .any(|f| f.file == e.file && f.line == e.line && f.column == e.column);
    if !said {
        out.add("HR000", &e.file, (e.line, e.column), e.message);
    }
}

/// Whether `text` names `word` as a whole word (not inside a longer
/// identifier).
pub(crate) fn names(text: &str, word: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Every text of a TOML value (strings, and strings in lists and tables).
pub(crate) fn strings_of(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|x| strings_of(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| strings_of(x, out)),
        _ => {}
    }
}

pub(crate) type Map<K, V> = BTreeMap<K, V>;
