//! `hazard-rules`: check, lint, test, bundle, compile, evaluate and diff rulesets.
//!
//! Exit codes: 0 ok, 1 failures (bad ruleset, failing case, bad record), 2 usage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use hazard_rules::{
    coverage::{self, Coverage},
    ffi, Decision, Error, Input, Ruleset, RulesetFiles, Section, TraceMode,
};
use serde_json::Value;

mod diff;
mod progress;
mod records;
mod table;

use records::{on_cores, Chunk, Raw, Records};

#[derive(Parser)]
#[command(
    name = "hazard-rules",
    version,
    about = "Work-safety hazard rules: check, lint, test, bundle, compile, evaluate, diff"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The directory that `extends` may not leave (default: the directory
    /// above the ruleset's outermost ruleset directory). Name a wider one to
    /// let an overlay kept elsewhere extend a shipped ruleset.
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// The language of error messages on standard error: `en` (default) or
    /// `zh` (JSON output carries both, as `message` and `message_zh`).
    #[arg(long, global = true, value_enum, default_value = "en")]
    lang: Lang,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Lang {
    En,
    Zh,
}

/// `--lang`, for every command that prints an error.
static LANG: std::sync::OnceLock<Lang> = std::sync::OnceLock::new();

/// An error's message in the language `--lang` asks for.
fn shown(e: &Error) -> String {
    match LANG.get() {
        Some(Lang::Zh) => e.message_zh(),
        _ => e.to_string(),
    }
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
    /// Static checks over the whole chain (gaps between bands, unknown
    /// references, tables no rule reads, …; codes in rulesets/README.md,
    /// "Lint codes"). Exit 1 when there is an error-severity finding.
    Lint {
        dir: PathBuf,
        /// `text`: one `file:line:column: severity CODE: message` line per
        /// finding; `json`: one JSON array of findings.
        #[arg(long, value_enum, default_value = "text")]
        format: LintFormat,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Run a ruleset's test cases, inherited ones included.
    Test {
        dir: PathBuf,
        /// Show every case, not only failures.
        #[arg(long)]
        verbose: bool,
        /// After the cases: which rule ids, band rows and table rows they
        /// reached, per file, with those never reached.
        #[arg(long)]
        coverage: bool,
        /// Fail (exit 1) when a rule file's ids or a band table's rows are
        /// reached below N percent (implies --coverage).
        #[arg(long, value_name = "N")]
        min_coverage: Option<f64>,
        /// Coverage report: `text` or `json` (the report alone on standard output).
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
    },
    /// Evaluate inputs: JSON Lines or CSV (dotted column names, each cell read
    /// by its field's type), streamed a chunk at a time in constant memory; or
    /// one JSON document (an object or an array), which is read whole.
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
        /// Output: JSON Lines (default), or a readable table, which keeps
        /// every row in memory to align its columns (at most 100,000 records).
        #[arg(long, value_enum, default_value = "jsonl")]
        output: Output,
        /// Trace: `full` (every entry with its sentences), `ids` (entries
        /// without sentences) or `off`.
        #[arg(long, default_value = "full")]
        trace: String,
        /// Show a progress line on standard error (records, records/s,
        /// errors) even when it is not a terminal; by default it is shown
        /// only when standard error is a terminal and the output is not.
        #[arg(long, overrides_with = "no_progress")]
        progress: bool,
        /// Never show the progress line.
        #[arg(long, overrides_with = "progress")]
        no_progress: bool,
    },
    /// Decide a register with two rulesets and report what changes, field by
    /// field (exit 0 when nothing does, 1 when something does). A ruleset is
    /// a directory, a bundle or a plan, or `DIR@REV`: the directory as git
    /// has it at a revision (`rulesets/zhejiang@HEAD~1`).
    Diff {
        /// The register: JSON Lines, CSV or JSON, read as `eval` reads it.
        register: Option<PathBuf>,
        /// The ruleset before the change.
        #[arg(long)]
        base: PathBuf,
        /// The ruleset after the change.
        #[arg(long)]
        head: PathBuf,
        /// The "as of" date (YYYY-MM-DD).
        #[arg(long)]
        as_of: Option<String>,
        /// Input format; guessed from the file extension when absent.
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// `text` (a summary), `json` (the summary as JSON) or `jsonl`
        /// (every changed record with both outcomes).
        #[arg(long, value_enum, default_value = "text")]
        output: diff::DiffOutput,
    },
    /// Compile a ruleset chain (directory or bundle) into a precompiled plan,
    /// which loads without parsing TOML or Rhai (`eval --ruleset FILE` reads it).
    Compile {
        /// Ruleset directory or bundle file.
        ruleset: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a ruleset chain as one file for browsers: its files, and its
    /// precompiled plan when every rule function compiles (the browser's
    /// small core module reads only that).
    Bundle {
        dir: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Print the ruleset's vocabularies as JSON: sectors, listing levels,
    /// stages, colours and risk methods, each with `id`, `zh` and `en`.
    Vocabulary {
        /// Ruleset directory, bundle or compiled plan; the embedded default when absent.
        #[arg(long)]
        ruleset: Option<PathBuf>,
    },
    /// Print as JSON the catalogue items in force for a sector on a day
    /// (id, article, item, title, verified, standard …), for an item picker.
    Catalogue {
        /// A sector code of the ruleset's `sectors` table, e.g. `metallurgy`.
        #[arg(long)]
        sector: String,
        /// The day (YYYY-MM-DD) whose catalogues apply.
        #[arg(long)]
        as_of: String,
        /// Ruleset directory, bundle or compiled plan; the embedded default when absent.
        #[arg(long)]
        ruleset: Option<PathBuf>,
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

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum ReportFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum LintFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    Jsonl,
    Table,
}

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, so a closed pipe (`| head`) made `println!` panic;
    // with the default action the process ends quietly, as other tools do.
    #[cfg(unix)]
    // SAFETY: called first, before any thread starts; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let _ = ROOT.set(cli.root.clone());
    let _ = LANG.set(cli.lang);
    let result = match cli.command {
        Command::Check { dir } => check(&dir),
        Command::Lint {
            dir,
            format,
            deny_warnings,
        } => lint(&dir, format, deny_warnings),
        Command::Test {
            dir,
            verbose,
            coverage,
            min_coverage,
            format,
        } => test(&dir, verbose, coverage, min_coverage, format),
        Command::Eval {
            file,
            as_of,
            ruleset,
            format,
            output,
            trace,
            progress,
            no_progress,
        } => {
            let progress = match (progress, no_progress) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            eval(file, as_of, ruleset, format, output, &trace, progress)
        }
        Command::Diff {
            register,
            base,
            head,
            as_of,
            format,
            output,
        } => diff::diff(diff::Args {
            base,
            head,
            register,
            as_of,
            format,
            output,
        }),
        Command::Bundle { dir, output } => bundle(&dir, &output),
        Command::Compile { ruleset, output } => compile(&ruleset, &output),
        Command::Vocabulary { ruleset } => vocabulary(ruleset),
        Command::Catalogue {
            sector,
            as_of,
            ruleset,
        } => catalogue(ruleset, &sector, &as_of),
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
            // The law in force by date: each versioned table's versions, and
            // the days none of them covers (also lint's HR042).
            if let Some(versions) = rs.versions() {
                for (name, members) in versions.iter() {
                    println!("  versions of {name}:");
                    for m in members {
                        println!("    {} {}", m.file, m.valid.describe());
                    }
                }
                for (name, _, first, last) in versions.gaps() {
                    println!("  warning: no version of {name} is in force from {first} to {last}");
                }
            }
            Ok(true)
        }
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            Ok(false)
        }
    }
}

fn lint(dir: &Path, format: LintFormat, deny_warnings: bool) -> Result<bool, Usage> {
    use hazard_rules::lint::{Finding, Severity};
    // A directory that cannot be read is itself a finding (HR000).
    let findings = match read_chain(dir) {
        Ok(files) => hazard_rules::lint::lint(&files),
        Err(e) => vec![Finding {
            code: "HR000",
            severity: Severity::Error,
            file: e.file,
            line: e.line,
            column: e.column,
            message: e.message,
        }],
    };
    match format {
        LintFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&findings).expect("findings serialise")
        ),
        LintFormat::Text => {
            for f in &findings {
                println!("{f}");
            }
            let errors = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            eprintln!(
                "{}: {errors} errors, {} warnings",
                dir.display(),
                findings.len() - errors
            );
        }
    }
    Ok(!findings
        .iter()
        .any(|f| f.severity == Severity::Error || deny_warnings))
}

