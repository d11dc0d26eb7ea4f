//! The CLI on inputs an attacker or a careless user gives it: each bad
//! record is that record's error, nothing crashes, and the exit code says
//! what happened (0 ok, 1 a record or ruleset failed, 2 usage).

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

fn eval(stdin: &[u8], args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .arg("eval")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The message of the first line of `eval` on a CSV text that fails (exit 1).
fn csv_error(csv: &[u8]) -> String {
    let out = eval(csv, &["--as-of", "2024-06-30", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(1));
    lines(&out)[0]["error"]["message"]
        .as_str()
        .expect("an error line")
        .to_owned()
}

#[test]
fn a_line_that_is_not_utf8_is_that_records_error() {
    let input =
        b"\xef\xbb\xbf{\"accident\": {\"deaths\": 3}}\n{\"id\": \"\xff\"}\n{\"accident\": {\"deaths\": 1}}\n";
    let out = eval(input, &["--as-of", "2024-06-30", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), 3);
    assert!(l[0]["decision"].is_object(), "a byte-order mark is skipped");
    assert_eq!(l[1]["record"], 2);
    assert_eq!(l[1]["error"]["kind"], "input");
    assert!(l[2]["decision"].is_object());
}

#[test]
fn a_csv_header_nested_without_end_is_an_error_not_a_crash() {
    let mut csv = vec!["a"; 100_000].join(".").into_bytes();
    csv.extend_from_slice(b",b\n1,2\n");
    let message = csv_error(&csv);
    assert!(message.contains("nests deeper than 8 levels"), "{message}");
}

#[test]
fn an_implausible_as_of_day_is_a_usage_error() {
    let out = eval(b"{}", &["--as-of", "0024-03-01"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("outside 1949-01-01..=2200-12-31"), "{err}");
}

#[test]
fn an_overlay_outside_the_shipped_tree_needs_an_explicit_root() {
    // The overlay's root is the directory above it, `…/hr-cli-root-PID`,
    // which holds nothing else (the repository may itself be in /tmp).
    let top = std::env::temp_dir().join(format!("hr-cli-root-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&top);
    let dir = top.join("overlay");
    std::fs::create_dir_all(&dir).unwrap();
    let national = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rulesets/national")
        .canonicalize()
        .unwrap();
    std::fs::write(
        dir.join("ruleset.toml"),
        format!(
            "id = \"o\"\nversion = \"1\"\ntitle = \"o\"\nextends = \"{}\"\neffective_from = \"2024-01-01\"\n",
            // `extends` is relative to the overlay's own directory.
            std::iter::repeat_n("..", dir.components().count() - 1)
                .collect::<Vec<_>>()
                .join("/")
                + &national.to_string_lossy()
        ),
    )
    .unwrap();
    let check = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
            .arg("check")
            .arg(&dir)
            .args(extra)
            .output()
            .unwrap()
    };
    let refused = check(&[]);
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8(refused.stderr).unwrap();
    assert!(err.contains("leaves"), "{err}");
    let allowed = check(&["--root", "/"]);
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
}

#[test]
fn an_error_line_names_the_record_and_its_id() {
    let out = eval(
        b"{\"id\": \"R7\", \"accident\": {\"deaths\": -1}}\n\n{\"accident\": {\"deaths\": \"x\"}}\n",
        &["--as-of", "2024-06-30", "--format", "jsonl"],
    );
    let l = lines(&out);
    assert_eq!(
        (l[0]["record"].clone(), l[0]["id"].clone()),
        (1.into(), "R7".into())
    );
    assert_eq!(l[0]["error"]["path"], "accident.deaths");
    assert_eq!(l[1]["record"], 2);
    assert!(l[1].get("id").is_none());
}

#[test]
fn a_csv_column_given_twice_is_an_error() {
    let message = csv_error(b"accident.deaths,accident.deaths\n1,3\n");
    assert!(
        message.contains("column `accident.deaths` is given twice (column 2)"),
        "{message}"
    );
}
