//! The adversarial suite (`tests/adversarial/`, described in its README)
//! through the CLI: each case's input, ruleset or bundle given to
//! `hazard-rules eval`, asserting the exit code, the error's kind and path
//! (or a ruleset error's file and line), no crash signal, and the CPU time
//! and peak memory of the process (`wait4`). The Python and npm runners read
//! the same files (`bindings-python/tests/test_adversarial.py`,
//! `bindings-wasm/test/node/adversarial.test.mjs`).

#[path = "common/files.rs"]
mod files;
use files::copy_dir;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const RUNNER: &str = "cli";
/// Peak resident memory allowed to one `hazard-rules` process.
const MAX_RSS_MB: i64 = 512;
/// Wall-clock time after which a case is killed (a hang, not a slow case).
const WALL_LIMIT: Duration = Duration::from_secs(60);

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/adversarial")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The CPU budget of a case: `max_cpu_seconds` (default 1) for a release
/// build; an unoptimised build (what `cargo test` runs) is given ten times as
/// much, since it is about ten times slower.
fn cpu_budget(case: &Value) -> f64 {
    let secs = case["max_cpu_seconds"].as_f64().unwrap_or(1.0);
    if cfg!(debug_assertions) {
        secs * 10.0
    } else {
        secs
    }
}

/// Text made of `[text, count]` parts, each repeated `count` times.
fn built(parts: &Value) -> String {
    parts
        .as_array()
        .expect("`built` parts are a list")
        .iter()
        .map(|p| {
            p[0].as_str()
                .expect("a part's text")
                .repeat(p[1].as_u64().expect("a part's count") as usize)
        })
        .collect()
}

/// The bytes given to `eval`: the record as one JSON line, a text, a text
/// built from parts, or a file's bytes.
fn input_bytes(case: &Value) -> Vec<u8> {
    if let Some(file) = case["input_file"].as_str() {
        return std::fs::read(suite().join(file)).unwrap();
    }
    if let Some(text) = case["input_text"].as_str() {
        return text.as_bytes().to_vec();
    }
    if !case["input_built"].is_null() {
        return built(&case["input_built"]).into_bytes();
    }
    let mut line = serde_json::to_vec(&case["input"]).unwrap();
    line.push(b'\n');
    line
}

/// A ruleset directory case: the repository's `rulesets/national` and the
/// case's directory copied side by side into `scratch`, then the case's
/// `setup` (files written, symbolic links, FIFOs) applied to the copy.
fn ruleset_dir(spec: &Value, scratch: &Path) -> PathBuf {
    let rel = spec["dir"].as_str().unwrap();
    copy_dir(&repo().join("rulesets/national"), &scratch.join("national"));
    let dir = scratch.join(Path::new(rel).file_name().unwrap());
    copy_dir(&suite().join(rel), &dir);
    for step in spec["setup"].as_array().into_iter().flatten() {
        if let Some(at) = step["write"].as_str() {
            let path = dir.join(at);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, built(&step["built"])).unwrap();
        } else if let Some(at) = step["symlink"].as_str() {
            let path = dir.join(at);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            }
            std::os::unix::fs::symlink(step["to"].as_str().unwrap(), path).unwrap();
        } else if let Some(at) = step["fifo"].as_str() {
            let path = dir.join(at);
            let _ = std::fs::remove_file(&path);
            let made = Command::new("mkfifo").arg(&path).status().unwrap();
            assert!(made.success(), "mkfifo {}", path.display());
        } else {
            panic!("unknown setup step {step}");
        }
    }
    dir
}

/// What one `eval` did.
struct Run {
    code: Option<i32>,
    signal: Option<i32>,
    cpu: f64,
    rss_mb: i64,
    stdout: String,
    stderr: String,
}

