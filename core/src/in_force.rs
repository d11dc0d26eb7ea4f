//! The law in force on a day. A table (or a row of one) may carry
//! `valid_from`/`valid_to`; several files may be versions of one table
//! (`table = "catalogue_gongmao"`), and every lookup of that name finds the
//! version in force on the day that governs the rule being run: the hazard's
//! `found_on` for its classification, the listing date for its deadline, the
//! accident's date for its grade (see [`Day::for_entry`]). The decision lists
//! each version it applied ([`Applied`]) and the trace says why.
//!
//! Validity is inclusive at both ends: the 2017 工贸 standard runs to
//! 2023-05-14 and Order No. 10 from 2023-05-15.

use std::collections::BTreeMap;
#[cfg(feature = "scripted")]
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::InputError;
#[cfg(feature = "scripted")]
use crate::error::RulesetError;
use crate::input::Input;
#[cfg(feature = "scripted")]
use crate::tables::Table;

/// From when to when something is in force; an open side is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Validity {
    /// Whether `day` falls within it (both ends included).
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= day) && self.to.is_none_or(|t| day <= t)
    }

    /// Whether it has neither end (always in force).
    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }

    /// "2017-12-01 – 2023-05-14", with "…" for an open side.
    pub fn describe(&self) -> String {
        let side = |d: Option<NaiveDate>| d.map_or("…".to_owned(), |d| d.to_string());
        format!("{} – {}", side(self.from), side(self.to))
    }
}

/// A table file's place among the versions of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableVersion {
    /// The table it is a version of (`table = …`, else the file's own name).
    pub of: String,
    /// Its label, e.g. `MEM-10-2023` (`version = …`); else the file's name.
    pub label: String,
    pub valid: Validity,
    /// Line and column of `valid_from` (or of `kind`), for errors.
    pub at: (usize, usize),
}

/// The date whose law governs one rule entry, and the input field it is
/// (`hazard.found_on`, …, or `as_of` where the rule judges the present).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub field: &'static str,
}

impl Day {
    /// The day an entry function is judged by. Which date governs is law,
    /// not a provincial choice, so it is fixed here for every ruleset:
    /// a hazard by the day it was found (its deadline by the day it was
    /// listed, else found), an accident by the day it happened, a warning
    /// by the day it was observed, a region's targets by the last day of
    /// the year measured, and the rest (staffing, risk, checklists; and any
    /// of these without its date) by the as-of date.
    pub fn for_entry(entry: &str, input: &Input, as_of: NaiveDate) -> Day {
        let hazard = input.hazard.as_ref();
        let found = hazard.map(|h| Day {
            date: h.found_on,
            field: "hazard.found_on",
        });
        let day = match entry {
            "classify" | "assign" => found,
            "rectify" => hazard
                .and_then(|h| h.listing.as_ref())
                .map(|l| Day {
                    date: l.listed_on,
                    field: "hazard.listing.listed_on",
                })
                .or(found),
            "grade_accident" => input
                .accident
                .as_ref()
                .and_then(|a| a.occurred_on)
                .map(|date| Day {
                    date,
                    field: "accident.occurred_on",
                }),
            "respond_to_warning" => {
                input
                    .warning
                    .as_ref()
                    .and_then(|w| w.observed_on)
                    .map(|date| Day {
                        date,
                        field: "warning.observed_on",
                    })
            }
            // A year's targets are those in force in that year: its last
            // day, so that targets issued during the year (seed 003 is
            // dated 26 February) apply to it.
            "assess_targets" => input
                .targets
                .as_ref()
                .and_then(|t| NaiveDate::from_ymd_opt(t.year, 12, 31))
                .map(|date| Day {
                    date,
                    field: "targets.year",
                }),
            _ => None,
        };
        day.unwrap_or(Day {
            date: as_of,
            field: "as_of",
        })
    }
}

