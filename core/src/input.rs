//! Input types: what a township inspector, an accident report or a weather
//! warning tells the rules. Field names are the JSON names; the published JSON
//! Schema (`hazard-rules schema`) is generated from these types.
//!
//! Vocabulary that a ruleset owns (sectors, stages, catalogue item ids, sector
//! groups) is plain text here and checked by the ruleset, so that a province can
//! add a sector without a new release.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::InputError;

// Cells (CSV, dataframe columns) are typed by the input's JSON Schema.
#[cfg(feature = "schema")]
mod cells;
#[cfg(feature = "schema")]
mod frame;
#[cfg(feature = "schema")]
pub use cells::{csv_cell, field_kind, frame_row, table_columns, table_row, Cell, FieldKind};
#[cfg(feature = "schema")]
pub use frame::{FrameColumns, FrameRow};

/// One record to evaluate. Each part is optional; the decision has the
/// sections its parts call for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The caller's record id, echoed in the decision.
    #[serde(default)]
    pub id: Option<String>,
    /// A hazard found in an inspection: classification, rectification and responsibility.
    #[serde(default)]
    pub hazard: Option<Hazard>,
    /// An accident report: grade, investigating level and reporting chain.
    #[serde(default)]
    pub accident: Option<Accident>,
    /// A weather or hydrological warning: response level and actions.
    #[serde(default)]
    pub warning: Option<Warning>,
    /// Risk points and unit signals: colours, unit level, inspection frequency.
    #[serde(default)]
    pub risk: Option<RiskInput>,
    /// A township's workload and staff: the staffing-ratio check.
    #[serde(default)]
    pub township: Option<Township>,
    /// What a township, village or enterprise has of a standardisation
    /// checklist (六个有, 七个一, 3+4+X, 五有, 15+5): the `standardisation` section.
    #[serde(default)]
    pub checklist: Option<Checklist>,
    /// A region's figures for a year and the two years before: the `targets` section.
    #[serde(default)]
    pub targets: Option<YearFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Hazard {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Sector code from the ruleset's `sectors` table, e.g. `metallurgy`, `chemicals`.
    pub sector: String,
    /// Ids of matched major-hazard catalogue items, e.g. `GM-11-1`.
    #[serde(default)]
    pub items: Vec<String>,
    #[serde(default)]
    pub facts: HazardFacts,
    /// The day the hazard was found.
    pub found_on: NaiveDate,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub enterprise: Option<Enterprise>,
    /// Listing for supervision (挂牌督办), if any.
    #[serde(default)]
    pub listing: Option<Listing>,
    /// Closed-loop history, oldest first.
    #[serde(default)]
    pub events: Vec<Event>,
}

/// The Order 16 Art. 3 facts that make a hazard major whatever the catalogue says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HazardFacts {
    /// Rectification needs full or partial suspension of production.
    #[serde(default)]
    pub needs_suspension: bool,
    /// The unit cannot remove it by itself because of external factors.
    #[serde(default)]
    pub cannot_self_remove: bool,
    /// It was removed on the spot when found.
    #[serde(default)]
    pub fixed_on_spot: bool,
    /// A monitoring, alarm or protection device of a situation the 工贸
    /// catalogue lists has failed, been disabled or removed: itself a major
    /// hazard from 2023-05-15 (MEM Order No. 10 Art. 14).
    #[serde(default)]
    pub device_failed: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[serde(default)]
    pub county: Option<String>,
    pub township: String,
    #[serde(default)]
    pub village: Option<String>,
    #[serde(default)]
    pub grid: Option<String>,
    /// The township's safety/emergency centre lead.
    #[serde(default)]
    pub township_lead: Option<Post>,
    #[serde(default)]
    pub village_head: Option<Post>,
    #[serde(default)]
    pub grid_member: Option<Post>,
}

/// An AB post: a primary holder and a backup who acts when the primary is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Post {
    pub name: String,
    #[serde(default)]
    pub backup: Option<String>,
    /// The primary is away (leave, travel, illness): the backup acts.
    #[serde(default)]
    pub absent: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    pub name: String,
    /// The unit's principal person (主要负责人).
    #[serde(default)]
    pub principal: Option<Post>,
    /// The head of the workshop or department where the hazard is.
    #[serde(default)]
    pub department_head: Option<Post>,
    /// For tenants: the landlord or park enterprise that coordinates them.
    #[serde(default)]
    pub tenant_of: Option<Landlord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Landlord {
    pub name: String,
    /// `landlord` or `park`.
    pub kind: String,
    #[serde(default)]
    pub contact: Option<Post>,
}

