//! The compiled plan through the public API: what compiles, what a ruleset
//! that requires it gets, the interpreted fallback per section, trace modes,
//! and an evaluator reused across decisions.

#[path = "common/overlay.rs"]
mod overlay;

use hazard_rules::{Error, Input, Ruleset, Section, TraceMode};
use overlay::overlay_with as overlay;

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// A province rule with a `while` loop: outside the compiled subset.
const WHILE_RULE: &str = "// Ranks by counting down.\n\
fn score_risk(risk) {\n\
    let n = 3;\n\
    while n > 0 { n -= 1; }\n\
    explain(\"demo.counted\", `数到${n}`, `counted to ${n}`);\n\
    #{ points: [], unit: (), region: () }\n\
}\n";

#[test]
fn every_shipped_rule_function_compiles() {
    for leaf in ["national", "zhejiang", "zhejiang/jinhua", "henan"] {
        let rs = Ruleset::embedded(leaf).unwrap();
        let report = rs.compile_report();
        assert!(report.len() >= 20, "{leaf}: {report:?}");
        let interpreted: Vec<String> = report
            .iter()
            .filter(|f| !f.compiled)
            .map(|f| f.to_string())
            .collect();
        assert!(interpreted.is_empty(), "{leaf}: {interpreted:?}");
    }
}

#[test]
fn the_report_names_the_construct_and_its_position() {
    let rs = Ruleset::from_files(overlay("", &[("rules/slow.rhai", WHILE_RULE)])).unwrap();
    let f = rs
        .compile_report()
        .iter()
        .find(|f| f.name == "score_risk")
        .unwrap();
    assert!(!f.compiled);
    assert_eq!(f.file, "demo/rules/slow.rhai");
    assert_eq!((f.line, f.column), (4, 1), "{f}");
    assert_eq!(
        f.to_string(),
        "demo/rules/slow.rhai:4:1: score_risk/1: interpreted: `while` loop"
    );
    // The rest of the chain still compiles.
    assert!(rs
        .compile_report()
        .iter()
        .filter(|f| f.name != "score_risk")
        .all(|f| f.compiled));
}

#[test]
fn an_interpreted_section_runs_beside_compiled_ones() {
    let rs = Ruleset::from_files(overlay("", &[("rules/slow.rhai", WHILE_RULE)])).unwrap();
    let input = Input::from_json(
        r#"{"risk": {"points": []}, "accident": {"deaths": 3},
            "hazard": {"sector": "metallurgy", "items": ["GM-3-1"], "found_on": "2024-01-01"}}"#,
    )
    .unwrap();
    let d = rs.evaluate(&input, date("2024-03-01")).unwrap();
    let i = rs.evaluate_interpreted(&input, date("2024-03-01")).unwrap();
    assert_eq!(d, i);
    let counted = d.trace.iter().find(|t| t.id == "demo.counted").unwrap();
    assert_eq!(counted.zh, "数到0");
    assert_eq!(counted.ruleset, "demo@0.1");
}

#[test]
fn require_compiled_rejects_an_interpreted_function_with_its_position() {
    let files = overlay(
        "[performance]\nrequire_compiled = true\n",
        &[("rules/slow.rhai", WHILE_RULE)],
    );
    match Ruleset::from_files(files) {
        Err(Error::Ruleset(e)) => {
            assert_eq!(
                (e.file.as_str(), e.line, e.column),
                ("demo/rules/slow.rhai", 4, 1)
            );
            assert!(e.message.contains("`while` loop"), "{e}");
            assert!(e.message.contains("require_compiled"), "{e}");
        }
        other => panic!("expected a ruleset error, got {other:?}"),
    }
}

#[test]
fn a_parent_requirement_does_not_bind_an_overlay() {
    // National requires compiled functions; the overlay's own may be interpreted.
    let rs = Ruleset::from_files(overlay("", &[("rules/slow.rhai", WHILE_RULE)]));
    assert!(rs.is_ok(), "{rs:?}");
}

