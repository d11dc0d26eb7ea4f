//! Every problem of an input at once (`Ruleset::validate`, `ffi::validate`),
//! and its agreement with the error `evaluate` gives.

use std::path::PathBuf;

use hazard_rules::{ffi, Error, Ruleset};
use serde_json::{json, Value};

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn found(rules: &Ruleset, record: &Value, as_of: &str) -> Vec<(String, String)> {
    rules
        .validate(record, day(as_of))
        .unwrap()
        .into_iter()
        .map(|p| (p.path, p.problem))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn independent_mistakes_are_all_reported_with_their_paths() {
    let rules = Ruleset::default();
    let record = json!({
        "hazard": {
            "sector": "metallurgy",
            "items": ["GM-4-1", "GM-4-77", "GM-4-2"],
            "found_on": "2024-03-01",
            "listing": {"level": "galaxy", "listed_on": "2024-02-01"},
            "events": [{"stage": "found", "on": "2024-03-01"}, {"stage": "fixed", "on": "2024-03-05"}],
            "colour": "red"
        },
        "accident": {"deaths": "three", "direct_loss_cny": 1e20},
        "warning": {"rainfall_1h_mm": -3, "observed_on": "2024-02-30"},
        "risk": {"points": [{"method": "LEC", "l": 3, "e": 6, "c": 7}, {"method": "LEC", "l": 4, "e": 6, "c": 7}]},
    });
    let problems = rules.validate(&record, day("2024-04-01")).unwrap();
    let got: Vec<(String, String)> = problems
        .iter()
        .map(|p| (p.path.clone(), p.problem.clone()))
        .collect();
    // Types first (serde's order), then structure, then the rules' findings.
    assert_eq!(
        got,
        pairs(&[
            ("accident.deaths", "wrong_type"),
            ("hazard.colour", "unknown_field"),
            ("warning.observed_on", "not_a_date"),
            ("accident.direct_loss_cny", "out_of_range"),
            ("warning.rainfall_1h_mm", "negative"),
            ("hazard.listing.listed_on", "out_of_order"),
            ("hazard.items[1]", "unknown_item"),
            ("hazard.events[1].stage", "unknown_stage"),
            ("risk.points[1].l", "not_allowed_value"),
        ]),
        "{problems:#?}"
    );
    for p in &problems {
        assert!(!p.message.is_empty() && !p.message_zh.is_empty(), "{p:?}");
        // Chinese wording, not the English one marked as untranslated.
        assert!(!p.message_zh.starts_with("（英文原文）"), "{p:?}");
        assert!(
            p.message_zh
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{p:?}"
        );
    }
    assert!(
        problems[6].message_zh.contains("GM-4-77"),
        "{:?}",
        problems[6]
    );
}

#[test]
fn the_first_problem_is_the_error_evaluate_gives() {
    let rules = Ruleset::default();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let as_of = case["as_of"].as_str().unwrap();
        let answer: Value = serde_json::from_str(&ffi::evaluate(
            &rules,
            &case["input"].to_string(),
            as_of,
            None,
        ))
        .unwrap();
        let problems = rules.validate(&case["input"], day(as_of));
        match (&answer["error"], problems) {
            (Value::Null, Ok(p)) => assert!(p.is_empty(), "{}: {p:?}", path.display()),
            (e, Ok(p)) if e["kind"] == "input" => {
                let first = p
                    .first()
                    .unwrap_or_else(|| panic!("{}: no problem", path.display()));
                assert_eq!(e["path"], first.path, "{}", path.display());
                assert_eq!(e["problem"], first.problem, "{}", path.display());
                assert_eq!(
                    e["message"],
                    format!("invalid input at `{}`: {}", first.path, first.message)
                );
                checked += 1;
            }
            (e, Err(err)) => assert_eq!(e["kind"], err.code(), "{}", path.display()),
            (e, Ok(p)) => panic!("{}: {e} but {p:?}", path.display()),
        }
    }
    assert!(checked >= 5, "only {checked} error cases");
}

#[test]
fn indices_of_a_list_stay_those_of_the_record_as_given() {
    let rules = Ruleset::default();
    let long = "X".repeat(80);
    let record = json!({"hazard": {
        "sector": "light_industry",
        "items": [long, "GM-9-1", "GM-9-1", "NOPE-1", "GM-9-2"],
        "found_on": "2024-03-01",
    }});
    assert_eq!(
        found(&rules, &record, "2024-04-01"),
        pairs(&[
            ("hazard.items[0]", "too_long"),
            ("hazard.items[2]", "duplicate"),
            ("hazard.items[3]", "unknown_item"),
        ])
    );
}

