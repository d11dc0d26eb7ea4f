//! Every problem of an input at once, for a form that marks all its bad
//! fields together instead of one per submission.
//!
//! The structural checks ([`Input::problems`]) collect in one pass. A field
//! of the wrong type (which serde reports one at a time) and a problem a
//! ruleset's rule reports (which stops the rule) are collected by taking the
//! faulty value out of the record and reading or deciding it again, so the
//! other fields are still checked: a bad element of a list leaves the list,
//! a bad optional field is left out, and a required field takes its object
//! with it. Problems keep the JSON paths of the record as given (indices of
//! list elements taken out do not shift the ones after them).
//!
//! The first problem is always the error [`Ruleset::evaluate`] gives for the
//! same record: the checks run in the same order, and each later round only
//! looks at what the earlier ones left.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::Value;

use crate::error::{Error, InputError};
use crate::evaluate::Section;
use crate::input::Input;
use crate::plan::trace::TraceMode;
use crate::ruleset::Ruleset;

/// More problems than a form can show: the rest are not looked for.
const MAX_PROBLEMS: usize = 100;

impl Ruleset {
    /// Every problem of a record (a JSON value) judged on `as_of`, each with
    /// its JSON path, its machine code ([`InputError::problem`]) and its
    /// message in English and Chinese; empty for a valid record. An error
    /// that is not the input's (a rule that fails, a sandbox limit) is the
    /// `Err`, as [`Ruleset::evaluate`] would give it, when the record has no
    /// input problem before it.
    ///
    /// ```
    /// use hazard_rules::Ruleset;
    /// let rules = Ruleset::default();
    /// let record = serde_json::json!({
    ///   "hazard": {"sector": "metallurgy", "items": ["GM-4-1", "GM-99-9", "GM-4-2", "GM-98"],
    ///              "found_on": "2024-03-01", "listing": {"level": "galaxy", "listed_on": "2024-03-02"}},
    ///   "accident": {"deaths": "three"},
    /// });
    /// let problems = rules.validate(&record, "2024-04-01".parse().unwrap()).unwrap();
    /// let found: Vec<(&str, &str)> = problems.iter().map(|p| (p.path.as_str(), p.problem.as_str())).collect();
    /// assert_eq!(found, [
    ///     ("accident.deaths", "wrong_type"),
    ///     ("hazard.items[1]", "unknown_item"),
    ///     ("hazard.items[3]", "unknown_item"),
    ///     ("hazard.listing.level", "unknown_listing_level"),
    /// ]);
    /// assert!(problems[1].message_zh.contains("GM-99-9"));
    /// ```
    pub fn validate(&self, record: &Value, as_of: NaiveDate) -> Result<Vec<InputError>, Error> {
        Collect::new(record.clone()).run(self, Some(as_of))
    }

    /// [`Ruleset::validate`] for JSON text: text that is not JSON is one
    /// problem at the root (`not_json`, with its line and column).
    pub fn validate_json(&self, text: &str, as_of: NaiveDate) -> Result<Vec<InputError>, Error> {
        match serde_json::from_str::<Value>(text) {
            Ok(v) => Collect::new(v).run(self, Some(as_of)),
            Err(e) => Ok(vec![crate::ffi::not_json(&e, format!("not JSON: {e}"))]),
        }
    }

    /// The problems of a record that do not depend on the day of the
    /// decision (types and structure), for when that day is itself wrong.
    pub(crate) fn validate_undated(&self, record: Value) -> Result<Vec<InputError>, Error> {
        Collect::new(record).run(self, None)
    }
}

/// One JSON path, in parts.
#[derive(Debug, Clone, PartialEq)]
enum Part {
    Key(String),
    Index(usize),
}