/// Listing for supervision by a government level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// `province`, `city`, `county` or `township` (the ruleset's `listing_periods` table).
    pub level: String,
    pub listed_on: NaiveDate,
}

/// One step of the closed loop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// A stage from the ruleset's `stages` table (found, assigned, rectified,
    /// verified, closed) or `extended` for an approved extension.
    pub stage: String,
    pub on: NaiveDate,
    /// For `extended`: the days added to the due date.
    #[serde(default)]
    pub extension_days: Option<u32>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Accident {
    /// e.g. `production`, `road_traffic`, `fire` (sets the supplementary-report window).
    #[serde(default = "default_accident_kind")]
    pub kind: String,
    #[serde(default)]
    pub deaths: u32,
    /// Serious injuries, acute industrial poisoning included.
    #[serde(default)]
    pub serious_injuries: u32,
    /// Direct economic loss in CNY.
    #[serde(default)]
    pub direct_loss_cny: f64,
    #[serde(default)]
    pub occurred_on: Option<NaiveDate>,
}

fn default_accident_kind() -> String {
    "production".to_owned()
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Warning {
    /// Region the warning covers (echoed in actions).
    #[serde(default)]
    pub region: Option<String>,
    /// The day the signals and readings were observed: the day whose rules
    /// apply (the as-of date when absent).
    #[serde(default)]
    pub observed_on: Option<NaiveDate>,
    /// Forecast typhoon winds, to derive the typhoon signal.
    #[serde(default)]
    pub typhoon: Option<TyphoonForecast>,
    /// Warning signals already issued, by hazard: e.g. `{ "rainstorm": "orange" }`.
    #[serde(default)]
    pub signals: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub rainfall_1h_mm: Option<f64>,
    #[serde(default)]
    pub rainfall_24h_mm: Option<f64>,
    #[serde(default)]
    pub water_level_m: Option<f64>,
    /// The gauge's warning level (警戒水位).
    #[serde(default)]
    pub warning_level_m: Option<f64>,
    /// The gauge's guaranteed level (保证水位).
    #[serde(default)]
    pub guarantee_level_m: Option<f64>,
}

/// Winds expected to affect the area within `within_hours`, on the Beaufort scale.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TyphoonForecast {
    pub within_hours: u32,
    pub sustained_force: u32,
    #[serde(default)]
    pub gust_force: Option<u32>,
    /// The winds are forecast for the sea areas only, not for land (a
    /// province may run a separate sea response, e.g. Zhejiang's 海上防台风);
    /// the national rules do not read it.
    #[serde(default)]
    pub at_sea: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    #[serde(default)]
    pub points: Vec<RiskPoint>,
    #[serde(default)]
    pub unit: Option<UnitSignals>,
    /// Colours of a region's units, to colour the region.
    #[serde(default)]
    pub region: Option<Region>,
}

/// A risk point scored by LEC (D = L×E×C) or by the LS matrix (R = L×S).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RiskPoint {
    #[serde(default)]
    pub id: Option<String>,
    /// `LEC` or `LS`.
    pub method: String,
    pub l: f64,
    #[serde(default)]
    pub e: Option<f64>,
    #[serde(default)]
    pub c: Option<f64>,
    #[serde(default)]
    pub s: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitSignals {
    #[serde(default)]
    pub name: Option<String>,
    /// A group from the ruleset's `inspection_frequency` table, e.g. `hazchem_metal`.
    pub sector_group: String,
    /// Work-safety standardisation grade 1–3; none if not graded.
    #[serde(default)]
    pub standardisation_grade: Option<u8>,
    #[serde(default)]
    pub open_major_hazards: u32,
    #[serde(default)]
    pub overdue_hazards: u32,
    /// Accidents at the unit in the last 12 months.
    #[serde(default)]
    pub recent_accidents: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Region {
    #[serde(default)]
    pub name: Option<String>,
    /// `red`, `orange`, `yellow` or `blue`, one per unit.
    pub unit_colours: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Township {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub industrial_enterprises: u32,
    #[serde(default)]
    pub commercial_premises: u32,
    #[serde(default)]
    pub rented_dwellings: u32,
    #[serde(default)]
    pub safety_staff: u32,
    #[serde(default)]
    pub certified_officers: u32,
}

/// One subject measured against one checklist of the ruleset's `checklists`
/// table. The item ids are the ruleset's (checked by its rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Checklist {
    /// A key of the ruleset's `checklists` table, e.g. `village_7`, `township_6`.
    pub id: String,
    /// Who is measured.
    pub subject: Subject,
    /// The ids of the items the subject has, e.g. `["grid_list", "shelter"]`.
    #[serde(default)]
    pub items: Vec<String>,
    /// The date of the evidence for an item, by item id (e.g. the yearly drill:
    /// `{"drill": "2024-05-18"}`). An item with a date counts as given.
    #[serde(default)]
    pub evidence: std::collections::BTreeMap<String, NaiveDate>,
}

/// The township, village or enterprise a checklist is filled in for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub name: String,
    /// `township`, `village` or `enterprise`: must be the checklist's subject.
    pub kind: String,
    #[serde(default)]
    pub county: Option<String>,
    #[serde(default)]
    pub township: Option<String>,
    #[serde(default)]
    pub village: Option<String>,
}

