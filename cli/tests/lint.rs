//! `hazard-rules lint`: text and JSON output, and the exit code (1 on an
//! error, 0 on warnings only unless `--deny-warnings`, 0 on a clean chain).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lint(dir: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .arg("lint")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// `rulesets/national` copied beside an overlay `demo` with `files`.
fn chain(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let top = std::env::temp_dir().join(format!("hr-cli-lint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    let rulesets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rulesets");
    copy_dir(&rulesets.join("national"), &top.join("national"));
    let demo = top.join("demo");
    std::fs::create_dir_all(demo.join("tables")).unwrap();
    std::fs::write(
        demo.join("ruleset.toml"),
        "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\ndescription = \"Changes `accident_deaths`; adds `demo_unread`.\"\nextends = \"../national\"\neffective_from = \"2024-01-01\"\n",
    )
    .unwrap();
    for (path, text) in files {
        std::fs::write(demo.join(path), text).unwrap();
    }
    demo
}

#[test]
fn an_error_is_a_located_line_and_exit_1() {
    let dir = chain(
        "gap",
        &[(
            "tables/accident_deaths.toml",
            "kind = \"bands\"\n[[rows]]\ngte = 5\n[[rows]]\ngte = 0\nlt = 3\n",
        )],
    );
    let out = lint(&dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let file = dir.join("tables/accident_deaths.toml");
    assert_eq!(
        text,
        format!(
            "{}:2:1: error HR001: values from 3 (inclusive) to 5 (exclusive) match no row\n",
            file.display()
        )
    );
    let summary = String::from_utf8(out.stderr).unwrap();
    assert!(summary.contains("1 errors, 0 warnings"), "{summary}");

    let out = lint(&dir, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!([{
            "code": "HR001",
            "severity": "error",
            "file": file.display().to_string(),
            "line": 2,
            "column": 1,
            "message": "values from 3 (inclusive) to 5 (exclusive) match no row",
        }])
    );
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = chain(
        "unread",
        &[(
            "tables/demo_unread.toml",
            "kind = \"values\"\n[values]\nx = 1\n",
        )],
    );
    let out = lint(&dir, &[]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with("demo_unread.toml:1:8: warning HR031: table `demo_unread` is never read: no rule and no other table names it\n"),
        "{text}"
    );
    assert_eq!(lint(&dir, &["--deny-warnings"]).status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
}

#[test]
fn shipped_rulesets_are_clean() {
    let rulesets = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rulesets");
    for leaf in ["national", "zhejiang", "zhejiang/jinhua", "henan"] {
        let out = lint(
            &rulesets.join(leaf),
            &["--deny-warnings", "--format", "json"],
        );
        assert_eq!(out.status.code(), Some(0), "{leaf}");
        assert_eq!(
            String::from_utf8(out.stdout).unwrap().trim(),
            "[]",
            "{leaf}"
        );
    }
}

#[test]
fn a_directory_without_a_manifest_is_hr000() {
    let dir = std::env::temp_dir().join(format!("hr-cli-lint-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = lint(&dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("error HR000:"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn check(dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .arg("check")
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn check_lists_the_versions_and_refuses_overlaps() {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rulesets/national");
    let out = check(&shipped);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("  versions of catalogue_gongmao:\n    catalogue_gongmao_2017 2017-11-30 – 2023-05-14\n    catalogue_gongmao 2023-05-15 – …\n"), "{text}");
    assert!(!text.contains("warning: no version"), "{text}");

    // A gap: reported by check as a warning (and by lint as HR042).
    let gap = chain(
        "versions-gap",
        &[
            ("tables/demo_unread.toml", "kind = \"values\"\nvalid_from = \"2020-01-01\"\nvalid_to = \"2022-12-31\"\n[values]\nx = 1\n"),
            ("tables/demo_unread_2023.toml", "kind = \"values\"\ntable = \"demo_unread\"\nvalid_from = \"2023-02-01\"\n[values]\nx = 2\n"),
        ],
    );
    let out = check(&gap);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(
            "warning: no version of demo_unread is in force from 2023-01-01 to 2023-01-31"
        ),
        "{text}"
    );

    // An overlap: the chain does not load; the error names the file and line.
    let overlap = chain(
        "versions-overlap",
        &[
            ("tables/demo_unread.toml", "kind = \"values\"\nvalid_from = \"2020-01-01\"\n[values]\nx = 1\n"),
            ("tables/demo_unread_b.toml", "kind = \"values\"\ntable = \"demo_unread\"\nvalid_from = \"2020-01-01\"\n[values]\nx = 2\n"),
        ],
    );
    let out = check(&overlap);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("demo_unread_b.toml:3:14: versions of `demo_unread` overlap"),
        "{err}"
    );
    for demo in [gap, overlap] {
        let _ = std::fs::remove_dir_all(demo.parent().unwrap());
    }
}
