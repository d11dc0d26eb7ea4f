//! What only the scripted module exports: loading rulesets from their files
//! (the embedded sources, bundles of TOML and Rhai, in-memory overlays), and
//! running a chain's own test cases.

use hazard_rules::{Error, Ruleset, RulesetError, RulesetFiles};
use wasm_bindgen::prelude::*;

use crate::{load, Rules};

#[wasm_bindgen]
impl Rules {
    /// One of the embedded rulesets: `national`, `zhejiang`, `zhejiang/jinhua`, `henan`.
    pub fn embedded(leaf: &str) -> Result<Rules, String> {
        load(Ruleset::embedded(leaf))
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
}

/// Test hook, not API: loads a chain from a file map that includes its
/// `tests/*.toml` and runs the chain's own test cases (as `hazard-rules test`
/// does), answering `{"ok": {"cases": n, "failures": ["name: why", ...]}}`.
/// The Node and browser tests run every ruleset's cases through the
/// WebAssembly build with it.
#[doc(hidden)]
#[wasm_bindgen(js_name = __runRulesetCases)]
pub fn run_ruleset_cases(files_json: &str) -> String {
    let rules = match Rules::from_files(files_json) {
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
    hazard_rules::ffi::Answer::Ok(serde_json::json!({ "cases": cases.len(), "failures": failures }))
        .to_json()
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

    fn demo_files() -> serde_json::Map<String, serde_json::Value> {
        let mut files: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&embedded_files()).unwrap();
        files.insert(
            "demo/ruleset.toml".into(),
            "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
        );
        files
    }

    #[test]
    fn embedded_files_and_an_overlay_load() {
        let text = serde_json::json!({ "leaf": "demo", "files": demo_files() }).to_string();
        let rules = Rules::from_files(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parse(&rules.info())["ok"]["chain"][1]["id"], "demo");
    }

    #[test]
    fn ruleset_cases_hook() {
        let mut files = demo_files();
        files.insert(
            "demo/tests/t.toml".into(),
            "[[case]]\nname = \"deaths\"\nas_of = \"2024-05-01\"\n[case.input.accident]\ndeaths = 3\n[case.expect.response.accident]\ngrade = \"general\"\n".into(),
        );
        let text = serde_json::json!({ "leaf": "demo", "files": files }).to_string();
        let v = parse(&run_ruleset_cases(&text));
        assert_eq!(v["ok"]["cases"], 1);
        assert_eq!(v["ok"]["failures"].as_array().unwrap().len(), 1);
    }
}
