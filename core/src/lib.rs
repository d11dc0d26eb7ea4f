//! # hazard-rules
//!
//! Work-safety hazard rules for grassroots emergency management in China:
//! classify a hazard (general or major), set and track its rectification
//! deadline, assign the people responsible, grade accidents and warnings into
//! response levels, score risk into red/orange/yellow/blue, measure townships,
//! villages and enterprises against standardisation checklists, and a
//! region's year against its targets.
//!
//! The rules are not in this crate's code. They are a *ruleset*: data tables
//! (TOML) and Rhai functions, loaded at run time, with national, provincial
//! and city overlays. The default chain (national → Zhejiang → Jinhua) is
//! embedded. The library reads no clock and no environment: the "as of" date
//! and the ruleset are inputs, so the same input gives the same decision
//! everywhere.
//!
//! ```
//! use hazard_rules::{Input, Ruleset};
//!
//! let rules = Ruleset::default();
//! let input = Input::from_json(r#"{
//!   "hazard": {
//!     "sector": "light_industry",
//!     "items": ["GM17-1-1"],
//!     "found_on": "2021-09-01",
//!     "listing": {"level": "county", "listed_on": "2021-09-01"}
//!   }
//! }"#).unwrap();
//! let decision = rules.evaluate(&input, "2021-09-20".parse().unwrap()).unwrap();
//! // Found in 2021: judged by the 2017 工贸 standard then in force (GM17- items).
//! assert_eq!(decision.in_force[0].version, "SAWS-129-2017");
//! let r = decision.rectification.unwrap();
//! // Day 30 is 1 October, in the National Day holiday: due the next working day.
//! assert_eq!(r.due.unwrap().to_string(), "2021-10-08");
//! assert!(decision.trace.iter().any(|t| t.id == "civil_code_201_203"));
//! ```
//!
//! ## Features
//!
//! - `scripted` (default): loading rulesets from their files (TOML tables,
//!   Rhai functions), the Rhai interpreter, the plan compiler, lint, test
//!   cases and coverage.
//! - `schema` (default): [`input_schema`] and [`decision_schema`], and the
//!   typing of table cells (`input::Cell`).
//!
//! Without them (`default-features = false`) the crate evaluates precompiled
//! plans only: [`Ruleset::from_compiled`], [`Ruleset::from_bundle`] for a
//! bundle that carries its plan, and [`Ruleset::default`] from the default
//! chain's plan embedded in the crate (`core/plans/default.hrplan`, made by
//! `hazard-rules compile`). That is the browser's small module.

pub mod bounds;
mod bundle;
pub mod calendar;
#[cfg(feature = "scripted")]
pub mod cases;
mod compile;
#[cfg(feature = "scripted")]
pub mod coverage;
pub mod decision;
#[cfg(feature = "scripted")]
pub mod diff;
#[cfg(feature = "scripted")]
pub mod dir;
#[cfg(feature = "scripted")]
mod engine;
pub mod error;
mod evaluate;
pub mod ffi;
pub mod in_force;
pub mod input;
#[cfg(feature = "scripted")]
mod interpreted;
mod limits;
#[cfg(feature = "scripted")]
pub mod lint;
#[cfg(feature = "scripted")]
pub mod load;
mod outcome;
mod plan;
pub mod precompiled;
pub mod ruleset;
pub mod suggest;
#[cfg(feature = "scripted")]
pub mod tables;
mod validate;
pub mod vocabulary;

pub use compile::FunctionReport;
pub use decision::Decision;
pub use error::{Error, InputError, LimitError, RulesetError};
pub use evaluate::Section;
pub use evaluate::ENTRY_POINTS;
pub use input::Input;
pub use limits::Limits;
#[cfg(feature = "scripted")]
pub use load::RulesetFiles;
pub use outcome::{DecisionJson, Evaluator, Outcome};
pub use plan::trace::TraceMode;
pub use ruleset::{Manifest, Performance, Ruleset};
pub use vocabulary::{CatalogueItem, Term, Vocabulary};

/// JSON Schema of [`Input`], for forms and other languages.
#[cfg(feature = "schema")]
pub fn input_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Input)).expect("a schema serialises")
}

/// JSON Schema of [`Decision`].
#[cfg(feature = "schema")]
pub fn decision_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Decision)).expect("a schema serialises")
}
