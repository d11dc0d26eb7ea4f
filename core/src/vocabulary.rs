//! The ruleset's vocabularies and catalogue for forms: drop-downs and an
//! item picker built from the ruleset that evaluates, not typed into the
//! form. Read from the compiled plan's constant tables (a ruleset loaded
//! from a precompiled plan has nothing else), or from the loaded tables for
//! a ruleset the plan could not represent.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, InputError};
use crate::plan::V;
use crate::ruleset::Ruleset;

/// The codes a record may use, each with its labels: `id` is what the
/// input takes (`hazard.sector`, `hazard.listing.level`,
/// `hazard.events[].stage`, a colour, `risk.points[].method`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vocabulary {
    /// The `sectors` table: `hazard.sector`.
    pub sectors: Vec<Term>,
    /// The `listing_periods` table: `hazard.listing.level`.
    pub listing_levels: Vec<Term>,
    /// The `stages` table (rectification's closed loop): `hazard.events[].stage`.
    pub stages: Vec<Term>,
    /// The `colours` table: risk colours and warning colours.
    pub colours: Vec<Term>,
    /// The `risk_methods` table: `risk.points[].method`.
    pub risk_methods: Vec<Term>,
}

/// One code with its Chinese and English labels (the English label is the
/// row's `label_en`, else its `en`; empty when the ruleset has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    pub id: String,
    pub zh: String,
    pub en: String,
}

/// A major-hazard catalogue item in force, as a form's item picker lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueItem {
    /// The id `hazard.items` takes, e.g. `GM-4-1`.
    pub id: String,
    /// Article and item number in the standard (0 where it has none).
    pub article: i64,
    pub item: i64,
    /// The section heading, for a standard numbered by sections (2017 工贸).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// The item's text in Chinese.
    pub title: String,
    /// Whether its wording was checked against a published copy.
    pub verified: bool,
    /// The standard's code, e.g. `MEM-10-2023`.
    pub standard: String,
    /// The sector (or special situation) the item is written for.
    pub sector: String,
    /// The catalogue's title in Chinese (the `catalogues` table).
    pub catalogue: String,
    /// The version of a versioned catalogue table in force that day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A table's rows in force on a day, as JSON objects.
struct Rows {
    rows: Vec<Map<String, Value>>,
    version: Option<String>,
}

