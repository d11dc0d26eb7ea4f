//! WebAssembly binding of hazard-rules, built as two modules from this crate:
//!
//! - the **core** module (no features): evaluates precompiled plans only, the
//!   embedded default chain's included; no TOML parser, no Rhai;
//! - the **scripted** module (feature `scripted`): also loads rulesets from
//!   their files (bundles of TOML and Rhai, in-memory overlays).
//!
//! The npm package's entry (`js/api.ts`) picks the module: the core one for
//! the default chain and for bundles that carry a compiled plan, the scripted
//! one only for a bundle that needs the interpreter or for files.
//!
//! This crate only converts: JSON text in, the core's answer out as JSON text
//! (faster in Chromium than JS objects through serde-wasm-bindgen: see
//! BENCHMARKS.md, "Crossing the boundary"). No rule logic lives here,
//! so the browser, Node, the CLI and Python give the same decision for the
//! same input. It compiles on every target (wasm-bindgen's attributes are
//! inert off wasm32), so the workspace's native clippy and tests cover it.

use hazard_rules::ffi::{self, Answer};
use hazard_rules::{Error, Input, InputError, Ruleset};
use wasm_bindgen::prelude::*;

#[cfg(feature = "scripted")]
mod scripted;
#[cfg(feature = "scripted")]
pub use scripted::*;

/// A loaded ruleset chain. Load it once and evaluate many inputs.
#[wasm_bindgen]
pub struct Rules {
    inner: Ruleset,
}

/// A loader's failure as the core's error JSON (thrown as a string by
/// wasm-bindgen; the TypeScript layer turns it into an `Error` subclass).
fn load(r: Result<Ruleset, Error>) -> Result<Rules, String> {
    r.map(|inner| Rules { inner })
        .map_err(|e| Answer::Error(ffi::error_value(&e)).to_json())
}

#[wasm_bindgen]
impl Rules {
    /// The embedded default chain (national → zhejiang → jinhua); no fetch.
    #[wasm_bindgen(js_name = defaultChain)]
    pub fn default_chain() -> Rules {
        Rules {
            inner: Ruleset::default(),
        }
    }

    /// A precompiled plan (`hazard-rules compile`, or a bundle's `compiled`).
    #[wasm_bindgen(js_name = fromCompiled)]
    pub fn from_compiled(bytes: &[u8]) -> Result<Rules, String> {
        load(Ruleset::from_compiled(bytes))
    }