/// Reads `hazard.events[2].on` (serde's and the rules' way of writing it).
/// A key holding `.` or `[` reads as more parts: the value is then not
/// found, and a shorter path is taken out instead.
fn parse_path(path: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for piece in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match piece.find('[') {
            Some(i) => (&piece[..i], &piece[i..]),
            None => (piece, ""),
        };
        if !key.is_empty() {
            parts.push(Part::Key(key.to_owned()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let Some(end) = r.find(']') else { break };
            match r[..end].parse() {
                Ok(i) => parts.push(Part::Index(i)),
                Err(_) => parts.push(Part::Key(r[..end].to_owned())),
            }
            rest = &r[end + 1..];
        }
    }
    parts
}

fn write_path(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Part::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// The record being checked, what has been taken out of it, and the
/// problems found.
struct Collect {
    value: Value,
    /// Elements taken out of lists: the list's path in the record as given
    /// → the indices taken out, as given.
    removed: BTreeMap<String, Vec<usize>>,
    problems: Vec<InputError>,
    /// Paths (as given) already reported: a problem at or under one is a
    /// consequence, not news.
    reported: Vec<Vec<Part>>,
}

impl Collect {
    fn new(value: Value) -> Self {
        Collect {
            value,
            removed: BTreeMap::new(),
            problems: Vec::new(),
            reported: Vec::new(),
        }
    }

    fn run(mut self, rules: &Ruleset, as_of: Option<NaiveDate>) -> Result<Vec<InputError>, Error> {
        loop {
            let Some(input) = self.typed() else {
                return Ok(self.problems);
            };
            let mut found = input.problems();
            if let Some(day) = as_of {
                found.extend(input.problems_as_of(day));
            }
            if !self.problems.is_empty() && found.iter().any(|p| p.problem == "nothing_asked") {
                // Everything was taken out (for problems already reported,
                // a value of the wrong type included): nothing left to check.
                return Ok(self.problems);
            }
            if !found.is_empty() {
                // Taken out last first, so that an index still means what
                // it meant when the problem was found.
                let paths: Vec<Vec<Part>> = found.iter().map(|p| parse_path(&p.path)).collect();
                for p in found {
                    self.record(p);
                }
                let mut sorted = paths;
                sorted.sort_by(|a, b| cmp_paths(b, a));
                for p in sorted {
                    if p.is_empty() || !self.take_out(&p) {
                        return Ok(self.problems);
                    }
                }
                if self.problems.len() >= MAX_PROBLEMS {
                    return Ok(self.problems);
                }
                continue;
            }
            let Some(day) = as_of else {
                return Ok(self.problems);
            };
            match rules
                .evaluator()
                .run(&input, day, &Section::ALL, TraceMode::Off)
            {
                Ok(_) => return Ok(self.problems),
                Err(Error::Input(e)) => {
                    let path = parse_path(&e.path);
                    self.record(e);
                    if path.is_empty()
                        || !self.take_out(&path)
                        || self.problems.len() >= MAX_PROBLEMS
                    {
                        return Ok(self.problems);
                    }
                }
                // A rule that fails on what is left after taking values
                // out may fail because of it: only a failure on the record
                // as given is reported.
                Err(other) if self.problems.is_empty() => return Err(other),
                Err(_) => return Ok(self.problems),
            }
        }
    }

    /// The record in the input's types, each type error recorded and its
    /// value taken out until it reads; `None` when it cannot be made to.
    fn typed(&mut self) -> Option<Input> {
        for _ in 0..MAX_PROBLEMS {
            match Input::typed(self.value.clone()) {
                Ok(input) => return Some(input),
                Err(e) => {
                    // A missing field has its object's path: the object goes.
                    let path = parse_path(&e.path);
                    self.record(e);
                    if path.is_empty() || !self.take_out(&path) {
                        return None;
                    }
                }
            }
        }
        None
    }

    /// Records a problem found in the record as it now is, with its path as
    /// given, unless an earlier problem covers it.
    fn record(&mut self, mut e: InputError) {
        let parts = self.original(&parse_path(&e.path));
        if self
            .reported
            .iter()
            .any(|r| parts.len() >= r.len() && parts[..r.len()] == r[..] && !r.is_empty())
        {
            return;
        }
        if !e.path.is_empty() {
            e.path = write_path(&parts);
        }
        self.reported.push(parts);
        self.problems.push(e);
    }

    /// A path in the record as it now is → the path in the record as given.
    fn original(&self, parts: &[Part]) -> Vec<Part> {
        let mut out: Vec<Part> = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                Part::Index(i) => {
                    let gone = self
                        .removed
                        .get(&write_path(&out))
                        .map_or(&[][..], |v| &v[..]);
                    // The i-th index not taken out.
                    let mut left = *i;
                    let mut j = 0;
                    loop {
                        if !gone.contains(&j) {
                            if left == 0 {
                                break;
                            }
                            left -= 1;
                        }
                        j += 1;
                    }
                    out.push(Part::Index(j));
                }
                key => out.push(key.clone()),
            }
        }
        out
    }

    /// Takes the value at `path` (or, if the record has no such value or
    /// cannot do without it, the nearest enclosing one) out of the record.
    /// `false` when only the whole record would be left to take.
    fn take_out(&mut self, path: &[Part]) -> bool {
        // A value the record lacks (a figure a target needs, LS's `s`):
        // the list element that lacks it goes, else the whole part
        // (`targets`). Taking out the nearest object there would drop
        // values that were given and report them missing in turn.
        let path = if get(&self.value, path).is_some() {
            path
        } else {
            match path.iter().rposition(|p| matches!(p, Part::Index(_))) {
                Some(j) => &path[..=j],
                None => &path[..path.len().min(1)],
            }
        };
        for k in (1..=path.len()).rev() {
            let (parent, last) = (&path[..k - 1], &path[k - 1]);
            let before = self.value.clone();
            let list = write_path(&self.original(parent));
            let given = match self.original(&path[..k]).last() {
                Some(Part::Index(j)) => Some(*j),
                _ => None,
            };
            let taken = match (get_mut(&mut self.value, parent), last) {
                (Some(Value::Object(m)), Part::Key(key)) => m.remove(key).is_some(),
                (Some(Value::Array(a)), Part::Index(i)) if *i < a.len() => {
                    a.remove(*i);
                    true
                }
                _ => false,
            };
            if !taken {
                continue;
            }
            // A required field left out: its object must go instead.
            match Input::typed(self.value.clone()) {
                Err(e) if e.problem == "missing" && parse_path(&e.path) == parent => {
                    self.value = before;
                }
                _ => {
                    if let (Part::Index(_), Some(j)) = (last, given) {
                        self.removed.entry(list).or_default().push(j);
                    }
                    return true;
                }
            }
        }
        false
    }
}

