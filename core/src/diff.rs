//! What a ruleset change does to real decisions: the same records decided by
//! a base and a head ruleset, compared field by field.
//!
//! A record's outcome is its decision's JSON or `{"error": {...}}`; both are
//! flattened to dotted fields (`rectification.due`, `error.kind`), leaving
//! out what always differs between two rulesets (`ruleset`, `trace`). Each
//! field that changes is counted with how it changed: dates by the days they
//! move, numbers by their difference, anything else by its transitions
//! (`general → major`), with the first records' ids as examples.
//!
//! ```
//! use hazard_rules::diff::Diff;
//! use serde_json::json;
//!
//! let mut diff = Diff::default();
//! let base = json!({"id": "a", "rectification": {"due": "2024-03-01", "status": "not_due"}});
//! let head = json!({"id": "a", "rectification": {"due": "2024-01-31", "status": "overdue"}});
//! assert!(diff.add("a", &base, &head));
//! assert!(!diff.add("b", &base, &base));
//! let fields = diff.fields();
//! assert_eq!(fields[0].field, "rectification.due");
//! assert_eq!(fields[0].days.as_ref().unwrap().median, -30);
//! assert_eq!(fields[1].transitions[0].from, "not_due");
//! assert_eq!((diff.records(), diff.changed()), (2, 1));
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::{ffi, Error, Evaluator, Input, Section, TraceMode};

/// A record's outcome as [`Diff`] compares it: its decision's JSON without a
/// trace, or `{"error": ...}` (the error as the bindings give it).
pub fn outcome(ev: &mut Evaluator<'_>, input: &Result<Input, Error>, as_of: NaiveDate) -> Value {
    let error = |e: &Error| serde_json::json!({ "error": ffi::error_value(e) });
    let Ok(input) = input else {
        return error(input.as_ref().unwrap_err());
    };
    ev.run(input, as_of, &Section::ALL, TraceMode::Off)
        .and_then(|mut o| Ok(serde_json::to_value(o.json()?).expect("a decision serialises")))
        .unwrap_or_else(|e| error(&e))
}

/// Fields left out of the comparison: they name the ruleset or explain the
/// decision, and differ whenever the rulesets do.
const IGNORED: &[&str] = &["ruleset", "trace"];

/// How many example records a field keeps.
const EXAMPLES: usize = 3;

/// The comparison of many records' outcomes under two rulesets.
#[derive(Debug, Default)]
pub struct Diff {
    records: usize,
    changed: usize,
    fields: BTreeMap<String, Field>,
}

#[derive(Debug, Default)]
struct Field {
    changed: usize,
    transitions: BTreeMap<(String, String), usize>,
    days: Vec<i64>,
    deltas: Vec<f64>,
    examples: Vec<String>,
}

/// One field's changes, for a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChanges {
    /// The dotted field (`rectification.due`).
    pub field: String,
    /// How many records it changed in.
    pub changed: usize,
    /// Where both sides are dates: how far they moved, in days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<Spread<i64>>,
    /// Where both sides are numbers: head minus base.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<Spread<f64>>,
    /// The other changes, most frequent first (`—` stands for no value).
    pub transitions: Vec<Transition>,
    /// The first records it changed in (their ids, or `#n` by position).
    pub examples: Vec<String>,
}

/// The middle and the ends of a set of moves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread<T> {
    pub count: usize,
    pub median: T,
    pub min: T,
    pub max: T,
}

/// A change of value, and in how many records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: String,
    pub to: String,
    pub count: usize,
}

impl Diff {
    /// Compares one record's outcomes; true when anything changed.
    pub fn add(&mut self, record: &str, base: &Value, head: &Value) -> bool {
        self.records += 1;
        let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
        flatten("", base, &mut a);
        flatten("", head, &mut b);
        let mut any = false;
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for key in keys {
            let (x, y) = (a.get(key).copied(), b.get(key).copied());
            if x == y {
                continue;
            }
            any = true;
            let field = self.fields.entry(key.clone()).or_default();
            field.changed += 1;
            if field.examples.len() < EXAMPLES {
                field.examples.push(record.to_owned());
            }
            match (
                x.and_then(date),
                y.and_then(date),
                x.and_then(Value::as_f64),
                y.and_then(Value::as_f64),
            ) {
                (Some(p), Some(q), _, _) => field.days.push((q - p).num_days()),
                (_, _, Some(p), Some(q)) => field.deltas.push(q - p),
                _ => *field.transitions.entry((shown(x), shown(y))).or_default() += 1,
            }
        }
        self.changed += usize::from(any);
        any
    }