#[test]
fn trace_modes_keep_what_they_promise() {
    let rs = Ruleset::default();
    let input = Input::from_json(
        r#"{"hazard": {"sector": "light_industry", "items": ["GM17-1-1"], "found_on": "2021-09-01",
            "listing": {"level": "county", "listed_on": "2021-09-01"}},
            "risk": {"points": [{"method": "LS", "l": 4, "s": 5}]}}"#,
    )
    .unwrap();
    let as_of = date("2024-06-30");
    let full = rs.evaluate(&input, as_of).unwrap();
    let ids = rs
        .evaluate_with(&input, as_of, &Section::ALL, TraceMode::Ids)
        .unwrap();
    let off = rs
        .evaluate_with(&input, as_of, &Section::ALL, TraceMode::Off)
        .unwrap();
    assert!(full
        .trace
        .iter()
        .all(|t| !t.zh.is_empty() || t.kind == "table"));
    assert_eq!(ids.trace.len(), full.trace.len());
    for (a, b) in ids.trace.iter().zip(&full.trace) {
        assert_eq!(
            (&a.kind, &a.id, &a.row, &a.ruleset),
            (&b.kind, &b.id, &b.row, &b.ruleset)
        );
        assert!(a.zh.is_empty() && a.en.is_empty());
    }
    assert!(off.trace.is_empty());
    // The outputs do not depend on the trace.
    let strip = |mut d: hazard_rules::Decision| {
        d.trace.clear();
        d
    };
    assert_eq!(strip(full.clone()), strip(ids));
    assert_eq!(strip(full), strip(off));
}

#[test]
fn an_evaluator_gives_the_same_decisions_when_reused() {
    let rs = Ruleset::default();
    let mut ev = rs.evaluator();
    let inputs = [
        r#"{"accident": {"deaths": 3, "occurred_on": "2021-09-30"}}"#,
        r#"{"warning": {"signals": {"rainstorm": "red", "heat": "orange"}, "rainfall_24h_mm": 260}}"#,
        r#"{"hazard": {"sector": "nope", "found_on": "2024-01-01"}}"#,
        r#"{"risk": {"region": {"unit_colours": ["red", "red", "blue"]}}}"#,
    ];
    for round in 0..3 {
        for text in inputs {
            let input = Input::from_json(text).unwrap();
            let expected = rs.evaluate(&input, date("2024-06-30"));
            let got = ev
                .run(&input, date("2024-06-30"), &Section::ALL, TraceMode::Full)
                .and_then(|o| o.to_decision());
            assert_eq!(got, expected, "round {round}: {text}");
        }
    }
}

/// Every conformance case's input, for the round trips below.
fn conformance_inputs() -> Vec<(Input, chrono::NaiveDate)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let case: hazard_rules::cases::Case = serde_json::from_str(&text).unwrap();
        if case.ruleset.is_some() {
            continue;
        }
        if let Ok(input) = Input::from_value(case.input) {
            out.push((input, case.as_of));
        }
    }
    assert!(out.len() > 20);
    out
}

#[test]
fn a_precompiled_plan_decides_as_the_ruleset_it_was_made_from() {
    let rs = Ruleset::default();
    let bytes = rs.to_compiled().unwrap();
    assert!(hazard_rules::precompiled::is_compiled(&bytes));
    let compiled = Ruleset::from_compiled(&bytes).unwrap();
    assert_eq!(compiled.chain_refs(), rs.chain_refs());
    assert_eq!(compiled.tables().count(), rs.tables().count());
    let mut cases = conformance_inputs();
    for c in Ruleset::embedded("zhejiang/jinhua").unwrap().cases() {
        if let Ok(input) = Input::from_value(c.input.clone()) {
            cases.push((input, c.as_of));
        }
    }
    for (input, as_of) in &cases {
        assert_eq!(
            compiled.evaluate(input, *as_of),
            rs.evaluate(input, *as_of),
            "{input:?}"
        );
    }
    // No interpreter inside.
    let (input, as_of) = &cases[0];
    assert!(compiled.evaluate_interpreted(input, *as_of).is_err());
}

