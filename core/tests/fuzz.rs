//! Fuzzing on stable Rust, driven by proptest: damaged rulesets (file maps
//! and bundles), arbitrary JSON inputs, and small rule programs from a
//! grammar. Whatever they hold, loading and evaluating return a result or
//! an error: no panic, no hang, no stack overflow.
//!
//! The test command runs a short campaign (`FUZZ_CASES`, default 64 per
//! target); `RELIABILITY.md` records a longer one:
//! `FUZZ_CASES=2000 cargo test --release -p hazard-rules --test fuzz`.

use chrono::NaiveDate;
use hazard_rules::{Input, Ruleset, RulesetFiles};
use proptest::prelude::*;
use serde_json::json;

#[path = "common/inputs.rs"]
mod inputs;
use inputs::json_value;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn as_of() -> NaiveDate {
    "2024-06-30".parse().unwrap()
}

/// Inputs every loaded ruleset is tried on.
fn probes() -> Vec<Input> {
    [
        r#"{"hazard": {"sector": "metallurgy", "items": ["GM-3-1"], "found_on": "2024-01-01", "listing": {"level": "county", "listed_on": "2024-01-02"}}}"#,
        r#"{"accident": {"deaths": 3, "occurred_on": "2024-06-01"}, "warning": {"typhoon": {"within_hours": 12, "sustained_force": 12}}}"#,
        r#"{"risk": {"points": [{"method": "LEC", "l": 6, "e": 6, "c": 15}]}, "township": {"industrial_enterprises": 40, "safety_staff": 1}}"#,
    ]
    .iter()
    .map(|t| Input::from_json(t).unwrap())
    .collect()
}

/// Runs what a caller would run on a ruleset that loaded.
fn exercise(rs: &Ruleset) {
    for input in probes() {
        let _ = rs.evaluate(&input, as_of());
        let _ = rs.evaluate_interpreted(&input, as_of());
    }
    if let Ok(bytes) = rs.to_compiled() {
        if let Ok(back) = Ruleset::from_compiled(&bytes) {
            let _ = back.evaluate(&probes()[0], as_of());
        }
    }
}

/// One damage to a text: a byte range replaced by a fragment of TOML, Rhai
/// or junk.
#[derive(Debug, Clone)]
struct Damage {
    at: usize,
    cut: usize,
    with: String,
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("\"".to_owned()),
        Just("[[rows]]\n".to_owned()),
        Just("= 1e308\n".to_owned()),
        Just("gte = \"x\"\n".to_owned()),
        Just("year = 99999\n".to_owned()),
        Just("kind = \"bands\"\n".to_owned()),
        Just("from = \"2024-01-01\"\nto = \"2023-01-01\"\n".to_owned()),
        Just("fn f(x) { f(x) }\n".to_owned()),
        Just("loop { }".to_owned()),
        Just("[[[[[[[[[[".to_owned()),
        Just("((((((((((".to_owned()),
        Just("}".to_owned()),
        Just("explain(\"x\", \"${".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("扩展".to_owned()),
        "[ -~]{0,12}",
    ]
}

fn damage() -> impl Strategy<Value = Damage> {
    (any::<usize>(), 0usize..40, fragment()).prop_map(|(at, cut, with)| Damage { at, cut, with })
}

