//! Data tables: the numbers of the rules, kept out of code so a province can
//! change them by editing TOML. Lookups and banding run natively; rules call
//! them through the sandbox's helpers (`engine.rs`) or the compiled plan.
//!
//! Table kinds (`kind = ...` at the top of the file):
//! - `rows`: a list of `[[rows]]`; with `key = "field"`, rows are found by that field.
//! - `bands`: `[[rows]]` with bounds `gte`/`gt` (lower) and `lt`/`lte` (upper), each
//!   optional; a value falls in the first row whose bounds hold, so both edges of
//!   every band are written down, never implied.
//! - `values`: named settings under `[values]`.
//! - `calendar`: one year of holidays and make-up working days (see [`crate::calendar`]).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rhai::{Dynamic, Map};
use serde::Deserialize;

pub use crate::bounds::Bounds;
use crate::calendar::Calendar;
use crate::error::RulesetError;
use crate::in_force::{TableVersion, Validity};

/// One table, parsed and ready for lookups.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    /// `id@version` of the ruleset that defined it.
    pub origin: String,
    /// The file it came from, for error messages.
    pub file: String,
    pub source: Option<String>,
    /// Where it stands among the versions of a table (`valid_from`,
    /// `valid_to`, `table`, `version`); `None` for a table always in force.
    pub version: Option<TableVersion>,
    pub body: TableBody,
}

