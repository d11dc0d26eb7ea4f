//! A ruleset chain: its manifests, and the loaded [`Ruleset`] that evaluates.
//!
//! A ruleset is a directory:
//!
//! ```text
//! ruleset.toml     id, version, title, extends, effective_from, [limits]
//! tables/*.toml    data tables, named by file stem
//! rules/*.rhai     Rhai functions (only `fn` definitions at the top level)
//! tests/*.toml     test cases (`[[case]]`), run by `hazard-rules test`
//! ```
//!
//! `extends` is a path relative to the ruleset's own directory. A child
//! replaces or adds tables (by name), functions (by name and arity) and test
//! cases (by name); everything else is inherited.
//!
//! Loading the files is `load.rs` (with the `scripted` feature); reading a
//! precompiled plan is `precompiled.rs`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[cfg(feature = "scripted")]
use crate::cases::Case;
use crate::compile::FunctionReport;
use crate::decision::RulesetRef;
#[cfg(feature = "scripted")]
use crate::engine::Rules;
use crate::plan::Plan;

/// The default ruleset chain's leaf, embedded in the crate.
pub const DEFAULT_LEAF: &str = "zhejiang/jinhua";

/// The manifest, `ruleset.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub id: String,
    pub version: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Path of the parent ruleset, relative to this one's directory.
    #[serde(default)]
    pub extends: Option<String>,
    /// The first day this ruleset's rules apply.
    pub effective_from: NaiveDate,
    #[serde(default)]
    pub limits: LimitsPatch,
    /// How this ruleset's functions must run.
    #[serde(default)]
    pub performance: Performance,
}

/// `[performance]` in a manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Performance {
    /// Every rule function of this ruleset (its own `rules/*.rhai`) must
    /// compile to the native plan: loading fails on one that would run in the
    /// interpreter, naming it, where and why. Not inherited: each ruleset of
    /// a chain decides for its own functions.
    pub require_compiled: Option<bool>,
}

/// Sandbox limits a manifest may set; unset ones are inherited.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsPatch {
    pub max_operations: Option<u64>,
    pub max_call_levels: Option<usize>,
    pub max_expr_depth: Option<usize>,
    pub max_string_size: Option<usize>,
    pub max_array_size: Option<usize>,
    pub max_map_size: Option<usize>,
}

/// A loaded, compiled ruleset chain, ready to evaluate. Cheap to share
/// between threads (`Send + Sync`); loading is the expensive part.
pub struct Ruleset {
    pub(crate) chain: Vec<Manifest>,
    /// The Rhai interpreter: the oracle, and the fallback for functions that
    /// do not compile. `None` for a ruleset read from a precompiled plan.
    #[cfg(feature = "scripted")]
    pub(crate) rules: Option<Rules>,
    #[cfg(feature = "scripted")]
    pub(crate) cases: Vec<Case>,
    /// The compiled plan; `None` only if the tables hold values the plan
    /// cannot represent, and then everything runs in the interpreter.
    pub(crate) plan: Option<Plan>,
    pub(crate) report: Vec<FunctionReport>,
}

impl std::fmt::Debug for Ruleset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ruleset")
            .field("chain", &self.chain_refs())
            .finish()
    }
}

impl Default for Ruleset {
    /// The embedded default chain (national → zhejiang → jinhua).
    ///
    /// ```
    /// let rs = hazard_rules::Ruleset::default();
    /// assert_eq!(rs.chain_refs()[0].id, "national");
    /// ```
    fn default() -> Self {
        #[cfg(feature = "scripted")]
        let rs = Ruleset::embedded(DEFAULT_LEAF);
        // Without the loaders: the same chain, compiled by `hazard-rules
        // compile` into `core/plans/` (the test command checks it is current).
        #[cfg(not(feature = "scripted"))]
        let rs = Ruleset::from_compiled(DEFAULT_PLAN);
        rs.expect("the embedded default ruleset is checked by the test suite")
    }
}

/// The default chain's precompiled plan, for builds without the loaders.
#[cfg(not(feature = "scripted"))]
const DEFAULT_PLAN: &[u8] = include_bytes!("../plans/default.hrplan");

impl Ruleset {
    /// The chain, base first: `[national@…, zhejiang@…, jinhua@…]`.
    pub fn chain_refs(&self) -> Vec<RulesetRef> {
        self.chain
            .iter()
            .map(|m| RulesetRef {
                id: m.id.clone(),
                version: m.version.clone(),
            })
            .collect()
    }

    /// The manifests, base first.
    pub fn manifests(&self) -> &[Manifest] {
        &self.chain
    }

    /// The test cases of the chain (a child's case replaces its parent's of the same name).
    #[cfg(feature = "scripted")]
    pub fn cases(&self) -> &[Case] {
        &self.cases
    }

    /// Names of the tables after overlays, with the ruleset each came from.
    pub fn tables(&self) -> Box<dyn Iterator<Item = (&str, &str)> + '_> {
        #[cfg(feature = "scripted")]
        if let Some(rules) = &self.rules {
            return Box::new(
                rules
                    .tables
                    .values()
                    .map(|t| (t.name.as_str(), t.origin.as_str())),
            );
        }
        match &self.plan {
            Some(plan) => Box::new(
                plan.tables
                    .iter()
                    .map(|t| (t.name.as_ref(), t.origin.as_ref())),
            ),
            None => Box::new(std::iter::empty()),
        }
    }

    /// For each rule function after overlays: compiled to the native plan, or
    /// interpreted with the first reason and its position (what `hazard-rules
    /// check` prints).
    ///
    /// ```
    /// let rs = hazard_rules::Ruleset::default();
    /// assert!(rs.compile_report().iter().all(|f| f.compiled));
    /// ```
    pub fn compile_report(&self) -> &[FunctionReport] {
        &self.report
    }

    /// The tables with versions by date, each with its versions in date
    /// order and when each is in force (`None` for a ruleset read from a
    /// precompiled plan).
    ///
    /// ```
    /// let rs = hazard_rules::Ruleset::default();
    /// let versions = rs.versions().unwrap();
    /// let (name, members) = versions.iter().next().unwrap();
    /// assert_eq!(name, "catalogue_gongmao");
    /// assert_eq!(members[0].valid.to.unwrap().to_string(), "2023-05-14");
    /// assert!(versions.gaps().is_empty());
    /// ```
    #[cfg(feature = "scripted")]
    pub fn versions(&self) -> Option<&crate::in_force::Versions> {
        self.rules.as_ref().map(|r| r.versions.as_ref())
    }

    pub(crate) fn leaf(&self) -> &Manifest {
        self.chain.last().expect("a chain has at least one ruleset")
    }
}
