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

pub mod calendar;
pub mod cases;
mod compile;
pub mod coverage;
pub mod decision;
pub mod diff;
pub mod dir;
mod engine;
pub mod error;
mod evaluate;
pub mod ffi;
pub mod in_force;
pub mod input;
pub mod lint;
mod outcome;
mod plan;
pub mod precompiled;
pub mod ruleset;
pub mod suggest;
pub mod tables;
mod validate;
pub mod vocabulary;

pub use compile::FunctionReport;
pub use decision::Decision;
pub use engine::{Limits, ENTRY_POINTS};
pub use error::{Error, InputError, LimitError, RulesetError};
pub use evaluate::Section;
pub use input::Input;
pub use outcome::{DecisionJson, Evaluator, Outcome};
pub use plan::trace::TraceMode;
pub use ruleset::{Manifest, Performance, Ruleset, RulesetFiles};
pub use vocabulary::{CatalogueItem, Term, Vocabulary};

/// JSON Schema of [`Input`], for forms and other languages.
pub fn input_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Input)).expect("a schema serialises")
}

/// JSON Schema of [`Decision`].
pub fn decision_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Decision)).expect("a schema serialises")
}
