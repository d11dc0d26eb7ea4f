//! `hazard-rules diff`: a register decided by two rulesets, what changes, and
//! the exit code a ruleset repository's CI can gate on.

use std::path::PathBuf;
use std::process::{Command, Output};

/// The workspace root (the CLI runs from there, as a ruleset author would).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn diff(args: &[&str]) -> Output {
    // A file of its own per call: the tests run in parallel.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let register = std::env::temp_dir().join(format!(
        "hazard-rules-diff-{}-{n}.jsonl",
        std::process::id()
    ));
    // National periods for listed hazards: county 60 days; Jinhua's: 30.
    std::fs::write(
        &register,
        concat!(
            r#"{"id": "listed", "hazard": {"sector": "metallurgy", "found_on": "2024-01-02", "listing": {"level": "county", "listed_on": "2024-01-02"}}}"#,
            "\n",
            r#"{"id": "same", "hazard": {"sector": "metallurgy", "found_on": "2024-01-02"}}"#,
            "\n",
            r#"{"id": "bad", "hazard": {"sector": "metalurgy", "found_on": "2024-01-02"}}"#,
            "\n",
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .current_dir(repo())
        .arg("diff")
        .arg(&register)
        .args(["--as-of", "2024-01-10"])
        .args(args)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&register);
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn a_change_is_reported_field_by_field_and_exits_1() {
    let out = diff(&[
        "--base",
        "rulesets/national",
        "--head",
        "rulesets/zhejiang/jinhua",
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.starts_with("1 of 3 records change\n"), "{text}");
    assert!(
        text.contains(
            "rectification.period_days: 1 records; 1 by median -30 (-30 to -30); e.g. listed"
        ),
        "{text}"
    );
    // 60 days from 2 January is Saturday 2 March, due Monday 4 March; 30
    // days is Thursday 1 February.
    assert!(
        text.contains("rectification.due: 1 records; 1 moved, median -32 days"),
        "{text}"
    );

    let out = diff(&[
        "--base",
        "rulesets/national",
        "--head",
        "rulesets/zhejiang/jinhua",
        "--output",
        "jsonl",
    ]);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], "listed");
    assert_eq!(lines[0]["base"]["rectification"]["period_days"], 60);
    assert_eq!(lines[0]["head"]["rectification"]["period_days"], 30);

    let out = diff(&[
        "--base",
        "rulesets/national",
        "--head",
        "rulesets/zhejiang/jinhua",
        "--output",
        "json",
    ]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (doc["records"].as_u64(), doc["changed"].as_u64()),
        (Some(3), Some(1))
    );
}

#[test]
fn no_change_exits_0_including_a_git_revision_of_the_same_directory() {
    let out = diff(&["--base", "rulesets/national", "--head", "rulesets/national"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "0 of 3 records change\n");
    // The tests run in a git checkout (CI clones the repository): the shipped
    // directory at HEAD decides as the one on disk, unless it is being edited.
    let edited = Command::new("git")
        .current_dir(repo())
        .args(["status", "--porcelain", "rulesets/national"])
        .output()
        .unwrap();
    if edited.stdout.is_empty() {
        let out = diff(&[
            "--base",
            "rulesets/national@HEAD",
            "--head",
            "rulesets/national",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            stdout(&out),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A revision that does not exist is a usage error (exit 2) naming it.
    let out = diff(&[
        "--base",
        "rulesets/national@no-such-revision",
        "--head",
        "rulesets/national",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-revision"));
}
