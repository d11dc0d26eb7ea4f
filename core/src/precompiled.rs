//! The precompiled form of a ruleset: its plan in a versioned binary file
//! (postcard), which loads without parsing TOML or Rhai. Made by
//! `hazard-rules compile`; read by [`Ruleset::from_compiled`].
//!
//! ```text
//! "HRPLAN\0" · format (u32, little-endian) · postcard(Header) · postcard(Body)
//! ```
//!
//! The header says which build made the file and which chain it holds, so a
//! reader can refuse a file it would misread before decoding the plan.

use serde::{Deserialize, Serialize};

use crate::compile::FunctionReport;
use crate::error::{Error, RulesetError};
use crate::evaluate::ENTRY_POINTS;
use crate::plan::Plan;
use crate::ruleset::{Manifest, Ruleset};

const MAGIC: &[u8; 7] = b"HRPLAN\0";
/// Bumped whenever the plan's encoding changes.
pub const FORMAT: u32 = 5;
const WHERE: &str = "<compiled plan>";

#[derive(Serialize, Deserialize)]
struct Header {
    /// The crate version that wrote the file: the IR's layout is this build's.
    made_by: String,
    /// The chain, base first.
    chain: Vec<Manifest>,
}

#[derive(Deserialize)]
struct Body {
    plan: Plan,
    report: Vec<FunctionReport>,
}

/// [`Body`] as written (the same encoding, borrowed).
#[derive(Serialize)]
struct BodyRef<'a> {
    plan: &'a Plan,
    report: &'a [FunctionReport],
}

/// Whether `bytes` start like a precompiled plan.
pub fn is_compiled(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

fn error(message: impl Into<String>) -> Error {
    Error::Ruleset(RulesetError::in_file(WHERE, message))
}

impl Ruleset {
    /// The precompiled form of this ruleset. Every entry function must have
    /// compiled: a precompiled plan carries no interpreter.
    ///
    /// ```
    /// use hazard_rules::{Input, Ruleset};
    /// let bytes = Ruleset::default().to_compiled().unwrap();
    /// let rs = Ruleset::from_compiled(&bytes).unwrap();
    /// let input = Input::from_json(r#"{"accident": {"deaths": 10}}"#).unwrap();
    /// let d = rs.evaluate(&input, "2024-06-30".parse().unwrap()).unwrap();
    /// assert_eq!(d.response.unwrap().accident.unwrap().grade, "major");
    /// ```
    pub fn to_compiled(&self) -> Result<Vec<u8>, Error> {
        let Some(plan) = &self.plan else {
            return Err(error(
                "the tables hold values the compiled plan cannot represent",
            ));
        };
        for (name, params) in ENTRY_POINTS {
            if !plan.entries.contains_key(*name) {
                let why = self
                    .report
                    .iter()
                    .find(|f| f.name == *name && f.arity == params.len())
                    .map(|f| f.to_string())
                    .unwrap_or_else(|| format!("`{name}` is not defined"));
                return Err(error(format!(
                    "`{name}` runs in the interpreter, which a precompiled plan does not carry: {why}"
                )));
            }
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&FORMAT.to_le_bytes());
        let header = Header {
            made_by: env!("CARGO_PKG_VERSION").to_owned(),
            chain: self.chain.clone(),
        };
        let body = BodyRef {
            plan,
            report: &self.report,
        };
        out = postcard::to_extend(&header, out).map_err(|e| error(e.to_string()))?;
        out = postcard::to_extend(&body, out).map_err(|e| error(e.to_string()))?;
        Ok(out)
    }

    /// Reads a precompiled plan made by [`Ruleset::to_compiled`] (or
    /// `hazard-rules compile`). It evaluates as the ruleset it was made from;
    /// it has no interpreter, so [`Ruleset::evaluate_interpreted`] and the
    /// test cases are not available, and a failing rule is reported by the
    /// plan (`file` is `<compiled plan>`).
    pub fn from_compiled(bytes: &[u8]) -> Result<Ruleset, Error> {
        let rest = bytes
            .strip_prefix(MAGIC)
            .ok_or_else(|| error("not a compiled plan (made by `hazard-rules compile`)"))?;
        let (format, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| error("the file ends before its format version"))?;
        let format = u32::from_le_bytes(*format);
        if format != FORMAT {
            return Err(error(format!(
                "compiled plan format {format}, this build reads format {FORMAT}: compile the ruleset again"
            )));
        }
        let (header, rest): (Header, _) =
            postcard::take_from_bytes(rest).map_err(|e| error(format!("bad header: {e}")))?;
        let made_by = env!("CARGO_PKG_VERSION");
        if header.made_by != made_by {
            return Err(error(format!(
                "compiled by hazard-rules {}, this is {made_by}: compile the ruleset again",
                header.made_by
            )));
        }
        if header.chain.is_empty() {
            return Err(error("the plan names no ruleset"));
        }
        let (body, rest): (Body, _) =
            postcard::take_from_bytes(rest).map_err(|e| error(format!("bad plan: {e}")))?;
        if !rest.is_empty() {
            return Err(error(format!("{} bytes after the plan", rest.len())));
        }
        // The string index serves the compiler only: a read plan needs none.
        let plan = body.plan;
        plan.check().map_err(error)?;
        Ok(Ruleset {
            chain: header.chain,
            #[cfg(feature = "scripted")]
            rules: None,
            #[cfg(feature = "scripted")]
            cases: Vec::new(),
            plan: Some(plan),
            report: body.report,
        })
    }
}