#[test]
fn a_damaged_or_foreign_plan_is_refused_without_panicking() {
    let bytes = Ruleset::embedded("national")
        .unwrap()
        .to_compiled()
        .unwrap();
    let refuse = |b: &[u8]| match Ruleset::from_compiled(b) {
        Err(Error::Ruleset(e)) => e.to_string(),
        Ok(_) => String::new(),
        Err(other) => panic!("{other:?}"),
    };
    assert!(refuse(b"{\"format\": \"hazard-rules-bundle/1\"}").contains("not a compiled plan"));
    let mut other_format = bytes.clone();
    other_format[7] = 9;
    assert!(
        refuse(&other_format).contains("format 9"),
        "{}",
        refuse(&other_format)
    );
    // Every cut, and a spread of flipped bytes, either loads or is refused.
    for cut in (0..bytes.len()).step_by(97) {
        let _ = Ruleset::from_compiled(&bytes[..cut]);
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let input = Input::from_json(
        r#"{"hazard": {"sector": "metallurgy", "items": ["GM-3-1"], "found_on": "2024-01-01"},
            "accident": {"deaths": 3}, "risk": {"points": [{"method": "LS", "l": 4, "s": 5}]}}"#,
    )
    .unwrap();
    for _ in 0..300 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut damaged = bytes.clone();
        let at = 11 + (seed as usize) % (damaged.len() - 11);
        damaged[at] ^= 1 << (seed >> 60 & 7);
        if let Ok(rs) = Ruleset::from_compiled(&damaged) {
            // A plan that passes the checks decides or fails cleanly.
            let _ = rs.evaluate(&input, date("2024-06-30"));
        }
    }
}

#[test]
fn only_a_fully_compiled_chain_has_a_precompiled_form() {
    let rs = Ruleset::from_files(overlay("", &[("rules/slow.rhai", WHILE_RULE)])).unwrap();
    let e = rs.to_compiled().unwrap_err();
    assert!(e.to_string().contains("score_risk"), "{e}");
    assert!(e.to_string().contains("`while` loop"), "{e}");
}

#[test]
fn a_script_function_shadows_the_helper_of_its_name_in_both_paths() {
    let rule = "fn input_error(path, message) { explain(\"demo.own\", path, message); }\n\
                fn score_risk(risk) {\n\
                    input_error(\"risk\", \"not an error here\");\n\
                    #{ points: [], unit: (), region: () }\n\
                }\n";
    let rs = Ruleset::from_files(overlay("", &[("rules/own.rhai", rule)])).unwrap();
    assert!(rs.compile_report().iter().all(|f| f.compiled));
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    let d = rs.evaluate(&input, date("2024-03-01")).unwrap();
    assert_eq!(
        d,
        rs.evaluate_interpreted(&input, date("2024-03-01")).unwrap()
    );
    assert!(d.trace.iter().any(|t| t.id == "demo.own" && t.zh == "risk"));
}

#[test]
fn lists_and_maps_in_a_sentence_read_as_rhai_writes_them() {
    // The plan writes containers itself (a build without Rhai has no Rhai
    // value to print): quoted and escaped texts, floats, units, nesting,
    // map keys in order, a key set again.
    let rule = "fn score_risk(risk) {\n\
                    let m = #{ b: [1, 2.5, \"x\\\"y\", 1e20], a: (), c: #{ z: true, y: -0.0 } };\n\
                    m.d = [[], #{}, 0.1, \"新\"];\n\
                    let n = #{ k: 1 };\n\
                    n.k = 2;\n\
                    explain(\"demo.show\", `${m}`, `${n} ${[m.c]}`);\n\
                    #{ points: [], unit: (), region: () }\n\
                }\n";
    let rs = Ruleset::from_files(overlay("", &[("rules/show.rhai", rule)])).unwrap();
    let report = rs.compile_report();
    assert!(report.iter().all(|f| f.compiled), "{report:?}");
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    let d = rs.evaluate(&input, date("2024-03-01")).unwrap();
    let i = rs.evaluate_interpreted(&input, date("2024-03-01")).unwrap();
    let show = |d: &hazard_rules::Decision| {
        d.trace
            .iter()
            .find(|t| t.id == "demo.show")
            .map(|t| (t.zh.clone(), t.en.clone()))
            .unwrap()
    };
    assert_eq!(show(&d), show(&i));
    assert!(
        show(&d)
            .0
            .starts_with("#{\"a\": (), \"b\": [1, 2.5, \"x\\\"y\", 1e20]"),
        "{:?}",
        show(&d)
    );
}

#[test]
fn every_build_compiles_the_default_chain_into_the_same_bytes() {
    // core/plans/default.hrplan is made by the release CLI (scripts/
    // sync-rulesets.sh); this debug test build must make the very same bytes,
    // or a bundle's `compiled` plan could not be checked against its files by
    // another build (the compiler follows names and the order written, never
    // Rhai's hash order, whose seed is random per build).
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/plans/default.hrplan")).unwrap();
    let made = Ruleset::default().to_compiled().unwrap();
    assert!(
        made == committed,
        "core/plans/default.hrplan differs from this build's plan: run scripts/sync-rulesets.sh"
    );
}
