//! The `standardisation` and `targets` sections through the public API: a
//! village, a township, an enterprise and a county year on the default
//! chain, the same answers from the compiled plan alone and from the
//! interpreter, sections asked for alone, and a province changing a
//! checklist item and a target by editing tables only.

#[path = "common/overlay.rs"]
mod overlay;

use hazard_rules::{Error, Input, Ruleset, RulesetFiles, Section, TraceMode};

fn date(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

const VILLAGE: &str = r#"{"id": "V1", "checklist": {
    "id": "village_7",
    "subject": {"name": "下骆宅村", "kind": "village", "township": "后宅街道"},
    "items": ["grid_list", "evacuation_map", "monitoring_warning", "shelter",
              "emergency_supplies", "warning_signs", "drill"],
    "evidence": {"drill": "2024-05-18"}}}"#;

const TOWNSHIP: &str = r#"{"checklist": {
    "id": "township_6",
    "subject": {"name": "后宅街道", "kind": "township"},
    "items": ["organisation", "emergency_plan", "team"]}}"#;

const ENTERPRISE: &str = r#"{"checklist": {
    "id": "enterprise_5",
    "subject": {"name": "某机械厂", "kind": "enterprise"},
    "items": ["someone_in_charge", "investment", "standards", "rules"]}}"#;

const COUNTY: &str = r#"{"targets": {
    "region": "示例县", "year": 2021,
    "this_year": {"accidents": 40, "deaths": 8, "gdp_100m_cny": 640,
        "disaster_loss_100m_cny": 6.4, "fines_cny": 1000000,
        "non_accident_fines_cny": 850000, "inspections": 1000,
        "inspections_with_penalty": 199, "forest_fires": 0,
        "forest_fires_found_30min": 0, "townships": 12, "township_stations_built": 12},
    "last_year": {"accidents": 50, "deaths": 10, "gdp_100m_cny": 600},
    "year_before_last": {"accidents": 50, "deaths": 10, "gdp_100m_cny": 600}}}"#;

#[test]
fn a_village_a_township_an_enterprise_and_a_county_year() {
    let rs = Ruleset::default();
    let as_of = date("2024-06-30");

    let v = rs.evaluate_json(VILLAGE, as_of).unwrap();
    let s = v.standardisation.unwrap();
    assert!(s.complete);
    assert_eq!((s.mandatory_done, s.mandatory_total), (7, 7));
    assert_eq!(s.items[6].evidence_on, Some(date("2024-05-18")));
    assert!(v.trace.iter().any(|t| t.id == "standardisation.fresh"));
    assert!(v.targets.is_none() && v.classification.is_none());

    let t = rs.evaluate_json(TOWNSHIP, as_of).unwrap();
    let s = t.standardisation.unwrap();
    assert!(!s.complete);
    assert_eq!(
        s.missing,
        [
            "information_system",
            "materials_equipment",
            "publicity_training"
        ]
    );
    assert_eq!(s.share_done, 0.5);
    // The missing items are traced with the checklist's source.
    let row = t
        .trace
        .iter()
        .find(|e| e.id == "checklist_township_6" && e.row.as_deref() == Some("publicity_training"))
        .unwrap();
    assert!(
        row.zh.contains("有宣传培训") && row.zh.contains("seed 002"),
        "{}",
        row.zh
    );

    let e = rs.evaluate_json(ENTERPRISE, as_of).unwrap();
    let s = e.standardisation.unwrap();
    assert_eq!(s.missing, ["plans"]);
    assert_eq!(s.share_done, 0.8);
    assert!(s.source.contains("seed 003"));

    let c = rs.evaluate_json(COUNTY, date("2022-01-15")).unwrap();
    let t = c.targets.unwrap();
    assert_eq!((t.met, t.results.len(), t.all_met), (7, 8, false));
    let penalty = t
        .results
        .iter()
        .find(|r| r.id == "inspection_penalty_rate")
        .unwrap();
    assert!(!penalty.met);
    assert_eq!((penalty.value, penalty.limit), (Some(0.199), 0.2));
    assert_eq!(penalty.margin, Some(-0.001));
    let fires = &t.results[6];
    assert_eq!((fires.met, fires.value, fires.margin), (true, None, None));
    let deaths = &t.results[1];
    assert_eq!(
        (deaths.base, deaths.limit, deaths.met),
        (Some(10.0), 8.0, true)
    );
}

