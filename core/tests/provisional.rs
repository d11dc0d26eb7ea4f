//! Deadlines that reach a year with no State Council holiday notice are
//! provisional, in the decision's data (issue 10 §4); adding that year's
//! calendar table is the whole change that makes them final
//! (rulesets/README.md §3, "When the notice is published").

use chrono::NaiveDate;
use hazard_rules::{Input, Ruleset, RulesetFiles};
use serde_json::json;

fn date(s: &str) -> NaiveDate {
    s.parse().expect("a valid date")
}

/// A general hazard found on `found_on`: 30 days (the national default).
fn hazard(found_on: &str) -> Input {
    serde_json::from_value(json!({ "hazard": { "sector": "machinery", "found_on": found_on } }))
        .expect("a valid input")
}

/// The national chain with one overlay that adds only `calendar_2027.toml`.
/// The holiday is SYNTHETIC (no 2027 notice has been found): 1–3 January.
fn with_2027() -> Ruleset {
    let mut files = RulesetFiles::embedded("national");
    files.files.insert(
        "demo/ruleset.toml".into(),
        "id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\ndescription = \"Adds `calendar_2027` (synthetic, for a test).\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
    );
    files.files.insert(
        "demo/tables/calendar_2027.toml".into(),
        "kind = \"calendar\"\nyear = 2027\nsource = \"synthetic notice for a test, not the real 2027 notice\"\nworkdays = []\n\n[[holidays]]\nname = \"元旦\"\nfrom = \"2027-01-01\"\nto = \"2027-01-03\"\n".into(),
    );
    files.leaf = "demo".into();
    Ruleset::from_files(files).expect("the overlay loads")
}

#[test]
fn a_deadline_inside_published_years_is_not_provisional() {
    let rs = Ruleset::embedded("national").unwrap();
    let input = hazard("2026-12-01");
    for d in [
        rs.evaluate(&input, date("2026-12-01")).unwrap(),
        rs.evaluate_interpreted(&input, date("2026-12-01")).unwrap(),
    ] {
        let r = d.rectification.unwrap();
        assert_eq!(r.due, Some(date("2026-12-31")));
        assert!(!r.provisional);
        assert_eq!(r.provisional_note, None);
    }
}

#[test]
fn a_calendar_table_for_the_missing_year_is_the_whole_change() {
    let input = hazard("2026-12-02");
    let as_of = date("2026-12-02");
    // Without 2027: the 30th day, Friday 2027-01-01, counts as a working day,
    // provisionally, and the note names 2027 (plan and interpreter alike).
    let national = Ruleset::embedded("national").unwrap();
    for d in [
        national.evaluate(&input, as_of).unwrap(),
        national.evaluate_interpreted(&input, as_of).unwrap(),
    ] {
        let r = d.rectification.unwrap();
        assert_eq!(r.due, Some(date("2027-01-01")));
        assert!(r.provisional);
        let note = r.provisional_note.expect("a note");
        assert!(
            note.contains("2027年") && note.contains("for 2027"),
            "{note}"
        );
        assert!(d.trace.iter().any(|t| t.id == "rectification.provisional"));
    }
    // With the one table added: 1–3 January are holidays, the period ends on
    // Monday 2027-01-04, and nothing is provisional any more.
    let after = with_2027();
    for d in [
        after.evaluate(&input, as_of).unwrap(),
        after.evaluate_interpreted(&input, as_of).unwrap(),
    ] {
        let r = d.rectification.unwrap();
        assert_eq!(r.due, Some(date("2027-01-04")));
        assert!(!r.provisional);
        assert_eq!(r.provisional_note, None);
        assert!(!d.trace.iter().any(|t| t.id == "rectification.provisional"));
    }
    // A deadline reaching 2028 is still provisional, and names 2028.
    let d = after
        .evaluate(&hazard("2027-12-02"), date("2027-12-02"))
        .unwrap();
    let r = d.rectification.unwrap();
    assert!(r.provisional);
    assert!(r.provisional_note.unwrap().contains("2028"));
}

/// The whole result of `deadline(..)` — skipped days, `provisional`, `note` —
/// is the same in the compiled plan and in the interpreter. A rule shows it
/// through the staffing check's `shortfalls` (the only free-text list of a
/// decision a test overlay can fill).
#[test]
fn the_deadline_helper_agrees_in_the_plan_and_the_interpreter() {
    let mut files = RulesetFiles::embedded("national");
    files.files.insert(
        "demo/ruleset.toml".into(),
        "id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\ndescription = \"Replaces `check_staffing(township)` to show `deadline`.\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n".into(),
    );
    files.files.insert(
        "demo/rules/show.rhai".into(),
        r#"
fn check_staffing(t) {
    let d = deadline("2021-09-30", 1);
    let e = deadline("2026-12-31", 2);
    let out = d.skipped;
    out += e.skipped;
    out.push(`${d.nominal} ${d.due} ${d.provisional}`);
    out.push(`${e.nominal} ${e.due} ${e.provisional}`);
    if d.note == () { out.push("no note"); }
    out.push(e.note);
    #{ required_staff: 0, actual_staff: 0, required_officers: 0, actual_officers: 0, ok: true, shortfalls: out }
}
"#
        .into(),
    );
    files.leaf = "demo".into();
    let rs = Ruleset::from_files(files).expect("the overlay loads");
    let report = rs
        .compile_report()
        .iter()
        .find(|f| f.name == "check_staffing")
        .expect("reported");
    assert!(report.compiled, "{report}");
    let input: Input =
        serde_json::from_value(json!({ "township": { "industrial_enterprises": 1 } })).unwrap();
    let as_of = date("2026-12-31");
    let plan = rs.evaluate(&input, as_of).unwrap();
    let interpreted = rs.evaluate_interpreted(&input, as_of).unwrap();
    assert_eq!(plan, interpreted);
    let shortfalls = plan.responsibility.unwrap().staffing.unwrap().shortfalls;
    let mut want: Vec<String> = (1..=7)
        .map(|d| format!("2021-10-0{d} holiday:国庆节"))
        .collect();
    want.extend([
        "2027-01-02 weekend".to_owned(),
        "2027-01-03 weekend".to_owned(),
        "2021-10-01 2021-10-08 false".to_owned(),
        "2027-01-02 2027-01-04 true".to_owned(),
        "no note".to_owned(),
    ]);
    assert_eq!(shortfalls[..want.len()], want[..]);
    assert!(
        shortfalls[want.len()].contains("for 2027"),
        "{shortfalls:?}"
    );
    assert_eq!(shortfalls.len(), want.len() + 1);
}