/// A version of a table that a decision applied: which one, why (the day
/// and the field it came from), and its legal source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Applied {
    /// The table's name as the rules use it (`catalogue_gongmao`).
    /// (`valid_to` is the day before the next version, where the version
    /// itself gives no end.)
    pub table: String,
    /// The version's label (`MEM-10-2023`).
    pub version: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub source: Option<String>,
    /// The day that chose it, and the input field that day came from.
    pub on: NaiveDate,
    pub field: String,
}

impl Applied {
    /// Version `t`, in force over `valid`, applied on `day`.
    #[cfg(feature = "scripted")]
    pub(crate) fn new(t: &Table, valid: Validity, day: Day) -> Applied {
        let v = t.version.as_ref();
        Applied::of(
            v.map_or(&t.name, |v| &v.of),
            v.map_or(&t.name, |v| &v.label),
            valid,
            t.source.as_deref(),
            day,
        )
    }

    /// From its parts, as the interpreter's tables and the plan's hold them.
    pub(crate) fn of(
        table: &str,
        version: &str,
        valid: Validity,
        source: Option<&str>,
        day: Day,
    ) -> Applied {
        Applied {
            table: table.to_owned(),
            version: version.to_owned(),
            valid_from: valid.from,
            valid_to: valid.to,
            source: source.map(str::to_owned),
            on: day.date,
            field: day.field.to_owned(),
        }
    }

    /// The trace's sentences: why this version was in force.
    pub(crate) fn explain(&self) -> (String, String) {
        let span = Validity {
            from: self.valid_from,
            to: self.valid_to,
        }
        .describe();
        let source = match self.source.as_deref() {
            Some(s) if !s.is_empty() => format!("；{s}"),
            _ => String::new(),
        };
        (
            format!(
                "{}：按{}（{}）适用{}版（施行期间 {span}{source}）",
                self.table, self.field, self.on, self.version
            ),
            format!(
                "{}: version {} (in force {span}) applies on {} ({})",
                self.table, self.version, self.on, self.field
            ),
        )
    }
}

/// One version of a versioned table: its file's name and when it is in
/// force, a missing `valid_to` closed by the next version's `valid_from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub file: String,
    pub valid: Validity,
}

/// The versioned tables of a chain: each table name with versions, and its
/// versions in date order.
///
/// A version without `valid_to` is in force until the next one takes effect
/// (law is in force until replaced), so an overlay adds a version by adding
/// one file, without repeating or closing the others. Two versions overlap
/// when a `valid_to` reaches past the next `valid_from`, when two start on
/// the same day, or when a version without `valid_from` is not the first:
/// each is an error at load.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions(BTreeMap<String, Vec<Member>>);

