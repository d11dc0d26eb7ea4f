//! `hazard-rules`: check, test, bundle and evaluate rulesets.
//!
//! Exit codes: 0 ok, 1 failures (bad ruleset, failing case, bad record), 2 usage.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use hazard_rules::{
    ffi, Decision, Error, Input, InputError, Ruleset, RulesetFiles, Section, TraceMode,
};
use serde_json::Value;

mod table;

#[derive(Parser)]
#[command(
    name = "hazard-rules",
    version,
    about = "Work-safety hazard rules: check, test, bundle, evaluate"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The directory that `extends` may not leave (default: the directory
    /// above the ruleset's outermost ruleset directory). Name a wider one to
    /// let an overlay kept elsewhere extend a shipped ruleset.
    #[arg(long, global = true)]
    root: Option<PathBuf>,
}

/// `--root`, for every command that reads a ruleset directory.
static ROOT: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();

/// Reads a ruleset directory and its chain, within `--root` if given.
fn read_chain(dir: &Path) -> Result<RulesetFiles, hazard_rules::RulesetError> {
    match ROOT.get().and_then(|r| r.as_deref()) {
        Some(root) => RulesetFiles::read_dir_within(dir, root),
        None => RulesetFiles::read_dir(dir),
    }
}

/// [`read_chain`], then load it.
fn load_dir(dir: &Path) -> Result<Ruleset, Error> {
    Ruleset::from_files(read_chain(dir)?)
}