#[derive(Debug, Clone)]
pub enum TableBody {
    Rows {
        key: Option<String>,
        rows: Vec<Dynamic>,
        index: BTreeMap<String, usize>,
        /// Each row's `valid_from`/`valid_to`; empty when no row has them.
        valid: Vec<Validity>,
    },
    Bands {
        rows: Vec<Dynamic>,
        bounds: Vec<Bounds>,
    },
    Values(Dynamic),
    Calendar(CalendarYear),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarYear {
    pub year: i32,
    #[serde(default)]
    pub holidays: Vec<HolidaySpan>,
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidaySpan {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    kind: toml::Spanned<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    key: Option<String>,
    /// The table this file is a version of (else its own name).
    #[serde(default)]
    table: Option<String>,
    /// The version's label, e.g. `MEM-10-2023`.
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    valid_from: Option<toml::Spanned<String>>,
    #[serde(default)]
    valid_to: Option<toml::Spanned<String>>,
    /// Rows tables: fields whose values are keys of another table
    /// (`references = { regulator = "departments" }`), checked by `lint`.
    #[serde(default)]
    references: Option<toml::Spanned<BTreeMap<String, String>>>,
    /// Bands tables: another bands table over the same quantity whose edges
    /// must be the same, checked by `lint`.
    #[serde(default)]
    aligns_with: Option<toml::Spanned<String>>,
    #[serde(default)]
    rows: Vec<toml::Spanned<toml::Table>>,
    #[serde(default)]
    values: Option<toml::Table>,
    #[serde(default)]
    year: Option<toml::Spanned<i32>>,
    #[serde(default)]
    holidays: Vec<toml::Spanned<HolidaySpan>>,
    #[serde(default)]
    workdays: Vec<toml::Spanned<NaiveDate>>,
}

/// The most rows a table may have: far above any catalogue or band table,
/// and what keeps a table's memory (rows become maps) within tens of MB.
pub const MAX_TABLE_ROWS: usize = 50_000;

/// The years a calendar table may describe: the People's Republic's
/// calendar, up to the plausible end of any deadline a register holds.
pub const CALENDAR_YEARS: std::ops::RangeInclusive<i32> = 1949..=2200;

/// The longest holiday a notice gives (the longest so far: 10 days, the
/// extended 2020 Spring Festival).
const MAX_HOLIDAY_DAYS: i64 = 31;

impl Table {
    /// Parses a table file. `file` names it in errors; `text` is its TOML.
    pub fn parse(name: &str, origin: &str, file: &str, text: &str) -> Result<Table, RulesetError> {
        let raw: RawTable = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let _ = raw.description;
        // The declarations `lint` checks belong to one kind each.
        let kind = raw.kind.get_ref().as_str();
        if let Some(r) = raw.references.as_ref().filter(|_| kind != "rows") {
            let (line, column) = line_col(text, r.span().start);
            return Err(RulesetError::new(
                file,
                line,
                column,
                format!("`references` belongs to a rows table, not a {kind} table"),
            ));
        }
        if let Some(a) = raw.aligns_with.as_ref().filter(|_| kind != "bands") {
            let (line, column) = line_col(text, a.span().start);
            return Err(RulesetError::new(
                file,
                line,
                column,
                format!("`aligns_with` belongs to a bands table, not a {kind} table"),
            ));
        }
        // Errors about a row or the kind point at it.
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            RulesetError::new(file, line, column, message)
        };
        if raw.rows.len() > MAX_TABLE_ROWS {
            return Err(at(
                raw.rows[MAX_TABLE_ROWS].span(),
                format!(
                    "{} rows: a table may have at most {MAX_TABLE_ROWS}",
                    raw.rows.len()
                ),
            ));
        }
        let version = table_version(name, &raw, text, &at)?;
        let spans: Vec<std::ops::Range<usize>> = raw.rows.iter().map(|r| r.span()).collect();
        let raw_rows: Vec<toml::Table> = raw.rows.into_iter().map(|r| r.into_inner()).collect();
        let kind_span = raw.kind.span();
        let body = match raw.kind.get_ref().as_str() {
            "rows" => {
                let rows: Vec<Dynamic> = raw_rows.iter().map(toml_to_dynamic).collect();
                let mut index = BTreeMap::new();
                if let Some(key) = &raw.key {
                    for (i, row) in raw_rows.iter().enumerate() {
                        let k = row.get(key).map(key_text).ok_or_else(|| {
                            at(
                                spans[i].clone(),
                                format!("row {} has no key field `{key}`", i + 1),
                            )
                        })?;
                        if index.insert(k.clone(), i).is_some() {
                            return Err(at(
                                spans[i].clone(),
                                format!("duplicate key `{k}` in row {}", i + 1),
                            ));
                        }
                    }
                }
                let mut valid = Vec::new();
                if raw_rows
                    .iter()
                    .any(|r| r.contains_key("valid_from") || r.contains_key("valid_to"))
                {
                    for (i, row) in raw_rows.iter().enumerate() {
                        valid
                            .push(row_validity(row).map_err(|m| {
                                at(spans[i].clone(), format!("row {}: {m}", i + 1))
                            })?);
                    }
                }
                TableBody::Rows {
                    key: raw.key,
                    rows,
                    index,
                    valid,
                }
            }
            "bands" => {
                let mut bounds = Vec::new();
                for (i, row) in raw_rows.iter().enumerate() {
                    if row.contains_key("valid_from") || row.contains_key("valid_to") {
                        return Err(at(
                            spans[i].clone(),
                            format!("row {}: rows of a bands table cannot be dated; date the table (`valid_from` at the top) and give each version its own file", i + 1),
                        ));
                    }
                    bounds.push(
                        parse_bounds(row)
                            .map_err(|m| at(spans[i].clone(), format!("row {}: {m}", i + 1)))?,
                    );
                }
                TableBody::Bands {
                    rows: raw_rows.iter().map(toml_to_dynamic).collect(),
                    bounds,
                }
            }
            "values" => {
                // A missing section has no place of its own: the error
                // points at the `kind` that asks for it.
                let values = raw.values.ok_or_else(|| {
                    at(
                        kind_span.clone(),
                        "a `values` table needs a [values] section".into(),
                    )
                })?;
                TableBody::Values(toml_to_dynamic(&values))
            }
            "calendar" => {
                if raw.year.is_none() {
                    return Err(at(kind_span, "a calendar table needs `year`".into()));
                }
                calendar_year(file, text, raw.year, raw.holidays, raw.workdays)?
            }
            other => {
                return Err(at(
                    kind_span,
                    format!(
                        "unknown table kind `{other}` (expected rows, bands, values or calendar)"
                    ),
                ))
            }
        };
        Ok(Table {
            name: name.to_owned(),
            origin: origin.to_owned(),
            file: file.to_owned(),
            source: raw.source,
            version,
            body,
        })
    }

    /// How many rows it has (0 for values and calendar tables): the work
    /// of scanning or copying it, which the sandbox counts.
    pub fn len(&self) -> usize {
        match &self.body {
            TableBody::Rows { rows, .. } | TableBody::Bands { rows, .. } => rows.len(),
            _ => 0,
        }
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// When the table is in force (always, unless it is a dated version).
    pub fn validity(&self) -> Validity {
        self.version.as_ref().map(|v| v.valid).unwrap_or_default()
    }

    /// The version's label (its file's name when it has none).
    pub fn version_label(&self) -> &str {
        self.version.as_ref().map_or(&self.name, |v| &v.label)
    }

    /// Whether row `i` is in force on `day` (`None`: whatever the day).
    pub fn row_in_force(&self, i: usize, day: Option<NaiveDate>) -> bool {
        match (&self.body, day) {
            (TableBody::Rows { valid, .. }, Some(day)) => {
                valid.get(i).is_none_or(|v| v.contains(day))
            }
            _ => true,
        }
    }

    /// Whether some row carries its own dates.
    pub fn has_dated_rows(&self) -> bool {
        matches!(&self.body, TableBody::Rows { valid, .. } if !valid.is_empty())
    }

    /// [`Table::row_by_key`] among the rows in force on `day`.
    pub fn row_on(&self, key: &str, day: Option<NaiveDate>) -> Option<&Dynamic> {
        match &self.body {
            TableBody::Rows { rows, index, .. } => index
                .get(key)
                .filter(|&&i| self.row_in_force(i, day))
                .map(|&i| &rows[i]),
            _ => None,
        }
    }

    /// The keys of the rows in force on `day`.
    pub fn keys_on(&self, day: Option<NaiveDate>) -> impl Iterator<Item = &str> {
        let index = match &self.body {
            TableBody::Rows { index, .. } => Some(index),
            _ => None,
        };
        index.into_iter().flat_map(move |i| {
            i.iter()
                .filter(move |(_, &r)| self.row_in_force(r, day))
                .map(|(k, _)| k.as_str())
        })
    }

    /// The row whose key is `key` (tables of kind `rows` with a `key`).
    /// The keys of a rows table, in key order (none for other kinds).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let index = match &self.body {
            TableBody::Rows { index, .. } => Some(index),
            _ => None,
        };
        index.into_iter().flat_map(|i| i.keys().map(String::as_str))
    }