impl Versions {
    /// Groups the chain's tables by the table they are versions of, and
    /// checks that no two versions are in force on the same day.
    #[cfg(feature = "scripted")]
    pub fn build(tables: &BTreeMap<String, Arc<Table>>) -> Result<Versions, RulesetError> {
        let mut groups: BTreeMap<String, Vec<&Table>> = BTreeMap::new();
        for t in tables.values() {
            if let Some(v) = &t.version {
                groups.entry(v.of.clone()).or_default().push(t);
            }
        }
        // An undated table under a versioned name would be in force always,
        // overlapping every version: say so at the undated file.
        for (name, versions) in &groups {
            if let Some(v) = tables
                .get(name)
                .and_then(|t| t.version.as_ref().map(|v| (t, v)))
            {
                let (t, v) = v;
                if v.of != *name {
                    return Err(RulesetError::new(
                        &t.file,
                        v.at.0,
                        v.at.1,
                        format!("`{name}` is a table with versions, so this file cannot be a version of `{}`: rename it", v.of),
                    ));
                }
            }
            if let Some(t) = tables.get(name).filter(|t| t.version.is_none()) {
                return Err(RulesetError::in_file(
                    &t.file,
                    format!(
                        "`{name}` has dated versions ({}), so this file needs `valid_from` or `valid_to` too",
                        versions.iter().map(|v| v.file.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let mut out = BTreeMap::new();
        for (name, mut versions) in groups {
            versions.sort_by_key(|t| t.validity().from);
            let mut members: Vec<Member> = Vec::with_capacity(versions.len());
            for (i, t) in versions.iter().enumerate() {
                let mut valid = t.validity();
                if let Some(next) = versions.get(i + 1) {
                    let next_valid = next.validity();
                    let overlap = match (valid.to, next_valid.from) {
                        (_, None) => true,
                        (Some(to), Some(from)) => from <= to,
                        (None, Some(from)) => valid.from.is_some_and(|f| f >= from),
                    };
                    if overlap {
                        let (line, column) = next.version.as_ref().map_or((0, 0), |v| v.at);
                        return Err(RulesetError::new(
                            &next.file,
                            line,
                            column,
                            format!(
                                "versions of `{name}` overlap: {} ({}) and {} ({}) are both in force on some days",
                                t.file,
                                valid.describe(),
                                next.file,
                                next_valid.describe()
                            ),
                        ));
                    }
                    if valid.to.is_none() {
                        valid.to = next_valid.from.and_then(|f| f.pred_opt());
                    }
                }
                members.push(Member {
                    file: t.name.clone(),
                    valid,
                });
            }
            out.insert(name, members);
        }
        Ok(Versions(out))
    }

    /// Whether `name` is a table with versions.
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Each versioned table with its versions, in date order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Member])> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The days no version covers between two versions: `(table, the later
    /// version's file, first day, last day)` of each gap.
    pub fn gaps(&self) -> Vec<(String, String, NaiveDate, NaiveDate)> {
        let mut out = Vec::new();
        for (name, members) in &self.0 {
            for pair in members.windows(2) {
                if let (Some(to), Some(from)) = (pair[0].valid.to, pair[1].valid.from) {
                    if let Some(next) = to.succ_opt().filter(|n| *n < from) {
                        let last = from.pred_opt().unwrap_or(from);
                        out.push((name.clone(), pair[1].file.clone(), next, last));
                    }
                }
            }
        }
        out
    }

    /// The version of `name` in force on `day`: `None` for a table without
    /// versions, an input error at the day's field when no version is in
    /// force then.
    #[cfg(feature = "scripted")]
    pub fn resolve(
        &self,
        tables: &BTreeMap<String, Arc<Table>>,
        name: &str,
        day: Day,
    ) -> Result<Option<&Member>, InputError> {
        let Some(members) = self.0.get(name) else {
            return Ok(None);
        };
        match members.iter().find(|m| m.valid.contains(day.date)) {
            Some(m) => Ok(Some(m)),
            None => {
                let listed: Vec<String> = members
                    .iter()
                    .map(|m| {
                        let label = tables
                            .get(&m.file)
                            .map_or(m.file.as_str(), |t| t.version_label());
                        format!("{label} {}", m.valid.describe())
                    })
                    .collect();
                Err(not_in_force(name, day, &listed))
            }
        }
    }
}

/// The error for a day no version of a table covers.
pub(crate) fn not_in_force(name: &str, day: Day, versions: &[String]) -> InputError {
    InputError::of(
        day.field,
        "not_in_force",
        format!(
            "no version of `{name}` is in force on {} (versions: {}); a date before the law took effect cannot be judged by it",
            day.date,
            versions.join("; ")
        ),
        format!(
            "{} 没有施行中的“{name}”（各版本：{}）；法规施行之前的日期不能按它判定",
            day.date,
            versions.join("；")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn validity_includes_both_ends() {
        let v = Validity {
            from: Some(d("2017-12-01")),
            to: Some(d("2023-05-14")),
        };
        assert!(!v.contains(d("2017-11-30")));
        assert!(v.contains(d("2017-12-01")));
        assert!(v.contains(d("2023-05-14")));
        assert!(!v.contains(d("2023-05-15")));
        assert!(Validity::default().contains(d("1949-10-01")));
        assert_eq!(v.describe(), "2017-12-01 – 2023-05-14");
    }
}