/// Runs the CLI to its end (killed after [`WALL_LIMIT`]) and reads its
/// resource use from `wait4`.
#[allow(clippy::zombie_processes)] // reaped by `wait4`, which `Child::wait` cannot replace
fn run(args: &[&std::ffi::OsStr], scratch: &Path) -> Run {
    let (out, err) = (scratch.join("stdout"), scratch.join("stderr"));
    let child = Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: waits for our own child, with valid out-pointers.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        assert!(r >= 0, "wait4: {}", std::io::Error::last_os_error());
        if r == pid {
            break;
        }
        if started.elapsed() > WALL_LIMIT {
            // SAFETY: signals our own child, not yet reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        cpu: secs(usage.ru_utime) + secs(usage.ru_stime),
        rss_mb: usage.ru_maxrss / 1024,
        stdout: String::from_utf8_lossy(&std::fs::read(out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(err).unwrap()).into_owned(),
    }
}

/// Whether `actual` has everything `fragment` has (objects by their keys,
/// lists and scalars whole).
fn matches(actual: &Value, fragment: &Value) -> bool {
    match (actual, fragment) {
        (Value::Object(a), Value::Object(f)) => f
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| matches(x, v))),
        _ => actual == fragment,
    }
}

/// The differences between an error object and the expected one: `file` is
/// a suffix of the reported file, `message_contains` a part of the message,
/// every other field equal.
fn error_diffs(actual: &Value, expected: &Value) -> Vec<String> {
    let mut diffs = Vec::new();
    for (k, want) in expected
        .as_object()
        .expect("an expected error is an object")
    {
        let ok = match k.as_str() {
            "message_contains" => actual["message"]
                .as_str()
                .is_some_and(|m| m.contains(want.as_str().unwrap())),
            "file" => actual["file"]
                .as_str()
                .is_some_and(|f| f.ends_with(want.as_str().unwrap())),
            _ => &actual[k] == want,
        };
        if !ok {
            diffs.push(format!("{k}: expected {want}, got {actual}"));
        }
    }
    diffs
}