    pub fn row_by_key(&self, key: &str) -> Option<&Dynamic> {
        match &self.body {
            TableBody::Rows { rows, index, .. } => index.get(key).map(|&i| &rows[i]),
            _ => None,
        }
    }

    /// The first row whose `field` equals `value` (rows and bands tables),
    /// among the rows in force on `day`.
    pub fn find_row(
        &self,
        field: &str,
        value: &Dynamic,
        day: Option<NaiveDate>,
    ) -> Option<&Dynamic> {
        let rows = match &self.body {
            TableBody::Rows { rows, .. } | TableBody::Bands { rows, .. } => rows,
            _ => return None,
        };
        rows.iter().enumerate().find_map(|(i, row)| {
            let hit = self.row_in_force(i, day)
                && row
                    .read_lock::<Map>()
                    .and_then(|m| m.get(field).map(|v| same_value(v, value)))
                    .unwrap_or(false);
            hit.then_some(row)
        })
    }

    /// The first band containing `value`, with its 1-based row number.
    pub fn band(&self, value: f64) -> Option<(usize, &Dynamic)> {
        match &self.body {
            TableBody::Bands { rows, bounds } => bounds
                .iter()
                .position(|b| b.contains(value))
                .map(|i| (i + 1, &rows[i])),
            _ => None,
        }
    }

    /// [`Table::to_dynamic`] with only the rows in force on `day`.
    pub fn to_dynamic_on(&self, day: Option<NaiveDate>) -> Dynamic {
        match &self.body {
            TableBody::Rows { rows, valid, .. } if !valid.is_empty() && day.is_some() => {
                Dynamic::from_array(
                    rows.iter()
                        .enumerate()
                        .filter(|(i, _)| self.row_in_force(*i, day))
                        .map(|(_, r)| r.clone())
                        .collect(),
                )
            }
            _ => self.to_dynamic(),
        }
    }

    /// The whole table as a Rhai value: an array of rows, or the values map.
    pub fn to_dynamic(&self) -> Dynamic {
        match &self.body {
            TableBody::Rows { rows, .. } | TableBody::Bands { rows, .. } => {
                Dynamic::from_array(rows.clone())
            }
            TableBody::Values(v) => v.clone(),
            TableBody::Calendar(c) => {
                let mut m = Map::new();
                m.insert("year".into(), Dynamic::from_int(c.year as i64));
                Dynamic::from_map(m)
            }
        }
    }

    pub fn kind(&self) -> &'static str {
        match self.body {
            TableBody::Rows { .. } => "rows",
            TableBody::Bands { .. } => "bands",
            TableBody::Values(_) => "values",
            TableBody::Calendar(_) => "calendar",
        }
    }
}

