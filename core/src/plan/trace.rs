//! The trace of a compiled decision: records of what fired (a template and
//! its arguments, a table row, a calendar count), turned into text only when
//! someone asks. The text is byte for byte what the interpreter writes.

use std::fmt::Write as _;

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
    /// A version of a table chosen by the day: the table, and its place in
    /// `Scratch::applied`.
    Version { table: u16, applied: u32 },
    /// An entry already written (a note, an interpreted section).
    Entry(u32),
}

/// The text of a decision's trace entries, written once into one buffer
/// (kept in the scratch, so a warm decision does not allocate for it): the
/// owned [`TraceEntry`]s and the streamed JSON are both read from it.
#[derive(Default)]
pub(crate) struct TraceText {
    buf: String,
    spans: Vec<Spans>,
}

/// Where an entry's row key and texts are in [`TraceText::buf`].
#[derive(Clone, Copy)]
struct Spans {
    row: Option<(u32, u32)>,
    zh: (u32, u32),
    en: (u32, u32),
}

/// One trace entry, borrowed: serialises exactly as [`TraceEntry`] does.
#[derive(Serialize)]
pub(crate) struct EntryView<'a> {
    kind: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    row: Option<&'a str>,
    ruleset: &'a str,
    zh: &'a str,
    en: &'a str,
}

impl EntryView<'_> {
    fn to_owned(&self) -> TraceEntry {
        TraceEntry {
            kind: self.kind.into(),
            id: self.id.into(),
            row: self.row.map(Into::into),
            ruleset: self.ruleset.into(),
            zh: self.zh.into(),
            en: self.en.into(),
        }
    }
}

/// Writes the row keys and texts of every trace record into `s.trace_text`.
pub(crate) fn prepare(p: &Plan, s: &mut Scratch, mode: TraceMode) {
    let mut t = std::mem::take(&mut s.trace_text);
    t.buf.clear();
    t.spans.clear();
    let text = mode == TraceMode::Full;
    for k in 0..s.trace.len() {
        let r = s.trace[k];
        let none = (0, 0);
        let spans = match r {
            Rec::Rule { tpl, args } if text => {
                let tp = &p.templates[tpl as usize];
                Spans {
                    row: None,
                    zh: span(&mut t, |b| write(p, s, &tp.zh, args as usize, b)),
                    en: span(&mut t, |b| write(p, s, &tp.en, args as usize, b)),
                }
            }
            Rec::Row { key, .. } => Spans {
                row: Some(span(&mut t, |b| b.push_str(p.text(key, s).unwrap_or("")))),
                zh: none,
                en: none,
            },
            Rec::Band { row, .. } => Spans {
                row: Some(span(&mut t, |b| {
                    let _ = write!(b, "{}", row + 1);
                })),
                zh: none,
                en: none,
            },
            Rec::Version { table, applied } => {
                let tb = &p.tables[table as usize];
                let label = tb.version.as_ref().map_or(&tb.name, |v| &v.label);
                let row = Some(span(&mut t, |b| b.push_str(label)));
                match text {
                    true => {
                        let (_, day) = s.applied[applied as usize];
                        let (zh, en) = tb.applied(day).explain();
                        Spans {
                            row,
                            zh: span(&mut t, |b| b.push_str(&zh)),
                            en: span(&mut t, |b| b.push_str(&en)),
                        }
                    }
                    false => Spans {
                        row,
                        zh: none,
                        en: none,
                    },
                }
            }
            Rec::Calendar { start, days } if text => {
                let d = p.calendar.deadline(start, days);
                let (zh, en) = calendar::deadline_text(&p.calendar, start, days as i64, &d);
                Spans {
                    row: None,
                    zh: span(&mut t, |b| b.push_str(&zh)),
                    en: span(&mut t, |b| b.push_str(&en)),
                }
            }
            _ => Spans {
                row: None,
                zh: none,
                en: none,
            },
        };
        t.spans.push(spans);
    }
    s.trace_text = t;
}

/// Appends what `f` writes to the buffer; where it is.
fn span(t: &mut TraceText, f: impl FnOnce(&mut String)) -> (u32, u32) {
    let start = t.buf.len();
    f(&mut t.buf);
    (start as u32, (t.buf.len() - start) as u32)
}

/// Entry `k` of a trace that [`prepare`] wrote.
pub(crate) fn view<'a>(p: &'a Plan, s: &'a Scratch, k: usize, mode: TraceMode) -> EntryView<'a> {
    let text = mode == TraceMode::Full;
    let t = &s.trace_text;
    let spans = t.spans[k];
    let at = |(a, n): (u32, u32)| &t.buf[a as usize..(a + n) as usize];
    let (zh, en) = (at(spans.zh), at(spans.en));
    let row = spans.row.map(at);
    match s.trace[k] {
        Rec::Rule { tpl, .. } => {
            let tp = &p.templates[tpl as usize];
            EntryView {
                kind: "rule",
                id: &tp.id,
                row: None,
                ruleset: &tp.origin,
                zh,
                en,
            }
        }
        Rec::Row { table, row: r, .. } | Rec::Band { table, row: r } => {
            let tb = &p.tables[table as usize];
            let (zh, en) = match text {
                true => {
                    let (zh, en) = &tb.labels[r as usize];
                    (zh.as_ref(), en.as_ref())
                }
                false => ("", ""),
            };
            EntryView {
                kind: "table",
                id: &tb.name,
                row,
                ruleset: &tb.origin,
                zh,
                en,
            }
        }
        Rec::Table { table } => {
            let tb = &p.tables[table as usize];
            EntryView {
                kind: "table",
                id: &tb.name,
                row: None,
                ruleset: &tb.origin,
                zh: if text {
                    tb.source.as_deref().unwrap_or("")
                } else {
                    ""
                },
                en: "",
            }
        }
        Rec::Version { table, .. } => {
            let tb = &p.tables[table as usize];
            EntryView {
                kind: "version",
                id: tb.version.as_ref().map_or(&tb.name, |v| &v.of),
                row,
                ruleset: &tb.origin,
                zh,
                en,
            }
        }
        Rec::Calendar { start, days } => EntryView {
            kind: "calendar",
            id: "civil_code_201_203",
            row: None,
            ruleset: p
                .calendar
                .origin(p.calendar.deadline(start, days).nominal.year())
                .unwrap_or_default(),
            zh,
            en,
        },
        Rec::Entry(i) => {
            let e = &s.entries[i as usize];
            EntryView {
                kind: &e.kind,
                id: &e.id,
                row: e.row.as_deref(),
                ruleset: &e.ruleset,
                zh: if text { &e.zh } else { "" },
                en: if text { &e.en } else { "" },
            }
        }
    }
}

/// The trace of a prepared decision as a JSON array, entry by entry.
pub(crate) struct TraceView<'a> {
    pub p: &'a Plan,
    pub s: &'a Scratch,
    pub mode: TraceMode,
}

impl Serialize for TraceView<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_seq((0..self.s.trace.len()).map(|k| view(self.p, self.s, k, self.mode)))
    }
}

/// Writes the trace entries of a decision, in order.
pub(crate) fn render(p: &Plan, s: &mut Scratch, mode: TraceMode) -> Vec<TraceEntry> {
    prepare(p, s, mode);
    (0..s.trace.len())
        .map(|k| view(p, s, k, mode).to_owned())
        .collect()
}

/// A template's text with its arguments shown as Rhai shows them.
fn write(p: &Plan, s: &mut Scratch, segs: &[Seg], args: usize, out: &mut String) {
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
}