/// The case's expectation for this runner, as a list (one entry a record).
fn expectations(case: &Value) -> Vec<Value> {
    let e = case
        .get(format!("expect_{RUNNER}"))
        .unwrap_or(&case["expect"]);
    match e {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

/// Runs one case; the list of what went wrong.
fn check_case(case: &Value) -> Vec<String> {
    let name = case["name"].as_str().unwrap();
    let scratch = std::env::temp_dir().join(format!("hr-adv-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    let input = scratch.join("input");
    std::fs::File::create(&input)
        .unwrap()
        .write_all(&input_bytes(case))
        .unwrap();
    let mut args: Vec<std::ffi::OsString> = vec![
        "eval".into(),
        input.into(),
        "--as-of".into(),
        case["as_of"].as_str().unwrap().into(),
        "--format".into(),
        case["format"].as_str().unwrap_or("jsonl").into(),
    ];
    let rs = &case["ruleset"];
    if !rs["dir"].is_null() {
        args.push("--ruleset".into());
        args.push(ruleset_dir(rs, &scratch).into());
    } else if let Some(bundle) = rs["bundle"].as_str() {
        args.push("--ruleset".into());
        args.push(suite().join(bundle).into());
    }
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
    let r = run(&args, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);

    let mut problems = Vec::new();
    if let Some(sig) = r.signal {
        problems.push(format!("killed by signal {sig}: {}", r.stderr));
    }
    let budget = cpu_budget(case);
    if r.cpu > budget {
        problems.push(format!("{:.2} s of CPU, budget {budget} s", r.cpu));
    }
    let max_rss = case["max_rss_mb"].as_i64().unwrap_or(MAX_RSS_MB);
    if r.rss_mb > max_rss {
        problems.push(format!("peak memory {} MB, bound {max_rss} MB", r.rss_mb));
    }
    let expected = expectations(case);
    let load = expected.iter().any(|e| !e["load_error"].is_null());
    let code = if load {
        2
    } else if expected.iter().all(|e| !e["decision"].is_null()) {
        0
    } else {
        1
    };
    if r.code != Some(code) {
        problems.push(format!(
            "exit code {:?}, expected {code}; stderr: {}",
            r.code,
            r.stderr.trim()
        ));
    }
    if load {
        // `eval` names the ruleset error on standard error as
        // `error: FILE:LINE:COLUMN: MESSAGE` (`<bundle>: MESSAGE` for a bundle).
        let want = &expected[0]["load_error"];
        let file = want["file"].as_str().unwrap();
        let at = match want["line"].as_u64() {
            Some(line) => format!("{file}:{line}:"),
            None => format!("{file}:"),
        };
        if !r.stderr.contains(&at) {
            problems.push(format!("stderr does not name `{at}`: {}", r.stderr.trim()));
        }
        if let Some(part) = want["message_contains"].as_str() {
            if !r.stderr.contains(part) {
                problems.push(format!("stderr does not say `{part}`: {}", r.stderr.trim()));
            }
        }
        if !r.stdout.is_empty() {
            problems.push(format!("output despite the load error: {}", r.stdout));
        }
        return problems;
    }
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect();
    if lines.len() != expected.len() {
        problems.push(format!(
            "{} output lines, expected {}; stderr: {}",
            lines.len(),
            expected.len(),
            r.stderr.trim()
        ));
        return problems;
    }
    for (i, (line, want)) in lines.iter().zip(&expected).enumerate() {
        if line["record"] != i + 1 {
            problems.push(format!("line {}: record {}", i + 1, line["record"]));
        }
        if let Some(fragment) = want.get("decision") {
            if !matches(&line["decision"], fragment) {
                problems.push(format!(
                    "record {}: {line} does not match {fragment}",
                    i + 1
                ));
            }
        } else if let Some(err) = want.get("error") {
            if line["error"].is_null() {
                problems.push(format!("record {}: expected an error, got {line}", i + 1));
            } else {
                problems.extend(
                    error_diffs(&line["error"], err)
                        .into_iter()
                        .map(|d| format!("record {}: {d}", i + 1)),
                );
            }
        } else {
            problems.push(format!("unknown expectation {want}"));
        }
    }
    problems
}

/// Every case file, checked for the fields every runner needs.
fn cases() -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(suite().join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let stem = f.file_stem().unwrap().to_str().unwrap();
            assert_eq!(
                case["name"],
                stem,
                "{}: `name` is the file's name",
                f.display()
            );
            for field in ["why", "as_of", "expect"] {
                assert!(!case[field].is_null(), "{stem}: no `{field}`");
            }
            let inputs = ["input", "input_text", "input_built", "input_file"]
                .iter()
                .filter(|k| case.get(**k).is_some())
                .count();
            assert_eq!(inputs, 1, "{stem}: exactly one input field");
            if case.get("runners").is_some() {
                assert!(
                    case["runners_why"].is_string(),
                    "{stem}: `runners` without `runners_why`"
                );
            }
            case
        })
        .collect()
}

fn applies(case: &Value) -> bool {
    case.get("runners")
        .is_none_or(|r| r.as_array().unwrap().iter().any(|x| x == RUNNER))
}

#[test]
fn the_adversarial_suite_through_the_cli() {
    let all = cases();
    assert!(all.len() >= 40, "only {} cases", all.len());
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in &all {
        let name = case["name"].as_str().unwrap();
        if !applies(case) {
            println!(
                "not for the CLI: {name} ({})",
                case["runners_why"].as_str().unwrap()
            );
            continue;
        }
        ran += 1;
        let started = Instant::now();
        let problems = check_case(case);
        println!("{name}: {} ms", started.elapsed().as_millis());
        if !problems.is_empty() {
            failures.push(format!("{name}:\n    {}", problems.join("\n    ")));
        }
    }
    println!("{ran} of {} cases run through the CLI", all.len());
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
