//! `lint`: every code on a purpose-built broken ruleset (code, severity,
//! file, line, column), and no finding on the shipped rulesets.
//!
//! Each broken ruleset is an overlay `demo` on the embedded national chain,
//! whose description names everything it changes (so `HR041` stays quiet
//! unless a test wants it).

use hazard_rules::lint::{lint, Finding, Severity, CODES};
use hazard_rules::RulesetFiles;

fn overlay(description: &str, files: &[(&str, &str)]) -> RulesetFiles {
    overlay_manifest(
        &format!(
            "id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\ndescription = \"{description}\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n"
        ),
        files,
    )
}

fn overlay_manifest(manifest: &str, files: &[(&str, &str)]) -> RulesetFiles {
    let mut f = RulesetFiles::embedded("national");
    f.files.insert("demo/ruleset.toml".into(), manifest.into());
    for (path, text) in files {
        f.files.insert(format!("demo/{path}"), (*text).into());
    }
    f.leaf = "demo".into();
    f
}

/// The findings of `code`, asserting there is at least one and that no
/// finding has a code outside `allowed` (besides `code`).
fn findings(files: &RulesetFiles, code: &str, allowed: &[&str]) -> Vec<Finding> {
    let all = lint(files);
    let text: Vec<String> = all.iter().map(Finding::to_string).collect();
    for f in &all {
        assert!(
            f.code == code || allowed.contains(&f.code),
            "unexpected finding: {f}\nall:\n{}",
            text.join("\n")
        );
    }
    let mine: Vec<Finding> = all.into_iter().filter(|f| f.code == code).collect();
    assert!(!mine.is_empty(), "no {code}; all:\n{}", text.join("\n"));
    mine
}

#[track_caller]
fn at(f: &Finding, severity: Severity, file: &str, line: usize, column: usize, says: &str) {
    assert_eq!(f.severity, severity, "{f}");
    assert_eq!(
        (f.file.as_str(), f.line, f.column),
        (file, line, column),
        "{f}"
    );
    assert!(f.message.contains(says), "{f}");
}

const DEATHS: &str = "demo/tables/accident_deaths.toml";

fn deaths(rows: &str) -> RulesetFiles {
    overlay(
        "Changes `accident_deaths`.",
        &[(
            "tables/accident_deaths.toml",
            &format!("kind = \"bands\"\n{rows}"),
        )],
    )
}

#[test]
fn shipped_rulesets_have_no_findings() {
    for leaf in ["national", "zhejiang", "zhejiang/jinhua", "henan"] {
        let findings = lint(&RulesetFiles::embedded(leaf));
        let text: Vec<String> = findings.iter().map(Finding::to_string).collect();
        assert!(findings.is_empty(), "{leaf}:\n{}", text.join("\n"));
    }
}

#[test]
fn every_code_is_documented_once() {
    let readme = include_str!("../../rulesets/README.md");
    for (i, (code, _, what)) in CODES.iter().enumerate() {
        assert_eq!(*code, CODES.iter().map(|c| c.0).nth(i).unwrap());
        assert_eq!(CODES.iter().filter(|c| c.0 == *code).count(), 1, "{code}");
        assert!(!what.is_empty());
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "{code} is not in rulesets/README.md"
        );
    }
}

#[test]
fn hr000_a_chain_that_does_not_load() {
    let files = overlay("x", &[("rules/bad.rhai", "fn broken( {\n")]);
    let f = &findings(&files, "HR000", &[])[0];
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.file, "demo/rules/bad.rhai");
    assert!(f.line >= 1, "{f}");
}

#[test]
fn hr000_a_missing_parent_is_reported_not_a_panic() {
    let mut files = overlay("x", &[]);
    files.files.retain(|p, _| !p.starts_with("national/"));
    let f = &findings(&files, "HR000", &[])[0];
    at(
        f,
        Severity::Error,
        "national/ruleset.toml",
        0,
        0,
        "no ruleset.toml",
    );
}

#[test]
fn hr000_a_declaration_on_the_wrong_kind_of_table() {
    let fs = findings(
        &deaths("references = { grade = \"accident_grades\" }\n[[rows]]\ngte = 0\n"),
        "HR000",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        DEATHS,
        2,
        14,
        "`references` belongs to a rows table, not a bands table",
    );
}

