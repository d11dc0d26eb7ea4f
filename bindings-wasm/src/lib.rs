//! WebAssembly binding of hazard-rules.
//!
//! This crate only moves strings: every function hands JSON text to
//! [`hazard_rules::ffi`] (or to a core loader) and returns the core's answer,
//! `{"ok": ...}` or `{"error": {...}}`, as JSON text. The npm package's
//! TypeScript layer (`js/api.ts`) turns objects into JSON text and answers
//! into values or `Error` subclasses. No rule logic lives here or there, so the
//! browser, Node, the CLI and Python give the same decision for the same input.
//!
//! The crate compiles on every target (wasm-bindgen's attributes are inert
//! off wasm32), so the workspace's native clippy and tests cover it.

use hazard_rules::ffi::{self, Answer};
use hazard_rules::{Error, Input, InputError, Ruleset, RulesetError, RulesetFiles};
use wasm_bindgen::prelude::*;

/// A loaded, compiled ruleset chain. Load it once and evaluate many inputs:
/// loading compiles the chain's Rhai rules.
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

    /// One of the embedded rulesets: `national`, `zhejiang`, `zhejiang/jinhua`, `henan`.
    pub fn embedded(leaf: &str) -> Result<Rules, String> {
        load(Ruleset::embedded(leaf))
    }

    /// A bundle made by `hazard-rules bundle` (its JSON text).
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(text: &str) -> Result<Rules, String> {
        load(Ruleset::from_bundle(text))
    }

    /// A chain from a map of files: JSON text of `{"leaf": "...", "files": {"path": "text"}}`.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(files_json: &str) -> Result<Rules, String> {
        let files = serde_json::from_str::<RulesetFiles>(files_json).map_err(|e| {
            Error::Ruleset(RulesetError::new(
                "<files>",
                e.line(),
                e.column(),
                format!("expected {{\"leaf\": string, \"files\": {{path: text}}}}: {e}"),
            ))
        });
        load(files.and_then(Ruleset::from_files))
    }

    /// `ffi::evaluate_with`: one input (JSON text) as of a date, optionally
    /// one section, with a trace mode (`full`, `ids`, `off`).
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

    /// `ffi::validate`: `{"ok": {"valid": true}}` or the first error, with its path.
    pub fn validate(&self, input_json: &str, as_of: &str) -> String {
        ffi::validate(&self.inner, input_json, as_of)
    }

    /// `ffi::info`: the chain (ids, versions, titles, effective dates) and tables.
    pub fn info(&self) -> String {
        ffi::info(&self.inner)
    }

    /// Benchmark hook, not API: parses `input_json` once, then evaluates it `n`
    /// times inside WebAssembly with no conversion between JS and Rust, and
    /// answers the trace length. The benchmark compares this with the full JS
    /// path to find the share spent converting.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __evaluateRepeated)]
    pub fn evaluate_repeated(&self, input_json: &str, as_of: &str, n: u32) -> String {
        let run = || -> Result<usize, Error> {
            let value = serde_json::from_str(input_json)
                .map_err(|e| InputError::new("", format!("not JSON: {e}")))?;
            let input = Input::from_value(value)?;
            let date = as_of
                .parse()
                .map_err(|e| InputError::new("as_of", format!("{e}")))?;
            let mut len = 0;
            for _ in 0..n {
                len = self.inner.evaluate(&input, date)?.trace.len();
            }
            Ok(len)
        };
        match run() {
            Ok(len) => Answer::Ok(len.into()).to_json(),
            Err(e) => Answer::Error(ffi::error_value(&e)).to_json(),
        }
    }
}

/// Test hook, not API: loads a chain from a file map that includes its
/// `tests/*.toml` and runs the chain's own test cases (as `hazard-rules test`
/// does), answering `{"ok": {"cases": n, "failures": ["name: why", ...]}}`.
/// The Node and browser tests run every ruleset's cases through the
/// WebAssembly build with it.
#[doc(hidden)]
#[wasm_bindgen(js_name = __runRulesetCases)]
pub fn run_ruleset_cases(files_json: &str) -> String {
    let loaded = Rules::from_files(files_json);
    let rules = match loaded {
        Ok(r) => r,
        Err(answer) => return answer,
    };
    let cases = rules.inner.cases();
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|case| {
            let outcome = case.run(&rules.inner);
            let name = format!("{} ({})", case.name, case.file);
            outcome
                .failures
                .into_iter()
                .map(move |f| format!("{name}: {f}"))
        })
        .collect();
    Answer::Ok(serde_json::json!({ "cases": cases.len(), "failures": failures })).to_json()
}

/// The embedded rulesets' files (`national/ruleset.toml`, ...) as JSON text of
/// `{"path": "text"}`: a base to which an in-memory overlay can be added.
#[wasm_bindgen(js_name = embeddedFiles)]
pub fn embedded_files() -> String {
    serde_json::to_string(&RulesetFiles::embedded(hazard_rules::ruleset::DEFAULT_LEAF).files)
        .expect("file maps serialise")
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
    fn load_errors_are_the_core_error_json() {
        let Err(e) = Rules::from_bundle("{") else {
            panic!("a broken bundle loads")
        };
        let v = parse(&e);
        assert_eq!(v["error"]["kind"], "ruleset");
        assert_eq!(v["error"]["file"], "<bundle>");
        let Err(e) = Rules::from_files(r#"{"leaf": 1}"#) else {
            panic!("a broken file map loads")
        };
        assert_eq!(parse(&e)["error"]["file"], "<files>");
        assert!(Rules::embedded("nowhere").is_err());
    }

    #[test]
    fn embedded_files_and_an_overlay_load() {
        let mut files: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&embedded_files()).unwrap();
        files.insert(
            "demo/ruleset.toml".into(),
            "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
        );
        let text = serde_json::json!({ "leaf": "demo", "files": files }).to_string();
        let rules = Rules::from_files(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parse(&rules.info())["ok"]["chain"][1]["id"], "demo");
    }

    #[test]
    fn ruleset_cases_hook() {
        let mut files: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&embedded_files()).unwrap();
        files.insert(
            "demo/ruleset.toml".into(),
            "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
        );
        files.insert(
            "demo/tests/t.toml".into(),
            "[[case]]\nname = \"deaths\"\nas_of = \"2024-05-01\"\n[case.input.accident]\ndeaths = 3\n[case.expect.response.accident]\ngrade = \"general\"\n".into(),
        );
        let text = serde_json::json!({ "leaf": "demo", "files": files }).to_string();
        let v = parse(&run_ruleset_cases(&text));
        assert_eq!(v["ok"]["cases"], 1);
        assert_eq!(v["ok"]["failures"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn repeated_evaluation_hook() {
        let rules = Rules::default_chain();
        let v = parse(&rules.evaluate_repeated(r#"{"accident": {"deaths": 3}}"#, "2024-05-01", 2));
        assert!(v["ok"].as_u64().unwrap() > 0);
    }
}
