//! Coverage of a chain's cases (`hazard_rules::coverage`).

use hazard_rules::coverage::{Coverage, Tracing};
use hazard_rules::{Ruleset, RulesetFiles};

#[test]
fn coverage_counts_rule_ids_band_rows_and_values_tables() {
    // Read from the directory: the embedded copy has no tests.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../rulesets/national");
    let files = RulesetFiles::read_dir(std::path::Path::new(dir)).unwrap();
    let rs = Ruleset::from_files(files.clone()).unwrap();
    assert!(rs.cases().len() > 100);
    let mut cov = Coverage::new(&files).unwrap();
    let empty = cov.report();
    assert_eq!(empty.rule_ids.reached, 0);
    // 48 `explain` calls with a literal id in national; one id written
    // twice, another three times (11 ids in standardisation.rhai and
    // targets.rhai).
    assert_eq!(empty.rule_ids.total, 46, "{:?}", empty.rule_ids);
    // Every band table's rows are counted: 4 + 4 + 4 + 5 + 5 + 4 in national
    // (accident deaths, injuries, loss; lec_grades, lec_colours; ls_colours).
    assert_eq!(empty.band_rows.total, 26);
    let file = |name: &str| {
        empty
            .tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no table {name}"))
            .clone()
    };
    // Read with row(...): traced per row. Read whole or peeked only: not traced.
    assert_eq!(file("sectors").tracing, Tracing::PerRow);
    assert_eq!(file("colours").tracing, Tracing::NotTraced);
    assert_eq!(file("colours").total, 0);
    assert_eq!(file("rectification").tracing, Tracing::Whole);
    assert_eq!(file("calendar_2021").tracing, Tracing::Calendar);
    // Lines point at the `[[rows]]` header of the row.
    let grades = file("lec_grades");
    assert_eq!(grades.items.len(), 5);
    let text = &files.files[&grades.file];
    for it in &grades.items {
        assert_eq!(text.lines().nth(it.line - 1), Some("[[rows]]"));
    }

    for case in rs.cases() {
        if let Ok(d) = case.run(&rs).result {
            cov.record(&d);
        }
    }
    let r = cov.report();
    // The shipped cases reach every rule id and band row (scripts/test.sh checks all chains).
    assert_eq!(r.rule_ids.reached, r.rule_ids.total);
    assert_eq!(r.band_rows.reached, r.band_rows.total);
    assert!(r.dynamic_ids.is_empty(), "{:?}", r.dynamic_ids);
    let rectification = r.tables.iter().find(|t| t.name == "rectification").unwrap();
    assert_eq!((rectification.reached, rectification.total), (1, 1));
    // Ids in a rule file point at their `explain` call.
    let rules = r
        .rule_files
        .iter()
        .find(|f| f.file.ends_with("national/rules/rectification.rhai"))
        .unwrap();
    let text = &files.files[&rules.file];
    for it in &rules.items {
        let line = text.lines().nth(it.line - 1).unwrap();
        assert!(line.contains("explain("), "{}: {line}", it.id);
    }
}

#[test]
fn an_overlays_function_replaces_its_parents_ids() {
    // Henan replaces national's `check_staffing`: its ids are counted under
    // henan's file, national's are not counted at all.
    let files = RulesetFiles::embedded("henan");
    let cov = Coverage::new(&files).unwrap().report();
    let henan = cov
        .rule_files
        .iter()
        .find(|f| f.file == "henan/rules/staffing.rhai")
        .unwrap();
    assert!(!henan.items.is_empty());
    let national = cov
        .rule_files
        .iter()
        .find(|f| f.file == "national/rules/responsibility.rhai")
        .unwrap();
    for it in &henan.items {
        assert!(!national
            .items
            .iter()
            .any(|n| n.id == it.id && n.line == it.line));
    }
    // Henan's listing_periods replaces national's: one table, henan's file.
    let lp: Vec<_> = cov
        .tables
        .iter()
        .filter(|t| t.name == "listing_periods")
        .collect();
    assert_eq!(lp.len(), 1);
    assert_eq!(lp[0].file, "henan/tables/listing_periods.toml");
}

#[test]
fn a_row_marked_unreachable_is_excluded_and_below_reports_the_rest() {
    let mut files = RulesetFiles::embedded("national");
    let path = "national/tables/accident_deaths.toml";
    let text = files.files[path].clone();
    // Mark the first band as unreachable.
    let marked = text.replacen(
        "[[rows]]\n",
        "[[rows]]\n# coverage: unreachable: a test of the marker\n",
        1,
    );
    assert_ne!(marked, text);
    files.files.insert(path.into(), marked);
    let r = Coverage::new(&files).unwrap().report();
    let t = r
        .tables
        .iter()
        .find(|t| t.name == "accident_deaths")
        .unwrap();
    assert_eq!(t.items[0].excluded.as_deref(), Some("a test of the marker"));
    assert_eq!(t.total, t.items.len() - 1);
    // Nothing recorded: every rule file and band table is below 100 %, none below 0.
    assert!(r.below(0.0).is_empty());
    let below = r.below(100.0);
    assert!(below.iter().any(|b| b.starts_with(path)), "{below:?}");
    assert!(below
        .iter()
        .any(|b| b.starts_with("national/rules/rectification.rhai")));
}