#[test]
fn hr001_a_gap_between_bands() {
    let fs = findings(
        &deaths("[[rows]]\ngte = 5\n[[rows]]\ngte = 0\nlt = 3\n"),
        "HR001",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        DEATHS,
        2,
        1,
        "values from 3 (inclusive) to 5 (exclusive) match no row",
    );
    // A single value: `lt = 3` below and `gt = 3` above.
    let fs = findings(
        &deaths("[[rows]]\ngt = 3\n[[rows]]\ngte = 0\nlt = 3\n"),
        "HR001",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        DEATHS,
        2,
        1,
        "the value 3 matches no row",
    );
}

#[test]
fn hr002_bands_that_overlap() {
    let fs = findings(
        &deaths("[[rows]]\ngte = 10\nlt = 30\n[[rows]]\ngte = 0\nlt = 20\n"),
        "HR002",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        DEATHS,
        5,
        1,
        "values from 10 (inclusive) to 20 (exclusive) match both row 1 and row 2",
    );
}

#[test]
fn hr003_a_band_no_value_reaches() {
    let fs = findings(
        &deaths("[[rows]]\ngte = 0\nlt = 30\n[[rows]]\ngte = 10\nlt = 20\n"),
        "HR003",
        &[],
    );
    at(&fs[0], Severity::Error, DEATHS, 5, 1, "row 2 is never used");
}

#[test]
fn hr004_an_edge_written_on_one_side_only() {
    let fs = findings(
        &deaths("[[rows]]\ngte = 30\n[[rows]]\ngte = 10\n[[rows]]\ngte = 0\nlt = 10\n"),
        "HR004",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        DEATHS,
        4,
        1,
        "row 2 has no upper edge",
    );
    assert!(fs[0].message.contains("write `lt = 30`"), "{}", fs[0]);
    let fs = findings(
        &deaths("[[rows]]\nlt = 10\n[[rows]]\nlt = 30\ngte = 10\n[[rows]]\nlt = 50\n"),
        "HR004",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        DEATHS,
        7,
        1,
        "row 3 has no lower edge",
    );
    assert!(fs[0].message.contains("write `gte = 30`"), "{}", fs[0]);
}

#[test]
fn hr005_nan_and_inverted_edges() {
    let fs = findings(
        &deaths("[[rows]]\ngte = nan\n[[rows]]\ngte = 0\n[[rows]]\ngte = 10\nlt = 5\n"),
        "HR005",
        &[],
    );
    at(&fs[0], Severity::Error, DEATHS, 3, 7, "NaN");
    at(
        &fs[1],
        Severity::Error,
        DEATHS,
        6,
        1,
        "row 3: the lower edge 10 is not below the upper edge 5",
    );
}