fn test(
    dir: &Path,
    verbose: bool,
    coverage: bool,
    min_coverage: Option<f64>,
    format: ReportFormat,
) -> Result<bool, Usage> {
    if let Some(n) = min_coverage {
        if !(0.0..=100.0).contains(&n) {
            return Err(Usage(format!(
                "--min-coverage {n}: a percentage from 0 to 100"
            )));
        }
    }
    let coverage = coverage || min_coverage.is_some();
    // With a JSON report, the case lines go to standard error.
    let json = coverage && format == ReportFormat::Json;
    let say = |line: String| {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let loaded = read_chain(dir)
        .map_err(Error::from)
        .and_then(|files| Ok((Ruleset::from_files(files.clone())?, files)));
    let (rs, files) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    let mut tally = match coverage.then(|| Coverage::new(&files)).transpose() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(false);
        }
    };
    let (mut passed, mut failed) = (0, 0);
    for case in rs.cases() {
        let outcome = case.run(&rs);
        if let (Some(t), Ok(d)) = (&mut tally, &outcome.result) {
            t.record(d);
        }
        if outcome.passed() {
            passed += 1;
            if verbose {
                say(format!("PASS {} ({})", case.name, case.file));
            }
        } else {
            failed += 1;
            say(format!("FAIL {} ({})", case.name, case.file));
            for f in &outcome.failures {
                say(format!("    {f}"));
            }
            say(format!("    fired: {}", outcome.fired().join(", ")));
        }
    }
    let chain: Vec<String> = rs
        .chain_refs()
        .iter()
        .map(|r| format!("{}@{}", r.id, r.version))
        .collect();
    say(format!(
        "{}: {passed} passed, {failed} failed",
        chain.join(" → ")
    ));
    let mut ok = failed == 0 && passed > 0;
    if let Some(t) = tally {
        let report = t.report();
        let below = min_coverage.map_or_else(Vec::new, |n| report.below(n));
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("a report serialises")
            );
        } else {
            print_coverage(&report);
        }
        if let Some(n) = min_coverage {
            for b in &below {
                eprintln!("coverage below {n} %: {b}");
            }
        }
        ok &= below.is_empty();
    }
    Ok(ok)
}