#[test]
fn the_compiled_plan_alone_and_the_interpreter_agree() {
    let rs = Ruleset::default();
    // A plan read back has no interpreter to fall back on: every new entry
    // function runs compiled, or the evaluation fails.
    let plan = Ruleset::from_compiled(&rs.to_compiled().unwrap()).unwrap();
    for (json, as_of) in [
        (VILLAGE, "2024-06-30"),
        (TOWNSHIP, "2024-06-30"),
        (ENTERPRISE, "2024-06-30"),
        (COUNTY, "2022-01-15"),
    ] {
        let input = Input::from_json(json).unwrap();
        let d = rs.evaluate(&input, date(as_of)).unwrap();
        assert_eq!(plan.evaluate(&input, date(as_of)).unwrap(), d, "{json}");
        assert_eq!(
            rs.evaluate_interpreted(&input, date(as_of)).unwrap(),
            d,
            "{json}"
        );
    }
}

#[test]
fn each_section_can_be_asked_for_alone() {
    let rs = Ruleset::default();
    let mut both: serde_json::Value = serde_json::from_str(VILLAGE).unwrap();
    let county: serde_json::Value = serde_json::from_str(COUNTY).unwrap();
    both["targets"] = county["targets"].clone();
    let input = Input::from_value(both).unwrap();
    let as_of = date("2024-06-30");
    let d = rs.evaluate(&input, as_of).unwrap();
    assert!(d.standardisation.is_some() && d.targets.is_some());
    let only = rs
        .evaluate_section(&input, Section::Targets, as_of)
        .unwrap();
    assert!(only.standardisation.is_none());
    assert_eq!(only.targets, d.targets);
    let only = rs
        .evaluate_with(&input, as_of, &[Section::Standardisation], TraceMode::Off)
        .unwrap();
    assert!(only.targets.is_none() && only.trace.is_empty());
    assert_eq!(only.standardisation, d.standardisation);
    assert_eq!("targets".parse::<Section>(), Ok(Section::Targets));
}

