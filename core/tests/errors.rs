//! Errors through the public API: bad input names the JSON path, a bad
//! ruleset names file/line/column, a runaway rule stops at a sandbox limit.

#[path = "common/overlay.rs"]
mod overlay;

use hazard_rules::{Error, Input, Ruleset, RulesetFiles, Section};
use overlay::overlay as with_overlay;

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// Loads the national chain with one overlay rule file and evaluates a risk input.
fn risk_error(file: &str, source: &str) -> Error {
    let rs = Ruleset::from_files(with_overlay(&[(file, source)])).unwrap();
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    rs.evaluate(&input, date("2024-01-01")).unwrap_err()
}

fn input_error(json: &str) -> (String, String) {
    let rs = Ruleset::embedded("national").unwrap();
    match rs.evaluate_json(json, date("2024-01-10")) {
        Err(Error::Input(e)) => (e.path, e.message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn input_type_errors_name_the_json_path() {
    let (path, msg) =
        input_error(r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-13-01"}}"#);
    assert_eq!(path, "hazard.found_on");
    assert!(
        msg.contains("out of range") || msg.contains("invalid"),
        "{msg}"
    );

    let (path, _) = input_error(r#"{"accident": {"deaths": -1}}"#);
    assert_eq!(path, "accident.deaths");

    let (path, msg) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-01", "sectr": 1}}"#,
    );
    assert_eq!(path, "hazard.sectr");
    assert!(msg.contains("unknown field `sectr`"), "{msg}");

    let (path, _) =
        input_error(r#"{"risk": {"points": [{"method": "LEC", "l": 6, "e": 6, "c": "x"}]}}"#);
    assert_eq!(path, "risk.points[0].c");
}

#[test]
fn text_after_the_record_is_an_error() {
    let (path, msg) = input_error(r#"{"accident": {"deaths": 1}} {"#);
    assert_eq!(path, "");
    assert!(msg.contains("trailing"), "{msg}");
    let e = Input::from_json(r#"{"accident": {"deaths": 1}}  "#);
    assert!(e.is_ok(), "{e:?}");
}

#[test]
fn rule_level_input_errors_name_the_json_path() {
    let (path, msg) =
        input_error(r#"{"hazard": {"sector": "shipbuilding", "found_on": "2024-01-01"}}"#);
    assert_eq!(path, "hazard.sector");
    assert!(msg.contains("shipbuilding"), "{msg}");

    let (path, _) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "items": ["GM-3-1", "GM-99-9"], "found_on": "2024-01-01"}}"#,
    );
    assert_eq!(path, "hazard.items[1]");

    // found → verified skips rectification: the event is named.
    let (path, msg) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-01",
            "events": [{"stage": "found", "on": "2024-01-01"}, {"stage": "verified", "on": "2024-01-03"}]}}"#,
    );
    assert_eq!(path, "hazard.events[1].stage");
    assert!(msg.contains("cannot follow"), "{msg}");

    let (path, _) =
        input_error(r#"{"risk": {"points": [{"method": "LEC", "l": 5, "e": 6, "c": 15}]}}"#);
    assert_eq!(path, "risk.points[0].l");
}

#[test]
fn events_out_of_date_order_are_rejected() {
    let (path, msg) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-05",
            "events": [{"stage": "found", "on": "2024-01-05"}, {"stage": "assigned", "on": "2024-01-04"}]}}"#,
    );
    assert_eq!(path, "hazard.events[1].on");
    assert!(msg.contains("earlier"), "{msg}");
}