/// Equality of table values across Rhai's number types (6 == 6.0).
fn same_value(a: &Dynamic, b: &Dynamic) -> bool {
    let number = |d: &Dynamic| d.as_int().map(|i| i as f64).or_else(|_| d.as_float());
    match (number(a), number(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => match (
            a.clone().into_immutable_string(),
            b.clone().into_immutable_string(),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => a
                .as_bool()
                .ok()
                .zip(b.as_bool().ok())
                .is_some_and(|(x, y)| x == y),
        },
    }
}

/// A calendar table's year, checked: a plausible year, holidays that end
/// after they start, last at most a month and fall in the notice's year (or
/// the days next to it), and make-up days in that year. What it allocates is
/// bounded by the file's size.
fn calendar_year(
    file: &str,
    text: &str,
    year: Option<toml::Spanned<i32>>,
    raw_holidays: Vec<toml::Spanned<HolidaySpan>>,
    raw_workdays: Vec<toml::Spanned<NaiveDate>>,
) -> Result<TableBody, RulesetError> {
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        RulesetError::new(file, line, column, message)
    };
    let year = year.ok_or_else(|| RulesetError::in_file(file, "a calendar table needs `year`"))?;
    let (span, year) = (year.span(), *year.get_ref());
    if !CALENDAR_YEARS.contains(&year) {
        return Err(at(
            span,
            format!(
                "year {year} is outside {}..={}",
                CALENDAR_YEARS.start(),
                CALENDAR_YEARS.end()
            ),
        ));
    }
    let first = NaiveDate::from_ymd_opt(year - 1, 12, 1).expect("a plausible year");
    let last = NaiveDate::from_ymd_opt(year + 1, 1, 31).expect("a plausible year");
    let mut holidays = Vec::with_capacity(raw_holidays.len());
    for h in raw_holidays {
        let span = h.span();
        let h = h.into_inner();
        if h.to < h.from {
            return Err(at(
                span,
                format!("holiday `{}` ends before it starts", h.name),
            ));
        }
        if h.from < first || h.to > last {
            return Err(at(
                span,
                format!(
                    "holiday `{}` ({} to {}) is not in or next to {year}",
                    h.name, h.from, h.to
                ),
            ));
        }
        if (h.to - h.from).num_days() >= MAX_HOLIDAY_DAYS {
            return Err(at(
                span,
                format!(
                    "holiday `{}` lasts {} days: a notice's holidays last at most {MAX_HOLIDAY_DAYS}",
                    h.name,
                    (h.to - h.from).num_days() + 1
                ),
            ));
        }
        holidays.push(h);
    }
    let mut workdays = Vec::with_capacity(raw_workdays.len());
    for d in raw_workdays {
        let span = d.span();
        let d = d.into_inner();
        if d < first || d > last {
            return Err(at(
                span,
                format!("make-up working day {d} is not in or next to {year}"),
            ));
        }
        workdays.push(d);
    }
    Ok(TableBody::Calendar(CalendarYear {
        year,
        holidays,
        workdays,
    }))
}

/// Builds the calendar from every `calendar` table, in order.
pub fn build_calendar<'a>(tables: impl IntoIterator<Item = &'a Table>) -> Calendar {
    let mut cal = Calendar::default();
    for t in tables {
        if let TableBody::Calendar(y) = &t.body {
            let holidays = y.holidays.iter().flat_map(|h| {
                h.from
                    .iter_days()
                    .take_while(move |d| *d <= h.to)
                    .map(move |d| (d, h.name.clone()))
            });
            cal.add_year(y.year, &t.origin, holidays, y.workdays.iter().copied());
        }
    }
    cal
}