fn input_error(json: &str, as_of: &str) -> (String, String) {
    match Ruleset::default().evaluate_json(json, date(as_of)) {
        Err(Error::Input(e)) => (e.path, e.message),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn bad_checklists_and_figures_are_input_errors_naming_the_field() {
    let (path, msg) = input_error(
        r#"{"checklist": {"id": "village_7", "subject": {"name": "村", "kind": "village"},
            "items": ["shelter", "evacuation_mapp"]}}"#,
        "2024-06-30",
    );
    assert_eq!(path, "checklist.items[1]");
    assert!(msg.contains(r#"did you mean "evacuation_map"?"#), "{msg}");

    let (path, _) = input_error(
        r#"{"checklist": {"id": "village_7", "subject": {"name": "村", "kind": "village"},
            "evidence": {"drill": "1900-05-01"}}}"#,
        "2024-06-30",
    );
    assert_eq!(path, "checklist.evidence.drill");

    let (path, _) = input_error(
        r#"{"checklist": {"id": "village_7", "subject": {"name": " ", "kind": "village"}}}"#,
        "2024-06-30",
    );
    assert_eq!(path, "checklist.subject.name");

    let no_gdp = COUNTY.replace(r#""gdp_100m_cny": 640,"#, "");
    let (path, msg) = input_error(&no_gdp, "2022-01-15");
    assert_eq!(path, "targets.this_year.gdp_100m_cny");
    assert!(msg.contains("missing"), "{msg}");

    let (path, _) = input_error(
        &COUNTY.replace("\"year\": 2021", "\"year\": 1800"),
        "2022-01-15",
    );
    assert_eq!(path, "targets.year");

    let (path, _) = input_error(
        &COUNTY.replace("\"accidents\": 40", "\"accidents\": 1e300"),
        "2022-01-15",
    );
    assert_eq!(path, "targets.this_year.accidents");
}

/// The national chain with a province's overlay that only edits tables.
fn province(files: &[(&str, &str)]) -> Ruleset {
    Ruleset::from_files(overlay::overlay(files)).unwrap()
}

#[test]
fn a_province_changes_a_checklist_item_and_a_target_by_editing_tables() {
    let national = Ruleset::embedded("national").unwrap();
    // The drill must be within 180 days, and the village list gets an 8th item.
    let mut village = RulesetFiles::embedded("national").files
        ["national/tables/checklist_village_7.toml"]
        .clone();
    village = village.replace("fresh_days = 365", "fresh_days = 180");
    village.push_str("\n[[rows]]\nid = \"broadcast\"\nzh = \"一套应急广播\"\nen = \"an emergency broadcast set\"\nmandatory = true\n");
    // Accidents down 10 % instead of 20 %.
    let targets = RulesetFiles::embedded("national").files["national/tables/targets.toml"]
        .replacen(
            "threshold = 0.20          # \"下降20%\": met at exactly 20 %",
            "threshold = 0.10",
            1,
        );
    let rs = province(&[
        ("tables/checklist_village_7.toml", &village),
        ("tables/targets.toml", &targets),
    ]);
    let input = Input::from_json(VILLAGE).unwrap();
    let as_of = date("2024-12-31"); // the drill of 2024-05-18 is 227 days old
    let before = national
        .evaluate(&input, as_of)
        .unwrap()
        .standardisation
        .unwrap();
    assert!(before.complete);
    let after = rs.evaluate(&input, as_of).unwrap().standardisation.unwrap();
    assert!(!after.complete);
    assert_eq!(after.stale, ["drill"]);
    assert_eq!(after.missing, ["broadcast"]);
    assert_eq!(after.mandatory_total, 8);

    let county =
        Input::from_json(&COUNTY.replace("\"accidents\": 40", "\"accidents\": 45")).unwrap();
    let as_of = date("2022-01-15");
    let before = &national
        .evaluate(&county, as_of)
        .unwrap()
        .targets
        .unwrap()
        .results[0];
    assert_eq!((before.limit, before.met), (40.0, false));
    let after = &rs
        .evaluate(&county, as_of)
        .unwrap()
        .targets
        .unwrap()
        .results[0];
    assert_eq!(
        (after.limit, after.met, after.margin),
        (45.0, true, Some(0.0))
    );
}

#[test]
fn a_year_is_measured_against_the_targets_in_force_that_year() {
    // The province keeps each year's targets as a dated version of `targets`:
    // 2021 as national (accidents down 20 %), from 2022 down 10 %.
    let national = RulesetFiles::embedded("national").files["national/tables/targets.toml"].clone();
    let y2021 = national.replacen(
        "kind = \"rows\"",
        "kind = \"rows\"\nversion = \"2021\"\nvalid_from = \"2021-01-01\"\nvalid_to = \"2021-12-31\"",
        1,
    );
    let y2022 = national
        .replacen(
            "kind = \"rows\"",
            "kind = \"rows\"\ntable = \"targets\"\nversion = \"2022\"\nvalid_from = \"2022-01-01\"",
            1,
        )
        .replacen(
            "threshold = 0.20          # \"下降20%\": met at exactly 20 %",
            "threshold = 0.10",
            1,
        );
    let rs = province(&[
        ("tables/targets.toml", &y2021),
        ("tables/targets_2022.toml", &y2022),
    ]);
    let county = |year: i32| {
        Input::from_json(&COUNTY.replace("\"year\": 2021", &format!("\"year\": {year}"))).unwrap()
    };
    // 2021, decided in 2023: the 2021 targets, chosen by the year's last day.
    let d = rs.evaluate(&county(2021), date("2023-01-15")).unwrap();
    assert_eq!(d.targets.unwrap().results[0].limit, 40.0);
    let applied = d.in_force.iter().find(|a| a.table == "targets").unwrap();
    assert_eq!(
        (applied.version.as_str(), applied.field.as_str()),
        ("2021", "targets.year")
    );
    assert_eq!(applied.on, date("2021-12-31"));
    // 2022: the 2022 targets.
    let d = rs.evaluate(&county(2022), date("2023-01-15")).unwrap();
    assert_eq!(d.targets.unwrap().results[0].limit, 45.0);
    // A year before every version is an input error at the year.
    match rs.evaluate(&county(2020), date("2023-01-15")) {
        Err(Error::Input(e)) => assert_eq!(e.path, "targets.year"),
        other => panic!("expected an input error, got {other:?}"),
    }
}
