//! The law in force by date, through the public API: versions of a table
//! chosen by the day that governs each rule (the shipped 工贸 catalogues and
//! overlays that add versions), rows with their own dates, the errors for
//! overlapping versions and for a day before any version, and the same
//! answers from the compiled plan, the interpreter and a precompiled plan.

#[path = "common/overlay.rs"]
mod overlay;

use hazard_rules::{Error, Input, Ruleset};
use overlay::overlay;

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

fn hazard(sector: &str, items: &[&str], found_on: &str) -> Input {
    Input::from_value(serde_json::json!({
        "hazard": {"sector": sector, "items": items, "found_on": found_on}
    }))
    .unwrap()
}

/// The compiled plan, the interpreter and a precompiled plan agree.
fn decide(rs: &Ruleset, input: &Input) -> Result<hazard_rules::Decision, Error> {
    let as_of = date("2024-06-30");
    let planned = rs.evaluate(input, as_of);
    assert_eq!(
        planned,
        rs.evaluate_interpreted(input, as_of),
        "interpreter"
    );
    let pre = Ruleset::from_compiled(&rs.to_compiled().unwrap()).unwrap();
    assert_eq!(planned, pre.evaluate(input, as_of), "precompiled plan");
    planned
}

#[test]
fn the_gongmao_catalogue_changes_on_2023_05_15() {
    let rs = Ruleset::default();
    for (sector, old, new) in [
        ("metallurgy", "GM17-4-1", "GM-4-1"),
        ("machinery", "GM17-7-1", "GM-7-1"),
        ("light_industry", "GM17-1-1", "GM-11-1"),
        ("nonferrous", "GM17-5-1", "GM-5-1"),
    ] {
        // The day before: the 2017 standard.
        let d = decide(&rs, &hazard(sector, &[old], "2023-05-14")).unwrap();
        let c = d.classification.unwrap();
        assert_eq!(c.level, "major", "{sector}");
        assert_eq!(c.basis[0].standard.as_deref(), Some("SAWS-129-2017"));
        assert_eq!(d.in_force.len(), 1);
        let v = &d.in_force[0];
        assert_eq!(
            (v.table.as_str(), v.version.as_str(), v.field.as_str()),
            ("catalogue_gongmao", "SAWS-129-2017", "hazard.found_on")
        );
        assert_eq!(v.valid_to, Some(date("2023-05-14")));
        assert!(d.trace.iter().any(|t| t.kind == "version"
            && t.row.as_deref() == Some("SAWS-129-2017")
            && t.zh.contains("2023-05-14")));
        // An Order 10 item that day is not an item of the law then in force.
        match decide(&rs, &hazard(sector, &[new], "2023-05-14")) {
            Err(Error::Input(e)) => {
                assert_eq!(e.path, "hazard.items[0]");
                assert!(
                    e.message.contains(&format!("did you mean \"{old}\""))
                        || e.message.contains("GM17-"),
                    "{}",
                    e.message
                );
            }
            other => panic!("{sector}: {other:?}"),
        }
        // The day Order 10 took effect.
        let d = decide(&rs, &hazard(sector, &[new], "2023-05-15")).unwrap();
        assert_eq!(
            d.classification.unwrap().basis[0].standard.as_deref(),
            Some("MEM-10-2023")
        );
        assert_eq!(d.in_force[0].version, "MEM-10-2023");
        assert_eq!(d.in_force[0].valid_from, Some(date("2023-05-15")));
        assert!(decide(&rs, &hazard(sector, &[old], "2023-05-15")).is_err());
    }
}

