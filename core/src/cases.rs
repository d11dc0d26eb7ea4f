//! Test cases: a ruleset's own (`tests/*.toml`) and the cross-binding
//! conformance cases (`tests/conformance/*.json`) share this format.
//!
//! ```toml
//! [[case]]
//! name = "county-listed, 30th day in National Day week"
//! as_of = "2021-09-15"
//! fired = ["rectification.listed_period"]      # rule ids or table names that must appear in the trace
//! not_fired = ["rectification.overdue"]        # ... and that must not
//! expect_null = ["rectification.closed_on"]    # fields that must be present and null
//! [case.input.hazard]
//! sector = "metallurgy"
//! found_on = "2021-09-01"
//! listing = { level = "county", listed_on = "2021-09-01" }
//! [case.expect.rectification]                 # a subset of the decision
//! due = "2021-10-08"
//! ```
//!
//! `expect` matches when every key it names is equal in the decision (objects
//! recursively; arrays element by element and of the same length). `fired`
//! and `not_fired` name a rule id, a table (any of its rows), or one row as
//! `table[row]` (`accident_deaths[3]`: band rows by 1-based index).
//! `expect_null` names fields by dotted path (`response`,
//! `rectification.due`, `responsibility.assignments[0].person`): TOML has
//! no `null`, so this is how a case says a field is empty.
//!
//! A case may instead expect an error:
//! `error = { kind = "input", path = "hazard.sector", message = "unknown" }`.
//! `kind` is required and `path` is required for `input` errors; both, and
//! any other field named (`file`, `line`, `rule`, ...), must be equal;
//! `message` is optional and matched as a substring.
//!
//! ```
//! use hazard_rules::{cases::Case, Ruleset};
//! let cases = Case::parse_toml("t.toml", r#"
//!     [[case]]
//!     name = "no accident, no response"
//!     as_of = "2024-06-30"
//!     expect_null = ["response", "risk", "rectification.closed_on"]
//!     not_fired = ["accident_deaths"]
//!     [case.input.hazard]
//!     sector = "metallurgy"
//!     found_on = "2024-06-01"
//! "#).unwrap();
//! let outcome = cases[0].run(&Ruleset::embedded("national").unwrap());
//! assert!(outcome.passed(), "{:?}", outcome.failures);
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::decision::Decision;
use crate::error::{Error, RulesetError};
use crate::input::Input;
use crate::ruleset::Ruleset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    /// Conformance cases: the embedded ruleset to use (e.g. `zhejiang/jinhua`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<String>,
    pub as_of: chrono::NaiveDate,
    pub input: Value,
    #[serde(default)]
    pub expect: Option<Value>,
    /// Rule ids, table names or `table[row]` that must be in the trace.
    #[serde(default)]
    pub fired: Vec<String>,
    /// Rule ids, table names or `table[row]` that must not be in the trace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_fired: Vec<String>,
    /// Dotted paths of decision fields that must be present and `null`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect_null: Vec<String>,
    /// An expected error instead of a decision: `kind` and the fields to match.
    #[serde(default)]
    pub error: Option<Value>,
    /// The complete expected decision (conformance cases; written by the Rust suite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Value>,
    /// Where the case was read from.
    #[serde(skip)]
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Case>,
}