fn print_coverage(r: &coverage::Report) {
    let pct = |p: Option<f64>| p.map_or("-".to_owned(), |p| format!("{p:.1} %"));
    let sum = |s: &coverage::Sum| format!("{}/{} ({})", s.reached, s.total, pct(s.percent));
    println!("coverage over {} decisions:", r.decisions);
    println!("  rule ids       {}", sum(&r.rule_ids));
    println!("  band rows      {}", sum(&r.band_rows));
    println!("  table rows     {}", sum(&r.table_rows));
    println!("  values tables  {}", sum(&r.values_tables));
    for f in r.rule_files.iter().chain(&r.tables) {
        let what = match f.tracing {
            coverage::Tracing::NotTraced => {
                println!(
                    "  {}: read whole or peeked: per-row coverage not traced",
                    f.file
                );
                continue;
            }
            coverage::Tracing::Calendar => continue,
            _ if f.kind == "rule" => "rule ids",
            _ if f.kind == "values" => "read",
            _ => "rows",
        };
        println!(
            "  {}: {what} {}/{} ({})",
            f.file,
            f.reached,
            f.total,
            pct(f.percent)
        );
        for i in f.missed() {
            println!("    never reached: {}:{}: {}", f.file, i.line, i.id);
        }
        for i in f.items.iter().filter(|i| i.excluded.is_some()) {
            let why = i.excluded.as_deref().unwrap_or("");
            println!("    excluded: {}:{}: {} ({why})", f.file, i.line, i.id);
        }
    }
    let calendars = r
        .tables
        .iter()
        .filter(|t| t.tracing == coverage::Tracing::Calendar)
        .count();
    if calendars > 0 {
        println!(
            "  {calendars} calendar tables: not counted ({} deadlines counted on them)",
            r.calendar_hits
        );
    }
    if !r.dynamic_ids.is_empty() {
        let ids: Vec<&str> = r.dynamic_ids.keys().map(String::as_str).collect();
        println!(
            "  rule ids built at run time (seen, not required): {}",
            ids.join(", ")
        );
    }
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
    let text = match files.to_bundle_compiled() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return Ok(false);
        }
    };
    std::fs::write(output, &text)
        .map_err(|e| Usage(format!("cannot write {}: {e}", output.display())))?;
    // The bundle is the core's JSON: whether it carries a plan is its `compiled` key.
    let compiled = serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|v| v.get("compiled").is_some_and(|c| !c.is_null()));
    println!(
        "wrote {} ({} bytes; {})",
        output.display(),
        text.len(),
        if compiled {
            "with its compiled plan: loads in the browser's core module"
        } else {
            "without a compiled plan (a rule function runs in the interpreter): needs the scripted module"
        }
    );
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

fn vocabulary(ruleset: Option<PathBuf>) -> Result<bool, Usage> {
    let rs = load_ruleset(ruleset).map_err(Usage)?;
    let v = rs.vocabulary();
    println!(
        "{}",
        serde_json::to_string_pretty(&v).expect("a vocabulary serialises")
    );
    Ok(true)
}

fn catalogue(ruleset: Option<PathBuf>, sector: &str, as_of: &str) -> Result<bool, Usage> {
    let rs = load_ruleset(ruleset).map_err(Usage)?;
    let items = ffi::parse_as_of(as_of).and_then(|day| rs.catalogue(sector, day));
    match items {
        Ok(items) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&items).expect("items serialise")
            );
            Ok(true)
        }
        Err(e) => Err(Usage(shown(&e))),
    }
}

