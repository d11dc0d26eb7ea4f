//! Output types: the decision and its sections. Rules build these as Rhai
//! maps; the engine checks every map against these types, so a rule that
//! returns a misspelt field fails loudly instead of producing a half decision.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the rules decided for one input, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision {
    /// The input's `id`, if it had one.
    pub id: Option<String>,
    pub as_of: NaiveDate,
    /// The ruleset chain, base first.
    pub ruleset: Vec<RulesetRef>,
    /// The versions of dated tables the rules applied (the law in force on
    /// the day that governs each part), in the order first used.
    pub in_force: Vec<crate::in_force::Applied>,
    pub classification: Option<Classification>,
    pub rectification: Option<Rectification>,
    pub responsibility: Option<Responsibility>,
    pub response: Option<Response>,
    pub risk: Option<Risk>,
    /// A checklist's completeness (六个有, 七个一, 3+4+X, 五有, 15+5).
    pub standardisation: Option<Standardisation>,
    /// A region's year against its targets.
    pub targets: Option<Targets>,
    /// Every rule and table row that fired, in order.
    pub trace: Vec<TraceEntry>,
}

impl Decision {
    /// Puts a township's staffing check under `responsibility`, which a
    /// decision without a hazard does not have yet.
    #[cfg(feature = "scripted")]
    pub(crate) fn set_staffing(&mut self, staffing: Staffing) {
        Responsibility::set_staffing(&mut self.responsibility, staffing);
    }
}