#[test]
fn hr006_bands_that_should_align_but_do_not() {
    // The national lec_colours declares `aligns_with = "lec_grades"` and agrees
    // with it (the shipped rulesets have no finding). Move one edge at a time
    // and HR006 says where and how.
    let national = RulesetFiles::embedded("national");
    let shipped = &national.files["national/tables/lec_colours.toml"];
    assert!(
        shipped.contains("aligns_with = \"lec_grades\""),
        "{shipped}"
    );
    let line = shipped
        .lines()
        .position(|l| l.starts_with("aligns_with"))
        .unwrap()
        + 1;
    let file = "demo/tables/lec_colours.toml";
    // Each move keeps the table's own bands consistent (no gap or overlap),
    // so HR006 is the only finding.
    let moved = |changes: &[(&str, &str)]| {
        let mut colours = shipped.clone();
        for (from, to) in changes {
            assert!(colours.contains(from), "{from}");
            colours = colours.replacen(from, to, 1);
        }
        findings(
            &overlay(
                "Changes `lec_colours`.",
                &[("tables/lec_colours.toml", &colours)],
            ),
            "HR006",
            &[],
        )
    };
    // 70 moved from blue (≤ 70, as in lec_grades) to yellow (≥ 70).
    let fs = moved(&[
        ("gt = 70\nlte = 160", "gte = 70\nlte = 160"),
        ("gte = 20\nlte = 70", "gte = 20\nlt = 70"),
    ]);
    at(
        &fs[0],
        Severity::Error,
        file,
        line,
        15,
        "puts 70 in the band above here and in the band below in `lec_grades`",
    );
    // 320 moved to the other side.
    let fs = moved(&[("gt = 320\n", "gte = 320\n"), ("lte = 320\n", "lt = 320\n")]);
    assert!(
        fs.iter().any(|f| f
            .message
            .contains("puts 320 in the band above here and in the band below in `lec_grades`")),
        "{fs:?}"
    );
    // An edge moved to another value: 160 → 150 on both rows.
    let colours =
        shipped
            .replacen("gt = 160\n", "gt = 150\n", 1)
            .replacen("lte = 160\n", "lte = 150\n", 1);
    let fs = findings(
        &overlay(
            "Changes `lec_colours`.",
            &[("tables/lec_colours.toml", &colours)],
        ),
        "HR006",
        &[],
    );
    assert!(
        fs.iter().any(|f| f
            .message
            .contains("the edge at 150 is not an edge of `lec_grades`")),
        "{fs:?}"
    );
    assert!(
        fs.iter()
            .any(|f| f.message.contains("`lec_grades` has an edge at 160")),
        "{fs:?}"
    );
    // Merging the two blue rows drops the edge at 20.
    let colours = shipped.replacen("gte = 20\nlte = 70", "lte = 70", 1);
    let cut = colours.rfind("[[rows]]").unwrap();
    let fs = findings(
        &overlay(
            "Changes `lec_colours`.",
            &[("tables/lec_colours.toml", &colours[..cut])],
        ),
        "HR006",
        &[],
    );
    assert!(
        fs.iter()
            .any(|f| f.message.contains("`lec_grades` has an edge at 20")),
        "{fs:?}"
    );
    // An unknown table.
    let fs = findings(
        &deaths("aligns_with = \"nothing\"\n[[rows]]\ngte = 0\n"),
        "HR006",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        DEATHS,
        2,
        15,
        "`nothing` is not a bands table",
    );
}

#[test]
fn hr010_a_key_given_twice_every_time() {
    let fs = findings(
        &overlay(
            "Changes `listing_periods`.",
            &[(
                "tables/listing_periods.toml",
                "kind = \"rows\"\nkey = \"level\"\n[[rows]]\nlevel = \"city\"\n[[rows]]\nlevel = \"city\"\n[[rows]]\nlevel = \"city\"\n",
            )],
        ),
        "HR010",
        &[],
    );
    // The loader stops at the first; lint reports both, and no HR000 for the same place.
    assert_eq!(fs.len(), 2, "{fs:?}");
    at(
        &fs[0],
        Severity::Error,
        "demo/tables/listing_periods.toml",
        5,
        1,
        "duplicate key `city` in row 2 (first in row 1)",
    );
    at(
        &fs[1],
        Severity::Error,
        "demo/tables/listing_periods.toml",
        7,
        1,
        "in row 3",
    );
}

const LEVELS: &str = "kind = \"rows\"\nkey = \"id\"\n[[rows]]\nid = \"a\"\n[[rows]]\nid = \"b\"\n";

#[test]
fn hr011_a_row_no_rule_reaches() {
    let rule = "fn check_staffing(t) {\n    row(\"demo_levels\", \"a\")\n}\n";
    let fs = findings(
        &overlay(
            "Adds `demo_levels`; replaces `check_staffing`.",
            &[
                ("tables/demo_levels.toml", LEVELS),
                ("rules/demo.rhai", rule),
            ],
        ),
        "HR011",
        &["HR030", "HR031"],
    );
    assert_eq!(fs.len(), 1, "{fs:?}");
    at(
        &fs[0],
        Severity::Warning,
        "demo/tables/demo_levels.toml",
        5,
        1,
        "row `b` is never read",
    );
    // Read by a key from the input: every row can be reached.
    let rule = "fn check_staffing(t) {\n    row(\"demo_levels\", t.level)\n}\n";
    let all = lint(&overlay(
        "Adds `demo_levels`; replaces `check_staffing`.",
        &[
            ("tables/demo_levels.toml", LEVELS),
            ("rules/demo.rhai", rule),
        ],
    ));
    assert!(all.iter().all(|f| f.code != "HR011"), "{all:?}");
}

