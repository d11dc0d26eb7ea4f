//! Records as `eval` and `diff` read them: JSON Lines and CSV streamed a
//! chunk at a time from any reader (a line or a CSV record too long to hold
//! is that record's error), a JSON document read whole.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use hazard_rules::{input::FieldKind, Error, InputError};
use serde_json::Value;

use super::{Format, Usage};

/// The longest a JSON Lines line or a CSV record may be: a longer one is that
/// record's error (JSON Lines; CSV stops there), not an allocation as large
/// as the input.
const MAX_RECORD_BYTES: usize = 16 << 20;

/// At most this many records a chunk...
const CHUNK: usize = 4096;
/// ... and about this many bytes of JSON Lines text.
const CHUNK_BYTES: usize = 32 << 20;

/// The input without its UTF-8 byte-order mark, if it has one.
/// The input format a file's extension names (JSON Lines otherwise).
fn guess_format(path: Option<&Path>) -> Format {
    match path.and_then(|p| p.extension()).and_then(|e| e.to_str()) {
        Some("csv") => Format::Csv,
        Some("json") => Format::Json,
        _ => Format::Jsonl,
    }
}

fn skip_bom(mut input: Box<dyn Read>) -> std::io::Result<Box<dyn Read>> {
    let mut head = [0u8; 3];
    let mut len = 0;
    while len < 3 {
        match input.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(k) => len += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = if head[..len] == *b"\xef\xbb\xbf" {
        Vec::new()
    } else {
        head[..len].to_vec()
    };
    Ok(Box::new(std::io::Cursor::new(head).chain(input)))
}

/// Records as read, a chunk at a time: JSON Lines and CSV streamed, a JSON
/// document read whole.
pub enum Records {
    Lines {
        input: std::io::BufReader<Box<dyn Read>>,
        line: usize,
    },
    Csv(Box<CsvRecords>),
    Values(std::vec::IntoIter<Result<Value, Error>>),
}

/// What a chunk holds: JSON Lines text (parsed by the worker that decides
/// each line), or records already read.
#[derive(Default)]
pub struct Chunk {
    text: Vec<u8>,
    pub items: Vec<Item>,
}

pub enum Item {
    /// A line's number and where it is in [`Chunk::text`].
    Line(usize, std::ops::Range<usize>),
    Value(Result<Value, Error>),
    /// A record that cannot be read, with its id when that is known.
    Bad(Error, Option<String>),
}

impl Chunk {
    /// The chunk's records, taken out of it (its text stays, borrowed).
    pub fn raws(&mut self) -> Vec<Raw<'_>> {
        let Chunk { text, items } = self;
        items
            .drain(..)
            .map(|item| match item {
                Item::Line(no, range) => Raw::Line(no, &text[range]),
                Item::Value(v) => Raw::Value(v),
                Item::Bad(e, id) => Raw::Bad(e, id),
            })
            .collect()
    }
}

fn input_error(at: String, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(at, message))
}

impl Records {
    /// The records of a file (`-` or none: standard input), in `format` or
    /// the one its extension names, without a UTF-8 byte-order mark.
    pub fn open(file: Option<PathBuf>, format: Option<Format>) -> Result<Records, Usage> {
        let path = file.filter(|p| p.as_os_str() != "-");
        let format = format.unwrap_or_else(|| guess_format(path.as_deref()));
        let input: Box<dyn Read> = match &path {
            Some(p) => Box::new(
                std::fs::File::open(p)
                    .map_err(|e| Usage(format!("cannot read {}: {e}", p.display())))?,
            ),
            None => Box::new(std::io::stdin().lock()),
        };
        let input = skip_bom(input).map_err(|e| Usage(format!("cannot read the input: {e}")))?;
        Records::new(input, format)
    }

    fn new(mut input: Box<dyn Read>, format: Format) -> Result<Records, Usage> {
        Ok(match format {
            Format::Jsonl => Records::Lines {
                input: std::io::BufReader::with_capacity(1 << 16, input),
                line: 0,
            },
            Format::Csv => CsvRecords::open(input),
            // One document: read whole (see `--format`'s help).
            Format::Json => {
                let mut bytes = Vec::new();
                input
                    .read_to_end(&mut bytes)
                    .map_err(|e| Usage(format!("cannot read the input: {e}")))?;
                Records::Values(read_json(&bytes).into_iter())
            }
        })
    }