fn get<'a>(mut v: &'a Value, path: &[Part]) -> Option<&'a Value> {
    for p in path {
        v = match (v, p) {
            (Value::Object(m), Part::Key(k)) => m.get(k)?,
            (Value::Array(a), Part::Index(i)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn get_mut<'a>(mut v: &'a mut Value, path: &[Part]) -> Option<&'a mut Value> {
    for p in path {
        v = match (v, p) {
            (Value::Object(m), Part::Key(k)) => m.get_mut(k)?,
            (Value::Array(a), Part::Index(i)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Paths in document order (indices by number), so that taking out in the
/// reverse order leaves every index still to take valid.
fn cmp_paths(a: &[Part], b: &[Part]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = match (x, y) {
            (Part::Index(i), Part::Index(j)) => i.cmp(j),
            (Part::Key(k), Part::Key(l)) => k.cmp(l),
            (Part::Key(_), Part::Index(_)) => std::cmp::Ordering::Less,
            (Part::Index(_), Part::Key(_)) => std::cmp::Ordering::Greater,
        };
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_and_write_back() {
        for p in ["hazard.events[2].on", "risk.points[0].l", "a", "x[1][2].y"] {
            assert_eq!(write_path(&parse_path(p)), p);
        }
        assert!(parse_path("").is_empty());
    }
}
