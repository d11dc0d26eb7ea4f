//! The chain's tables as lint reads them (with the place of every row and
//! field), and the checks of rows tables (`HR010`–`HR012`) and calendars
//! (`HR020`–`HR022`). Bands are in [`super::bands`].

use std::collections::BTreeMap;
use std::ops::Range;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use toml::Spanned;

use super::{Findings, Level, Map};
use crate::load::RulesetFiles;

/// A table file, parsed leniently: what the loader would refuse is its
/// error to report (`HR000`), and what lint checks keeps its spans.
#[derive(Deserialize)]
pub(crate) struct Raw {
    pub kind: Spanned<String>,
    #[serde(default)]
    pub key: Option<Spanned<String>>,
    #[serde(default)]
    pub references: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    #[serde(default)]
    pub aligns_with: Option<Spanned<String>>,
    /// The table this file is a version of (`in_force`).
    #[serde(default)]
    pub table: Option<Spanned<String>>,
    #[serde(default)]
    pub valid_from: Option<Spanned<String>>,
    #[serde(default)]
    pub rows: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
    #[serde(default)]
    pub values: Option<toml::Table>,
    #[serde(default)]
    pub year: Option<Spanned<i64>>,
    #[serde(default)]
    pub holidays: Vec<Spanned<Holiday>>,
    #[serde(default)]
    pub workdays: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
pub(crate) struct Holiday {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// One table file of the chain.
pub(crate) struct TableFile<'a> {
    /// Index of its ruleset in the chain (0 = base).
    pub level: usize,
    pub name: String,
    pub path: String,
    pub text: &'a str,
    pub raw: Raw,
}

impl TableFile<'_> {
    /// The name the rules read it by: the table it is a version of, or its own.
    pub fn read_as(&self) -> &str {
        self.raw.table.as_ref().map_or(&self.name, |t| t.get_ref())
    }

    /// The text of a row's key, as the loader indexes it.
    pub fn key_of(&self, row: usize) -> Option<String> {
        let key = self.raw.key.as_ref()?.get_ref();
        self.raw.rows[row]
            .get_ref()
            .get(key)
            .map(|v| key_text(v.get_ref()))
    }

    /// The keys of a keyed rows table.
    pub fn keys(&self) -> Vec<String> {
        (0..self.raw.rows.len())
            .filter_map(|i| self.key_of(i))
            .collect()
    }

    pub fn is_keyed_rows(&self) -> bool {
        self.raw.kind.get_ref() == "rows" && self.raw.key.is_some()
    }

    fn at(&self, out: &mut Findings, code: &'static str, span: Range<usize>, message: String) {
        out.at(code, &self.path, self.text, span.start, message);
    }
}

pub(crate) fn key_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every table file of the chain, and which one each name resolves to.
pub(crate) struct Chain<'a> {
    pub files: Vec<TableFile<'a>>,
    /// Name → index in `files` of the table in force (a child's replaces
    /// its parent's).
    pub effective: Map<String, usize>,
}

impl<'a> Chain<'a> {
    pub fn read(files: &'a RulesetFiles, levels: &[Level]) -> Chain<'a> {
        let mut out = Chain {
            files: Vec::new(),
            effective: Map::new(),
        };
        for (level, l) in levels.iter().enumerate() {
            for (path, text) in files.under(&l.dir, "tables", ".toml") {
                let name = path.rsplit('/').next().unwrap_or(path);
                let name = name.strip_suffix(".toml").unwrap_or(name).to_owned();
                // A file the loader cannot read is its error (HR000).
                let Ok(raw) = toml::from_str::<Raw>(text) else {
                    continue;
                };
                out.effective.insert(name.clone(), out.files.len());
                out.files.push(TableFile {
                    level,
                    name,
                    path: path.to_owned(),
                    text,
                    raw,
                });
            }
        }
        out
    }

    /// The table in force named `name`.
    pub fn get(&self, name: &str) -> Option<&TableFile<'a>> {
        self.effective.get(name).map(|&i| &self.files[i])
    }