/// A region's year measured against the ruleset's `targets` table. Figures
/// are named by the table's rows (`accidents`, `deaths`, `gdp_100m_cny`,
/// ...); a figure a target needs and the input lacks is an input error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct YearFigures {
    /// The county, city or province, e.g. `金华市`.
    pub region: String,
    /// The year measured.
    pub year: i32,
    /// The year's figures, by name.
    #[serde(default)]
    pub this_year: std::collections::BTreeMap<String, f64>,
    /// The year before's figures (for targets against the two previous years).
    #[serde(default)]
    pub last_year: std::collections::BTreeMap<String, f64>,
    /// The figures of two years before.
    #[serde(default)]
    pub year_before_last: std::collections::BTreeMap<String, f64>,
}

impl YearFigures {
    /// The three years' figures with the name of their field.
    pub fn years(&self) -> [(&'static str, &std::collections::BTreeMap<String, f64>); 3] {
        [
            ("this_year", &self.this_year),
            ("last_year", &self.last_year),
            ("year_before_last", &self.year_before_last),
        ]
    }
}

impl Input {
    /// Parses JSON text, naming the JSON path of the first problem.
    pub fn from_json(text: &str) -> Result<Self, InputError> {
        // As in `FrameColumns::read`: the path is tracked only on the way
        // to an error, in a second reading of the text.
        let input = match serde_json::from_str::<Input>(text) {
            Ok(input) => input,
            Err(first) => {
                let de = &mut serde_json::Deserializer::from_str(text);
                let input: Input =
                    serde_path_to_error::deserialize(&mut *de).map_err(path_error)?;
                // What follows the record (`{...} x`) failed only the first reading.
                de.end().map_err(|_| json_error(String::new(), first))?;
                input
            }
        };
        input.validate()?;
        Ok(input)
    }

    /// Converts an already-parsed JSON value, naming the JSON path of the first problem.
    pub fn from_value(value: serde_json::Value) -> Result<Self, InputError> {
        let input = Self::typed(value)?;
        input.validate()?;
        Ok(input)
    }

    /// The value read into the input's types, without the checks of
    /// [`Input::problems`]: the first field of the wrong type, missing or
    /// unknown is the error.
    pub fn typed(value: serde_json::Value) -> Result<Self, InputError> {
        serde_path_to_error::deserialize(value).map_err(path_error)
    }