#[test]
fn a_required_field_missing_or_wrong_takes_its_object_and_the_rest_is_checked() {
    let rules = Ruleset::default();
    let record = json!({
        "hazard": {"sector": "metallurgy", "found_on": 20240301, "listing": {"level": "galaxy", "listed_on": "2024-03-01"}},
        "checklist": {"id": "village_77", "subject": {"name": "x", "kind": "village"}},
        "accident": {"kind": "meteor"},
    });
    assert_eq!(
        found(&rules, &record, "2024-04-01"),
        pairs(&[
            ("hazard.found_on", "not_a_date"),
            ("accident.kind", "unknown_accident_kind"),
            ("checklist.id", "unknown_checklist"),
        ])
    );
    let missing = json!({"hazard": {"sector": "metallurgy"}, "warning": {"rainfall_24h_mm": -1}});
    assert_eq!(
        found(&rules, &missing, "2024-04-01"),
        pairs(&[
            ("hazard", "missing"),
            ("warning.rainfall_24h_mm", "negative")
        ])
    );
}

#[test]
fn a_valid_record_has_no_problem_and_dates_after_the_decision_are_problems() {
    let rules = Ruleset::default();
    let ok =
        json!({"hazard": {"sector": "metallurgy", "items": ["GM-4-1"], "found_on": "2024-03-01"}});
    assert!(rules.validate(&ok, day("2024-04-01")).unwrap().is_empty());
    let future = json!({
        "hazard": {"sector": "metallurgy", "found_on": "2024-05-01",
                   "events": [{"stage": "found", "on": "2024-05-01"}, {"stage": "assigned", "on": "2024-05-02"}]},
        "accident": {"deaths": 1, "occurred_on": "2024-06-01"},
    });
    assert_eq!(
        found(&rules, &future, "2024-04-01"),
        pairs(&[
            ("hazard.found_on", "after_as_of"),
            ("hazard.events[0].on", "after_as_of"),
            ("hazard.events[1].on", "after_as_of"),
            ("accident.occurred_on", "after_as_of"),
        ])
    );
}

#[test]
fn the_ffi_answer_lists_the_problems() {
    let rules = Ruleset::default();
    let v: Value = serde_json::from_str(&ffi::validate(
        &rules,
        r#"{"accident": {"deaths": 1}}"#,
        "2024-04-01",
    ))
    .unwrap();
    assert_eq!(v, json!({"ok": {"valid": true, "problems": []}}));
    // A bad day is a problem at `as_of`; the record's structure is still checked.
    let v: Value = serde_json::from_str(&ffi::validate(
        &rules,
        r#"{"accident": {"deaths": 1, "direct_loss_cny": -1}, "warning": {"rainfall_1h_mm": "x"}}"#,
        "2024-02-30",
    ))
    .unwrap();
    let problems = v["ok"]["problems"].as_array().unwrap();
    let paths: Vec<&str> = problems
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "as_of",
            "warning.rainfall_1h_mm",
            "accident.direct_loss_cny"
        ]
    );
    assert_eq!(problems[0]["problem"], "not_a_date");
    assert_eq!(
        problems[2],
        json!({"path": "accident.direct_loss_cny", "problem": "negative",
               "message": "must not be negative, got -1", "message_zh": "不能为负数（填写的是 -1）"})
    );
    // Text that is not JSON: one problem, at the root.
    let v: Value =
        serde_json::from_str(&ffi::validate(&rules, "{\"accident\": ", "2024-04-01")).unwrap();
    assert_eq!(v["ok"]["valid"], false);
    assert_eq!(v["ok"]["problems"][0]["problem"], "not_json");
    assert!(v["ok"]["problems"][0]["message_zh"]
        .as_str()
        .unwrap()
        .starts_with("不是合法的 JSON（第 1 行"));
}

#[test]
fn a_precompiled_ruleset_finds_the_same_problems() {
    let rules = Ruleset::default();
    let compiled = Ruleset::from_compiled(&rules.to_compiled().unwrap()).unwrap();
    let record = json!({
        "hazard": {"sector": "metallurgy", "items": ["GM-4-77", "GM-4-1", "GM-1-1"], "found_on": "2024-03-01",
                   "listing": {"level": "galaxy", "listed_on": "2024-03-02"}},
        "risk": {"points": [{"method": "LECX", "l": 1}]},
    });
    let a = rules.validate(&record, day("2024-04-01")).unwrap();
    let b = compiled.validate(&record, day("2024-04-01")).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.len(), 4, "{a:?}");
    assert_eq!(a[3].path, "risk.points[0].method");
    assert!(a[3].message_zh.contains("是否想写“LEC”"), "{:?}", a[3]);
}