    /// The tables in force.
    pub fn in_force(&self) -> impl Iterator<Item = &TableFile<'a>> {
        self.effective.values().map(|&i| &self.files[i])
    }

    pub fn check(&self, out: &mut Findings) {
        for t in &self.files {
            match t.raw.kind.get_ref().as_str() {
                "rows" => duplicate_keys(t, out),
                "bands" => super::bands::check(t, out),
                "calendar" => calendar_dates(t, out),
                _ => {}
            }
        }
        for t in self.in_force() {
            match t.raw.kind.get_ref().as_str() {
                "rows" => self.references(t, out),
                "bands" => super::bands::check_alignment(self, t, out),
                _ => {}
            }
        }
        self.holiday_overlaps(out);
    }

    /// `HR012`: each value of a field named in `references` is a key of the
    /// table it names.
    fn references(&self, t: &TableFile, out: &mut Findings) {
        let Some(refs) = &t.raw.references else {
            return;
        };
        for (field, target) in refs.get_ref() {
            let Some(other) = self.get(target.get_ref()).filter(|o| o.is_keyed_rows()) else {
                t.at(
                    out,
                    "HR012",
                    target.span(),
                    format!(
                        "`references`: `{}` is not a rows table with a `key` in this chain",
                        target.get_ref()
                    ),
                );
                continue;
            };
            let keys = other.keys();
            for row in &t.raw.rows {
                let Some(v) = row.get_ref().get(field) else {
                    continue;
                };
                let values: Vec<&toml::Value> = match v.get_ref() {
                    toml::Value::Array(a) => a.iter().collect(),
                    one => vec![one],
                };
                for value in values {
                    let text = key_text(value);
                    if !keys.contains(&text) {
                        t.at(
                            out,
                            "HR012",
                            v.span(),
                            format!(
                                "`{field}` = \"{text}\" is not a key of `{}` ({})",
                                target.get_ref(),
                                other.path
                            ),
                        );
                    }
                }
            }
        }
    }

    /// `HR021`: holidays of the calendars in force that share a day.
    fn holiday_overlaps(&self, out: &mut Findings) {
        let mut spans = Vec::new();
        for t in self.in_force() {
            if t.raw.kind.get_ref() != "calendar" {
                continue;
            }
            for h in &t.raw.holidays {
                if let (Some(from), Some(to)) = (date(&h.get_ref().from), date(&h.get_ref().to)) {
                    spans.push((from, to, t, h));
                }
            }
        }
        spans.sort_by_key(|s| (s.0, s.1));
        for (i, (from, to, t, h)) in spans.iter().enumerate() {
            // The earlier-starting holiday it overlaps, if any.
            if let Some((f0, t0, t_other, h0)) = spans[..i]
                .iter()
                .rev()
                .find(|(f0, t0, ..)| f0 <= to && t0 >= from)
            {
                t.at(
                    out,
                    "HR021",
                    h.span(),
                    format!(
                        "holiday `{}` ({from} to {to}) overlaps `{}` ({f0} to {t0}, {})",
                        h.get_ref().name,
                        h0.get_ref().name,
                        t_other.path
                    ),
                );
            }
        }
    }
}

/// `HR010`: every key given twice (the loader stops at the first).
fn duplicate_keys(t: &TableFile, out: &mut Findings) {
    let mut seen: Map<String, usize> = Map::new();
    for (i, row) in t.raw.rows.iter().enumerate() {
        let Some(k) = t.key_of(i) else { continue };
        match seen.get(&k) {
            Some(first) => t.at(
                out,
                "HR010",
                row.span(),
                format!(
                    "duplicate key `{k}` in row {} (first in row {})",
                    i + 1,
                    first + 1
                ),
            ),
            None => {
                seen.insert(k, i);
            }
        }
    }
}

fn date(s: &str) -> Option<NaiveDate> {
    s.parse().ok()
}

fn weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `HR020` and `HR022` for one calendar table.
fn calendar_dates(t: &TableFile, out: &mut Findings) {
    let Some(year) = t.raw.year.as_ref().map(|y| *y.get_ref() as i32) else {
        return;
    };
    let holidays: Vec<(NaiveDate, NaiveDate)> = t
        .raw
        .holidays
        .iter()
        .filter_map(|h| Some((date(&h.get_ref().from)?, date(&h.get_ref().to)?)))
        .collect();
    for h in &t.raw.holidays {
        let (Some(from), Some(to)) = (date(&h.get_ref().from), date(&h.get_ref().to)) else {
            continue;
        };
        // A holiday across New Year (元旦 2022-12-31 to 2023-01-02) is the year's.
        if to.year() != year && from.year() != year {
            t.at(
                out,
                "HR020",
                h.span(),
                format!(
                    "holiday `{}` ({from} to {to}) has no day in {year}, the table's year",
                    h.get_ref().name
                ),
            );
        }
    }
    for d in &t.raw.workdays {
        let Some(day) = date(d.get_ref()) else {
            continue;
        };
        // A make-up day next door belongs to a holiday that crosses New Year.
        let crossing = holidays
            .iter()
            .any(|(f, to)| f.year() != to.year() && (*f - day).num_days().abs() <= 14);
        if day.year() != year && !crossing {
            t.at(
                out,
                "HR020",
                d.span(),
                format!("make-up working day {day} is not in {year}, the table's year"),
            );
        }
        if !weekend(day) {
            t.at(
                out,
                "HR022",
                d.span(),
                format!(
                    "make-up working day {day} is a {:?}: only a Saturday or Sunday can be made a working day",
                    day.weekday()
                ),
            );
        }
        if let Some(h) = t.raw.holidays.iter().find(|h| {
            matches!((date(&h.get_ref().from), date(&h.get_ref().to)), (Some(f), Some(to)) if f <= day && day <= to)
        }) {
            t.at(
                out,
                "HR022",
                d.span(),
                format!(
                    "make-up working day {day} is also in the holiday `{}`",
                    h.get_ref().name
                ),
            );
        }
    }
}
