//! `hazard-rules diff`: a register decided by two rulesets, and what changes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use hazard_rules::diff::{outcome, Diff};
use hazard_rules::{Error, Input, Ruleset};
use serde_json::{json, Value};

use super::records::{on_cores, Chunk, Raw, Records};
use super::{load_ruleset, Format, Usage};

/// What `diff` prints.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DiffOutput {
    /// One line a changed field, with counts, moves and examples.
    Text,
    /// The same as one JSON document.
    Json,
    /// Every changed record with both outcomes, one JSON line each.
    Jsonl,
}

pub struct Args {
    pub base: PathBuf,
    pub head: PathBuf,
    pub register: Option<PathBuf>,
    pub as_of: Option<String>,
    pub format: Option<Format>,
    pub output: DiffOutput,
}

/// Decides every record with both rulesets; true when nothing changed (exit
/// 0), false when something did (exit 1: a gate for a ruleset's CI).
pub fn diff(args: Args) -> Result<bool, Usage> {
    let as_of = super::as_of_arg(args.as_of)?;
    let base = ruleset(&args.base)?;
    let head = ruleset(&args.head)?;
    let mut records = Records::open(args.register, args.format)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut diff = Diff::default();
    let mut chunk = Chunk::default();
    let mut n = 0;
    while records.next_chunk(&mut chunk)? {
        let first = n + 1;
        n += chunk.items.len();
        for (k, (id, a, b)) in decide_both(&base, &head, chunk.raws(), as_of)
            .into_iter()
            .enumerate()
        {
            let record = first + k;
            let name = id.clone().unwrap_or_else(|| format!("#{record}"));
            if diff.add(&name, &a, &b) {
                if let DiffOutput::Jsonl = args.output {
                    let line = json!({"record": record, "id": id, "base": a, "head": b});
                    writeln!(out, "{line}")
                        .map_err(|e| Usage(format!("cannot write the output: {e}")))?;
                }
            }
        }
    }
    let fields = diff.fields();
    match args.output {
        DiffOutput::Text => {
            let _ = writeln!(
                out,
                "{} of {} records change",
                diff.changed(),
                diff.records()
            );
            for f in &fields {
                let _ = writeln!(out, "  {f}");
            }
        }
        DiffOutput::Json => {
            let doc =
                json!({"records": diff.records(), "changed": diff.changed(), "fields": fields});
            let _ = writeln!(out, "{doc}");
        }
        DiffOutput::Jsonl => {}
    }
    let _ = out.flush();
    Ok(diff.changed() == 0)
}

/// A ruleset as `eval --ruleset` reads it, or `DIR@REV`: the directory as
/// git has it at that revision (`rulesets/zhejiang@HEAD~1`).
fn ruleset(spec: &Path) -> Result<Ruleset, Usage> {
    let text = spec.to_string_lossy();
    let at_revision = !spec.exists() && text.contains('@');
    let rs = if at_revision {
        let (dir, rev) = text.rsplit_once('@').expect("contains @");
        from_git(Path::new(dir), rev)
    } else {
        load_ruleset(Some(spec.to_path_buf()))
    };
    rs.map_err(|e| {
        eprintln!("error: {e}");
        Usage(format!("cannot load the ruleset {text}"))
    })
}

/// Loads `dir` as the git revision `rev` has it, with the rest of that
/// revision's tree beside it (for `extends`).
fn from_git(dir: &Path, rev: &str) -> Result<Ruleset, String> {
    let git = |args: &[&str], at: &Path| -> Result<Vec<u8>, String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(at)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "git {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(out.stdout)
    };
    let here = std::env::current_dir().map_err(|e| e.to_string())?;
    let top = String::from_utf8(git(&["rev-parse", "--show-toplevel"], &here)?)
        .map_err(|e| e.to_string())?;
    let top = PathBuf::from(top.trim());
    let absolute = here.join(dir);
    let inside = absolute
        .canonicalize()
        .unwrap_or(absolute.clone())
        .strip_prefix(top.canonicalize().unwrap_or(top.clone()))
        .map(Path::to_path_buf)
        .map_err(|_| {
            format!(
                "{} is not inside the repository {}",
                dir.display(),
                top.display()
            )
        })?;
    let tmp = std::env::temp_dir().join(format!(
        "hazard-rules-diff-{}-{}",
        std::process::id(),
        rev.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
    let result = (|| {
        let tar = git(&["archive", "--format=tar", rev], &top)?;
        let mut untar = Command::new("tar")
            .args(["-x", "-C"])
            .arg(&tmp)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run tar: {e}"))?;
        untar
            .stdin
            .take()
            .expect("piped")
            .write_all(&tar)
            .map_err(|e| e.to_string())?;
        if !untar.wait().map_err(|e| e.to_string())?.success() {
            return Err("tar could not unpack the revision".to_owned());
        }
        super::load_dir(&tmp.join(&inside)).map_err(|e| e.to_string())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// Each record's outcome under both rulesets: (id, base, head), in order,
/// spread over the cores.
fn decide_both(
    base: &Ruleset,
    head: &Ruleset,
    records: Vec<Raw<'_>>,
    as_of: chrono::NaiveDate,
) -> Vec<(Option<String>, Value, Value)> {
    on_cores(records, |_, part| {
        let (mut a, mut b) = (base.evaluator(), head.evaluator());
        part.into_iter()
            .map(|raw| {
                let (value, id) = raw.read();
                let input = value.and_then(|v| Input::from_value(v).map_err(Error::from));
                (
                    id,
                    outcome(&mut a, &input, as_of),
                    outcome(&mut b, &input, as_of),
                )
            })
            .collect()
    })
}
