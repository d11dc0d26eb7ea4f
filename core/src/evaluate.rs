//! Evaluation: which rule functions run for which parts of an input, and in
//! what order. The rules themselves are in the ruleset; this only wires them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decision::{Decision, TraceEntry};
use crate::error::Error;
use crate::input::Input;

use crate::plan::trace::TraceMode;
use crate::ruleset::Ruleset;

/// A part of the decision that can be asked for alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Classification,
    Rectification,
    Responsibility,
    Response,
    Risk,
    /// Checklists (`checklist` in the input).
    Standardisation,
    /// A region's yearly targets (`targets` in the input).
    Targets,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Classification,
        Section::Rectification,
        Section::Responsibility,
        Section::Response,
        Section::Risk,
        Section::Standardisation,
        Section::Targets,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Section::Classification => "classification",
            Section::Rectification => "rectification",
            Section::Responsibility => "responsibility",
            Section::Response => "response",
            Section::Risk => "risk",
            Section::Standardisation => "standardisation",
            Section::Targets => "targets",
        }
    }
}

impl std::str::FromStr for Section {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Section::ALL
            .into_iter()
            .find(|x| x.name() == s)
            .ok_or_else(|| format!("unknown section `{s}` (expected classification, rectification, responsibility, response, risk, standardisation or targets)"))
    }
}

/// The entry functions a chain must define, with their parameters.
pub const ENTRY_POINTS: &[(&str, &[&str])] = &[
    ("classify", &["hazard"]),
    ("rectify", &["hazard", "classification", "as_of"]),
    ("assign", &["hazard", "classification"]),
    ("check_staffing", &["township"]),
    ("grade_accident", &["accident", "as_of"]),
    ("respond_to_warning", &["warning"]),
    ("score_risk", &["risk"]),
    ("check_list", &["checklist", "as_of"]),
    ("assess_targets", &["targets", "as_of"]),
];

impl Ruleset {
    /// Evaluates every section the input calls for, as of a date.
    ///
    /// ```
    /// use hazard_rules::{Input, Ruleset};
    /// let rs = Ruleset::default();
    /// let input = Input::from_json(r#"{"hazard": {
    ///     "sector": "metallurgy", "items": ["GM-3-2"], "found_on": "2024-03-01",
    ///     "listing": {"level": "county", "listed_on": "2024-03-04"}}}"#).unwrap();
    /// let d = rs.evaluate(&input, "2024-03-20".parse().unwrap()).unwrap();
    /// assert_eq!(d.classification.unwrap().level, "major");
    /// // Jinhua: county-listed hazards are closed within 30 days.
    /// assert_eq!(d.rectification.unwrap().period_days, Some(30));
    /// ```
    pub fn evaluate(&self, input: &Input, as_of: NaiveDate) -> Result<Decision, Error> {
        self.run(input, as_of, &Section::ALL, TraceMode::Full)
    }

    /// [`Ruleset::evaluate`] keeping only as much trace as `mode` asks for
    /// (`Ids`: entries without their sentences; `Off`: none).
    ///
    /// ```
    /// use hazard_rules::{Input, Ruleset, Section, TraceMode};
    /// let rs = Ruleset::default();
    /// let input = Input::from_json(r#"{"risk": {"points": [{"method": "LS", "l": 4, "s": 5}]}}"#).unwrap();
    /// let d = rs.evaluate_with(&input, "2024-06-30".parse().unwrap(), &Section::ALL, TraceMode::Ids).unwrap();
    /// assert_eq!(d.risk.unwrap().points[0].colour, "red");
    /// assert!(d.trace.iter().any(|t| t.id == "risk.ls" && t.zh.is_empty()));
    /// ```
    pub fn evaluate_with(
        &self,
        input: &Input,
        as_of: NaiveDate,
        sections: &[Section],
        mode: TraceMode,
    ) -> Result<Decision, Error> {
        self.run(input, as_of, sections, mode)
    }

    /// Evaluates only `section` (running what it depends on, e.g. the
    /// classification before the deadline, whose rules appear in the trace).
    pub fn evaluate_section(
        &self,
        input: &Input,
        section: Section,
        as_of: NaiveDate,
    ) -> Result<Decision, Error> {
        self.run(input, as_of, &[section], TraceMode::Full)
    }

    /// Parses JSON and evaluates it; errors name the JSON path.
    pub fn evaluate_json(&self, input: &str, as_of: NaiveDate) -> Result<Decision, Error> {
        self.evaluate(&Input::from_json(input)?, as_of)
    }

    /// One result per record, in order; a bad record does not stop the others.
    pub fn evaluate_batch(
        &self,
        inputs: &[Input],
        as_of: NaiveDate,
    ) -> Vec<Result<Decision, Error>> {
        inputs.iter().map(|i| self.evaluate(i, as_of)).collect()
    }
}

impl Ruleset {
    /// A decision through the compiled plan, on this thread's evaluator.
    fn run(
        &self,
        input: &Input,
        as_of: NaiveDate,
        wanted: &[Section],
        mode: TraceMode,
    ) -> Result<Decision, Error> {
        crate::outcome::with_scratch(|s| {
            crate::outcome::run(self, s, input, as_of, wanted, mode)?.to_decision()
        })
    }

    /// The trace's note when `as_of` is before the leaf ruleset takes effect.
    pub(crate) fn effective_from_note(&self, as_of: NaiveDate) -> Option<TraceEntry> {
        let leaf = self.leaf();
        (as_of < leaf.effective_from).then(|| TraceEntry {
            kind: "note".into(),
            id: "effective_from".into(),
            row: None,
            ruleset: format!("{}@{}", leaf.id, leaf.version),
            zh: format!("评估日期{as_of}早于规则集生效日期{}", leaf.effective_from),
            en: format!(
                "as-of date {as_of} is before the ruleset's effective date {}",
                leaf.effective_from
            ),
        })
    }
}