impl Ruleset {
    /// The codes a form offers, with Chinese and English labels, from the
    /// ruleset's tables (an overlay's rows included).
    ///
    /// ```
    /// use hazard_rules::Ruleset;
    /// let v = Ruleset::default().vocabulary();
    /// let metallurgy = v.sectors.iter().find(|t| t.id == "metallurgy").unwrap();
    /// assert_eq!((metallurgy.zh.as_str(), metallurgy.en.as_str()), ("冶金", "Metallurgy"));
    /// assert_eq!(v.stages.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
    ///            ["found", "assigned", "rectified", "verified", "closed"]);
    /// assert!(v.risk_methods.iter().any(|t| t.id == "LEC"));
    /// ```
    pub fn vocabulary(&self) -> Vocabulary {
        let terms = |table: &str, key: &str| -> Vec<Term> {
            self.rows_on(table, None)
                .map(|r| {
                    r.rows
                        .iter()
                        .map(|row| Term {
                            id: text(row, key),
                            zh: text(row, "zh"),
                            en: match text(row, "label_en") {
                                e if e.is_empty() => text(row, "en"),
                                e => e,
                            },
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        Vocabulary {
            sectors: terms("sectors", "code"),
            listing_levels: terms("listing_periods", "level"),
            stages: terms("stages", "code"),
            colours: terms("colours", "colour"),
            risk_methods: terms("risk_methods", "method"),
        }
    }

    /// The catalogue items that apply to `sector` on `day`: of each
    /// catalogue (`catalogues` table), the version in force that day, its
    /// rows in force, written for a sector the `sectors` row routes to
    /// (`item_sectors`). A sector judged by its own standard has none. A
    /// catalogue no version of which is in force that day gives no items.
    /// An unknown sector is an input error at `sector`.
    ///
    /// ```
    /// use hazard_rules::Ruleset;
    /// let rules = Ruleset::default();
    /// // Before 2023-05-15 the 2017 工贸 standard, from then on Order No. 10.
    /// let old = rules.catalogue("metallurgy", "2023-05-14".parse().unwrap()).unwrap();
    /// assert!(old.iter().all(|i| i.id.starts_with("GM17-")));
    /// let new = rules.catalogue("metallurgy", "2023-05-15".parse().unwrap()).unwrap();
    /// assert!(new.iter().any(|i| i.id == "GM-3-1") && new.iter().all(|i| i.id.starts_with("GM-")));
    /// assert!(new.iter().all(|i| i.sector != "nonferrous"));
    /// let chem = rules.catalogue("chemicals", "2024-01-01".parse().unwrap()).unwrap();
    /// assert!(chem.iter().all(|i| i.id.starts_with("HG-")) && !chem.is_empty());
    /// assert!(rules.catalogue("fire", "2024-01-01".parse().unwrap()).unwrap().is_empty());
    /// assert_eq!(rules.catalogue("metalurgy", "2024-01-01".parse().unwrap()).unwrap_err().to_string(),
    ///            "invalid input at `sector`: unknown sector \"metalurgy\" (not in the sectors table)");
    /// ```
    pub fn catalogue(&self, sector: &str, day: NaiveDate) -> Result<Vec<CatalogueItem>, Error> {
        let sectors = self.rows_on("sectors", Some(day)).map(|r| r.rows);
        let Some(row) = sectors
            .iter()
            .flatten()
            .find(|r| r.get("code").and_then(Value::as_str) == Some(sector))
        else {
            return Err(Error::Input(InputError::of(
                "sector",
                "unknown_sector",
                format!("unknown sector \"{sector}\" (not in the sectors table)"),
                format!("行业“{sector}”不在行业表（sectors）中"),
            )));
        };
        let routed: Vec<&str> = row
            .get("item_sectors")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out: Vec<CatalogueItem> = Vec::new();
        let catalogues = self.rows_on("catalogues", Some(day)).map(|r| r.rows);
        for cat in catalogues.iter().flatten() {
            let (prefix, table) = (text(cat, "prefix"), text(cat, "table"));
            let Some(items) = self.rows_on(&table, Some(day)) else {
                continue;
            };
            for r in &items.rows {
                let id = text(r, "id");
                let item_sector = text(r, "sector");
                if !id.starts_with(&prefix)
                    || !routed.contains(&item_sector.as_str())
                    || out.iter().any(|i| i.id == id)
                {
                    continue;
                }
                let int = |k: &str| r.get(k).and_then(Value::as_i64).unwrap_or(0);
                out.push(CatalogueItem {
                    article: int("article"),
                    item: int("item"),
                    section: r.get("section").and_then(Value::as_str).map(str::to_owned),
                    title: text(r, "title"),
                    verified: r.get("verified").and_then(Value::as_bool).unwrap_or(false),
                    standard: text(r, "standard"),
                    sector: item_sector,
                    catalogue: text(cat, "zh"),
                    version: items.version.clone(),
                    id,
                });
            }
        }
        Ok(out)
    }

    /// The rows of table `name` in force on `day` (all rows when `day` is
    /// `None`; for a versioned table the latest version); `None` when the
    /// chain has no such table or no version of it is in force that day.
    fn rows_on(&self, name: &str, day: Option<NaiveDate>) -> Option<Rows> {
        if let Some(plan) = &self.plan {
            return plan_rows(plan, name, day);
        }
        #[cfg(feature = "scripted")]
        if let Some(rules) = &self.rules {
            return interpreted_rows(rules, name, day);
        }
        None
    }
}

/// [`Ruleset::rows_on`] from the compiled plan's constant tables.
fn plan_rows(plan: &crate::plan::Plan, name: &str, day: Option<NaiveDate>) -> Option<Rows> {
    let &t = plan.table_index.get(name)?;
    let t = match (t as usize).checked_sub(plan.tables.len()) {
        None => t,
        Some(g) => {
            let group = plan.versions.get(g)?;
            match day {
                Some(d) => group.iter().copied().find(|&m| {
                    plan.tables[m as usize]
                        .version
                        .as_ref()
                        .is_none_or(|v| v.valid.contains(d))
                })?,
                None => *group.last()?,
            }
        }
    };
    let table = plan.tables.get(t as usize)?;
    let scratch = crate::plan::eval::Scratch::default();
    let rows = (0..table.rows.len() as u32)
        .filter(|&r| table.row_in_force(r, day))
        .filter_map(|r| {
            let v = V::cmap(table.rows[r as usize]);
            match crate::plan::output::read::<Value>(plan, &scratch, v) {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            }
        })
        .collect();
    Some(Rows {
        rows,
        version: table.version.as_ref().map(|v| v.label.to_string()),
    })
}

/// [`Ruleset::rows_on`] for a ruleset whose tables the plan could not hold.
#[cfg(feature = "scripted")]
fn interpreted_rows(
    rules: &crate::engine::Rules,
    name: &str,
    day: Option<NaiveDate>,
) -> Option<Rows> {
    let members = rules
        .versions
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| m);
    let file = match (members, day) {
        (None, _) => name.to_owned(),
        (Some(_), Some(date)) => rules
            .versions
            .resolve(
                &rules.tables,
                name,
                crate::in_force::Day {
                    date,
                    field: "as_of",
                },
            )
            .ok()??
            .file
            .clone(),
        (Some(members), None) => members.last()?.file.clone(),
    };
    let table = rules.tables.get(&file)?;
    let crate::tables::TableBody::Rows { rows, valid, .. } = &table.body else {
        return None;
    };
    let rows = rows
        .iter()
        .enumerate()
        .filter(|(i, _)| match (valid.get(*i), day) {
            (Some(v), Some(d)) => v.contains(d),
            _ => true,
        })
        .filter_map(|(_, r)| match rhai::serde::from_dynamic::<Value>(r) {
            Ok(Value::Object(m)) => Some(m),
            _ => None,
        })
        .collect();
    Some(Rows {
        rows,
        version: table.version.as_ref().map(|v| v.label.clone()),
    })
}

fn text(row: &Map<String, Value>, key: &str) -> String {
    match row.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}