#[test]
fn hr012_a_reference_to_an_unknown_key() {
    let sectors = RulesetFiles::embedded("national").files["national/tables/sectors.toml"]
        .replacen("regulator = \"housing\"", "regulator = \"housin\"", 1);
    let line = sectors
        .lines()
        .position(|l| l == "regulator = \"housin\"")
        .unwrap()
        + 1;
    let fs = findings(
        &overlay("Changes `sectors`.", &[("tables/sectors.toml", &sectors)]),
        "HR012",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        "demo/tables/sectors.toml",
        line,
        13,
        "`regulator` = \"housin\" is not a key of `departments`",
    );
}

const CAL: &str = "demo/tables/calendar_2027.toml";

fn calendar(body: &str) -> RulesetFiles {
    overlay(
        "Adds `calendar_2027`.",
        &[(
            "tables/calendar_2027.toml",
            &format!("kind = \"calendar\"\nyear = 2027\n{body}"),
        )],
    )
}

#[test]
fn hr020_a_date_of_another_year() {
    let fs = findings(
        &calendar("workdays = [\"2026-12-05\"]\n[[holidays]]\nname = \"x\"\nfrom = \"2026-12-01\"\nto = \"2026-12-02\"\n"),
        "HR020",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        CAL,
        3,
        13,
        "make-up working day 2026-12-05 is not in 2027",
    );
    at(
        &fs[1],
        Severity::Warning,
        CAL,
        4,
        1,
        "holiday `x` (2026-12-01 to 2026-12-02) has no day in 2027",
    );
}

#[test]
fn hr021_holidays_that_overlap() {
    let fs = findings(
        &calendar("[[holidays]]\nname = \"a\"\nfrom = \"2027-05-01\"\nto = \"2027-05-05\"\n[[holidays]]\nname = \"b\"\nfrom = \"2027-05-05\"\nto = \"2027-05-06\"\n"),
        "HR021",
        &[],
    );
    assert_eq!(fs.len(), 1);
    at(
        &fs[0],
        Severity::Warning,
        CAL,
        7,
        1,
        "holiday `b` (2027-05-05 to 2027-05-06) overlaps `a`",
    );
}

#[test]
fn hr022_make_up_days_that_are_not_weekends() {
    let fs = findings(
        &calendar("workdays = [\"2027-01-04\", \"2027-05-01\"]\n[[holidays]]\nname = \"a\"\nfrom = \"2027-05-01\"\nto = \"2027-05-05\"\n"),
        "HR022",
        &[],
    );
    at(&fs[0], Severity::Error, CAL, 3, 13, "2027-01-04 is a Mon");
    at(
        &fs[1],
        Severity::Error,
        CAL,
        3,
        27,
        "2027-05-01 is also in the holiday `a`",
    );
}

#[test]
fn hr030_a_function_never_called() {
    let fs = findings(
        &overlay(
            "x",
            &[(
                "rules/demo.rhai",
                "// helpers\n\n  fn demo_unused(a) {\n    a\n}\n",
            )],
        ),
        "HR030",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/rules/demo.rhai",
        3,
        3,
        "`demo_unused/1` is never called",
    );
}

#[test]
fn hr031_a_table_never_read() {
    let fs = findings(
        &overlay(
            "Adds `demo_unread`.",
            &[(
                "tables/demo_unread.toml",
                "# unused\nkind = \"values\"\n[values]\nx = 1\n",
            )],
        ),
        "HR031",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/tables/demo_unread.toml",
        2,
        8,
        "table `demo_unread` is never read",
    );
}

#[test]
fn hr032_an_overlay_function_with_another_arity() {
    let fs = findings(
        &overlay("x", &[("rules/demo.rhai", "fn ceil_div(a) {\n    a\n}\n")]),
        "HR032",
        &["HR030"],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/rules/demo.rhai",
        1,
        1,
        "`ceil_div` takes 1 parameters here and 2 in the parent",
    );
}

#[test]
fn hr033_a_function_that_shadows_a_helper() {
    let fs = findings(
        &overlay(
            "x",
            &[(
                "rules/demo.rhai",
                "fn check_staffing(t) {\n    row(1, 2)\n}\nfn row(a, b) {\n    a\n}\n",
            )],
        ),
        "HR033",
        &["HR041"],
    );
    at(
        &fs[0],
        Severity::Error,
        "demo/rules/demo.rhai",
        4,
        1,
        "`row/2` has the name and parameters of a helper",
    );
}