fn apply(text: &str, d: &Damage) -> String {
    let mut at = if text.is_empty() {
        0
    } else {
        d.at % text.len()
    };
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let mut end = (at + d.cut).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    format!("{}{}{}", &text[..at], d.with, &text[end..])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A damaged file anywhere in the default chain.
    #[test]
    fn damaged_rulesets_load_or_fail_cleanly(
        file in any::<prop::sample::Index>(),
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let mut files = RulesetFiles::embedded("zhejiang/jinhua");
        let keys: Vec<String> = files
            .files
            .keys()
            .filter(|k| !k.contains("/tests/"))
            .cloned()
            .collect();
        let key = file.get(&keys).clone();
        let mut text = files.files[&key].clone();
        for d in &damages {
            text = apply(&text, d);
        }
        files.files.insert(key, text);
        if let Ok(rs) = Ruleset::from_files(files) {
            exercise(&rs);
        }
    }

    /// A damaged bundle.
    #[test]
    fn damaged_bundles_load_or_fail_cleanly(damages in prop::collection::vec(damage(), 1..4)) {
        let mut text = RulesetFiles::embedded("national").to_bundle().unwrap();
        for d in &damages {
            text = apply(&text, d);
        }
        if let Ok(rs) = Ruleset::from_bundle(&text) {
            exercise(&rs);
        }
    }

    /// A damaged precompiled plan.
    #[test]
    fn damaged_plans_load_or_fail_cleanly(
        flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = plan_bytes().to_vec();
        for (at, b) in flips {
            let at = at % bytes.len();
            bytes[at] = b;
        }
        if let Ok(rs) = Ruleset::from_compiled(&bytes) {
            for input in probes() {
                let _ = rs.evaluate(&input, as_of());
            }
        }
    }

    /// Any JSON at all, where an input's sections go.
    #[test]
    fn arbitrary_json_inputs_decide_or_fail_cleanly(
        section in prop::sample::select(vec!["hazard", "accident", "warning", "risk", "township"]),
        value in json_value(),
    ) {
        let rs = default_ruleset();
        let record = json!({ section: value });
        if let Ok(input) = Input::from_value(record) {
            let _ = rs.evaluate(&input, as_of());
        }
    }

    /// Small rule programs from a grammar, as `score_risk`.
    #[test]
    fn generated_rules_run_or_fail_cleanly(body in program()) {
        let mut files = RulesetFiles::embedded("national");
        files.files.insert(
            "demo/ruleset.toml".into(),
            "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
        );
        files.files.insert(
            "demo/rules/risk.rhai".into(),
            format!("fn helper(x) {{ if x > 3 {{ helper(x - 1) }} else {{ x }} }}\nfn score_risk(risk) {{\n{body}\n#{{ points: [] }}\n}}\n"),
        );
        files.leaf = "demo".into();
        if let Ok(rs) = Ruleset::from_files(files) {
            let input = Input::from_json(r#"{"risk": {"points": [{"method": "LS", "l": 2, "s": 3}]}}"#).unwrap();
            let _ = rs.evaluate(&input, as_of());
            let _ = rs.evaluate_interpreted(&input, as_of());
        }
    }
}

fn default_ruleset() -> &'static Ruleset {
    static RS: std::sync::OnceLock<Ruleset> = std::sync::OnceLock::new();
    RS.get_or_init(Ruleset::default)
}

fn plan_bytes() -> &'static [u8] {
    static PLAN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PLAN.get_or_init(|| {
        Ruleset::embedded("national")
            .unwrap()
            .to_compiled()
            .unwrap()
    })
}

/// Rhai statements over a few variables: arithmetic (overflowing too),
/// strings, arrays and maps, comparisons, bounded loops, table lookups,
/// calls, explain and input_error.
fn program() -> impl Strategy<Value = String> {
    let expr = prop_oneof![
        (-5i64..5).prop_map(|i| i.to_string()),
        Just("9223372036854775807".to_owned()),
        Just("1.5".to_owned()),
        Just("\"s\"".to_owned()),
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("[1, \"x\", ()]".to_owned()),
        Just("#{ k: 1 }".to_owned()),
        Just("risk.points".to_owned()),
        Just("risk.points[0].l".to_owned()),
        Just("table(\"ls_colours\")".to_owned()),
        Just("helper(5)".to_owned()),
        Just("find_row(\"ls_colours\", \"colour\", \"red\")".to_owned()),
    ];
    let expr = expr.prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/", "%", "==", "<", "&&"]),
                inner.clone()
            )
                .prop_map(|(x, op, y)| format!("({x} {op} {y})")),
            inner.clone().prop_map(|x| format!("`${{{x}}}`")),
            inner.clone().prop_map(|x| format!("[{x}, {x}]")),
            inner.clone().prop_map(|x| format!("{x}.len()")),
            (inner.clone(), inner)
                .prop_map(|(x, y)| format!("if {x} == {y} {{ {x} }} else {{ {y} }}")),
        ]
    });
    let stmt = prop_oneof![
        expr.clone().prop_map(|e| format!("a = {e};")),
        expr.clone().prop_map(|e| format!("b = {e};")),
        expr.clone()
            .prop_map(|e| format!("for x in [1, 2, 3] {{ a = {e}; }}")),
        expr.clone()
            .prop_map(|e| format!("let n = 0; while n < 50 {{ n += 1; b = {e}; }}")),
        expr.clone()
            .prop_map(|e| format!("explain(\"risk.fuzz\", `${{{e}}}`, \"en\");")),
        expr.clone()
            .prop_map(|e| format!("if {e} == 1 {{ input_error(\"risk\", \"bad\"); }}")),
        expr.prop_map(|e| format!("a.push({e});")),
    ];
    prop::collection::vec(stmt, 1..6)
        .prop_map(|stmts| format!("let a = [];\nlet b = 0;\n{}", stmts.join("\n")))
}