/// A file's `valid_from`/`valid_to`/`table`/`version`, checked: real
/// dates in order; `None` when it has none of them.
fn table_version(
    name: &str,
    raw: &RawTable,
    text: &str,
    at: &impl Fn(std::ops::Range<usize>, String) -> RulesetError,
) -> Result<Option<TableVersion>, RulesetError> {
    let kind_span = raw.kind.span();
    let date =
        |d: &Option<toml::Spanned<String>>, key: &str| -> Result<Option<NaiveDate>, RulesetError> {
            d.as_ref()
                .map(|s| {
                    s.get_ref().parse::<NaiveDate>().map_err(|_| {
                        at(
                            s.span(),
                            format!(
                                "`{key}` must be a date (YYYY-MM-DD), got \"{}\"",
                                s.get_ref()
                            ),
                        )
                    })
                })
                .transpose()
        };
    let valid = Validity {
        from: date(&raw.valid_from, "valid_from")?,
        to: date(&raw.valid_to, "valid_to")?,
    };
    let span = raw
        .valid_from
        .as_ref()
        .or(raw.valid_to.as_ref())
        .map_or(kind_span, |s| s.span());
    if valid.is_always() {
        if raw.table.is_some() || raw.version.is_some() {
            return Err(at(
                span,
                "a version of a table (`table` or `version`) needs `valid_from` or `valid_to`"
                    .into(),
            ));
        }
        return Ok(None);
    }
    if raw.kind.get_ref() == "calendar" {
        return Err(at(
            span,
            "a calendar table is dated by its `year`; it takes no `valid_from`/`valid_to`".into(),
        ));
    }
    if let (Some(f), Some(t)) = (valid.from, valid.to) {
        if t < f {
            return Err(at(
                span,
                format!("`valid_to` {t} is before `valid_from` {f}"),
            ));
        }
    }
    Ok(Some(TableVersion {
        of: raw.table.clone().unwrap_or_else(|| name.to_owned()),
        label: raw.version.clone().unwrap_or_else(|| name.to_owned()),
        valid,
        at: line_col(text, span.start),
    }))
}

/// A row's own `valid_from`/`valid_to` (strings `YYYY-MM-DD`).
fn row_validity(row: &toml::Table) -> Result<Validity, String> {
    let date = |k: &str| -> Result<Option<NaiveDate>, String> {
        match row.get(k) {
            None => Ok(None),
            Some(toml::Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("`{k}` must be a date (YYYY-MM-DD), got \"{s}\"")),
            Some(other) => Err(format!(
                "`{k}` must be a date string (YYYY-MM-DD), got {}",
                other.type_str()
            )),
        }
    };
    let v = Validity {
        from: date("valid_from")?,
        to: date("valid_to")?,
    };
    if let (Some(f), Some(t)) = (v.from, v.to) {
        if t < f {
            return Err(format!("`valid_to` {t} is before `valid_from` {f}"));
        }
    }
    Ok(v)
}

fn parse_bounds(row: &toml::Table) -> Result<Bounds, String> {
    let num = |k: &str| -> Result<Option<f64>, String> {
        match row.get(k) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(toml::Value::Float(f)) => Ok(Some(*f)),
            Some(other) => Err(format!("`{k}` must be a number, got {}", other.type_str())),
        }
    };
    let (gte, gt, lt, lte) = (num("gte")?, num("gt")?, num("lt")?, num("lte")?);
    if gte.is_some() && gt.is_some() {
        return Err("give `gte` or `gt`, not both".into());
    }
    if lt.is_some() && lte.is_some() {
        return Err("give `lt` or `lte`, not both".into());
    }
    Ok(Bounds {
        lower: gte.map(|v| (v, true)).or(gt.map(|v| (v, false))),
        upper: lte.map(|v| (v, true)).or(lt.map(|v| (v, false))),
    })
}

fn key_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// TOML → Rhai, once at load time, so lookups only clone.
pub fn toml_to_dynamic(t: &toml::Table) -> Dynamic {
    let map: Map = t
        .iter()
        .map(|(k, v)| (k.as_str().into(), toml_value_to_dynamic(v)))
        .collect();
    Dynamic::from_map(map)
}

fn toml_value_to_dynamic(v: &toml::Value) -> Dynamic {
    match v {
        toml::Value::String(s) => Dynamic::from(s.clone()),
        toml::Value::Integer(i) => Dynamic::from_int(*i),
        toml::Value::Float(f) => Dynamic::from_float(*f),
        toml::Value::Boolean(b) => Dynamic::from_bool(*b),
        toml::Value::Datetime(d) => Dynamic::from(d.to_string()),
        toml::Value::Array(a) => Dynamic::from_array(a.iter().map(toml_value_to_dynamic).collect()),
        toml::Value::Table(t) => toml_to_dynamic(t),
    }
}

/// A TOML parse error located by line and column.
pub fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> RulesetError {
    let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
    let detail = e.message().trim();
    RulesetError::new(file, line, column, detail)
        .with_zh(format!("TOML 有误：{}{detail}", crate::error::UNTRANSLATED))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