impl Responsibility {
    /// Puts a township's staffing check in `responsibility`, creating it
    /// for a decision without a hazard.
    pub(crate) fn set_staffing(responsibility: &mut Option<Responsibility>, staffing: Staffing) {
        responsibility
            .get_or_insert_with(|| Responsibility {
                assignments: Vec::new(),
                supervising_level: None,
                staffing: None,
            })
            .staffing = Some(staffing);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RulesetRef {
    pub id: String,
    pub version: String,
}

/// One step of the explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TraceEntry {
    /// `rule` (a rule said why), `table` (a table row was used) or `calendar`.
    pub kind: String,
    /// Rule id (e.g. `classification.catalogue_item`) or table name.
    pub id: String,
    /// For tables: the key or index of the row used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<String>,
    /// `id@version` of the ruleset whose rule or table this is.
    pub ruleset: String,
    pub zh: String,
    pub en: String,
}

/// A legal reason with its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Basis {
    /// Catalogue item id or fact name.
    pub id: String,
    pub title: String,
    pub source: String,
    /// For a catalogue item: the version of its standard (`MEM-10-2023`,
    /// `SAWS-129-2017`), the one in force on the day that governs.
    #[serde(default)]
    pub standard: Option<String>,
    /// For a catalogue item: whether its wording was checked against a
    /// published copy (`false`: check the official text before relying on it).
    #[serde(default)]
    pub verified: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Classification {
    /// `general` or `major`.
    #[serde(deserialize_with = "valid::level")]
    pub level: String,
    /// Items and facts that made it major (empty for general).
    pub basis: Vec<Basis>,
    /// Matched items that do not apply to the hazard's sector, with why.
    #[serde(default)]
    pub not_applicable: Vec<Basis>,
    /// Duties that follow from the level.
    #[serde(default)]
    pub duties: Vec<Basis>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Rectification {
    /// The current stage of the closed loop.
    pub stage: String,
    /// Stages allowed next.
    pub next_stages: Vec<String>,
    /// The day the period counts from (listing date, else found date).
    #[serde(deserialize_with = "valid::date")]
    pub start: NaiveDate,
    /// Period length in days; none where the hazard is fixed on the spot.
    #[serde(default, deserialize_with = "valid::opt_days")]
    pub period_days: Option<i64>,
    /// Due date after Civil Code counting and any extensions.
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub due: Option<NaiveDate>,
    /// `fixed_on_spot`, `not_due`, `due_soon`, `overdue`, `closed_on_time`, `closed_late`.
    #[serde(deserialize_with = "valid::status")]
    pub status: String,
    #[serde(default, deserialize_with = "valid::opt_days")]
    pub days_left: Option<i64>,
    #[serde(default, deserialize_with = "valid::opt_days")]
    pub overdue_days: Option<i64>,
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub closed_on: Option<NaiveDate>,
    /// Extension days approved, in order.
    #[serde(default, deserialize_with = "valid::days_list")]
    pub extensions: Vec<i64>,
    /// What happens because the hazard is overdue.
    #[serde(default)]
    pub escalation: Vec<String>,
    /// `true` when counting the due date reached a year that has no State
    /// Council holiday notice in the ruleset (only weekends were known there):
    /// the date may move once the notice is published and its table added.
    #[serde(default)]
    pub provisional: bool,
    /// Why the due date is provisional, naming the year without a notice;
    /// none when it is not.
    #[serde(default)]
    pub provisional_note: Option<String>,
    /// The periodic statistics the hazard's unit owes (Order 16 Art. 14), each
    /// with its next due date; empty when the input names no unit
    /// (`hazard.enterprise`).
    #[serde(default)]
    pub reports: Vec<Report>,
}

/// A periodic report a unit owes, with the next due date on or after the
/// as-of date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The reporting table's row, e.g. `quarterly`, `yearly`.
    pub id: String,
    pub title: String,
    /// The period the report covers, e.g. `2024-Q1` or `2023`.
    pub covers: String,
    /// The last day to hand it in.
    #[serde(deserialize_with = "valid::date")]
    pub due: NaiveDate,
    pub source: String,
}

/// A role and who fills it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// Role code, e.g. `rectification_lead`, `sector_regulator`, `grid_member`.
    pub role: String,
    /// The post or body, e.g. `主要负责人`, `应急管理局`, `乡镇(街道)`.
    pub post: String,
    /// The person who acts (the backup when the primary is absent).
    #[serde(default)]
    pub person: Option<String>,
    /// Set when the backup acts for an absent primary (AB post).
    #[serde(default)]
    pub acting_for: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    pub assignments: Vec<Assignment>,
    /// The level that supervises and closes the hazard: `township`, `county`, `city`, `province`.
    #[serde(default)]
    pub supervising_level: Option<String>,
    #[serde(default)]
    pub staffing: Option<Staffing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Staffing {
    #[serde(deserialize_with = "valid::count")]
    pub required_staff: i64,
    #[serde(deserialize_with = "valid::count")]
    pub actual_staff: i64,
    #[serde(deserialize_with = "valid::count")]
    pub required_officers: i64,
    #[serde(deserialize_with = "valid::count")]
    pub actual_officers: i64,
    pub ok: bool,
    pub shortfalls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Response {
    #[serde(default)]
    pub accident: Option<AccidentResponse>,
    #[serde(default)]
    pub warning: Option<WarningResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AccidentResponse {
    /// `especially_major`, `major`, `large`, `general`.
    #[serde(deserialize_with = "valid::grade")]
    pub grade: String,
    pub grade_zh: String,
    /// Which criteria reached the grade: `deaths`, `serious_injuries`, `direct_loss`.
    pub criteria: Vec<String>,
    pub investigated_by: String,
    /// The highest level the report must reach.
    pub reported_up_to: String,
    #[serde(deserialize_with = "valid::count")]
    pub unit_report_hours: i64,
    #[serde(deserialize_with = "valid::count")]
    pub per_level_hours: i64,
    #[serde(deserialize_with = "valid::count")]
    pub supplement_days: i64,
    #[serde(deserialize_with = "valid::count")]
    pub investigation_days: i64,
    #[serde(deserialize_with = "valid::count")]
    pub investigation_extension_days: i64,
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub supplement_until: Option<NaiveDate>,
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub investigation_due: Option<NaiveDate>,
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub investigation_latest: Option<NaiveDate>,
    /// `true` when counting `investigation_due` or `investigation_latest`
    /// reached a year with no State Council holiday notice in the ruleset.
    #[serde(default)]
    pub provisional: bool,
    /// Why those dates are provisional, naming the year without a notice.
    #[serde(default)]
    pub provisional_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WarningResponse {
    /// Typhoon signal derived from the forecast, if any.
    #[serde(default, deserialize_with = "valid::opt_colour")]
    pub typhoon_signal: Option<String>,
    /// Response level `I`–`IV`, none if no trigger is reached.
    #[serde(default, deserialize_with = "valid::opt_response_level")]
    pub level: Option<String>,
    /// The colour of that level.
    #[serde(default, deserialize_with = "valid::opt_colour")]
    pub colour: Option<String>,
    /// What triggered the level.
    pub triggers: Vec<String>,
    pub actions: Vec<String>,
    /// Who is notified automatically.
    #[serde(default)]
    pub notify: Vec<String>,
    /// The separate responses a place's plan runs (e.g. Zhejiang's 防汛,
    /// 防台风 and 海上防台风), each with its own level; empty where the
    /// rules run one combined response (the national rules).
    #[serde(default)]
    pub responses: Vec<PlanResponse>,
}

/// One kind of response of a place's plan and the level it reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PlanResponse {
    /// The kind, e.g. `flood`, `typhoon`, `sea_typhoon`.
    pub kind: String,
    /// Its name in the plan, e.g. `防台风`.
    pub zh: String,
    /// `I`–`IV`.
    #[serde(deserialize_with = "valid::response_level")]
    pub level: String,
    /// What started it.
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Risk {
    pub points: Vec<PointRisk>,
    #[serde(default)]
    pub unit: Option<UnitRisk>,
    #[serde(default)]
    pub region: Option<RegionRisk>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PointRisk {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(deserialize_with = "valid::method")]
    pub method: String,
    #[serde(deserialize_with = "valid::score")]
    pub score: f64,
    pub grade: String,
    #[serde(deserialize_with = "valid::colour")]
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitRisk {
    #[serde(deserialize_with = "valid::colour")]
    pub colour: String,
    pub level: String,
    pub reasons: Vec<String>,
    /// Department inspections a year at most (caps by standardisation grade).
    #[serde(default, deserialize_with = "valid::opt_days")]
    pub inspections_per_year: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RegionRisk {
    #[serde(deserialize_with = "valid::colour")]
    pub colour: String,
    pub rule: String,
}

/// A subject measured against a checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Standardisation {
    /// The checklist's id in the ruleset's `checklists` table.
    pub checklist: String,
    /// Its title, e.g. `村（社区）避灾自救“七个一”`.
    pub zh: String,
    pub en: String,
    /// The subject's name, from the input.
    pub subject: String,
    /// Every mandatory item given, none stale.
    pub complete: bool,
    /// Mandatory items done (given, evidence current) out of all mandatory items, 0–1.
    #[serde(deserialize_with = "valid::share")]
    pub share_done: f64,
    #[serde(deserialize_with = "valid::count")]
    pub mandatory_done: i64,
    #[serde(deserialize_with = "valid::count")]
    pub mandatory_total: i64,
    /// Ids of the mandatory items not given, in the checklist's order.
    pub missing: Vec<String>,
    /// Ids of the items given whose evidence is too old or lacks a date.
    pub stale: Vec<String>,
    /// Every item of the checklist with its status, in the checklist's order.
    pub items: Vec<ChecklistItem>,
    /// The checklist's source text.
    pub source: String,
}

/// One item of a checklist and where the subject stands on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub mandatory: bool,
    /// `done`, `missing` (not given) or `stale` (given, evidence too old or undated).
    #[serde(deserialize_with = "valid::item_status")]
    pub status: String,
    /// The evidence date given for it, if any.
    #[serde(default, deserialize_with = "valid::opt_date")]
    pub evidence_on: Option<NaiveDate>,
    /// For an item that needs recent evidence (the yearly drill): how many
    /// days before the as-of date its evidence may be dated. A form shows a
    /// date field for these.
    #[serde(default, deserialize_with = "valid::opt_days")]
    pub fresh_days: Option<i64>,
}

/// A region's year against the ruleset's targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub region: String,
    pub year: i64,
    /// Every target met.
    pub all_met: bool,
    /// How many targets are met, of `results.len()`.
    #[serde(deserialize_with = "valid::count")]
    pub met: i64,
    /// One result per target, in the table's order.
    pub results: Vec<TargetResult>,
}

/// One target: what the year reached, the limit it had to reach, and the margin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetResult {
    /// The target's id in the ruleset's `targets` table.
    pub id: String,
    pub zh: String,
    pub en: String,
    /// `at_most` (the value may not be above the limit) or `at_least`.
    #[serde(deserialize_with = "valid::comparison")]
    pub comparison: String,
    /// The year's value (a count, or a ratio of two figures); none where
    /// there was nothing to measure (no forest fire in the year).
    #[serde(default)]
    pub value: Option<f64>,
    /// For targets against the previous years: the mean of their values.
    #[serde(default)]
    pub base: Option<f64>,
    /// The limit the value is compared with.
    pub limit: f64,
    /// How far the value is on the good side of the limit (negative: missed by).
    #[serde(default)]
    pub margin: Option<f64>,
    pub met: bool,
    pub source: String,
}

/// What a rule may return in the output's closed fields: the enumerations
/// the output documents and counts that cannot be negative. A result outside
/// them is the rule's error ("rule `rectify` returned an invalid result"),
/// never a decision; the plan's results are read through the same types, so
/// both paths refuse it alike.
mod valid {
    use chrono::{Datelike, NaiveDate};
    use serde::de::{Deserializer, Error};
    use serde::Deserialize;

    fn check<E: Error>(s: &str, allowed: &[&str]) -> Result<(), E> {
        if allowed.contains(&s) {
            Ok(())
        } else {
            Err(E::custom(format!(
                "`{s}` is not one of {}",
                allowed.join(", ")
            )))
        }
    }

    fn one_of<'de, D: Deserializer<'de>>(d: D, allowed: &[&str]) -> Result<String, D::Error> {
        let s = String::deserialize(d)?;
        check::<D::Error>(&s, allowed)?;
        Ok(s)
    }

    fn opt_one_of<'de, D: Deserializer<'de>>(
        d: D,
        allowed: &[&str],
    ) -> Result<Option<String>, D::Error> {
        let v = Option::<String>::deserialize(d)?;
        if let Some(s) = &v {
            check::<D::Error>(s, allowed)?;
        }
        Ok(v)
    }

    const COLOURS: &[&str] = &["red", "orange", "yellow", "blue"];

    pub fn level<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["general", "major"])
    }