    /// How many records were compared.
    pub fn records(&self) -> usize {
        self.records
    }

    /// How many records changed in at least one field.
    pub fn changed(&self) -> usize {
        self.changed
    }

    /// Each field that changed, in field order.
    pub fn fields(&self) -> Vec<FieldChanges> {
        self.fields
            .iter()
            .map(|(name, f)| {
                let mut transitions: Vec<Transition> = f
                    .transitions
                    .iter()
                    .map(|((from, to), &count)| Transition {
                        from: from.clone(),
                        to: to.clone(),
                        count,
                    })
                    .collect();
                transitions.sort_by_key(|t| std::cmp::Reverse(t.count));
                FieldChanges {
                    field: name.clone(),
                    changed: f.changed,
                    days: spread(&f.days, |a, b| a.cmp(b)),
                    delta: spread(&f.deltas, |a, b| a.total_cmp(b)),
                    transitions,
                    examples: f.examples.clone(),
                }
            })
            .collect()
    }
}

impl std::fmt::Display for FieldChanges {
    /// One line: `rectification.due: 1,204 records; moved by -30 days
    /// (median), -60 to 0; e.g. a, b, c`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} records", self.field, thousands(self.changed))?;
        if let Some(d) = &self.days {
            write!(
                f,
                "; {} moved, median {:+} days ({:+} to {:+})",
                thousands(d.count),
                d.median,
                d.min,
                d.max
            )?;
        }
        if let Some(d) = &self.delta {
            write!(
                f,
                "; {} by median {:+} ({:+} to {:+})",
                thousands(d.count),
                d.median,
                d.min,
                d.max
            )?;
        }
        for t in self.transitions.iter().take(5) {
            write!(f, "; {} → {}: {}", t.from, t.to, thousands(t.count))?;
        }
        if self.transitions.len() > 5 {
            write!(f, "; {} more changes", self.transitions.len() - 5)?;
        }
        write!(f, "; e.g. {}", self.examples.join(", "))
    }
}

/// `1204` as `1,204`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn spread<T: Copy>(values: &[T], cmp: impl Fn(&T, &T) -> std::cmp::Ordering) -> Option<Spread<T>> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(&cmp);
    Some(Spread {
        count: v.len(),
        median: v[(v.len() - 1) / 2],
        min: v[0],
        max: v[v.len() - 1],
    })
}

/// Leaves of `v` under dotted names; lists are leaves, compared whole.
fn flatten<'a>(prefix: &str, v: &'a Value, out: &mut BTreeMap<String, &'a Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if prefix.is_empty() && IGNORED.contains(&k.as_str()) {
                    continue;
                }
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, x, out);
            }
        }
        Value::Null => {}
        _ => {
            out.insert(prefix.to_owned(), v);
        }
    }
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str()
        .filter(|s| s.len() == 10)
        .and_then(|s| s.parse().ok())
}

/// A value as a transition shows it: text as is, anything else as JSON.
fn shown(v: Option<&Value>) -> String {
    match v {
        None => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_and_missing_fields_are_changes_too() {
        let mut diff = Diff::default();
        let decided = json!({"classification": {"level": "general"}, "trace": [1]});
        let failed = json!({"error": {"kind": "input", "path": "hazard.sector"}});
        assert!(diff.add("#1", &decided, &failed));
        // The trace and the chain are not compared.
        assert!(!diff.add(
            "#2",
            &decided,
            &json!({"classification": {"level": "general"}, "trace": [2]})
        ));
        let fields = diff.fields();
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["classification.level", "error.kind", "error.path"]);
        assert_eq!(
            fields[0].transitions[0],
            Transition {
                from: "general".into(),
                to: "—".into(),
                count: 1
            }
        );
        assert_eq!(fields[1].examples, ["#1"]);
    }

    #[test]
    fn numbers_and_dates_report_their_spread() {
        let mut diff = Diff::default();
        for (i, (p, q)) in [(90, 60), (60, 30), (30, 30), (90, 60)]
            .into_iter()
            .enumerate()
        {
            diff.add(
                &format!("#{i}"),
                &json!({"rectification": {"period_days": p}}),
                &json!({"rectification": {"period_days": q}}),
            );
        }
        let f = &diff.fields()[0];
        assert_eq!(f.changed, 3);
        let d = f.delta.as_ref().unwrap();
        assert_eq!((d.count, d.median, d.min, d.max), (3, -30.0, -30.0, -30.0));
        assert!(
            f.to_string()
                .starts_with("rectification.period_days: 3 records; 3 by median -30"),
            "{f}"
        );
        assert_eq!(thousands(1_204_000), "1,204,000");
    }
}
