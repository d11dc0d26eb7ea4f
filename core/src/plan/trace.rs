//! The trace of a compiled decision: records of what fired (a template and
//! its arguments, a table row, a calendar count), turned into text only when
//! someone asks. The text is byte for byte what the interpreter writes.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::eval::{Ev, Scratch};
use super::{Plan, Seg, V};
use crate::calendar;
use crate::decision::TraceEntry;

/// How much of the trace a decision keeps.
///
/// ```
/// use hazard_rules::TraceMode;
/// assert_eq!("ids".parse::<TraceMode>().unwrap(), TraceMode::Ids);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceMode {
    /// Every entry with its Chinese and English text (the default).
    #[default]
    Full,
    /// Every entry's kind, id, row and ruleset, with empty text: what forms
    /// and batch columns need, without the cost of writing sentences.
    Ids,
    /// No trace.
    Off,
}

impl std::str::FromStr for TraceMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "full" => Ok(TraceMode::Full),
            "ids" => Ok(TraceMode::Ids),
            "off" => Ok(TraceMode::Off),
            _ => Err(format!(
                "unknown trace mode `{s}` (expected full, ids or off)"
            )),
        }
    }
}

/// One trace record.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rec {
    /// `explain`: template and the index of its first argument in `targs`.
    Rule { tpl: u32, args: u32 },
    /// `row(table, key)`.
    Row { table: u16, row: u32, key: V },
    /// `band(table, value)`: row index (the trace shows it 1-based).
    Band { table: u16, row: u32 },
    /// `table(name)` of a values table.
    Table { table: u16 },
    /// `deadline(start, days)`.
    Calendar { start: NaiveDate, days: u64 },
    /// An entry already written (a note, an interpreted section).
    Entry(u32),
}

/// Writes the trace entries of a decision, in order.
pub(crate) fn render(p: &Plan, s: &mut Scratch, mode: TraceMode) -> Vec<TraceEntry> {
    let recs = std::mem::take(&mut s.trace);
    let mut out = Vec::with_capacity(recs.len());
    for r in &recs {
        out.push(entry(p, s, r, mode));
    }
    s.trace = recs;
    out
}

fn entry(p: &Plan, s: &mut Scratch, r: &Rec, mode: TraceMode) -> TraceEntry {
    let text = mode == TraceMode::Full;
    match *r {
        Rec::Rule { tpl, args } => {
            let t = &p.templates[tpl as usize];
            let (zh, en) = if text {
                (
                    write(p, s, &t.zh, args as usize),
                    write(p, s, &t.en, args as usize),
                )
            } else {
                Default::default()
            };
            TraceEntry {
                kind: "rule".into(),
                id: t.id.as_ref().into(),
                row: None,
                ruleset: t.origin.as_ref().into(),
                zh,
                en,
            }
        }
        Rec::Row { table, row, key } => {
            let key = p.text(key, s).unwrap_or("").to_owned();
            row_entry(p, table, row, key, text)
        }
        Rec::Band { table, row } => row_entry(p, table, row, (row + 1).to_string(), text),
        Rec::Table { table } => {
            let t = &p.tables[table as usize];
            TraceEntry {
                kind: "table".into(),
                id: t.name.as_ref().into(),
                row: None,
                ruleset: t.origin.as_ref().into(),
                zh: if text {
                    t.source.as_deref().unwrap_or("").into()
                } else {
                    String::new()
                },
                en: String::new(),
            }
        }
        Rec::Calendar { start, days } => {
            let d = p.calendar.deadline(start, days);
            let (zh, en) = if text {
                calendar::deadline_text(&p.calendar, start, days as i64, &d)
            } else {
                Default::default()
            };
            TraceEntry {
                kind: "calendar".into(),
                id: "civil_code_201_203".into(),
                row: None,
                ruleset: p
                    .calendar
                    .origin(d.nominal.year())
                    .unwrap_or_default()
                    .to_owned(),
                zh,
                en,
            }
        }
        Rec::Entry(i) => {
            let mut e = s.entries[i as usize].clone();
            if !text {
                e.zh.clear();
                e.en.clear();
            }
            e
        }
    }
}

/// A table row that fired: its key (a band's 1-based number) and its label.
fn row_entry(p: &Plan, table: u16, row: u32, key: String, text: bool) -> TraceEntry {
    let t = &p.tables[table as usize];
    let (zh, en) = if text {
        let (zh, en) = &t.labels[row as usize];
        (zh.as_ref().into(), en.as_ref().into())
    } else {
        Default::default()
    };
    TraceEntry {
        kind: "table".into(),
        id: t.name.as_ref().into(),
        row: Some(key),
        ruleset: t.origin.as_ref().into(),
        zh,
        en,
    }
}

/// A template's text with its arguments shown as Rhai shows them.
fn write(p: &Plan, s: &mut Scratch, segs: &[Seg], args: usize) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Lit(t) => out.push_str(t),
            Seg::Arg(i) | Seg::Str(i) => {
                let v = s.targs[args + *i as usize];
                let start = s.text.len();
                Ev::new(p, s).display_value(v);
                out.push_str(&s.text[start..]);
                s.text.truncate(start);
            }
        }
    }
    out
}