#[derive(Subcommand)]
enum Command {
    /// Load and validate a ruleset chain; report every error with its location,
    /// and for each rule function whether it compiled to the native plan or
    /// runs in the interpreter (with the first reason and its position).
    Check { dir: PathBuf },
    /// Run a ruleset's test cases, inherited ones included.
    Test {
        dir: PathBuf,
        /// Show every case, not only failures.
        #[arg(long)]
        verbose: bool,
    },
    /// Evaluate inputs: JSON (object or array), JSON Lines or CSV (dotted column names).
    Eval {
        /// Input file; `-` or nothing for standard input.
        file: Option<PathBuf>,
        /// The "as of" date (YYYY-MM-DD). Required: the library never reads the clock.
        #[arg(long)]
        as_of: Option<String>,
        /// Ruleset directory or bundle file; the embedded default when absent.
        #[arg(long)]
        ruleset: Option<PathBuf>,
        /// Input format; guessed from the file extension when absent.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Output: JSON Lines (default) or a readable table.
        #[arg(long, value_enum, default_value = "jsonl")]
        output: Output,
        /// Trace: `full` (every entry with its sentences), `ids` (entries
        /// without sentences) or `off`.
        #[arg(long, default_value = "full")]
        trace: String,
    },
    /// Compile a ruleset chain (directory or bundle) into a precompiled plan,
    /// which loads without parsing TOML or Rhai (`eval --ruleset FILE` reads it).
    Compile {
        /// Ruleset directory or bundle file.
        ruleset: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a ruleset chain as one file for browsers.
    Bundle {
        dir: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print the JSON Schema of the input (or of the decision).
    Schema {
        #[arg(long)]
        decision: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    Jsonl,
    Table,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let _ = ROOT.set(cli.root.clone());
    let result = match cli.command {
        Command::Check { dir } => check(&dir),
        Command::Test { dir, verbose } => test(&dir, verbose),
        Command::Eval {
            file,
            as_of,
            ruleset,
            format,
            output,
            trace,
        } => eval(file, as_of, ruleset, format, output, &trace),
        Command::Bundle { dir, output } => bundle(&dir, &output),
        Command::Compile { ruleset, output } => compile(&ruleset, &output),
        Command::Schema { decision } => {
            let schema = if decision {
                hazard_rules::decision_schema()
            } else {
                hazard_rules::input_schema()
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&schema).expect("schema serialises")
            );
            Ok(true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
    }
}

/// A usage problem (exit 2), as opposed to failures found in the work (exit 1).
struct Usage(String);

fn check(dir: &Path) -> Result<bool, Usage> {
    match load_dir(dir) {
        Ok(rs) => {
            let chain: Vec<String> = rs
                .chain_refs()
                .iter()
                .map(|r| format!("{}@{}", r.id, r.version))
                .collect();
            let tables = rs.tables().count();
            let report = rs.compile_report();
            let compiled = report.iter().filter(|f| f.compiled).count();
            println!(
                "ok: {} ({} tables, {} test cases; {} of {} rule functions compiled)",
                chain.join(" → "),
                tables,
                rs.cases().len(),
                compiled,
                report.len()
            );
            for f in report {
                println!("  {f}");
            }
            Ok(true)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(false)
        }
    }
}

fn test(dir: &Path, verbose: bool) -> Result<bool, Usage> {
    let rs = match load_dir(dir) {
        Ok(rs) => rs,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for case in rs.cases() {
        let outcome = case.run(&rs);
        if outcome.passed() {
            passed += 1;
            if verbose {
                println!("PASS {} ({})", case.name, case.file);
            }
        } else {
            failed += 1;
            println!("FAIL {} ({})", case.name, case.file);
            for f in &outcome.failures {
                println!("    {f}");
            }
            println!("    fired: {}", outcome.fired().join(", "));
        }
    }
    let chain: Vec<String> = rs
        .chain_refs()
        .iter()
        .map(|r| format!("{}@{}", r.id, r.version))
        .collect();
    println!("{}: {passed} passed, {failed} failed", chain.join(" → "));
    Ok(failed == 0 && passed > 0)
}

fn bundle(dir: &Path, output: &Path) -> Result<bool, Usage> {
    let files = match read_chain(dir) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    // Refuse to bundle a chain that does not load.
    if let Err(e) = Ruleset::from_files(files.clone()) {
        eprintln!("error: {e}");
        return Ok(false);
    }
    let text = files.to_bundle().map_err(|e| Usage(e.to_string()))?;
    std::fs::write(output, &text)
        .map_err(|e| Usage(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} bytes)", output.display(), text.len());
    Ok(true)
}

fn compile(path: &Path, output: &Path) -> Result<bool, Usage> {
    let rs = match load_ruleset(Some(path.to_path_buf())) {
        Ok(rs) => rs,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    let bytes = match rs.to_compiled() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    std::fs::write(output, &bytes)
        .map_err(|e| Usage(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} bytes)", output.display(), bytes.len());
    Ok(true)
}

/// A ruleset directory, a bundle, or a precompiled plan (told by its first bytes).
fn load_ruleset(path: Option<PathBuf>) -> Result<Ruleset, String> {
    match path {
        None => Ok(Ruleset::default()),
        Some(p) if p.is_dir() => load_dir(&p).map_err(|e| e.to_string()),
        Some(p) => {
            let bytes =
                std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if hazard_rules::precompiled::is_compiled(&bytes) {
                return Ruleset::from_compiled(&bytes).map_err(|e| e.to_string());
            }
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{} is neither a bundle nor a compiled plan", p.display()))?;
            Ruleset::from_bundle(&text).map_err(|e| e.to_string())
        }
    }
}

fn eval(
    file: Option<PathBuf>,
    as_of: Option<String>,
    ruleset: Option<PathBuf>,
    format: Option<Format>,
    output: Output,
    trace: &str,
) -> Result<bool, Usage> {
    let trace: TraceMode = trace.parse().map_err(Usage)?;
    let as_of = as_of.ok_or_else(|| {
        Usage("--as-of YYYY-MM-DD is required (the library never reads the clock)".into())
    })?;
    let as_of = ffi::parse_as_of(&as_of).map_err(|e| Usage(format!("--as-of: {e}")))?;
    let rs = load_ruleset(ruleset).map_err(|e| {
        eprintln!("error: {e}");
        Usage("cannot load the ruleset".into())
    })?;
    let path = file.filter(|p| p.as_os_str() != "-");
    let format = format.unwrap_or(
        match path
            .as_ref()
            .and_then(|p| p.extension())
            .and_then(|e| e.to_str())
        {
            Some("csv") => Format::Csv,
            Some("json") => Format::Json,
            _ => Format::Jsonl,
        },
    );
    // Bytes, not text: in JSON Lines, a line that is not UTF-8 is that
    // record's error, not the whole file's.
    let mut bytes = Vec::new();
    match &path {
        Some(p) => {
            bytes =
                std::fs::read(p).map_err(|e| Usage(format!("cannot read {}: {e}", p.display())))?;
        }
        None => {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
        }
    }
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut ok = true;
    let mut rows = Vec::new();
    let mut n = 0;
    // Records are read, decided and written a chunk at a time, the chunk
    // spread over the cores, so memory stays bounded and output in order.
    for chunk in chunks(text, format) {
        let first = n + 1;
        n += chunk.len();
        for (k, done) in decide_all(&rs, chunk, as_of, trace, output, first)
            .into_iter()
            .enumerate()
        {
            ok &= done.ok;
            match done.line {
                Some(line) => {
                    let _ = out.write_all(line.as_bytes());
                }
                None => {
                    if let Some(result) = done.result {
                        rows.push((first + k, result));
                    }
                }
            }
        }
    }
    if let Output::Table = output {
        let _ = write!(out, "{}", table::render(&rows));
    }
    let _ = out.flush();
    Ok(ok)
}

/// One line of `eval`'s JSON Lines output.
#[derive(serde::Serialize)]
struct Line<'a, T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
    record: usize,
    /// The record's `id`, beside an error (a decision carries its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
}

/// A record as read: a line of JSON Lines (parsed by the worker that decides
/// it), or a value already parsed from JSON or CSV.
enum Raw<'a> {
    Line(usize, &'a [u8]),
    Value(Result<Value, Error>),
}

/// Records a chunk at a time: JSON Lines in slices of lines; JSON and CSV whole.
fn chunks(text: &[u8], format: Format) -> Box<dyn Iterator<Item = Vec<Raw<'_>>> + '_> {
    const CHUNK: usize = 4096;
    match format {
        Format::Jsonl => {
            let mut lines = text
                .split(|&b| b == b'\n')
                .enumerate()
                .filter(|(_, l)| !l.trim_ascii().is_empty())
                .peekable();
            Box::new(std::iter::from_fn(move || {
                lines.peek()?;
                Some(
                    lines
                        .by_ref()
                        .take(CHUNK)
                        .map(|(i, l)| Raw::Line(i + 1, l))
                        .collect(),
                )
            }))
        }
        _ => Box::new(std::iter::once(
            read_records(text, format)
                .into_iter()
                .map(Raw::Value)
                .collect(),
        )),
    }
}

/// A decided record: its JSON line (written by the worker), or its result
/// for the table.
struct Done {
    ok: bool,
    line: Option<String>,
    result: Option<Result<Decision, Error>>,
}

/// Decides records on every core, keeping their order; each worker also
/// parses its lines and writes their output, so the work is all parallel.
fn decide_all(
    rs: &Ruleset,
    records: Vec<Raw<'_>>,
    as_of: chrono::NaiveDate,
    trace: TraceMode,
    output: Output,
    first: usize,
) -> Vec<Done> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = records.len().div_ceil(threads).max(1);
    let mut records = records;
    let mut parts = Vec::new();
    while records.len() > per {
        let rest = records.split_off(per);
        parts.push(records);
        records = rest;
    }
    parts.push(records);
    std::thread::scope(|scope| {
        let mut start = first;
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let at = start;
                start += part.len();
                scope.spawn(move || {
                    let mut ev = rs.evaluator();
                    part.into_iter()
                        .enumerate()
                        .map(|(k, raw)| {
                            let value = match raw {
                                Raw::Line(no, text) => serde_json::from_slice(text).map_err(|e| {
                                    Error::Input(InputError::new(
                                        format!("<line {no}>"),
                                        e.to_string(),
                                    ))
                                }),
                                Raw::Value(v) => v,
                            };
                            // The id as written, for an error line (even when
                            // the rest of the record cannot be read).
                            let id: Option<String> = value
                                .as_ref()
                                .ok()
                                .and_then(|v| v.get("id"))
                                .and_then(Value::as_str)
                                .map(str::to_owned);
                            let input =
                                value.and_then(|v| Input::from_value(v).map_err(Error::from));
                            let record = at + k;
                            match output {
                                // The line is written from the outcome: no owned decision.
                                Output::Jsonl => {
                                    let line = input
                                        .and_then(|i| {
                                            let mut o = ev.run(&i, as_of, &Section::ALL, trace)?;
                                            Ok(json_line(record, None, Ok(&o.json()?)))
                                        })
                                        .map_err(|e| {
                                            json_line::<Decision>(record, id.as_deref(), Err(&e))
                                        });
                                    Done {
                                        ok: line.is_ok(),
                                        line: Some(line.unwrap_or_else(|e| e)),
                                        result: None,
                                    }
                                }
                                Output::Table => {
                                    let result = input.and_then(|i| {
                                        rs.evaluate_with(&i, as_of, &Section::ALL, trace)
                                    });
                                    Done {
                                        ok: result.is_ok(),
                                        line: None,
                                        result: Some(result),
                                    }
                                }
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("an evaluation thread does not panic"))
            .collect()
    })
}

/// One line of `eval`'s JSON Lines output, newline included.
fn json_line<T: serde::Serialize>(
    record: usize,
    id: Option<&str>,
    result: Result<&T, &Error>,
) -> String {
    let line = match result {
        Ok(d) => Line {
            record,
            decision: Some(d),
            error: None,
            id: None,
        },
        Err(e) => Line {
            record,
            decision: None,
            error: Some(ffi::error_value(e)),
            id,
        },
    };
    let mut text = serde_json::to_string(&line).expect("a decision serialises");
    text.push('\n');
    text
}

/// Splits input text into records; a record that cannot be read is that record's error.
fn read_records(text: &[u8], format: Format) -> Vec<Result<Value, Error>> {
    let bad =
        |line: usize, e: String| Err(Error::Input(InputError::new(format!("<line {line}>"), e)));
    match format {
        Format::Json => match serde_json::from_slice::<Value>(text) {
            Ok(Value::Array(items)) => items.into_iter().map(Ok).collect(),
            Ok(v) => vec![Ok(v)],
            Err(e) => vec![bad(e.line(), e.to_string())],
        },
        Format::Jsonl => text
            .split(|&b| b == b'\n')
            .enumerate()
            .filter(|(_, l)| !l.trim_ascii().is_empty())
            .map(|(i, l)| serde_json::from_slice(l).or_else(|e| bad(i + 1, e.to_string())))
            .collect(),
        Format::Csv => {
            let mut reader = csv::Reader::from_reader(text);
            let headers = match reader.headers() {
                Ok(h) => h.clone(),
                Err(e) => return vec![bad(1, e.to_string())],
            };
            // A column given twice would silently keep the last cell.
            if let Some((i, h)) = headers
                .iter()
                .enumerate()
                .find(|(i, h)| headers.iter().take(*i).any(|x| x == *h))
            {
                return vec![bad(
                    1,
                    format!("column `{h}` is given twice (column {})", i + 1),
                )];
            }
            if let Some(h) = headers
                .iter()
                .find(|h| h.split('.').count() > MAX_COLUMN_DEPTH)
            {
                let shown: String = h.chars().take(60).collect();
                return vec![bad(
                    1,
                    format!("column `{shown}…` nests deeper than {MAX_COLUMN_DEPTH} levels"),
                )];
            }
            reader
                .records()
                .enumerate()
                .map(|(i, r)| match r {
                    Ok(r) => csv_record(&headers, &r).or_else(|e| bad(i + 2, e)),
                    Err(e) => bad(i + 2, e.to_string()),
                })
                .collect()
        }
    }
}

/// The deepest a CSV column may nest (`hazard.enterprise.principal.name`
/// is 4): a header of thousands of dotted parts would build a value whose
/// drop overflows the stack.
const MAX_COLUMN_DEPTH: usize = 8;

/// Builds a nested JSON object from dotted column names (`hazard.listing.level`).
/// Cells are read as JSON when they parse (numbers, booleans, arrays), else as text;
/// empty cells are left out.
fn csv_record(headers: &csv::StringRecord, record: &csv::StringRecord) -> Result<Value, String> {
    let mut root = serde_json::Map::new();
    for (h, cell) in headers.iter().zip(record.iter()) {
        if cell.is_empty() {
            continue;
        }
        let value =
            serde_json::from_str::<Value>(cell).unwrap_or_else(|_| Value::String(cell.to_owned()));
        let mut node = &mut root;
        let parts: Vec<&str> = h.split('.').collect();
        for part in &parts[..parts.len() - 1] {
            let entry = node
                .entry(part.to_string())
                .or_insert_with(|| Value::Object(Default::default()));
            node = entry
                .as_object_mut()
                .ok_or_else(|| format!("column `{h}` nests under a value"))?;
        }
        node.insert(parts[parts.len() - 1].to_owned(), value);
    }
    Ok(Value::Object(root))
}