    /// A bundle made by `hazard-rules bundle` (its JSON text). The core
    /// module reads the plan it carries; the scripted one loads its files.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(text: &str) -> Result<Rules, String> {
        load(Ruleset::from_bundle(text))
    }

    /// `ffi::evaluate_with`: one input (JSON text) as of a date, optionally
    /// one section, with a trace mode (`full`, `ids`, `off`); JSON text back.
    pub fn evaluate(
        &self,
        input_json: &str,
        as_of: &str,
        section: Option<String>,
        trace: Option<String>,
    ) -> String {
        ffi::evaluate_with(
            &self.inner,
            input_json,
            as_of,
            section.as_deref(),
            trace.as_deref(),
        )
    }

    /// `ffi::evaluate_batch_with`: a JSON array of inputs, one answer per record.
    #[wasm_bindgen(js_name = evaluateBatch)]
    pub fn evaluate_batch(&self, inputs_json: &str, as_of: &str, trace: Option<String>) -> String {
        ffi::evaluate_batch_with(&self.inner, inputs_json, as_of, trace.as_deref())
    }

    /// `ffi::validate`: every problem of the input at once.
    pub fn validate(&self, input_json: &str, as_of: &str) -> String {
        ffi::validate(&self.inner, input_json, as_of)
    }

    /// `ffi::vocabulary`: the codes a form offers, with their labels.
    pub fn vocabulary(&self) -> String {
        ffi::vocabulary(&self.inner)
    }

    /// `ffi::catalogue`: the catalogue items in force for a sector on a day.
    pub fn catalogue(&self, sector: &str, as_of: &str) -> String {
        ffi::catalogue(&self.inner, sector, as_of)
    }

    /// `ffi::info`: the chain (ids, versions, titles, effective dates) and tables.
    pub fn info(&self) -> String {
        ffi::info(&self.inner)
    }

    /// Benchmark hook, not API: parses `input_json` once, then evaluates it `n`
    /// times inside WebAssembly (trace ids) with no conversion between JS and
    /// Rust, and answers the trace length. The benchmark compares this with
    /// the JS calls to find the share spent converting.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __evaluateRepeated)]
    pub fn evaluate_repeated(&self, input_json: &str, as_of: &str, n: u32) -> String {
        use hazard_rules::{Section, TraceMode};
        let run = || -> Result<usize, Error> {
            let value = serde_json::from_str(input_json)
                .map_err(|e| InputError::new("", format!("not JSON: {e}")))?;
            let input = Input::from_value(value)?;
            let date = as_of
                .parse()
                .map_err(|e| InputError::new("as_of", format!("{e}")))?;
            let mut len = 0;
            for _ in 0..n {
                len = self
                    .inner
                    .evaluate_with(&input, date, &Section::ALL, TraceMode::Ids)?
                    .trace
                    .len();
            }
            Ok(len)
        };
        match run() {
            Ok(len) => Answer::Ok(len.into()).to_json(),
            Err(e) => Answer::Error(ffi::error_value(&e)).to_json(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn evaluates_with_the_default_chain() {
        let rules = Rules::default_chain();
        let v = parse(&rules.evaluate(r#"{"accident": {"deaths": 3}}"#, "2024-05-01", None, None));
        assert_eq!(v["ok"]["response"]["accident"]["grade"], "large");
        let v = parse(&rules.evaluate(
            r#"{"accident": {"deaths": 3}}"#,
            "2024-05-01",
            Some("risk".into()),
            None,
        ));
        assert!(v["ok"]["response"].is_null());
        let v = parse(&rules.evaluate(
            r#"{"accident": {"deaths": 3}}"#,
            "2024-05-01",
            None,
            Some("ids".into()),
        ));
        let trace = v["ok"]["trace"].as_array().unwrap();
        assert!(trace.iter().any(|t| t["id"] == "response.accident_grade"));
        assert!(trace.iter().all(|t| t["zh"] == "" && t["en"] == ""));
    }

    #[test]
    fn a_precompiled_plan_loads_and_a_broken_one_is_the_core_error() {
        let bytes = Ruleset::default().to_compiled().unwrap();
        let rules = Rules::from_compiled(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parse(&rules.info())["ok"]["chain"][0]["id"], "national");
        let Err(e) = Rules::from_compiled(&bytes[..bytes.len() / 2]) else {
            panic!("half a plan loads")
        };
        assert_eq!(parse(&e)["error"]["kind"], "ruleset");
    }

    #[test]
    fn a_bundle_loads_from_its_compiled_plan() {
        let bundle = |compiled: Option<String>| {
            let mut b = serde_json::json!({
                "format": "hazard-rules-bundle/1", "leaf": "zhejiang/jinhua",
                "files": {"zhejiang/jinhua/ruleset.toml": "id = \"jinhua\""},
            });
            if let Some(c) = compiled {
                b["compiled"] = c.into();
            }
            b.to_string()
        };
        let plan = Ruleset::default().to_compiled().unwrap();
        let b64 = |bytes: &[u8]| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        let with = bundle(Some(b64(&plan)));
        if hazard_rules::SCRIPTED {
            // The scripted module loads the files, which are not a chain here.
            assert!(Rules::from_bundle(&with).is_err());
        } else {
            let rules = Rules::from_bundle(&with).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parse(&rules.info())["ok"]["chain"][2]["id"], "jinhua");
            let Err(e) = Rules::from_bundle(&bundle(None)) else {
                panic!("a bundle without a plan loads in the core module")
            };
            assert!(parse(&e)["error"]["message"]
                .as_str()
                .unwrap()
                .contains("the scripted module"));
        }
    }

    #[test]
    fn repeated_evaluation_hook() {
        let rules = Rules::default_chain();
        let v = parse(&rules.evaluate_repeated(r#"{"accident": {"deaths": 3}}"#, "2024-05-01", 2));
        assert!(v["ok"].as_u64().unwrap() > 0);
    }
}