/// What running a case showed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub failures: Vec<String>,
    pub result: Result<Decision, Error>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// Ids of the rules and tables that fired, for failure reports.
    pub fn fired(&self) -> Vec<String> {
        match &self.result {
            Ok(d) => d
                .trace
                .iter()
                .map(|t| match &t.row {
                    Some(r) => format!("{}[{r}]", t.id),
                    None => t.id.clone(),
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Case {
    pub fn parse_toml(file: &str, text: &str) -> Result<Vec<Case>, RulesetError> {
        let parsed: CaseFile =
            toml::from_str(text).map_err(|e| crate::tables::toml_error(file, text, &e))?;
        parsed
            .case
            .into_iter()
            .map(|mut c| {
                c.file = file.to_owned();
                c.check().map_err(|m| {
                    RulesetError::in_file(file, format!("case \"{}\": {m}", c.name))
                })?;
                Ok(c)
            })
            .collect()
    }

    /// What a case file cannot mean: an error expected without its kind, an
    /// input error without its path, an error and a decision both expected.
    fn check(&self) -> Result<(), String> {
        let Some(e) = &self.error else {
            return Ok(());
        };
        let Value::Object(m) = e else {
            return Err("`error` must be a table: { kind = ..., path = ... }".into());
        };
        match m.get("kind") {
            None => return Err("`error` needs `kind` (input, ruleset or limit)".into()),
            Some(Value::String(k)) if k == "input" && !m.contains_key("path") => {
                return Err("an `input` error needs `path` (e.g. \"hazard.sector\")".into())
            }
            Some(Value::String(k)) if ["input", "ruleset", "limit"].contains(&k.as_str()) => {}
            Some(k) => return Err(format!("unknown error kind {k} (input, ruleset or limit)")),
        }
        if self.expect.is_some() || !self.expect_null.is_empty() {
            return Err("a case expects an error or a decision, not both".into());
        }
        Ok(())
    }

    /// Runs the case against a ruleset.
    pub fn run(&self, ruleset: &Ruleset) -> Outcome {
        let result = Input::from_value(self.input.clone())
            .map_err(Error::from)
            .and_then(|input| ruleset.evaluate(&input, self.as_of));
        let mut failures = Vec::new();
        match (&result, &self.error) {
            (Ok(d), None) => {
                let actual = serde_json::to_value(d).expect("a decision serialises");
                if let Some(expect) = &self.expect {
                    subset_diff(expect, &actual, "", &mut failures);
                }
                for id in &self.fired {
                    if !d.trace.iter().any(|t| names(t, id)) {
                        failures.push(format!("expected `{id}` to fire; it did not"));
                    }
                }
                for id in &self.not_fired {
                    if d.trace.iter().any(|t| names(t, id)) {
                        failures.push(format!("expected `{id}` not to fire; it did"));
                    }
                }
                for path in &self.expect_null {
                    match lookup(&actual, path) {
                        Ok(Value::Null) => {}
                        Ok(v) => failures.push(format!("{path}: expected null, got {v}")),
                        Err(m) => failures.push(format!("{path}: expected null, {m}")),
                    }
                }
            }
            (Ok(_), Some(e)) => failures.push(format!("expected an error {e}, got a decision")),
            (Err(err), None) => failures.push(format!("unexpected error: {err}")),
            (Err(err), Some(expect)) => {
                let mut actual = serde_json::to_value(err).expect("an error serialises");
                if let Value::Object(m) = &mut actual {
                    m.insert("message".into(), Value::String(err.to_string()));
                }
                let mut expect = expect.clone();
                // `message` may be given as a substring of the full message.
                if let (Some(Value::String(want)), Value::Object(m)) =
                    (expect.get("message").cloned(), &mut expect)
                {
                    m.remove("message");
                    if !err.to_string().contains(&want) {
                        failures.push(format!("error message `{err}` does not contain `{want}`"));
                    }
                }
                subset_diff(&expect, &actual, "error", &mut failures);
            }
        }
        Outcome { failures, result }
    }
}

/// Whether a trace entry is what `id` names: its id, or `table[row]`.
fn names(t: &crate::decision::TraceEntry, id: &str) -> bool {
    match (id.strip_suffix(']').and_then(|s| s.split_once('[')), &t.row) {
        (Some((name, row)), Some(r)) => t.id == name && r == row,
        (Some(_), None) => false,
        (None, _) => t.id == id,
    }
}

/// The value at a dotted path (`a.b[0].c`); an error names the first part
/// that is not there.
fn lookup<'a>(v: &'a Value, path: &str) -> Result<&'a Value, String> {
    let mut cur = v;
    let mut at = String::new();
    for part in path.split('.') {
        let (field, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !field.is_empty() {
            cur = match cur {
                Value::Object(m) => m.get(field).ok_or_else(|| match at.as_str() {
                    "" => format!("the decision has no field `{field}`"),
                    _ => format!("{at} has no field `{field}`"),
                })?,
                _ => return Err(format!("{at} is {cur}, not an object")),
            };
            if !at.is_empty() {
                at.push('.');
            }
            at.push_str(field);
        }
        for ix in indices.split_terminator(']') {
            let n: usize = ix
                .strip_prefix('[')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("`{part}` is not a field or an index"))?;
            cur = cur
                .as_array()
                .and_then(|a| a.get(n))
                .ok_or_else(|| format!("{at} has no element [{n}]"))?;
            at.push_str(&format!("[{n}]"));
        }
    }
    Ok(cur)
}

/// Records each place where `expect` is not a subset of `actual`.
pub fn subset_diff(expect: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expect, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match a.get(k) {
                    Some(av) => subset_diff(ev, av, &p, out),
                    None => out.push(format!("{p}: expected {ev}, field missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                subset_diff(ev, av, &format!("{path}[{i}]"), out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.as_f64() == a.as_f64() => {}
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, got {a}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching() {
        let mut out = Vec::new();
        subset_diff(
            &json!({"a": 1, "b": {"c": [1, 2]}}),
            &json!({"a": 1.0, "b": {"c": [1, 2], "d": 3}, "e": 0}),
            "",
            &mut out,
        );
        assert!(out.is_empty(), "{out:?}");
        subset_diff(
            &json!({"b": {"c": [1]}}),
            &json!({"b": {"c": [1, 2]}}),
            "",
            &mut out,
        );
        subset_diff(&json!({"x": null}), &json!({}), "", &mut out);
        assert_eq!(out.len(), 2, "{out:?}");
    }
}