#[test]
fn hr034_a_helper_naming_an_unknown_table() {
    let fs = findings(
        &overlay(
            "Replaces `check_staffing`.",
            &[(
                "rules/demo.rhai",
                "fn check_staffing(t) {\n    let v = table(\"staffin\");\n    v\n}\n",
            )],
        ),
        "HR034",
        &[],
    );
    at(
        &fs[0],
        Severity::Error,
        "demo/rules/demo.rhai",
        2,
        13,
        "`table(\"staffin\", …)`: the chain has no table `staffin`",
    );
}

#[test]
fn hr035_an_overlay_replacing_a_parent_helper_silently() {
    let rule = "fn ceil_div(a, b) {\n    a / b\n}\n";
    let fs = findings(
        &overlay("x", &[("rules/demo.rhai", rule)]),
        "HR035",
        &["HR041"],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/rules/demo.rhai",
        1,
        1,
        "`ceil_div/2` replaces the parent's helper",
    );
    // Named in the description: meant.
    let all = lint(&overlay(
        "Replaces `ceil_div`.",
        &[("rules/demo.rhai", rule)],
    ));
    assert!(all.is_empty(), "{all:?}");
}

#[test]
fn hr040_a_limit_outside_its_range() {
    let manifest = "id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\ndescription = \"x\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n[limits]\nmax_operations = 5\nmax_map_size = 1\n";
    let fs = findings(&overlay_manifest(manifest, &[]), "HR040", &[]);
    // Both, where the loader stops at the first (and says it at the same place: no HR000).
    assert_eq!(fs.len(), 2, "{fs:?}");
    at(
        &fs[0],
        Severity::Error,
        "demo/ruleset.toml",
        8,
        18,
        "`max_operations = 5` is outside 1000..=10000000",
    );
    at(
        &fs[1],
        Severity::Error,
        "demo/ruleset.toml",
        9,
        16,
        "`max_map_size = 1`",
    );
    // The product of two limits, each in range.
    let manifest = manifest.replace(
        "max_operations = 5\nmax_map_size = 1\n",
        "max_call_levels = 64\nmax_expr_depth = 128\n",
    );
    let fs = findings(&overlay_manifest(&manifest, &[]), "HR040", &[]);
    at(
        &fs[0],
        Severity::Error,
        "demo/ruleset.toml",
        9,
        18,
        "max_call_levels × max_expr_depth",
    );
}

#[test]
fn hr041_a_description_silent_about_a_change() {
    let rule = "fn check_staffing(t) {\n    table(\"staffing\")\n}\n";
    let fs = findings(
        &overlay(
            "Changes the deadlines.",
            &[
                ("rules/demo.rhai", rule),
                (
                    "tables/listing_periods.toml",
                    &RulesetFiles::embedded("national").files
                        ["national/tables/listing_periods.toml"],
                ),
            ],
        ),
        "HR041",
        &[],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/ruleset.toml",
        4,
        15,
        "table `listing_periods` (replaced), function `check_staffing/1` (replaced)",
    );
}

#[test]
fn hr042_days_no_version_covers() {
    let a = "kind = \"values\"\nvalid_from = \"2020-01-01\"\nvalid_to = \"2022-12-31\"\n[values]\nx = 1\n";
    let b = "kind = \"values\"\ntable = \"demo_x\"\nvalid_from = \"2023-03-01\"\n[values]\nx = 2\n";
    let fs = findings(
        &overlay(
            "Adds demo_x and demo_x_2023.",
            &[("tables/demo_x.toml", a), ("tables/demo_x_2023.toml", b)],
        ),
        "HR042",
        &["HR031"],
    );
    at(
        &fs[0],
        Severity::Warning,
        "demo/tables/demo_x_2023.toml",
        3,
        14,
        "no version of `demo_x` is in force from 2023-01-01 to 2023-02-28",
    );
    // Versions that meet leave no gap; an open end is closed by the next version.
    let a = "kind = \"values\"\nvalid_from = \"2020-01-01\"\n[values]\nx = 1\n";
    let all = lint(&overlay(
        "Adds demo_x and demo_x_2023.",
        &[("tables/demo_x.toml", a), ("tables/demo_x_2023.toml", b)],
    ));
    assert!(all.iter().all(|f| f.code != "HR042"), "{all:?}");
}