    /// Fills `chunk` with the next records; false at the end of the input.
    pub fn next_chunk(&mut self, chunk: &mut Chunk) -> Result<bool, Usage> {
        chunk.text.clear();
        chunk.items.clear();
        let read_error = |e: std::io::Error| Usage(format!("cannot read the input: {e}"));
        match self {
            Records::Lines { input, line } => {
                while chunk.items.len() < CHUNK && chunk.text.len() < CHUNK_BYTES {
                    let start = chunk.text.len();
                    let Some(read) =
                        read_line(input, &mut chunk.text, MAX_RECORD_BYTES).map_err(read_error)?
                    else {
                        break;
                    };
                    *line += 1;
                    match read {
                        Ok(()) if chunk.text[start..].trim_ascii().is_empty() => {
                            chunk.text.truncate(start);
                        }
                        Ok(()) => chunk
                            .items
                            .push(Item::Line(*line, start..chunk.text.len())),
                        Err(len) => chunk.items.push(Item::Bad(
                            input_error(
                                format!("<line {line}>"),
                                format!(
                                    "the line is {len} bytes long; a record may have at most {MAX_RECORD_BYTES}"
                                ),
                            ),
                            None,
                        )),
                    }
                }
            }
            Records::Csv(csv) => csv.fill(chunk)?,
            Records::Values(values) => chunk
                .items
                .extend(values.by_ref().take(CHUNK).map(Item::Value)),
        }
        Ok(!chunk.items.is_empty())
    }
}

/// Reads one line (without its `\n`) onto the end of `buf`: `None` at the end
/// of the input, `Some(Err(length))` for a line longer than `max` bytes, which
/// is skipped without being kept.
fn read_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<Result<(), usize>>> {
    let start = buf.len();
    let (mut len, mut any) = (0usize, false);
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (take, end) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (available.len(), false),
        };
        len += take;
        if len <= max {
            buf.extend_from_slice(&available[..take]);
        } else {
            buf.truncate(start);
        }
        input.consume(take + usize::from(end));
        if end {
            break;
        }
    }
    Ok(any.then_some(if len <= max { Ok(()) } else { Err(len) }))
}

/// CSV records, read one at a time, each cell by its column's type.
pub struct CsvRecords {
    reader: csv::Reader<Bounded>,
    /// How far the reader may read: [`MAX_RECORD_BYTES`] past the record's start.
    limit: std::rc::Rc<std::cell::Cell<u64>>,
    names: Vec<String>,
    kinds: Vec<FieldKind>,
    id_column: Option<usize>,
    record: csv::StringRecord,
    done: bool,
}

/// A reader that refuses to read past a limit that its owner moves forward.
struct Bounded {
    input: Box<dyn Read>,
    read: u64,
    limit: std::rc::Rc<std::cell::Cell<u64>>,
}

impl Read for Bounded {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.limit.get().saturating_sub(self.read);
        if left == 0 && !buf.is_empty() {
            return Err(std::io::Error::other(format!(
                "a record longer than {MAX_RECORD_BYTES} bytes (an unclosed quote?)"
            )));
        }
        let k = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = self.input.read(&mut buf[..k])?;
        self.read += got as u64;
        Ok(got)
    }
}

/// The csv reader's own buffer: it may read this far ahead of a record.
const CSV_BUFFER: usize = 1 << 16;

