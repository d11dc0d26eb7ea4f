//! Runs every ruleset's own test cases and the cross-binding conformance
//! cases in `tests/conformance/`. The bindings run the same conformance files
//! and compare their decisions with `decision`, field for field.
//!
//! `UPDATE_GOLDEN=1 cargo test --test conformance` rewrites each case's
//! `decision` from the current engine (review the diff before committing).

use std::path::{Path, PathBuf};

use hazard_rules::cases::Case;
use hazard_rules::Ruleset;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ruleset_dirs(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.join("ruleset.toml").is_file() {
        out.push(dir.to_path_buf());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && !["tables", "rules", "tests"].iter().any(|n| p.ends_with(n)) {
            ruleset_dirs(&p, out);
        }
    }
}

#[test]
fn every_ruleset_passes_its_own_cases() {
    let mut dirs = Vec::new();
    ruleset_dirs(&root().join("rulesets"), &mut dirs);
    assert!(dirs.len() >= 4, "found {dirs:?}");
    let mut failures = Vec::new();
    for dir in &dirs {
        let rs = Ruleset::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(
            !rs.cases().is_empty(),
            "{} has no test cases",
            dir.display()
        );
        for case in rs.cases() {
            let outcome = case.run(&rs);
            if !outcome.passed() {
                failures.push(format!(
                    "{} / {}: {:?}",
                    dir.display(),
                    case.name,
                    outcome.failures
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn embedded_default_matches_the_directories() {
    let dir = root().join("rulesets/zhejiang/jinhua");
    let from_dir = Ruleset::load(&dir).unwrap();
    let embedded = Ruleset::default();
    assert_eq!(from_dir.chain_refs(), embedded.chain_refs());
    for case in from_dir.cases() {
        let input = hazard_rules::Input::from_value(case.input.clone());
        if let Ok(input) = input {
            assert_eq!(
                from_dir.evaluate(&input, case.as_of).ok(),
                embedded.evaluate(&input, case.as_of).ok(),
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn conformance_cases() {
    let dir = root().join("tests/conformance");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "only {} conformance cases", paths.len());
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let mut case: Case =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rs = Ruleset::embedded(
            case.ruleset
                .as_deref()
                .unwrap_or(hazard_rules::ruleset::DEFAULT_LEAF),
        )
        .unwrap();
        let outcome = case.run(&rs);
        let name = path.file_name().unwrap().to_string_lossy();
        failures.extend(outcome.failures.iter().map(|f| format!("{name}: {f}")));
        let actual = match &outcome.result {
            Ok(d) => serde_json::to_value(d).unwrap(),
            Err(e) => hazard_rules::ffi::error_value(e),
        };
        // The bindings' surface (`ffi`, JSON text in and out) gives the same
        // decision or error object.
        let answer: serde_json::Value = serde_json::from_str(&hazard_rules::ffi::evaluate(
            &rs,
            &case.input.to_string(),
            &case.as_of.to_string(),
            None,
        ))
        .unwrap();
        let via_ffi = answer.get("ok").or_else(|| answer.get("error"));
        if via_ffi != Some(&actual) {
            failures.push(format!("{name}: ffi::evaluate answers {answer}"));
        }
        if update {
            case.decision = Some(actual);
            std::fs::write(path, serde_json::to_string_pretty(&case).unwrap() + "\n").unwrap();
        } else if case.decision.as_ref() != Some(&actual) {
            failures.push(format!("{name}: the decision differs from the golden `decision` (UPDATE_GOLDEN=1 to rewrite)"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