    /// Structural checks that types cannot express (finite, non-negative
    /// numbers; plausible dates, events in date order, a listing not before
    /// the finding): the first of [`Input::problems`]. Domain checks belong
    /// to the ruleset.
    pub fn validate(&self) -> Result<(), InputError> {
        match self.problems().into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every structural problem of the record, in one pass, in the order
    /// [`Input::validate`] meets them; at most one per path. A valid record
    /// allocates nothing.
    ///
    /// ```
    /// use hazard_rules::Input;
    /// let input: Input = serde_json::from_str(r#"{
    ///   "accident": {"deaths": 1, "direct_loss_cny": -5},
    ///   "warning": {"rainfall_1h_mm": -1, "typhoon": {"within_hours": 12, "sustained_force": 40}}
    /// }"#).unwrap();
    /// let p = input.problems();
    /// let paths: Vec<_> = p.iter().map(|e| e.path.as_str()).collect();
    /// assert_eq!(paths, ["warning.typhoon.sustained_force", "accident.direct_loss_cny", "warning.rainfall_1h_mm"]);
    /// assert_eq!(p[1].problem, "negative");
    /// assert_eq!(p[1].message_zh, "不能为负数（填写的是 -5）");
    /// ```
    pub fn problems(&self) -> Vec<InputError> {
        let mut p = Problems::default();
        if self.hazard.is_none()
            && self.accident.is_none()
            && self.warning.is_none()
            && self.risk.is_none()
            && self.township.is_none()
            && self.checklist.is_none()
            && self.targets.is_none()
        {
            // An empty line, `{}` or an all-empty table row: a decision of
            // nothing would pass for a checked record.
            p.push(InputError::of(
                "",
                "nothing_asked",
                "the record asks for nothing: give at least one of hazard, accident, warning, risk, township, checklist or targets",
                "记录没有要求判定任何内容：请至少填写 hazard、accident、warning、risk、township、checklist、targets 之一",
            ));
            return p.0;
        }
        self.range_problems(&mut p);
        if let Some(a) = &self.accident {
            p.add(non_negative(
                || "accident.direct_loss_cny".into(),
                a.direct_loss_cny,
            ));
        }
        if let Some(w) = &self.warning {
            for (name, v) in [
                ("rainfall_1h_mm", w.rainfall_1h_mm),
                ("rainfall_24h_mm", w.rainfall_24h_mm),
            ] {
                if let Some(v) = v {
                    p.add(non_negative(|| format!("warning.{name}"), v));
                }
            }
            for (name, v) in [
                ("water_level_m", w.water_level_m),
                ("warning_level_m", w.warning_level_m),
                ("guarantee_level_m", w.guarantee_level_m),
            ] {
                if let Some(v) = v {
                    p.add(finite(|| format!("warning.{name}"), v));
                }
            }
        }
        if let Some(r) = &self.risk {
            for (i, pt) in r.points.iter().enumerate() {
                for (name, v) in [("l", Some(pt.l)), ("e", pt.e), ("c", pt.c), ("s", pt.s)] {
                    if let Some(v) = v {
                        p.add(non_negative(|| format!("risk.points[{i}].{name}"), v));
                    }
                }
            }
        }
        if let Some(h) = &self.hazard {
            p.add(plausible_date(|| "hazard.found_on".into(), h.found_on));
            if let Some(l) = &h.listing {
                p.add(plausible_date(
                    || "hazard.listing.listed_on".into(),
                    l.listed_on,
                ));
                if l.listed_on < h.found_on {
                    p.push(InputError::of(
                        "hazard.listing.listed_on",
                        "out_of_order",
                        format!(
                            "{} is earlier than the day the hazard was found ({})",
                            l.listed_on, h.found_on
                        ),
                        format!("挂牌日期 {} 早于隐患发现日期 {}", l.listed_on, h.found_on),
                    ));
                }
            }
            let mut previous = h.found_on;
            for (i, e) in h.events.iter().enumerate() {
                p.add(plausible_date(|| format!("hazard.events[{i}].on"), e.on));
                if e.on < previous {
                    p.push(InputError::of(
                        format!("hazard.events[{i}].on"),
                        "out_of_order",
                        format!("{} is earlier than the event before it ({previous})", e.on),
                        format!("{} 早于前一个环节的日期 {previous}", e.on),
                    ));
                }
                previous = e.on;
            }
        }
        if let Some(d) = self.warning.as_ref().and_then(|w| w.observed_on) {
            p.add(plausible_date(|| "warning.observed_on".into(), d));
        }
        if let Some(d) = self.accident.as_ref().and_then(|a| a.occurred_on) {
            p.add(plausible_date(|| "accident.occurred_on".into(), d));
        }
        if let Some(c) = &self.checklist {
            for (item, d) in &c.evidence {
                p.add(plausible_date(|| format!("checklist.evidence.{item}"), *d));
            }
        }
        if let Some(t) = &self.targets {
            let (first, last) = DATE_WINDOW;
            if !(first.year()..=last.year()).contains(&t.year) {
                p.push(InputError::of(
                    "targets.year",
                    "out_of_range",
                    format!("{} is outside {}..={}", t.year, first.year(), last.year()),
                    format!(
                        "{} 年不在 {} 至 {} 年之间",
                        t.year,
                        first.year(),
                        last.year()
                    ),
                ));
            }
            for (year, figures) in t.years() {
                for (name, v) in figures {
                    p.add(non_negative(|| format!("targets.{year}.{name}"), *v));
                }
            }
        }
        p.0
    }

    /// Numbers and codes no real record has (a force-4,294,967,295 typhoon,
    /// `l: 1e308`, a 70 KB sector code): reported with their path, before a
    /// rule would overflow on them or decide nonsense.
    fn range_problems(&self, p: &mut Problems) {
        if let Some(h) = &self.hazard {
            p.add(code(|| "hazard.sector".into(), &h.sector));
            // A scan of the items before for a short list (no allocation in
            // a warm evaluator); a set for a long one (100,000 items scanned
            // took 104 s).
            let mut seen = (h.items.len() > 64)
                .then(|| std::collections::HashSet::with_capacity(h.items.len()));
            for (i, item) in h.items.iter().enumerate() {
                p.add(code(|| format!("hazard.items[{i}]"), item));
                let twice = match &mut seen {
                    Some(set) => !set.insert(item.as_str()),
                    None => h.items[..i].contains(item),
                };
                if twice {
                    p.push(listed_twice(format!("hazard.items[{i}]"), item));
                }
            }
            let posts = [
                (
                    "hazard.enterprise.principal",
                    h.enterprise.as_ref().and_then(|e| e.principal.as_ref()),
                ),
                (
                    "hazard.enterprise.department_head",
                    h.enterprise
                        .as_ref()
                        .and_then(|e| e.department_head.as_ref()),
                ),
                (
                    "hazard.location.grid_member",
                    h.location.as_ref().and_then(|l| l.grid_member.as_ref()),
                ),
                (
                    "hazard.location.township_lead",
                    h.location.as_ref().and_then(|l| l.township_lead.as_ref()),
                ),
                (
                    "hazard.location.village_head",
                    h.location.as_ref().and_then(|l| l.village_head.as_ref()),
                ),
            ];
            for (path, post) in posts {
                if let Some(post) = post {
                    // A person is assigned by name: a blank one is no one.
                    if post.name.trim().is_empty() {
                        p.push(empty(format!("{path}.name")));
                    }
                    if post.backup.as_deref().is_some_and(|b| b.trim().is_empty()) {
                        p.push(empty(format!("{path}.backup")));
                    }
                }
            }
            if let Some(l) = &h.listing {
                p.add(code(|| "hazard.listing.level".into(), &l.level));
            }
            let mut extended = 0.0;
            for (i, e) in h.events.iter().enumerate() {
                p.add(code(|| format!("hazard.events[{i}].stage"), &e.stage));
                if let Some(d) = e.extension_days {
                    let path = || format!("hazard.events[{i}].extension_days");
                    p.add(at_most(path, d as f64, MAX_EXTENSION_DAYS));
                    // Thousands of extensions would move the due date past
                    // any calendar (and past the year 9999 Python can hold).
                    extended += d as f64;
                    if extended > MAX_EXTENDED_DAYS {
                        p.push(InputError::of(
                            path(),
                            "out_of_range",
                            format!(
                                "extensions add up to more than {MAX_EXTENDED_DAYS} days (ten years), \
                                 more than any hazard is given"
                            ),
                            format!(
                                "延期天数累计超过 {MAX_EXTENDED_DAYS} 天（十年），没有隐患会获得这么长的延期"
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(a) = &self.accident {
            p.add(code(|| "accident.kind".into(), &a.kind));
            p.add(at_most(
                || "accident.direct_loss_cny".into(),
                a.direct_loss_cny,
                MAX_LOSS_CNY,
            ));
        }
        if let Some(w) = &self.warning {
            if let Some(t) = &w.typhoon {
                p.add(at_most(
                    || "warning.typhoon.within_hours".into(),
                    t.within_hours as f64,
                    MAX_FORECAST_HOURS,
                ));
                p.add(at_most(
                    || "warning.typhoon.sustained_force".into(),
                    t.sustained_force as f64,
                    MAX_WIND_FORCE,
                ));
                if let Some(g) = t.gust_force {
                    p.add(at_most(
                        || "warning.typhoon.gust_force".into(),
                        g as f64,
                        MAX_WIND_FORCE,
                    ));
                }
            }
            for (name, colour) in &w.signals {
                p.add(code(|| format!("warning.signals.{name}"), name));
                p.add(code(|| format!("warning.signals.{name}"), colour));
            }
            for (name, v) in [
                ("rainfall_1h_mm", w.rainfall_1h_mm),
                ("rainfall_24h_mm", w.rainfall_24h_mm),
            ] {
                if let Some(v) = v {
                    p.add(at_most(|| format!("warning.{name}"), v, MAX_RAINFALL_MM));
                }
            }
            for (name, v) in [
                ("water_level_m", w.water_level_m),
                ("warning_level_m", w.warning_level_m),
                ("guarantee_level_m", w.guarantee_level_m),
            ] {
                if let Some(v) = v {
                    p.add(at_most(|| format!("warning.{name}"), v.abs(), MAX_LEVEL_M));
                }
            }
        }
        if let Some(r) = &self.risk {
            for (i, pt) in r.points.iter().enumerate() {
                p.add(code(|| format!("risk.points[{i}].method"), &pt.method));
                for (name, v) in [("l", Some(pt.l)), ("e", pt.e), ("c", pt.c), ("s", pt.s)] {
                    if let Some(v) = v {
                        p.add(at_most(
                            || format!("risk.points[{i}].{name}"),
                            v,
                            MAX_RISK_FACTOR,
                        ));
                    }
                }
            }
            if let Some(u) = &r.unit {
                p.add(code(|| "risk.unit.sector_group".into(), &u.sector_group));
            }
            if let Some(reg) = &r.region {
                for (i, c) in reg.unit_colours.iter().enumerate() {
                    p.add(code(|| format!("risk.region.unit_colours[{i}]"), c));
                }
            }
        }
        if let Some(c) = &self.checklist {
            p.add(code(|| "checklist.id".into(), &c.id));
            p.add(code(|| "checklist.subject.kind".into(), &c.subject.kind));
            if c.subject.name.trim().is_empty() {
                p.push(empty("checklist.subject.name".into()));
            }
            p.add(at_most(
                || "checklist.items".into(),
                c.items.len() as f64,
                MAX_CHECKLIST_ITEMS,
            ));
            for (i, item) in c.items.iter().enumerate() {
                p.add(code(|| format!("checklist.items[{i}]"), item));
                if c.items[..i].contains(item) {
                    p.push(listed_twice(format!("checklist.items[{i}]"), item));
                }
            }
            p.add(at_most(
                || "checklist.evidence".into(),
                c.evidence.len() as f64,
                MAX_CHECKLIST_ITEMS,
            ));
            for item in c.evidence.keys() {
                p.add(code(|| format!("checklist.evidence.{item}"), item));
            }
        }
        if let Some(t) = &self.targets {
            for (year, figures) in t.years() {
                p.add(at_most(
                    || format!("targets.{year}"),
                    figures.len() as f64,
                    MAX_FIGURES,
                ));
                for (name, v) in figures {
                    p.add(code(|| format!("targets.{year}.{name}"), name));
                    p.add(at_most(|| format!("targets.{year}.{name}"), *v, MAX_FIGURE));
                }
            }
        }
    }

    /// Checks against the day a decision is made: the first of
    /// [`Input::problems_as_of`].
    pub fn validate_as_of(&self, as_of: NaiveDate) -> Result<(), InputError> {
        match self.problems_as_of(as_of).into_iter().next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Every problem against the day a decision is made: a plausible "as
    /// of" day, and nothing in the record after it (a hazard found, listed
    /// or acted on, or an accident, in the future is a wrong date, not a
    /// deadline).
    pub fn problems_as_of(&self, as_of: NaiveDate) -> Vec<InputError> {
        let mut p = Problems::default();
        p.add(plausible_date(|| "as_of".into(), as_of));
        let after = |path: String, d: NaiveDate| {
            InputError::of(
                path,
                "after_as_of",
                format!("{d} is after the day of the decision ({as_of})"),
                format!("{d} 晚于判定日期 {as_of}"),
            )
        };
        if let Some(h) = &self.hazard {
            if h.found_on > as_of {
                p.push(after("hazard.found_on".into(), h.found_on));
            }
            if let Some(l) = h.listing.as_ref().filter(|l| l.listed_on > as_of) {
                p.push(after("hazard.listing.listed_on".into(), l.listed_on));
            }
            for (i, e) in h.events.iter().enumerate().filter(|(_, e)| e.on > as_of) {
                p.push(after(format!("hazard.events[{i}].on"), e.on));
            }
        }
        if let Some(d) = self.accident.as_ref().and_then(|a| a.occurred_on) {
            if d > as_of {
                p.push(after("accident.occurred_on".into(), d));
            }
        }
        if let Some(c) = &self.checklist {
            for (item, d) in c.evidence.iter().filter(|(_, d)| **d > as_of) {
                p.push(after(format!("checklist.evidence.{item}"), *d));
            }
        }
        if let Some(t) = self.targets.as_ref().filter(|t| t.year > as_of.year()) {
            p.push(InputError::of(
                "targets.year",
                "after_as_of",
                format!(
                    "{} is after the year of the decision ({as_of}): a year's figures are known once it has begun",
                    t.year
                ),
                format!(
                    "{} 年晚于判定日期 {as_of} 所在的年份：一年的数字要在该年开始后才有",
                    t.year
                ),
            ));
        }
        p.0
    }
}

/// The problems found so far, at most one per path (a value too large and
/// not finite is one mistake to correct, not two).
#[derive(Default)]
struct Problems(Vec<InputError>);

impl Problems {
    fn push(&mut self, e: InputError) {
        if !self.0.iter().any(|p| p.path == e.path) {
            self.0.push(e);
        }
    }

    fn add(&mut self, r: Result<(), InputError>) {
        if let Err(e) = r {
            self.push(e);
        }
    }
}

fn listed_twice(path: String, item: &str) -> InputError {
    InputError::of(
        path,
        "duplicate",
        format!("`{item}` is listed twice"),
        format!("“{item}”重复列出"),
    )
}

fn empty(path: String) -> InputError {
    InputError::of(path, "empty", "is empty", "不能为空")
}

/// The dates an input and an "as of" day may have: from the founding of the
/// People's Republic to 2200. A date outside (year 24 read from `24-03-01`,
/// `+262142-12-31`) is a typing or conversion error, never a real record.
pub const DATE_WINDOW: (NaiveDate, NaiveDate) = (
    match NaiveDate::from_ymd_opt(1949, 1, 1) {
        Some(d) => d,
        None => panic!("a valid date"),
    },
    match NaiveDate::from_ymd_opt(2200, 12, 31) {
        Some(d) => d,
        None => panic!("a valid date"),
    },
);

/// Checks that `d` (at `path`) is inside [`DATE_WINDOW`].
pub fn plausible_date(path: impl FnOnce() -> String, d: NaiveDate) -> Result<(), InputError> {
    let (first, last) = DATE_WINDOW;
    if d < first || d > last {
        return Err(InputError::of(
            path(),
            "out_of_range",
            format!("{d} is outside {first}..={last}"),
            format!("{d} 不在 {first} 至 {last} 之间，应是录入或转换错误"),
        ));
    }
    Ok(())
}

/// The longest a code (sector, item id, stage, colour ...) may be, in bytes.
pub const MAX_CODE_BYTES: usize = 64;
const MAX_EXTENSION_DAYS: f64 = 366.0;
/// The most all of a hazard's extensions may add up to.
const MAX_EXTENDED_DAYS: f64 = 3660.0;
/// Ten trillion CNY: more than any accident's or disaster's direct loss.
const MAX_LOSS_CNY: f64 = 1e13;
const MAX_FORECAST_HOURS: f64 = 240.0;
/// The national wind scale ends at force 17 ("17级以上" is written as 17).
const MAX_WIND_FORCE: f64 = 17.0;
/// Ten metres of rain (the world's 24-hour record is under two).
const MAX_RAINFALL_MM: f64 = 10_000.0;
const MAX_LEVEL_M: f64 = 10_000.0;
/// More items than any checklist has (the longest shipped has 20).
const MAX_CHECKLIST_ITEMS: f64 = 1_000.0;
/// More figures than any year's targets read.
const MAX_FIGURES: f64 = 1_000.0;
/// A thousand trillion: above any region's GDP, fines or counts in CNY.
const MAX_FIGURE: f64 = 1e15;
/// LEC's largest factor is 100 (C), LS's 5: far below this.
const MAX_RISK_FACTOR: f64 = 1_000.0;

fn code(path: impl FnOnce() -> String, text: &str) -> Result<(), InputError> {
    if text.len() > MAX_CODE_BYTES {
        return Err(InputError::of(
            path(),
            "too_long",
            format!(
                "is {} bytes long; a code has at most {MAX_CODE_BYTES}",
                text.len()
            ),
            format!("长 {} 字节，代码最多 {MAX_CODE_BYTES} 字节", text.len()),
        ));
    }
    Ok(())
}

fn at_most(path: impl FnOnce() -> String, v: f64, max: f64) -> Result<(), InputError> {
    if v > max {
        return Err(InputError::of(
            path(),
            "out_of_range",
            format!("{v} is above {max}, the most a real record has"),
            format!("{v} 超过 {max}，真实记录不会超过这个数"),
        ));
    }
    Ok(())
}

/// The path is made only for an error: checking a valid input allocates nothing.
fn finite(path: impl FnOnce() -> String, v: f64) -> Result<(), InputError> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(InputError::of(
            path(),
            "not_finite",
            "must be a finite number",
            "必须是有限的数字",
        ))
    }
}

fn non_negative(path: impl FnOnce() -> String, v: f64) -> Result<(), InputError> {
    if !v.is_finite() {
        return finite(path, v);
    }
    if v < 0.0 {
        return Err(InputError::of(
            path(),
            "negative",
            format!("must not be negative, got {v}"),
            format!("不能为负数（填写的是 {v}）"),
        ));
    }
    Ok(())
}

/// A serde error with its path, its machine code and a Chinese wording (the
/// English one is serde's, as before).
pub(crate) fn path_error(e: serde_path_to_error::Error<serde_json::Error>) -> InputError {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    json_error(path, e.into_inner())
}

/// A serde error at `path` (empty: the record).
fn json_error(path: String, inner: serde_json::Error) -> InputError {
    let syntax = matches!(
        inner.classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    );
    let message = inner.to_string();
    if syntax {
        let zh = format!(
            "不是合法的 JSON（第 {} 行第 {} 列）：{UNTRANSLATED}{message}",
            inner.line(),
            inner.column()
        );
        return InputError::of(path, "not_json", message, zh);
    }
    let (problem, zh) = serde_problem(&message);
    InputError::of(path, problem, message, zh)
}

use crate::error::UNTRANSLATED;

/// The machine code and the Chinese wording of a serde message.
pub(crate) fn serde_problem(message: &str) -> (&'static str, String) {
    // serde's wording: "invalid type: string \"x\", expected u32",
    // "unknown field `x`, expected one of ...", "missing field `x`".
    let quoted = |m: &str| -> String { m.split('`').nth(1).unwrap_or("").to_owned() };
    let expected = message
        .rsplit_once("expected ")
        .map(|(_, e)| expected_zh(e));
    if message.starts_with("unknown field") {
        return (
            "unknown_field",
            format!(
                "没有名为“{}”的字段（字段名拼写有误，或此处不接受该字段）",
                quoted(message)
            ),
        );
    }
    if message.starts_with("missing field") {
        return ("missing", format!("缺少必填字段“{}”", quoted(message)));
    }
    if message.starts_with("invalid type") || message.starts_with("invalid length") {
        let want = expected.unwrap_or_else(|| "其他类型".to_owned());
        let problem = if want.starts_with("日期") {
            "not_a_date"
        } else {
            "wrong_type"
        };
        return (problem, format!("类型不对：此处应为{want}"));
    }
    if message.starts_with("invalid value") {
        let want = expected.unwrap_or_else(|| "其他值".to_owned());
        return (
            "out_of_range",
            format!("数值超出允许的范围：此处应为{want}"),
        );
    }
    // chrono's date parse errors (the field is a date: nothing else parses text).
    const DATE: [&str; 6] = [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough",
        "no possible date",
    ];
    if DATE.iter().any(|d| message.starts_with(d)) {
        return (
            "not_a_date",
            "不是有效的日期：应写作 YYYY-MM-DD，如 2024-05-01".to_owned(),
        );
    }
    ("invalid", format!("{UNTRANSLATED}{message}"))
}

/// serde's "expected ..." in Chinese.
fn expected_zh(e: &str) -> String {
    let e = e.trim();
    if e.contains("date") {
        "日期（YYYY-MM-DD，如 2024-05-01）".to_owned()
    } else if e.starts_with('u') && e[1..].chars().all(|c| c.is_ascii_digit()) {
        "非负整数".to_owned()
    } else if e.starts_with('i') && e[1..].chars().all(|c| c.is_ascii_digit()) {
        "整数".to_owned()
    } else if e.starts_with('f') && e[1..].chars().all(|c| c.is_ascii_digit()) {
        "数字".to_owned()
    } else if e.contains("string") {
        "文本".to_owned()
    } else if e.contains("boolean") {
        "true 或 false".to_owned()
    } else if e.contains("sequence") {
        "列表（[...]）".to_owned()
    } else if e.contains("struct") || e.contains("map") {
        "对象（{...}）".to_owned()
    } else {
        format!("{UNTRANSLATED}{e}")
    }
}