#[test]
fn errors_in_every_kind_carry_chinese() {
    let rules = Ruleset::default();
    let e = rules
        .evaluate(
            &serde_json::from_value(
                json!({"hazard": {"sector": "shipyard", "found_on": "2024-03-01"}}),
            )
            .unwrap(),
            day("2024-04-01"),
        )
        .unwrap_err();
    assert!(matches!(e, Error::Input(_)));
    assert_eq!(
        e.message_zh(),
        "输入有误（hazard.sector）：行业“shipyard”不在行业表（sectors）中"
    );
    let v: Value = serde_json::from_str(&ffi::evaluate(
        &rules,
        r#"{"accident": {"deaths": 1}}"#,
        "2024-13-01",
        None,
    ))
    .unwrap();
    assert_eq!(
        v["error"]["message_zh"],
        "输入有误（as_of）：“2024-13-01”不是有效的日期：应写作 YYYY-MM-DD，如 2024-05-01"
    );
    // A TOML error: the parser's detail as is, in a Chinese frame.
    let mut files = hazard_rules::RulesetFiles::embedded("national");
    files.files.insert(
        "national/tables/stages.toml".into(),
        "kind = \"rows\"\nkey = = 1\n".into(),
    );
    let e = Ruleset::from_files(files).unwrap_err();
    let zh = e.message_zh();
    assert!(
        zh.starts_with("规则集有误：文件 national/tables/stages.toml，第 2 行"),
        "{zh}"
    );
    assert!(zh.contains("TOML 有误：（英文原文）"), "{zh}");
    // The engine's own wording is Chinese; the system's reason stays as is.
    let e = Ruleset::load("/nonexistent/ruleset").unwrap_err();
    assert!(
        e.message_zh().contains("：无法读取：（英文原文）"),
        "{}",
        e.message_zh()
    );
    let mut files = hazard_rules::RulesetFiles::embedded("national");
    files
        .files
        .insert("national/rules/extra.rhai".into(), "let x = 1;\n".into());
    let e = Ruleset::from_files(files).unwrap_err();
    assert!(
        e.message_zh()
            .ends_with("规则文件的顶层只能是 `fn` 函数定义"),
        "{}",
        e.message_zh()
    );
    let limit = Error::Limit(hazard_rules::LimitError {
        rule: "classify".into(),
        limit: "too many operations".into(),
        file: "national/rules/classification.rhai".into(),
        line: 0,
        column: 0,
    });
    assert_eq!(
        limit.message_zh(),
        "规则 `classify` 被中止：运算步数超过上限（位置 national/rules/classification.rhai）"
    );
    let v = ffi::error_value(&limit);
    assert_eq!(v["message_zh"], limit.message_zh());
}

#[test]
fn a_missing_value_does_not_make_the_given_ones_missing_too() {
    let rules = Ruleset::default();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("46-county-year-missing-figure.json")).unwrap(),
    )
    .unwrap();
    let mut record = case["input"].clone();
    record["accident"] = json!({"deaths": -2});
    // One figure is missing: that is the problem, not the figures given
    // beside it; the accident is still checked.
    assert_eq!(
        found(&rules, &record, "2022-01-15"),
        pairs(&[
            ("accident.deaths", "out_of_range"),
            ("targets.year_before_last.deaths", "missing"),
        ])
    );
    // LS without `s`: the point goes, the next point is still scored.
    let risk = json!({"risk": {"points": [
        {"method": "LS", "l": 2},
        {"method": "LS", "l": 9, "s": 2},
    ]}});
    assert_eq!(
        found(&rules, &risk, "2024-01-01"),
        pairs(&[
            ("risk.points[0].s", "missing"),
            ("risk.points[1].l", "out_of_range")
        ])
    );
}

#[test]
fn a_part_taken_out_for_its_own_problem_does_not_leave_a_record_asking_nothing() {
    // The hazard is the only part and its date is of the wrong form: that is
    // the one problem, not also "the record asks for nothing".
    let rules = Ruleset::default();
    let record = json!({"hazard": {"sector": "metallurgy", "found_on": "2024/03/05"}});
    assert_eq!(
        found(&rules, &record, "2024-06-30"),
        pairs(&[("hazard.found_on", "not_a_date")])
    );
    let record = json!({"hazard": "x"});
    assert_eq!(found(&rules, &record, "2024-06-30").len(), 1);
    // A record that asks for nothing from the start still says so.
    assert_eq!(
        found(&rules, &json!({}), "2024-06-30"),
        pairs(&[("", "nothing_asked")])
    );
}