#[test]
fn a_day_before_any_version_is_an_input_error_at_its_field() {
    let rs = Ruleset::default();
    match decide(&rs, &hazard("metallurgy", &["GM17-4-1"], "2017-11-29")) {
        Err(Error::Input(e)) => {
            assert_eq!(e.path, "hazard.found_on");
            assert!(
                e.message.contains("no version of `catalogue_gongmao`"),
                "{}",
                e.message
            );
            assert!(
                e.message.contains("SAWS-129-2017 2017-11-30 – 2023-05-14"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
    // A hazard without catalogue items does not need the catalogue.
    assert!(decide(&rs, &hazard("metallurgy", &[], "2017-11-29")).is_ok());
}

#[test]
fn article_14_makes_a_failed_device_major_from_2023_05_15_only() {
    let rs = Ruleset::default();
    let input = |found: &str, sector: &str| {
        Input::from_value(serde_json::json!({"hazard": {
            "sector": sector, "found_on": found, "facts": {"device_failed": true}}}))
        .unwrap()
    };
    let d = decide(&rs, &input("2023-05-15", "machinery")).unwrap();
    let c = d.classification.unwrap();
    assert_eq!(c.level, "major");
    assert_eq!(c.basis[0].id, "GM-14");
    assert_eq!(c.basis[0].verified, Some(false));
    let fired: Vec<&str> = d.trace.iter().map(|t| t.id.as_str()).collect();
    assert!(fired.contains(&"classification.art14_device_failed"));
    // Relying on an unverified row says so.
    assert!(fired.contains(&"classification.unverified_item"));

    let d = decide(&rs, &input("2023-05-14", "machinery")).unwrap();
    assert_eq!(d.classification.unwrap().level, "general");
    assert!(d
        .trace
        .iter()
        .any(|t| t.id == "classification.art14_not_in_force"));

    // Chemicals are judged by their own standard (Order 10 Art. 2).
    let d = decide(&rs, &input("2024-01-10", "chemicals")).unwrap();
    let c = d.classification.unwrap();
    assert_eq!(c.level, "general");
    assert_eq!(c.not_applicable[0].id, "GM-14");
}

/// A province's own version of `warning_response`-like data: a values table
/// with two versions, the later added by an overlay without touching the
/// national files.
const RISK_OVERRIDE: &str = r#"
fn score_risk(risk) {
    let s = table("demo_settings");
    explain("demo.setting", `设定${s.level}`, `setting ${s.level}`);
    #{ points: [], unit: (), region: () }
}
"#;

#[test]
fn an_overlay_adds_a_version_without_repeating_the_others() {
    let old = "kind = \"values\"\nversion = \"v1\"\nvalid_from = \"2020-01-01\"\n[values]\nlevel = \"one\"\n";
    let new = "kind = \"values\"\ntable = \"demo_settings\"\nversion = \"v2\"\nvalid_from = \"2024-01-01\"\n[values]\nlevel = \"two\"\n";
    let files = overlay(&[
        ("tables/demo_settings.toml", old),
        ("tables/demo_settings_2024.toml", new),
        ("rules/risk.rhai", RISK_OVERRIDE),
    ]);
    let rs = Ruleset::from_files(files).unwrap();
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    // Risk is judged on the as-of date.
    for (as_of, level, version, valid_to) in [
        ("2023-12-31", "one", "v1", Some(date("2023-12-31"))),
        ("2024-01-01", "two", "v2", None),
    ] {
        let d = rs.evaluate(&input, date(as_of)).unwrap();
        assert_eq!(d, rs.evaluate_interpreted(&input, date(as_of)).unwrap());
        assert!(
            d.trace.iter().any(|t| t.zh == format!("设定{level}")),
            "{as_of}"
        );
        assert_eq!(d.in_force[0].version, version);
        assert_eq!(d.in_force[0].field, "as_of");
        // v1 gives no end: it runs until v2 takes effect.
        assert_eq!(d.in_force[0].valid_to, valid_to);
    }
    match rs.evaluate(&input, date("2019-12-31")) {
        Err(Error::Input(e)) => assert_eq!(e.path, "as_of"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn overlapping_versions_are_refused_at_the_later_ones_valid_from() {
    let a = "kind = \"values\"\nvalid_from = \"2020-01-01\"\nvalid_to = \"2024-06-30\"\n[values]\nx = 1\n";
    let b = "kind = \"values\"\ntable = \"demo_x\"\nvalid_from = \"2024-01-01\"\n[values]\nx = 2\n";
    let files = overlay(&[("tables/demo_x.toml", a), ("tables/demo_x_2024.toml", b)]);
    match Ruleset::from_files(files) {
        Err(Error::Ruleset(e)) => {
            assert_eq!(e.file, "demo/tables/demo_x_2024.toml");
            assert_eq!((e.line, e.column), (3, 14));
            assert!(e.message.contains("overlap"), "{}", e.message);
        }
        other => panic!("{other:?}"),
    }
    // Two versions starting the same day overlap too.
    let c = "kind = \"values\"\ntable = \"demo_x\"\nvalid_from = \"2020-01-01\"\n[values]\nx = 3\n";
    let files = overlay(&[("tables/demo_x.toml", a), ("tables/demo_x_b.toml", c)]);
    assert!(matches!(Ruleset::from_files(files), Err(Error::Ruleset(_))));
    // An undated table under a versioned name.
    let undated = "kind = \"values\"\n[values]\nx = 0\n";
    let files = overlay(&[
        ("tables/demo_x.toml", undated),
        ("tables/demo_x_2024.toml", b),
    ]);
    match Ruleset::from_files(files) {
        Err(Error::Ruleset(e)) => {
            assert_eq!(e.file, "demo/tables/demo_x.toml");
            assert!(
                e.message.contains("needs `valid_from` or `valid_to`"),
                "{}",
                e.message
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn dates_in_a_table_file_are_checked_where_they_are_written() {
    for (text, message) in [
        ("kind = \"values\"\nvalid_from = \"2024-13-01\"\n[values]\nx = 1\n", "must be a date"),
        ("kind = \"values\"\nvalid_from = \"2024-01-02\"\nvalid_to = \"2024-01-01\"\n[values]\nx = 1\n", "is before"),
        ("kind = \"calendar\"\nyear = 2024\nvalid_from = \"2024-01-01\"\n", "dated by its `year`"),
        ("kind = \"values\"\nversion = \"v1\"\n[values]\nx = 1\n", "needs `valid_from` or `valid_to`"),
        ("kind = \"rows\"\nkey = \"id\"\n[[rows]]\nid = \"a\"\nvalid_from = 2024\n", "must be a date string"),
        ("kind = \"bands\"\n[[rows]]\ngte = 0\nvalid_from = \"2024-01-01\"\n", "cannot be dated"),
    ] {
        let files = overlay(&[("tables/demo_bad.toml", text)]);
        match Ruleset::from_files(files) {
            Err(Error::Ruleset(e)) => {
                assert_eq!(e.file, "demo/tables/demo_bad.toml", "{text}");
                assert!(e.line > 0, "{text}: {e}");
                assert!(e.message.contains(message), "{text}: {e}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}

/// Rules reading a table whose rows carry their own dates, every way the
/// helpers can read it.
const ROW_RULE: &str = r#"
fn score_risk(risk) {
    let n = 0;
    for r in table("demo_rows") { n += 1; }
    let found = find_row("demo_rows", "kind", "late");
    let near = closest_key("demo_rows", "lat");
    explain("demo.rows", `${n} ${has_row("demo_rows", "late")} ${peek_row("demo_rows", "late") != ()} ${found != ()} ${near}`, "");
    #{ points: [], unit: (), region: () }
}
"#;

#[test]
fn rows_with_dates_exist_only_while_in_force() {
    let rows = "kind = \"rows\"\nkey = \"id\"\n\
        [[rows]]\nid = \"always\"\nkind = \"always\"\n\
        [[rows]]\nid = \"late\"\nkind = \"late\"\nvalid_from = \"2023-05-15\"\n\
        [[rows]]\nid = \"gone\"\nkind = \"gone\"\nvalid_to = \"2020-12-31\"\n";
    let files = overlay(&[
        ("tables/demo_rows.toml", rows),
        ("rules/risk.rhai", ROW_RULE),
    ]);
    let rs = Ruleset::from_files(files).unwrap();
    let input = Input::from_json(r#"{"risk": {"points": []}}"#).unwrap();
    for (as_of, text) in [
        ("2020-12-31", "2 false false false "),
        ("2023-05-14", "1 false false false "),
        ("2023-05-15", "2 true true true late"),
    ] {
        let d = rs.evaluate(&input, date(as_of)).unwrap();
        assert_eq!(
            d,
            rs.evaluate_interpreted(&input, date(as_of)).unwrap(),
            "{as_of}"
        );
        let t = d.trace.iter().find(|t| t.id == "demo.rows").unwrap();
        assert_eq!(t.zh, text, "{as_of}");
        // A table without versions is not listed as a version applied.
        assert!(d.in_force.is_empty());
    }
}

/// A warning rule reading a dated table: judged on the day observed.
const WARNING_RULE: &str = r#"
fn respond_to_warning(warning) {
    let s = table("demo_settings");
    explain("demo.setting", `设定${s.level}`, `setting ${s.level}`);
    #{ typhoon_signal: (), level: (), colour: (), triggers: [], actions: [], notify: [], responses: [] }
}
"#;

#[test]
fn a_warning_is_judged_on_the_day_it_was_observed() {
    let old = "kind = \"values\"\nvalid_from = \"2020-01-01\"\n[values]\nlevel = \"one\"\n";
    let new = "kind = \"values\"\ntable = \"demo_settings\"\nvalid_from = \"2024-01-01\"\n[values]\nlevel = \"two\"\n";
    let files = overlay(&[
        ("tables/demo_settings.toml", old),
        ("tables/demo_settings_2024.toml", new),
        ("rules/warning.rhai", WARNING_RULE),
    ]);
    let rs = Ruleset::from_files(files).unwrap();
    let observed = Input::from_json(r#"{"warning": {"observed_on": "2023-12-31"}}"#).unwrap();
    let d = rs.evaluate(&observed, date("2024-06-30")).unwrap();
    assert_eq!(
        d,
        rs.evaluate_interpreted(&observed, date("2024-06-30"))
            .unwrap()
    );
    assert_eq!(
        (d.in_force[0].field.as_str(), d.in_force[0].on),
        ("warning.observed_on", date("2023-12-31"))
    );
    assert!(d.trace.iter().any(|t| t.zh == "设定one"));
    // Without the day observed, the as-of date.
    let now = Input::from_json(r#"{"warning": {}}"#).unwrap();
    let d = rs.evaluate(&now, date("2024-06-30")).unwrap();
    assert_eq!(d.in_force[0].field, "as_of");
    assert!(d.trace.iter().any(|t| t.zh == "设定two"));
}
