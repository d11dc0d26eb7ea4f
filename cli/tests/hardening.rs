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
    // Written from a thread: `eval` streams, so it writes output while it
    // reads, and a full output pipe would wait for us forever.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input); // `eval` may stop reading early
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
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

/// A record that decides, with an id to follow it through the output.
fn good(i: usize) -> String {
    format!("{{\"id\": \"R{i}\", \"accident\": {{\"deaths\": 1}}}}\n")
}

#[test]
fn records_stream_in_order_across_chunks_with_bad_ones_among_them() {
    // Over two chunks of 4,096, with bad records at their edges.
    let n = 9_000;
    let bad = [1, 4_096, 4_097, 5_000, 8_192, 8_193, n];
    let mut input = Vec::new();
    for i in 1..=n {
        if i == 5_000 {
            input.extend_from_slice(b"{\"id\": \"\xff\"}\n"); // not UTF-8
        } else if bad.contains(&i) {
            input.extend_from_slice(
                format!("{{\"id\": \"R{i}\", \"accident\": {{\"deaths\": -1}}}}\n").as_bytes(),
            );
        } else {
            input.extend_from_slice(good(i).as_bytes());
        }
        if i % 1000 == 0 {
            input.extend_from_slice(b"\n  \n"); // blank lines are no records
        }
    }
    let out = eval(&input, &["--as-of", "2024-06-30", "--trace", "off", "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert_eq!(l.len(), n);
    for (k, line) in l.iter().enumerate() {
        let i = k + 1;
        assert_eq!(line["record"], i);
        if bad.contains(&i) {
            assert_eq!(line["error"]["kind"], "input", "record {i}");
            if i != 5_000 {
                assert_eq!(line["id"], format!("R{i}"));
            }
        } else {
            assert_eq!(line["decision"]["id"], format!("R{i}"), "record {i}");
        }
    }
}

#[test]
fn an_oversized_line_is_that_records_error() {
    let mut input = good(1).into_bytes();
    input.extend_from_slice(b"{\"id\": \"");
    input.resize(input.len() + (17 << 20), b'x');
    input.extend_from_slice(b"\"}\n");
    input.extend_from_slice(good(3).as_bytes());
    let out = eval(&input, &["--as-of", "2024-06-30", "--trace", "off"]);
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(l.len(), 3);
    assert_eq!(l[0]["decision"]["id"], "R1");
    assert_eq!(l[1]["record"], 2);
    let message = l[1]["error"]["message"].as_str().unwrap();
    assert!(message.contains("a record may have at most"), "{message}");
    assert_eq!(l[2]["decision"]["id"], "R3");
}

/// `eval` of a CSV text that decides every record (exit 0, nothing on stderr).
fn csv_lines(csv: &[u8]) -> Vec<serde_json::Value> {
    let out = eval(
        csv,
        &["--as-of", "2024-06-30", "--format", "csv", "--trace", "off"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(out.stderr.is_empty());
    lines(&out)
}

#[test]
fn csv_cells_are_read_by_their_fields_type() {
    let l = csv_lines(
        "\u{feff}id,hazard.sector,hazard.found_on,hazard.description,hazard.items,hazard.facts.needs_suspension,accident.deaths\n\
         123,metallurgy,2024-06-01,null,\"[\"\"GM-3-2\"\"]\",True,\n\
         null,metallurgy,2024-06-01,true,,false,3.0\n\
         true,,,,,,2\n"
            .as_bytes(),
    );
    // Text stays text: a numeric id, and `null` and `true` where text is due.
    assert_eq!(l[0]["decision"]["id"], "123");
    assert_eq!(l[1]["decision"]["id"], "null");
    assert_eq!(l[2]["decision"]["id"], "true");
    assert_eq!(l[0]["decision"]["classification"]["level"], "major");
    assert_eq!(l[1]["decision"]["response"]["accident"]["grade"], "large");
    assert!(
        l[0]["decision"]["response"].is_null(),
        "an empty cell is no field"
    );
}

#[test]
fn a_csv_cell_that_is_not_of_its_fields_type_is_that_records_error() {
    let out = eval(
        b"id,accident.deaths\nA,three\nB,2\nC,2.5\n",
        &["--as-of", "2024-06-30", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(1));
    let l = lines(&out);
    assert_eq!(
        (l[0]["record"].clone(), l[0]["id"].clone()),
        (1.into(), "A".into())
    );
    assert_eq!(l[0]["error"]["path"], "accident.deaths");
    let message = l[0]["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("column `accident.deaths`: `three` is not a number"),
        "{message}"
    );
    assert!(l[1]["decision"].is_object());
    let message = l[2]["error"]["message"].as_str().unwrap();
    assert!(message.contains("is not a whole number"), "{message}");
}

#[test]
fn an_unknown_csv_column_is_an_error_naming_it() {
    // Even when its cells are empty: it would otherwise vanish unseen.
    let message = csv_error(b"accident.deaths,accident.death\n1,\n");
    assert!(message.contains("unknown column"), "{message}");
    assert!(message.contains("`death`"), "{message}");
    let message = csv_error(b"hazard.items.0\nx\n");
    assert!(message.contains("is a list"), "{message}");
    let message = csv_error(b"hazard,hazard.sector\n,x\n");
    assert!(message.contains("overlap"), "{message}");
}

#[test]
fn a_csv_file_is_read_from_its_path_and_a_table_still_aligns() {
    let path = std::env::temp_dir().join(format!("hr-cli-{}.csv", std::process::id()));
    std::fs::write(&path, "id,accident.deaths\nA,3\nB,12\n").unwrap();
    let out = eval(
        b"",
        &[
            "--as-of",
            "2024-06-30",
            "--output",
            "table",
            path.to_str().unwrap(),
        ],
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("#  id"), "{text}");
    assert!(rows[2].starts_with("2  B "), "{text}");
}

#[test]
fn progress_is_shown_only_on_a_terminal_or_when_asked() {
    let input = good(1);
    let quiet = eval(input.as_bytes(), &["--as-of", "2024-06-30"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert!(quiet.stderr.is_empty(), "no progress off a terminal");
    let asked = eval(input.as_bytes(), &["--as-of", "2024-06-30", "--progress"]);
    assert_eq!(asked.stdout, quiet.stdout);
    let err = String::from_utf8(asked.stderr).unwrap();
    assert!(err.contains("1 records"), "{err}");
    assert!(err.contains("0 with errors"), "{err}");
    let refused = eval(
        input.as_bytes(),
        &["--as-of", "2024-06-30", "--progress", "--no-progress"],
    );
    assert!(refused.stderr.is_empty());
}

#[test]
fn a_closed_output_pipe_ends_quietly() {
    // `hazard-rules test … | head -0`: the reader is gone before the first
    // line is written (Rust ignores SIGPIPE, so `println!` used to panic).
    let mut child = Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .args(["test", "rulesets/national", "--verbose"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
