//! `hazard-rules test DIR --coverage [--min-coverage N] [--format json]`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn test(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .current_dir(repo())
        .arg("test")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn national_reaches_every_rule_id_and_band_row() {
    let out = test(&["rulesets/national", "--coverage", "--min-coverage", "100"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("  rule ids       46/46 (100.0 %)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  band rows      26/26 (100.0 %)"),
        "{stdout}"
    );
    // Rows tables no rule reads row by row are said to be untraced, not missed.
    assert!(
        stdout.contains(
            "rulesets/national/tables/colours.toml: read whole or peeked: per-row coverage not traced"
        ),
        "{stdout}"
    );
    // Rows never reached are listed with their file and line.
    assert!(
        stdout.contains("    never reached: rulesets/national/tables/catalogue_chemicals.toml:"),
        "{stdout}"
    );
}

#[test]
fn json_report_on_stdout() {
    let out = test(&["rulesets/henan", "--coverage", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["rule_ids"]["reached"], r["rule_ids"]["total"]);
    // The case summary went to standard error, leaving the JSON alone.
    assert!(text(&out.stderr).contains("passed, 0 failed"));
    let files: Vec<&str> = r["rule_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert!(
        files.contains(&"rulesets/henan/rules/staffing.rhai"),
        "{files:?}"
    );
}

/// An overlay with a band table its rules never read: 0 of its 2 rows.
fn overlay(name: &str) -> PathBuf {
    let dir = repo().join("target").join("coverage-test").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("tables")).unwrap();
    std::fs::write(
        dir.join("ruleset.toml"),
        "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"../../../rulesets/national\"\neffective_from = \"2024-01-01\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("tables/demo_bands.toml"),
        "kind = \"bands\"\n\n[[rows]]\nlt = 1\n\n[[rows]]\ngte = 1\n",
    )
    .unwrap();
    dir
}

#[test]
fn min_coverage_fails_below_and_passes_at_or_above() {
    let dir = overlay("below");
    let d = dir.to_str().unwrap();
    let root = repo();
    let root = root.to_str().unwrap();
    let out = test(&[d, "--root", root, "--min-coverage", "100"]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("demo_bands.toml: rows 0/2 (0.0 %)"),
        "{stdout}"
    );
    assert!(stdout.contains("demo_bands.toml:3: 1"), "{stdout}");
    assert!(stdout.contains("demo_bands.toml:6: 2"), "{stdout}");
    assert!(
        stderr.contains("coverage below 100 %: ") && stderr.contains("demo_bands.toml: 0/2"),
        "{stderr}"
    );
    // National's own files are all at 100 %: only the demo table is below.
    assert_eq!(stderr.matches("coverage below").count(), 1, "{stderr}");
    // The cases pass; only the coverage failed. At 0 % nothing is below.
    let out = test(&[d, "--root", root, "--min-coverage", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn a_row_marked_unreachable_does_not_count() {
    let dir = overlay("excluded");
    std::fs::write(
        dir.join("tables/demo_bands.toml"),
        "kind = \"bands\"\n\n[[rows]] # coverage: unreachable: no rule reads it yet\nlt = 1\n\n[[rows]]\n# coverage: unreachable: nor this\ngte = 1\n",
    )
    .unwrap();
    let root = repo();
    let out = test(&[
        dir.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
        "--min-coverage",
        "100",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("demo_bands.toml:3: 1 (no rule reads it yet)"),
        "{stdout}"
    );
}

#[test]
fn min_coverage_out_of_range_is_a_usage_error() {
    let out = test(&["rulesets/national", "--min-coverage", "101"]);
    assert_eq!(out.status.code(), Some(2));
}