    pub fn status<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        const STATUSES: &[&str] = &[
            "fixed_on_spot",
            "not_due",
            "due_soon",
            "overdue",
            "closed_on_time",
            "closed_late",
        ];
        one_of(d, STATUSES)
    }

    pub fn grade<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["especially_major", "major", "large", "general"])
    }

    pub fn method<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["LEC", "LS"])
    }

    pub fn colour<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, COLOURS)
    }

    pub fn opt_colour<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        opt_one_of(d, COLOURS)
    }

    pub fn opt_response_level<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        opt_one_of(d, &["I", "II", "III", "IV"])
    }

    pub fn response_level<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["I", "II", "III", "IV"])
    }

    fn non_negative<E: Error>(n: i64) -> Result<i64, E> {
        if n < 0 {
            Err(E::custom(format!("{n} is negative")))
        } else {
            Ok(n)
        }
    }

    pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        non_negative(i64::deserialize(d)?)
    }

    pub fn opt_days<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        Option::<i64>::deserialize(d)?.map(non_negative).transpose()
    }

    pub fn days_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        Vec::<i64>::deserialize(d)?
            .into_iter()
            .map(non_negative)
            .collect()
    }

    /// Years every binding can hold (Python's `datetime.date` ends at 9999).
    fn in_years<E: Error>(d: NaiveDate) -> Result<NaiveDate, E> {
        if (1..=9999).contains(&d.year()) {
            Ok(d)
        } else {
            Err(E::custom(format!("{d} is outside the years 1 to 9999")))
        }
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        in_years(NaiveDate::deserialize(d)?)
    }

    pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<NaiveDate>::deserialize(d)?
            .map(in_years)
            .transpose()
    }

    pub fn item_status<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["done", "missing", "stale"])
    }

    pub fn comparison<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        one_of(d, &["at_most", "at_least"])
    }

    pub fn share<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let x = f64::deserialize(d)?;
        if (0.0..=1.0).contains(&x) {
            Ok(x)
        } else {
            Err(D::Error::custom(format!("{x} is not a share from 0 to 1")))
        }
    }

    pub fn score<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let x = f64::deserialize(d)?;
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(D::Error::custom(format!(
                "{x} is not a finite score of 0 or more"
            )))
        }
    }
}