impl CsvRecords {
    fn open(input: Box<dyn Read>) -> Records {
        let limit = std::rc::Rc::new(std::cell::Cell::new((MAX_RECORD_BYTES + CSV_BUFFER) as u64));
        let mut reader = csv::ReaderBuilder::new()
            .buffer_capacity(CSV_BUFFER)
            .from_reader(Bounded {
                input,
                read: 0,
                limit: limit.clone(),
            });
        let bad =
            |e: String| Records::Values(vec![Err(input_error("<line 1>".into(), e))].into_iter());
        let headers = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => return bad(e.to_string()),
        };
        if let Some(h) = headers
            .iter()
            .find(|h| h.split('.').count() > MAX_COLUMN_DEPTH)
        {
            let shown: String = h.chars().take(60).collect();
            return bad(format!(
                "column `{shown}…` nests deeper than {MAX_COLUMN_DEPTH} levels"
            ));
        }
        // Unknown, repeated and overlapping columns are the file's error.
        let kinds = match hazard_rules::input::table_columns(headers.iter()) {
            Ok(k) => k,
            Err(e) => return Records::Values(vec![Err(e.into())].into_iter()),
        };
        let names: Vec<String> = headers.iter().map(str::to_owned).collect();
        Records::Csv(Box::new(CsvRecords {
            id_column: names.iter().position(|n| n == "id"),
            reader,
            limit,
            names,
            kinds,
            record: csv::StringRecord::new(),
            done: false,
        }))
    }

    fn fill(&mut self, chunk: &mut Chunk) -> Result<(), Usage> {
        let names: Vec<&str> = self.names.iter().map(String::as_str).collect();
        while !self.done && chunk.items.len() < CHUNK {
            let at = self.reader.position().clone();
            self.limit
                .set(at.byte() + (MAX_RECORD_BYTES + CSV_BUFFER) as u64);
            let line = at.line();
            let bad = |e: String| input_error(format!("<line {line}>"), e);
            match self.reader.read_record(&mut self.record) {
                Ok(false) => self.done = true,
                Ok(true) => {
                    let id = self
                        .id_column
                        .and_then(|i| self.record.get(i))
                        .filter(|id| !id.trim().is_empty())
                        .map(str::to_owned);
                    chunk.items.push(
                        match hazard_rules::input::table_row(
                            &names,
                            &self.kinds,
                            self.record.iter(),
                        ) {
                            Ok(v) => Item::Value(Ok(v)),
                            Err(e) => Item::Bad(e.into(), id),
                        },
                    );
                }
                Err(e) => {
                    // After a read error the reader cannot find the next record.
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        self.done = true;
                    }
                    chunk.items.push(Item::Bad(bad(e.to_string()), None));
                }
            }
        }
        Ok(())
    }
}

/// A record as read: a line of JSON Lines (parsed by the worker that decides
/// it), a value already parsed from JSON or CSV, or a record that could not
/// be read (with its id when known).
pub enum Raw<'a> {
    Line(usize, &'a [u8]),
    Value(Result<Value, Error>),
    Bad(Error, Option<String>),
}

impl Raw<'_> {
    /// The record as a JSON value (a line parsed here, by the worker that
    /// decides it), and its id as written, known even when the rest of the
    /// record cannot be read.
    pub fn read(self) -> (Result<Value, Error>, Option<String>) {
        let (value, id) = match self {
            Raw::Line(no, text) => (
                serde_json::from_slice(text)
                    .map_err(|e| input_error(format!("<line {no}>"), e.to_string())),
                None,
            ),
            Raw::Value(v) => (v, None),
            Raw::Bad(e, id) => (Err(e), id),
        };
        let id = id.or_else(|| {
            value
                .as_ref()
                .ok()
                .and_then(|v| v.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        (value, id)
    }
}

/// Splits `items` over the cores and maps each part on a thread of its own
/// (`f` gets the part's offset in `items` too), keeping their order.
pub fn on_cores<T: Send, R: Send>(
    mut items: Vec<T>,
    f: impl Fn(usize, Vec<T>) -> Vec<R> + Sync,
) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = items.len().div_ceil(threads).max(1);
    let mut parts = Vec::new();
    while items.len() > per {
        let rest = items.split_off(per);
        parts.push(items);
        items = rest;
    }
    parts.push(items);
    let f = &f;
    std::thread::scope(|scope| {
        let mut start = 0;
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let at = start;
                start += part.len();
                scope.spawn(move || f(at, part))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread does not panic"))
            .collect()
    })
}

/// A JSON document's records: an array's items, or the one object; a
/// document that does not parse is one error.
fn read_json(text: &[u8]) -> Vec<Result<Value, Error>> {
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Array(items)) => items.into_iter().map(Ok).collect(),
        Ok(v) => vec![Ok(v)],
        Err(e) => vec![Err(input_error(
            format!("<line {}>", e.line()),
            e.to_string(),
        ))],
    }
}

/// The deepest a CSV column may nest (`hazard.enterprise.principal.name`
/// is 4): a header of thousands of dotted parts would build a value whose
/// drop overflows the stack.
const MAX_COLUMN_DEPTH: usize = 8;