/// A ruleset directory, a bundle, or a precompiled plan (told by its first bytes).
fn load_ruleset(path: Option<PathBuf>) -> Result<Ruleset, String> {
    match path {
        None => Ok(Ruleset::default()),
        Some(p) if p.is_dir() => load_dir(&p).map_err(|e| shown(&e)),
        Some(p) => {
            let bytes =
                std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if hazard_rules::precompiled::is_compiled(&bytes) {
                return Ruleset::from_compiled(&bytes).map_err(|e| shown(&e));
            }
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("{} is neither a bundle nor a compiled plan", p.display()))?;
            Ruleset::from_bundle(&text).map_err(|e| shown(&e))
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
    progress: Option<bool>,
) -> Result<bool, Usage> {
    let trace: TraceMode = trace.parse().map_err(Usage)?;
    let as_of = as_of_arg(as_of)?;
    let rs = load_ruleset(ruleset).map_err(|e| {
        eprintln!("error: {e}");
        Usage("cannot load the ruleset".into())
    })?;
    let mut records = Records::open(file, format)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let bar = progress::bar(progress);
    let mut ok = true;
    let mut errors = 0;
    let mut rows = Vec::new();
    let mut n = 0;
    let mut chunk = Chunk::default();
    // Records are read, decided and written a chunk at a time, the chunk
    // spread over the cores, so memory stays bounded and output in order.
    while records.next_chunk(&mut chunk)? {
        let first = n + 1;
        n += chunk.items.len();
        if matches!(output, Output::Table) && n > TABLE_MAX {
            bar.finish_and_clear();
            return Err(Usage(format!(
                "--output table keeps every row in memory to align its columns: \
                 at most {TABLE_MAX} records (use the default JSON Lines output)"
            )));
        }
        for done in decide_all(&rs, chunk.raws(), as_of, trace, output, first) {
            ok &= done.ok;
            errors += usize::from(!done.ok);
            match done.out {
                Out::Line(line) => {
                    if let Err(e) = out.write_all(line.as_bytes()) {
                        // A closed pipe (`| head`): stop quietly.
                        bar.finish_and_clear();
                        return if e.kind() == std::io::ErrorKind::BrokenPipe {
                            Ok(ok)
                        } else {
                            Err(Usage(format!("cannot write the output: {e}")))
                        };
                    }
                }
                Out::Row(cells) => rows.push(cells),
            }
        }
        progress::update(&bar, n, errors);
    }
    bar.finish();
    if let Output::Table = output {
        let _ = write!(out, "{}", table::render(&rows));
    }
    let _ = out.flush();
    Ok(ok)
}

/// `--as-of`: required (the library never reads the clock), and plausible.
fn as_of_arg(as_of: Option<String>) -> Result<chrono::NaiveDate, Usage> {
    let as_of = as_of.ok_or_else(|| {
        Usage("--as-of YYYY-MM-DD is required (the library never reads the clock)".into())
    })?;
    ffi::parse_as_of(&as_of).map_err(|e| Usage(format!("--as-of: {e}")))
}

/// The most records `--output table` takes: it keeps each row's cells (a
/// few hundred bytes) until the last, to align the columns.
const TABLE_MAX: usize = 100_000;

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

/// A decided record: its JSON line (written by the worker), or its row of
/// the table.
struct Done {
    ok: bool,
    out: Out,
}

enum Out {
    Line(String),
    Row(Vec<String>),
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
    on_cores(records, |at, part| {
        let mut ev = rs.evaluator();
        part.into_iter()
            .enumerate()
            .map(|(k, raw)| {
                let (value, id) = raw.read();
                let input = value.and_then(|v| Input::from_value(v).map_err(Error::from));
                let record = first + at + k;
                match output {
                    // The line is written from the outcome: no owned decision.
                    Output::Jsonl => {
                        let line = input
                            .and_then(|i| {
                                let mut o = ev.run(&i, as_of, &Section::ALL, trace)?;
                                Ok(json_line(record, None, Ok(&o.json()?)))
                            })
                            .map_err(|e| json_line::<Decision>(record, id.as_deref(), Err(&e)));
                        Done {
                            ok: line.is_ok(),
                            out: Out::Line(line.unwrap_or_else(|e| e)),
                        }
                    }
                    Output::Table => {
                        let result =
                            input.and_then(|i| rs.evaluate_with(&i, as_of, &Section::ALL, trace));
                        Done {
                            ok: result.is_ok(),
                            out: Out::Row(table::row(record, &result)),
                        }
                    }
                }
            })
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