#[test]
fn runaway_rule_stops_with_a_limit_error_naming_the_rule() {
    let err = risk_error(
        "rules/loop.rhai",
        "fn score_risk(risk) {\n    let n = 0;\n    loop { n += 1; }\n}\n",
    );
    match err {
        Error::Limit(e) => {
            assert_eq!(e.rule, "score_risk");
            assert_eq!(e.file, "demo/rules/loop.rhai");
            assert_eq!(
                e.to_string(),
                "rule `score_risk` stopped: too many operations (in demo/rules/loop.rhai)"
            );
            assert!(e.limit.contains("operations"), "{e}");
        }
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn deep_recursion_stops_at_the_call_depth_limit() {
    let err = risk_error(
        "rules/deep.rhai",
        "fn down(n) { down(n + 1) }\nfn score_risk(risk) { down(0) }\n",
    );
    assert!(
        matches!(&err, Error::Limit(e) if e.limit.contains("call depth")),
        "{err:?}"
    );
}

#[test]
fn huge_strings_stop_at_the_size_limit() {
    let err = risk_error(
        "rules/big.rhai",
        "fn score_risk(risk) { let s = \"x\"; loop { s += s; } }\n",
    );
    assert!(
        matches!(&err, Error::Limit(e) if e.limit.contains("too large")),
        "{err:?}"
    );
}

#[test]
fn manifest_limits_apply() {
    // A tight operation budget in the overlay's manifest stops a rule that
    // the default budget lets finish.
    let rule = "fn score_risk(risk) {\n    let n = 0;\n    while n < 3000 { n += 1; }\n    #{ points: [] }\n}\n";
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    let rs = Ruleset::from_files(with_overlay(&[("rules/risk.rhai", rule)])).unwrap();
    assert!(rs.evaluate(&input, date("2024-01-10")).is_ok());
    let mut files = with_overlay(&[("rules/risk.rhai", rule)]);
    let manifest = files.files.get_mut("demo/ruleset.toml").unwrap();
    manifest.push_str("[limits]\nmax_operations = 1000\n");
    let rs = Ruleset::from_files(files).unwrap();
    let err = rs.evaluate(&input, date("2024-01-10")).unwrap_err();
    assert_eq!(err.code(), "limit");
}

#[test]
fn manifest_limits_outside_their_range_are_load_errors() {
    // 0 means "no limit" to Rhai; huge depths overflow the native stack.
    for (line, expected) in [
        ("max_operations = 0", "max_operations = 0"),
        ("max_operations = 10000001", "outside 1000..=10000000"),
        ("max_call_levels = 100000", "max_call_levels"),
        ("max_expr_depth = 0", "max_expr_depth"),
        ("max_expr_depth = 1000000", "max_expr_depth"),
        ("max_string_size = 0", "max_string_size"),
        ("max_array_size = 99999999999", "max_array_size"),
        ("max_map_size = 1", "max_map_size"),
    ] {
        let mut files = with_overlay(&[]);
        let manifest = files.files.get_mut("demo/ruleset.toml").unwrap();
        manifest.push_str(&format!("\n[limits]\n{line}\n"));
        let value_column = line.find('=').unwrap() + 3;
        let e = ruleset_error(files);
        assert_eq!(e.file, "demo/ruleset.toml", "{line}");
        assert_eq!((e.line, e.column), (8, value_column), "{line}: {e}");
        assert!(e.message.contains(expected), "{line}: {}", e.message);
    }
    // The edges themselves are allowed, each (the two depths not together).
    for depths in [
        "max_call_levels = 64\nmax_expr_depth = 64",
        "max_call_levels = 32\nmax_expr_depth = 128",
    ] {
        let mut files = with_overlay(&[]);
        let manifest = files.files.get_mut("demo/ruleset.toml").unwrap();
        manifest.push_str(&format!(
            "\n[limits]\nmax_operations = 10000000\n{depths}\nmax_string_size = 1024\n"
        ));
        Ruleset::from_files(files).unwrap();
    }
    // Their product is bounded: values nested by calls that deep overflowed
    // the WebAssembly stack. The error points at the depth this manifest set.
    let mut files = with_overlay(&[]);
    let manifest = files.files.get_mut("demo/ruleset.toml").unwrap();
    manifest.push_str("\n[limits]\nmax_call_levels = 64\nmax_expr_depth = 128\n");
    let e = ruleset_error(files);
    assert_eq!((e.file.as_str(), e.line), ("demo/ruleset.toml", 9), "{e}");
    assert!(
        e.message.contains("64 × 128 = 8192 is more than 4096"),
        "{e}"
    );
}

fn ruleset_error(files: RulesetFiles) -> hazard_rules::RulesetError {
    match Ruleset::from_files(files) {
        Err(Error::Ruleset(e)) => e,
        other => panic!("expected a ruleset error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn script_syntax_errors_name_file_line_and_column() {
    let e = ruleset_error(with_overlay(&[(
        "rules/bad.rhai",
        "fn f(x) {\n    let y = x +;\n}\n",
    )]));
    assert_eq!(e.file, "demo/rules/bad.rhai");
    assert_eq!(e.line, 2);
    assert!(e.column > 0, "{e}");
}

#[test]
fn top_level_statements_are_rejected() {
    let e = ruleset_error(with_overlay(&[(
        "rules/top.rhai",
        "fn f() { 1 }\n\nlet x = 1;\n",
    )]));
    assert_eq!(
        (e.file.as_str(), e.line, e.column),
        ("demo/rules/top.rhai", 3, 1)
    );
}

#[test]
fn undefined_variables_are_compile_errors() {
    let e = ruleset_error(with_overlay(&[(
        "rules/undef.rhai",
        "fn f() {\n  nope + 1\n}\n",
    )]));
    assert_eq!((e.file.as_str(), e.line), ("demo/rules/undef.rhai", 2));
}

#[test]
fn table_errors_name_file_line_and_column() {
    let e = ruleset_error(with_overlay(&[(
        "tables/t.toml",
        "kind = \"rows\"\n[[rows]]\nid = \n",
    )]));
    assert_eq!((e.file.as_str(), e.line), ("demo/tables/t.toml", 3));

    let e = ruleset_error(with_overlay(&[("tables/t.toml", "kind = \"pie\"\n")]));
    assert!(e.message.contains("unknown table kind"), "{e}");
    assert_eq!((e.line, e.column), (1, 8), "at the kind: {e}");

    // Errors about a row point at the row.
    let e = ruleset_error(with_overlay(&[(
        "tables/b.toml",
        "kind = \"bands\"\n[[rows]]\ngte = 1\ngt = 2\n",
    )]));
    assert!(e.message.contains("row 1"), "{e}");
    assert_eq!((e.line, e.column), (2, 1), "{e}");
    let e = ruleset_error(with_overlay(&[(
        "tables/k.toml",
        "kind = \"rows\"\nkey = \"id\"\n[[rows]]\nid = \"a\"\n[[rows]]\nid = \"a\"\n",
    )]));
    assert!(e.message.contains("duplicate key `a` in row 2"), "{e}");
    assert_eq!((e.line, e.column), (5, 1), "{e}");
    let e = ruleset_error(with_overlay(&[(
        "tables/k.toml",
        "kind = \"rows\"\nkey = \"id\"\n[[rows]]\nid = \"a\"\n[[rows]]\nname = \"b\"\n",
    )]));
    assert!(e.message.contains("row 2 has no key field `id`"), "{e}");
    assert_eq!((e.line, e.column), (5, 1), "{e}");
}

#[test]
fn manifest_errors_and_missing_parents() {
    let mut f = with_overlay(&[]);
    f.files.insert(
        "demo/ruleset.toml".into(),
        "id = \"demo\"\nversion = 1\n".into(),
    );
    let e = ruleset_error(f);
    assert_eq!((e.file.as_str(), e.line), ("demo/ruleset.toml", 2));

    let mut f = with_overlay(&[]);
    let m = f.files.get_mut("demo/ruleset.toml").unwrap();
    *m = m.replace("../national", "../nowhere");
    let e = ruleset_error(f);
    assert_eq!(e.file, "nowhere/ruleset.toml");
}

#[test]
fn a_missing_entry_point_is_reported() {
    let mut f = RulesetFiles::embedded("national");
    f.files.remove("national/rules/risk.rhai");
    let e = ruleset_error(f);
    assert!(e.message.contains("score_risk(risk)"), "{e}");
}

#[test]
fn a_rule_returning_a_wrong_shape_is_a_ruleset_error() {
    let err = risk_error(
        "rules/shape.rhai",
        "fn score_risk(risk) { #{ pionts: [] } }\n",
    );
    match err {
        Error::Ruleset(e) => {
            assert_eq!(e.file, "demo/rules/shape.rhai");
            assert!(e.message.contains("score_risk"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn runtime_rule_errors_name_the_file_and_line() {
    let err = risk_error(
        "rules/oops.rhai",
        "fn score_risk(risk) {\n  let t = table(\"no_such_table\");\n  t\n}\n",
    );
    match err {
        Error::Ruleset(e) => {
            assert_eq!((e.file.as_str(), e.line), ("demo/rules/oops.rhai", 2));
            assert!(e.message.contains("no_such_table"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn batch_keeps_going_past_a_bad_record() {
    let rs = Ruleset::default();
    let good = Input::from_json(r#"{"accident": {"deaths": 1}}"#).unwrap();
    let bad =
        Input::from_json(r#"{"hazard": {"sector": "nope", "found_on": "2024-01-01"}}"#).unwrap();
    let results = rs.evaluate_batch(&[good.clone(), bad, good], date("2024-01-01"));
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    assert!(matches!(&results[1], Err(Error::Input(e)) if e.path == "hazard.sector"));

    let answers: serde_json::Value = serde_json::from_str(&hazard_rules::ffi::evaluate_batch(
        &rs,
        r#"[{"accident": {"deaths": 1}}, {"accident": {"deaths": "x"}}, {}]"#,
        "2024-01-01",
    ))
    .unwrap();
    assert_eq!(answers.as_array().unwrap().len(), 3);
    // Paths are relative to the record, as for one input; the answer's place is the record's.
    assert_eq!(answers[1]["error"]["path"], "accident.deaths");
    // A record that asks for nothing is an error, not an empty decision.
    assert_eq!(answers[2]["error"]["kind"], "input", "{answers}");
    assert_eq!(answers[2]["error"]["path"], "");
}

#[test]
fn one_section_alone() {
    let rs = Ruleset::default();
    let input = Input::from_json(
        r#"{"hazard": {"sector": "metallurgy", "items": ["GM-3-2"], "found_on": "2024-03-01"},
            "accident": {"deaths": 12}}"#,
    )
    .unwrap();
    let d = rs
        .evaluate_section(&input, Section::Rectification, date("2024-03-02"))
        .unwrap();
    assert!(d.classification.is_none() && d.response.is_none());
    assert_eq!(d.rectification.unwrap().period_days, Some(90));
    // The classification it depends on still explains itself.
    assert!(d
        .trace
        .iter()
        .any(|t| t.id == "classification.catalogue_item"));

    let d = rs
        .evaluate_section(&input, Section::Response, date("2024-03-02"))
        .unwrap();
    assert_eq!(d.response.unwrap().accident.unwrap().grade, "major");
    assert!(d.rectification.is_none());
}

#[test]
fn trace_names_rulesets_rules_and_table_rows() {
    let rs = Ruleset::default();
    let input = Input::from_json(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2021-09-01",
            "listing": {"level": "county", "listed_on": "2021-09-01"}}}"#,
    )
    .unwrap();
    let d = rs.evaluate(&input, date("2021-09-02")).unwrap();
    let ids: Vec<_> = d.ruleset.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["national", "zhejiang", "jinhua"]);
    let listing = d
        .trace
        .iter()
        .find(|t| t.kind == "table" && t.id == "listing_periods")
        .expect("the listing table row is traced");
    assert_eq!(listing.row.as_deref(), Some("county"));
    assert!(listing.ruleset.starts_with("jinhua@"), "{listing:?}");
    let rule = d
        .trace
        .iter()
        .find(|t| t.id == "rectification.listed_period")
        .unwrap();
    assert!(rule.ruleset.starts_with("national@"), "{rule:?}");
    assert!(!rule.zh.is_empty() && !rule.en.is_empty());
}

#[test]
fn bundles_round_trip() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rulesets/zhejiang/jinhua");
    let files = RulesetFiles::read_dir(std::path::Path::new(dir)).unwrap();
    let bundle = files.to_bundle().unwrap();
    let from_bundle = Ruleset::from_bundle(&bundle).unwrap();
    let from_dir = Ruleset::load(dir).unwrap();
    let input = Input::from_json(
        r#"{"hazard": {"sector": "chemicals", "items": ["HG-2"], "found_on": "2024-02-01"}}"#,
    )
    .unwrap();
    let a = from_bundle.evaluate(&input, date("2024-02-20")).unwrap();
    let b = from_dir.evaluate(&input, date("2024-02-20")).unwrap();
    assert_eq!(a, b);
    assert!(!bundle.contains("[[case]]"), "bundles leave test cases out");
    assert!(matches!(Ruleset::from_bundle("{}"), Err(Error::Ruleset(_))));
}

#[test]
fn schema_is_published() {
    let s = hazard_rules::input_schema();
    assert!(s["properties"]["hazard"].is_object());
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schema/input.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        s, committed,
        "schema/input.schema.json is stale: run `hazard-rules schema > schema/input.schema.json`"
    );
}

#[test]
fn implausible_calendars_are_refused_where_they_are_written() {
    // A notice for a year no register holds, or a "holiday" of 500,000
    // years, would make the loader allocate without bound.
    let table = |body: &str| format!("kind = \"calendar\"\nsource = \"test\"\n{body}");
    for (body, line, column, expected) in [
        ("year = 262000\n", 3, 8, "year 262000 is outside 1949..=2200"),
        (
            "year = 2030\n[[holidays]]\nname = \"x\"\nfrom = \"2030-01-01\"\nto = \"+262000-01-01\"\n",
            4,
            1,
            "holiday `x` (2030-01-01 to +262000-01-01) is not in or next to 2030",
        ),
        (
            "year = 2030\n[[holidays]]\nname = \"x\"\nfrom = \"-0100-01-01\"\nto = \"2030-01-01\"\n",
            4,
            1,
            "is not in or next to 2030",
        ),
        (
            "year = 2030\n[[holidays]]\nname = \"春节\"\nfrom = \"2030-02-01\"\nto = \"2030-12-31\"\n",
            4,
            1,
            "lasts 334 days",
        ),
        (
            "year = 2030\n[[holidays]]\nname = \"国庆节\"\nfrom = \"2035-10-01\"\nto = \"2035-10-07\"\n",
            4,
            1,
            "is not in or next to 2030",
        ),
        (
            "year = 2030\nworkdays = [\"2030-02-02\", \"2040-02-03\"]\n",
            4,
            27,
            "make-up working day 2040-02-03",
        ),
    ] {
        let e = ruleset_error(with_overlay(&[(
            "tables/calendar_2030.toml",
            &table(body),
        )]));
        assert_eq!(e.file, "demo/tables/calendar_2030.toml", "{body}");
        assert_eq!((e.line, e.column), (line, column), "{body}: {e}");
        assert!(e.message.contains(expected), "{body}: {}", e.message);
    }
}

#[test]
fn a_table_with_too_many_rows_is_refused() {
    let mut text = String::from("kind = \"rows\"\nkey = \"id\"\n");
    for i in 0..50_001 {
        text.push_str(&format!("[[rows]]\nid = \"r{i}\"\n"));
    }
    let e = ruleset_error(with_overlay(&[("tables/huge.toml", &text)]));
    assert_eq!(e.file, "demo/tables/huge.toml");
    assert!(e.message.contains("at most 50000"), "{}", e.message);
    // At the first row too many.
    assert_eq!((e.line, e.column), (3 + 2 * 50_000, 1), "{e}");
}

#[test]
fn bundles_name_their_files_once_by_relative_paths() {
    let one = RulesetFiles::embedded("national").to_bundle().unwrap();
    Ruleset::from_bundle(&one).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&one).unwrap();
    let manifest = v["files"]["ruleset.toml"].clone();
    for (path, expected) in [
        ("/etc/ruleset.toml", "not a relative path"),
        ("../x/ruleset.toml", "not a relative path"),
        ("tables/./x.toml", "not a relative path"),
        ("tables//x.toml", "not a relative path"),
    ] {
        let mut b = v.clone();
        b["files"][path] = manifest.clone();
        match Ruleset::from_bundle(&b.to_string()) {
            Err(Error::Ruleset(e)) => assert!(e.message.contains(expected), "{path}: {e}"),
            other => panic!(
                "{path}: expected a ruleset error, got {:?}",
                other.map(|_| ())
            ),
        }
    }
    v["leaf"] = "../elsewhere".into();
    assert!(matches!(
        Ruleset::from_bundle(&v.to_string()),
        Err(Error::Ruleset(_))
    ));
    // The same path twice: JSON would keep the last one silently.
    let twice = one.replacen(
        "\"ruleset.toml\":",
        "\"ruleset.toml\":\"id = 1\",\"ruleset.toml\":",
        1,
    );
    match Ruleset::from_bundle(&twice) {
        Err(Error::Ruleset(e)) => assert!(e.message.contains("given twice"), "{e}"),
        other => panic!("expected a ruleset error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn implausible_dates_are_input_errors_at_their_path() {
    let rs = Ruleset::default();
    let as_of = date("2024-06-30");
    let check = |json: &str, path: &str, message: &str| {
        let err = Input::from_json(json)
            .map_err(Error::from)
            .and_then(|i| rs.evaluate(&i, as_of))
            .unwrap_err();
        match err {
            Error::Input(e) => {
                assert_eq!(e.path, path, "{json}");
                assert!(e.message.contains(message), "{json}: {}", e.message);
            }
            other => panic!("{json}: expected an input error, got {other}"),
        }
    };
    let hazard = |fields: &str| format!(r#"{{"hazard": {{"sector": "machinery", {fields}}}}}"#);
    check(
        &hazard(r#""found_on": "0024-03-01""#),
        "hazard.found_on",
        "outside 1949-01-01..=2200-12-31",
    );
    check(
        &hazard(r#""found_on": "+262142-12-31""#),
        "hazard.found_on",
        "outside",
    );
    check(
        &hazard(r#""found_on": "2024-07-01""#),
        "hazard.found_on",
        "after the day of the decision (2024-06-30)",
    );
    check(
        &hazard(
            r#""found_on": "2024-05-01", "listing": {"level": "county", "listed_on": "2024-04-01"}"#,
        ),
        "hazard.listing.listed_on",
        "earlier than the day the hazard was found",
    );
    check(
        &hazard(
            r#""found_on": "2024-05-01", "listing": {"level": "county", "listed_on": "2024-08-01"}"#,
        ),
        "hazard.listing.listed_on",
        "after the day of the decision",
    );
    check(
        &hazard(
            r#""found_on": "2024-05-01", "events": [{"stage": "found", "on": "2024-05-01"}, {"stage": "assigned", "on": "2099-01-01"}]"#,
        ),
        "hazard.events[1].on",
        "after the day of the decision",
    );
    check(
        r#"{"accident": {"deaths": 1, "occurred_on": "2024-12-01"}}"#,
        "accident.occurred_on",
        "after the day of the decision",
    );
    // The day of the decision itself, in every surface.
    let input = Input::from_json(r#"{"accident": {"deaths": 1}}"#).unwrap();
    match rs.evaluate(&input, date("2201-01-01")) {
        Err(Error::Input(e)) => assert_eq!(e.path, "as_of"),
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
    let answer =
        hazard_rules::ffi::evaluate(&rs, r#"{"accident": {"deaths": 1}}"#, "1900-01-01", None);
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap();
    assert_eq!(v["error"]["path"], "as_of", "{answer}");
}

#[test]
fn numbers_and_codes_no_record_has_are_input_errors_at_their_path() {
    for (json, path) in [
        (
            r#"{"warning": {"typhoon": {"within_hours": 12, "sustained_force": 4294967295}}}"#,
            "warning.typhoon.sustained_force",
        ),
        (
            r#"{"risk": {"points": [{"method": "LEC", "l": 1e308, "e": 1, "c": 1}]}}"#,
            "risk.points[0].l",
        ),
        (
            r#"{"warning": {"rainfall_24h_mm": 1e19}}"#,
            "warning.rainfall_24h_mm",
        ),
        (
            r#"{"hazard": {"sector": "machinery", "found_on": "2024-01-01", "events": [{"stage": "found", "on": "2024-01-01"}, {"stage": "extended", "on": "2024-01-02", "extension_days": 4000000000}]}}"#,
            "hazard.events[1].extension_days",
        ),
    ] {
        let (p, m) = input_error(json);
        assert_eq!(p, path, "{json}: {m}");
        assert!(m.contains("the most a real record has"), "{json}: {m}");
    }
    let long = format!(
        r#"{{"hazard": {{"sector": "{}", "found_on": "2024-01-01"}}}}"#,
        "x".repeat(70_000)
    );
    let (p, m) = input_error(&long);
    assert_eq!(p, "hazard.sector");
    assert!(m.contains("a code has at most 64"), "{m}");
}

#[test]
fn helpers_count_their_work_against_the_operation_budget() {
    // Without counting the rows `find_row` scans, this loop would compare
    // two billion cells under the default limits (minutes of CPU).
    let mut table = String::from("kind = \"rows\"\nkey = \"id\"\n");
    for i in 0..20_000 {
        table.push_str(&format!("[[rows]]\nid = \"r{i}\"\n"));
    }
    let rule = "fn score_risk(risk) {\n    let n = 0;\n    while n < 100000 {\n        find_row(\"big\", \"id\", \"nope\");\n        n += 1;\n    }\n    #{ points: [] }\n}\n";
    let rs = Ruleset::from_files(with_overlay(&[
        ("tables/big.toml", &table),
        ("rules/risk.rhai", rule),
    ]))
    .unwrap();
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    for (how, result) in [
        ("plan", rs.evaluate(&input, date("2024-01-10"))),
        (
            "interpreter",
            rs.evaluate_interpreted(&input, date("2024-01-10")),
        ),
    ] {
        match result {
            Err(Error::Limit(e)) => assert_eq!(e.limit, "too many operations", "{how}"),
            other => panic!("{how}: expected a limit error, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn records_that_ask_for_nothing_or_name_no_one_are_input_errors() {
    let (path, message) = input_error("{}");
    assert_eq!(path, "");
    assert!(message.contains("asks for nothing"), "{message}");
    let (path, message) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-01", "items": ["GM-3-1", "GM-3-2", "GM-3-1"]}}"#,
    );
    assert_eq!(path, "hazard.items[2]");
    assert!(message.contains("listed twice"), "{message}");
    let (path, _) = input_error(
        r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-01", "enterprise": {"name": "厂", "principal": {"name": "  "}}}}"#,
    );
    assert_eq!(path, "hazard.enterprise.principal.name");
}

#[test]
fn values_nested_thousands_deep_do_not_overflow_a_small_stack() {
    // Rhai walks nested values recursively at about 1.5 KB a level; 2,000
    // levels used to overflow a 2 MiB thread (a batch worker's); 1,116 run
    // here on a 1 MiB one.
    // A value read from a variable may nest 128 levels, so the deep one is
    // built by calls returning it (62 calls of 18 levels: 1,116, with the
    // call and expression limits as high as their product may go), and shown,
    // compared and returned without ever being read from a variable.
    let levels = format!("{}deep(n - 1){}", "[".repeat(18), "]".repeat(18));
    let rule = format!(
        "fn deep(n) {{\n    if n == 0 {{ [] }} else {{ {levels} }}\n}}\n\
         fn score_risk(risk) {{\n    explain(\"risk.deep\", `${{deep(62)}}`, \"\");\n    \
         let same = deep(62) == deep(62);\n    #{{ points: [], deep: deep(62) }}\n}}\n"
    );
    let mut files = with_overlay(&[("rules/risk.rhai", &rule)]);
    files
        .files
        .get_mut("demo/ruleset.toml")
        .unwrap()
        .push_str("[limits]\nmax_expr_depth = 64\nmax_call_levels = 64\n");
    let rs = Ruleset::from_files(files).unwrap();
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn_scoped(scope, || {
                // An answer or an error, the same both ways; never a crash.
                let plan = rs.evaluate(&input, date("2024-01-10"));
                let interpreted = rs.evaluate_interpreted(&input, date("2024-01-10"));
                assert_eq!(
                    plan.as_ref().map_err(|e| e.to_string()),
                    interpreted.as_ref().map_err(|e| e.to_string())
                );
                // The rule returns a field the output does not have: a
                // ruleset error, also through the outcome's JSON.
                assert!(matches!(plan, Err(Error::Ruleset(_))), "{plan:?}");
                let mut ev = rs.evaluator();
                let written = ev
                    .run(
                        &input,
                        date("2024-01-10"),
                        &Section::ALL,
                        hazard_rules::TraceMode::Full,
                    )
                    .and_then(|mut out| Ok(serde_json::to_string(&out.json()?).unwrap()));
                assert!(matches!(written, Err(Error::Ruleset(_))), "{written:?}");
            })
            .unwrap()
            .join()
            .unwrap();
    });
}

#[test]
fn reading_a_large_value_costs_operations_in_proportion_to_its_size() {
    // Rhai copies an array or map whole each time a variable holding it is
    // read, yet counted the read as one operation: these loops ran for 5 to
    // 15 s within the default budget before they hit a size limit. Charged
    // by size, each now stops on the operation budget, at the ceilings too.
    let ceilings =
        "[limits]\nmax_operations = 10000000\nmax_array_size = 100000\nmax_map_size = 100000\n";
    let loops = [
        ("nested", "let a = []; loop { a = [a]; }"),
        (
            "copied",
            "let a = []; for i in 0..9999 { a.push(i); } loop { let b = a; b.push(1); }",
        ),
        (
            "map",
            "let m = #{}; for i in 0..9999 { m[`k${i}`] = i; } loop { let b = m; b.z = 1; }",
        ),
    ];
    for (name, body) in loops {
        let rule = format!("fn score_risk(risk) {{ {body} }}\n");
        for manifest in ["", ceilings] {
            let mut files = with_overlay(&[("rules/risk.rhai", &rule)]);
            files
                .files
                .get_mut("demo/ruleset.toml")
                .unwrap()
                .push_str(manifest);
            let rs = Ruleset::from_files(files).unwrap();
            let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
            match rs.evaluate_interpreted(&input, date("2024-01-10")) {
                // Nesting stops at the depth a read may have, before the
                // budget; the copies stop on the budget.
                Err(Error::Limit(e)) if name == "nested" => assert!(
                    e.limit
                        .starts_with("Nesting depth of a value (at most 128 levels)"),
                    "{e}"
                ),
                Err(Error::Limit(e)) => {
                    assert_eq!(e.limit, "too many operations", "{name} {manifest}")
                }
                other => panic!(
                    "{name}: expected a limit error, got {:?}",
                    other.map(|_| ())
                ),
            }
        }
    }
}

#[test]
fn a_rule_returning_a_value_outside_the_output_is_a_ruleset_error_naming_it() {
    // The same result through the plan and the interpreter: refused.
    for (file, rule, entry) in [
        (
            "rules/rectification.rhai",
            "fn rectify(hazard, classification, as_of) {\n    #{ stage: \"found\", next_stages: [], start: \"2024-01-01\", period_days: 30, due: \"2024-01-31\", status: \"whatever\" }\n}\n",
            "rectify",
        ),
        (
            "rules/rectification.rhai",
            "fn rectify(hazard, classification, as_of) {\n    #{ stage: \"found\", next_stages: [], start: \"2024-01-01\", period_days: -5, due: \"2024-01-31\", status: \"not_due\" }\n}\n",
            "rectify",
        ),
        (
            "rules/risk.rhai",
            "fn score_risk(risk) {\n    #{ points: [#{ method: \"LEC\", score: 10.0, grade: \"x\", colour: \"purple\" }] }\n}\n",
            "score_risk",
        ),
        (
            // A date no binding can hold (Python's end at 9999, and before).
            "rules/rectification.rhai",
            "fn rectify(hazard, classification, as_of) {\n    #{ stage: \"found\", next_stages: [], start: \"0000-06-01\", period_days: 30, due: \"2024-01-31\", status: \"not_due\" }\n}\n",
            "rectify",
        ),
    ] {
        let rs = Ruleset::from_files(with_overlay(&[(file, rule)])).unwrap();
        let json = if entry == "rectify" {
            r#"{"hazard": {"sector": "metallurgy", "found_on": "2024-01-01"}}"#
        } else {
            r#"{"risk": {"points": []}}"#
        };
        let input = Input::from_json(json).unwrap();
        for result in [
            rs.evaluate(&input, date("2024-01-10")),
            rs.evaluate_interpreted(&input, date("2024-01-10")),
        ] {
            match result {
                Err(Error::Ruleset(e)) => {
                    let m = e.to_string();
                    assert!(
                        m.contains(&format!("rule `{entry}` returned an invalid result")),
                        "{m}"
                    );
                    assert!(
                        ["is not one of", "is negative", "outside the years 1 to 9999"]
                            .iter()
                            .any(|w| m.contains(w)),
                        "{m}"
                    );
                }
                other => panic!("{entry}: expected a ruleset error, got {:?}", other.map(|_| ())),
            }
        }
    }
}

#[test]
fn a_table_missing_its_section_points_at_its_kind() {
    for (text, message, line) in [
        (
            "# comment\nkind = \"values\"\nsource = \"x\"\n",
            "needs a [values] section",
            2,
        ),
        (
            "# comment\n\nkind = \"calendar\"\nholidays = []\n",
            "needs `year`",
            3,
        ),
    ] {
        match Ruleset::from_files(with_overlay(&[("tables/odd.toml", text)])) {
            Err(Error::Ruleset(e)) => {
                assert!(e.to_string().contains(message), "{e}");
                assert_eq!(
                    (e.file.as_str(), e.line),
                    ("demo/tables/odd.toml", line),
                    "{e}"
                );
                assert!(e.column > 0, "{e}");
            }
            other => panic!("expected a ruleset error, got {:?}", other.map(|_| ())),
        }
    }
}
