//! The extension module `hazard_rules._hazard_rules`, wrapped by the Python
//! package `hazard_rules` (`python/hazard_rules`).
//!
//! It only converts types: Python values or Arrow arrays (`arrow_in`) become
//! the core's input, the core evaluates, decisions come back as Python dicts
//! (one record) or as Arrow record batches (`arrow_out`, a batch, for pandas,
//! pyarrow or polars). Rule logic, error wording, cell reading and date
//! parsing are the core's (`hazard_rules::ffi`, `hazard_rules::input`), so
//! every binding gives the same answers and messages. Batches run on all
//! cores (rayon) with the GIL released.

mod arrow_in;
mod arrow_out;
mod arrow_rows;
mod convert;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::NaiveDate;
use hazard_rules::diff::outcome;
use hazard_rules::input::{field_kind, Cell, FieldKind, FrameRow};
use hazard_rules::{ffi, Error, Input, Ruleset, RulesetError, RulesetFiles, Section, TraceMode};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString, PyTuple};
use rayon::prelude::*;
use serde_json::{Map, Value};

use convert::{to_json, to_py, Mode};

/// The core error as a dict: `kind`, `message` and `message_zh` (as in
/// every binding), the location fields, and `reason` and `reason_zh` (the
/// messages without their location).
fn error_value(err: &Error) -> Value {
    let mut v = ffi::error_value(err);
    let (reason, reason_zh) = match err {
        Error::Input(e) => (e.message.clone(), e.message_zh.clone()),
        Error::Ruleset(e) => (e.message.clone(), e.message_zh.clone()),
        Error::Limit(e) => (e.limit.clone(), e.limit_zh()),
    };
    if let Value::Object(m) = &mut v {
        m.insert("reason".into(), Value::String(reason));
        m.insert("reason_zh".into(), Value::String(reason_zh));
    }
    v
}

/// The Python exception for a core error (classes in `hazard_rules._errors`).
fn py_error(py: Python<'_>, err: &Error, row: Option<usize>) -> PyErr {
    static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = FROM_CORE
        .import(py, "hazard_rules._errors", "_from_core")
        .and_then(|f| f.call1((to_py(py, &error_value(err))?, row)));
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

fn as_of(py: Python<'_>, text: &str) -> PyResult<NaiveDate> {
    ffi::parse_as_of(text).map_err(|e| py_error(py, &e, None))
}

fn decision_json(d: &hazard_rules::Decision) -> Value {
    serde_json::to_value(d).expect("a decision serialises")
}

/// A loaded ruleset chain (the Python class `hazard_rules.Ruleset` wraps it).
#[pyclass(frozen, module = "hazard_rules._hazard_rules")]
struct NativeRuleset {
    rules: Arc<Ruleset>,
}

impl NativeRuleset {
    fn decide<'py>(
        &self,
        py: Python<'py>,
        value: Value,
        as_of_date: &str,
        section: Option<&str>,
        trace: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let date = as_of(py, as_of_date)?;
        let section = section
            .map(ffi::parse_section)
            .transpose()
            .map_err(|e| py_error(py, &e, None))?;
        let mode = ffi::parse_trace(trace).map_err(|e| py_error(py, &e, None))?;
        let rules = self.rules.clone();
        let result = py.detach(move || {
            let input = Input::from_value(value)?;
            let sections = section.map_or(Section::ALL.to_vec(), |s| vec![s]);
            let d = rules.evaluate_with(&input, date, &sections, mode)?;
            Ok::<_, Error>(decision_json(&d))
        });
        match result {
            Ok(v) => to_py(py, &v),
            Err(e) => Err(py_error(py, &e, None)),
        }
    }

    fn wrap(py: Python<'_>, r: Result<Ruleset, Error>) -> PyResult<Self> {
        match r {
            Ok(rules) => Ok(NativeRuleset {
                rules: Arc::new(rules),
            }),
            Err(e) => Err(py_error(py, &e, None)),
        }
    }
}

#[pymethods]
impl NativeRuleset {
    /// The embedded default chain (national → zhejiang → jinhua).
    #[staticmethod]
    fn default(py: Python<'_>) -> Self {
        NativeRuleset {
            rules: Arc::new(py.detach(Ruleset::default)),
        }
    }

    /// An embedded ruleset: `national`, `zhejiang`, `zhejiang/jinhua`, `henan`.
    #[staticmethod]
    fn embedded(py: Python<'_>, leaf: &str) -> PyResult<Self> {
        let r = py.detach(|| Ruleset::embedded(leaf));
        Self::wrap(py, r)
    }

    /// A ruleset directory (and the chain it extends, within `root` if
    /// given), or a bundle file.
    #[staticmethod]
    #[pyo3(signature = (path, root=None))]
    fn load(py: Python<'_>, path: PathBuf, root: Option<PathBuf>) -> PyResult<Self> {
        let r = py.detach(|| {
            if path.is_dir() {
                let files = match &root {
                    Some(root) => RulesetFiles::read_dir_within(&path, root),
                    None => RulesetFiles::read_dir(&path),
                };
                files.map_err(Error::from).and_then(Ruleset::from_files)
            } else {
                let shown = path.display().to_string();
                std::fs::read_to_string(&path)
                    .map_err(|e| {
                        Error::Ruleset(RulesetError::in_file(shown, format!("cannot read: {e}")))
                    })
                    .and_then(|text| Ruleset::from_bundle(&text))
            }
        });
        Self::wrap(py, r)
    }

    /// The bundle text of a ruleset directory (with the chain it extends,
    /// within `root` if given) or of a bundle file: what a loaded ruleset
    /// ships to other processes (pickling, Dask workers).
    #[staticmethod]
    #[pyo3(signature = (path, root=None))]
    fn bundle(py: Python<'_>, path: PathBuf, root: Option<PathBuf>) -> PyResult<String> {
        let r = py.detach(|| {
            if path.is_dir() {
                let files = match &root {
                    Some(root) => RulesetFiles::read_dir_within(&path, root),
                    None => RulesetFiles::read_dir(&path),
                };
                files.and_then(|f| f.to_bundle())
            } else {
                let shown = path.display().to_string();
                std::fs::read_to_string(&path)
                    .map_err(|e| RulesetError::in_file(shown, format!("cannot read: {e}")))
            }
        });
        r.map_err(|e| py_error(py, &Error::Ruleset(e), None))
    }

    /// A bundle made by `hazard-rules bundle` (JSON text).
    #[staticmethod]
    fn from_bundle(py: Python<'_>, text: &str) -> PyResult<Self> {
        let r = py.detach(|| Ruleset::from_bundle(text));
        Self::wrap(py, r)
    }

    /// `{"chain": [...], "tables": [...]}` as `hazard_rules::ffi::info` gives it.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v: Value = serde_json::from_str(&ffi::info(&self.rules))
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        to_py(py, &v["ok"])
    }

    /// `ffi::vocabulary`'s answer: sectors, listing levels, stages, colours
    /// and risk methods, each `{"id", "zh", "en"}`.
    fn vocabulary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let v = serde_json::to_value(self.rules.vocabulary())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        to_py(py, &v)
    }

    /// The catalogue items in force for a sector on a day, as dicts; raises
    /// an `InputError` for an unknown sector or a bad date.
    fn catalogue<'py>(
        &self,
        py: Python<'py>,
        sector: &str,
        as_of_date: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let day = as_of(py, as_of_date)?;
        let items = self
            .rules
            .catalogue(sector, day)
            .map_err(|e| py_error(py, &e, None))?;
        let v = serde_json::to_value(items).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        to_py(py, &v)
    }

    /// Every problem of one record (a dict) as of a date: `ffi::validate`'s
    /// `{"valid", "problems"}`; raises only for an error that is not the
    /// input's (a failing rule).
    fn validate<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        as_of_date: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let value = match to_json(record, Mode::Record) {
            Ok(value) => value.unwrap_or(Value::Null),
            // A value the converter cannot read (a set, an object of its
            // own class) is the record's problem, reported like the others.
            Err(e) => match e.into_error("") {
                Error::Input(problem) => {
                    let answer = serde_json::json!({ "valid": false, "problems": [problem] });
                    return to_py(py, &answer);
                }
                other => return Err(py_error(py, &other, None)),
            },
        };
        let answer: Value =
            serde_json::from_str(&ffi::validate(&self.rules, &value.to_string(), as_of_date))
                .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        match answer.get("ok") {
            Some(ok) => to_py(py, ok),
            None => {
                static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
                let exc = FROM_CORE
                    .import(py, "hazard_rules._errors", "_from_core")?
                    .call1((to_py(py, &answer["error"])?, py.None()))?;
                Err(PyErr::from_value(exc))
            }
        }
    }

    /// One record (a dict) as of a date: the decision as a dict, or raises.
    /// `trace`: `full`, `ids` (entries without sentences) or `off`.
    #[pyo3(signature = (record, as_of_date, section=None, trace="full"))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
        as_of_date: &str,
        section: Option<&str>,
        trace: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        as_of(py, as_of_date)?; // checked first, as in `ffi::evaluate`
        let value = to_json(record, Mode::Record)
            .map_err(|e| py_error(py, &e.into_error(""), None))?
            .unwrap_or(Value::Null);
        self.decide(py, value, as_of_date, section, trace)
    }

    /// One table row (names are dotted input paths) as of a date: the decision
    /// as a dict, or raises. Cells are read as in a batch of table rows.
    #[pyo3(signature = (names, cells, as_of_date, section=None, trace="full"))]
    fn evaluate_cells<'py>(
        &self,
        py: Python<'py>,
        names: Vec<String>,
        cells: Vec<Bound<'py, PyAny>>,
        as_of_date: &str,
        section: Option<&str>,
        trace: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if names.len() != cells.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "names and cells differ in length",
            ));
        }
        as_of(py, as_of_date)?;
        check_names(&names)?;
        let paths: Vec<Vec<&str>> = names.iter().map(|n| n.split('.').collect()).collect();
        let kinds = column_kinds(&names);
        let value =
            row_value(&names, &paths, &kinds, &cells).map_err(|e| py_error(py, &e, None))?;
        self.decide(py, value, as_of_date, section, trace)
    }

    /// Many records (dicts), in parallel: a list of `(True, decision)` or
    /// `(False, error)` pairs, in order.
    fn evaluate_records<'py>(
        &self,
        py: Python<'py>,
        records: &Bound<'py, PyAny>,
        as_of_date: &str,
    ) -> PyResult<Bound<'py, PyList>> {
        let date = as_of(py, as_of_date)?;
        let values = record_values(records)?;
        let rules = self.rules.clone();
        let results: Vec<Result<Value, Error>> = py.detach(move || {
            values
                .into_par_iter()
                .map(|v| {
                    let input = Input::from_value(v?)?;
                    Ok(decision_json(&rules.evaluate(&input, date)?))
                })
                .collect()
        });
        let out = PyList::empty(py);
        for r in results {
            let pair = match r {
                Ok(v) => (true, to_py(py, &v)?),
                Err(e) => (false, to_py(py, &error_value(&e))?),
            };
            out.append(PyTuple::new(
                py,
                [pair.0.into_pyobject(py)?.to_owned().into_any(), pair.1],
            )?)?;
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        let chain: Vec<String> = self
            .rules
            .chain_refs()
            .iter()
            .map(|r| format!("{}@{}", r.id, r.version))
            .collect();
        format!("NativeRuleset({})", chain.join(" → "))
    }
}

/// Dicts of a chunk as JSON values; a record that cannot be converted is that record's error.
fn record_values(records: &Bound<'_, PyAny>) -> PyResult<Vec<Result<Value, Error>>> {
    let mut out = Vec::new();
    for item in records.try_iter()? {
        let item = item?;
        out.push(
            to_json(&item, Mode::Record)
                .map(|v| v.unwrap_or(Value::Null))
                .map_err(|e| e.into_error("")),
        );
    }
    Ok(out)
}

/// Rows given as columns as records: `names` are dotted input paths
/// (`hazard.listing.level`), `columns` equally long lists of cells.
fn column_values(
    names: &[String],
    columns: &[Bound<'_, PyList>],
) -> PyResult<Vec<Result<Value, Error>>> {
    if names.len() != columns.len() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "names and columns differ in length",
        ));
    }
    let rows = columns.first().map_or(0, |c| c.len());
    if columns.iter().any(|c| c.len() != rows) {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "columns differ in length",
        ));
    }
    check_names(names)?;
    let paths: Vec<Vec<&str>> = names.iter().map(|n| n.split('.').collect()).collect();
    let kinds = column_kinds(names);
    let mut values = Vec::with_capacity(rows);
    for r in 0..rows {
        let cells = columns
            .iter()
            .map(|c| c.get_item(r))
            .collect::<PyResult<Vec<_>>>()?;
        values.push(row_value(names, &paths, &kinds, &cells));
    }
    Ok(values)
}

/// Decides records into Arrow record batches (`arrow_out`): the rows are
/// split into pieces of `chunk` rows, each read, decided and written into a
/// record batch of its own on one of the worker threads (all cores, without
/// the GIL), with one evaluator and one set of builders per piece; the
/// batches keep the rows' order.
#[pyclass(frozen, module = "hazard_rules._hazard_rules")]
struct ArrowDecider {
    rules: Arc<Ruleset>,
    as_of: NaiveDate,
    raise_errors: bool,
    trace: bool,
    layout: Arc<arrow_out::Layout>,
}

#[pymethods]
impl ArrowDecider {
    /// `errors`: `collect` or `raise`; `metadata` goes on the output's
    /// schema (`as_of`, `ruleset`).
    #[new]
    #[pyo3(signature = (ruleset, as_of_date, errors="collect", trace=false, metadata=HashMap::new()))]
    fn new(
        py: Python<'_>,
        ruleset: &NativeRuleset,
        as_of_date: &str,
        errors: &str,
        trace: bool,
        metadata: HashMap<String, String>,
    ) -> PyResult<Self> {
        Ok(ArrowDecider {
            rules: ruleset.rules.clone(),
            as_of: as_of(py, as_of_date)?,
            raise_errors: raise_errors(errors)?,
            trace,
            layout: Arc::new(arrow_out::Layout::of_decision(trace, metadata)),
        })
    }

    /// An Arrow object's rows (all its batches), in record batches of
    /// `chunk` rows; `start` is the first row's number (for the error raised
    /// with `errors="raise"`); `progress`, if given, is called with the
    /// number of rows decided as they are (a progress bar's `update`).
    #[pyo3(signature = (data, chunk, start=0, progress=None))]
    fn decide_arrow(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        chunk: usize,
        start: usize,
        progress: Option<Bound<'_, PyAny>>,
    ) -> PyResult<arrow_out::DecidedBatches> {
        let mut reader = arrow_in::import(data)?;
        let mut batches = Vec::new();
        let mut row = start;
        while let Some(batch) = next_batch(py, &mut reader)? {
            let frame = arrow_in::Frame::new(&batch)?;
            batches.extend(self.decide(py, &frame, chunk, row, progress.as_ref())?);
            row += frame.rows();
        }
        Ok(arrow_out::DecidedBatches::new(self.layout.clone(), batches))
    }

    /// Records given as dicts, in record batches of `chunk` rows (default:
    /// one per worker thread).
    #[pyo3(signature = (records, start=0, chunk=None))]
    fn decide_records(
        &self,
        py: Python<'_>,
        records: &Bound<'_, PyAny>,
        start: usize,
        chunk: Option<usize>,
    ) -> PyResult<arrow_out::DecidedBatches> {
        let values = record_values(records)?;
        let inputs = Prepared(py.detach(|| inputs_of(values)));
        let chunk = chunk.unwrap_or_else(|| per_thread(inputs.rows()));
        let batches = self.decide(py, &inputs, chunk, start, None)?;
        Ok(arrow_out::DecidedBatches::new(self.layout.clone(), batches))
    }

    /// Rows given as columns: `names` dotted input paths, `columns`
    /// equally long lists of cells; record batches as for `decide_records`.
    #[pyo3(signature = (names, columns, start=0, chunk=None))]
    fn decide_columns(
        &self,
        py: Python<'_>,
        names: Vec<String>,
        columns: Vec<Bound<'_, PyList>>,
        start: usize,
        chunk: Option<usize>,
    ) -> PyResult<arrow_out::DecidedBatches> {
        let values = column_values(&names, &columns)?;
        let inputs = Prepared(py.detach(|| inputs_of(values)));
        let chunk = chunk.unwrap_or_else(|| per_thread(inputs.rows()));
        let batches = self.decide(py, &inputs, chunk, start, None)?;
        Ok(arrow_out::DecidedBatches::new(self.layout.clone(), batches))
    }

    /// The batches of several calls as one stream (same schema).
    fn join(&self, parts: Vec<PyRef<'_, arrow_out::DecidedBatches>>) -> arrow_out::DecidedBatches {
        let batches = parts.iter().flat_map(|p| p.chunks().to_vec()).collect();
        arrow_out::DecidedBatches::new(self.layout.clone(), batches)
    }

    /// Decides an Arrow stream lazily: an iterator of `DecidedBatches`, one
    /// per batch of the stream, so memory stays that of one batch.
    fn stream(&self, data: &Bound<'_, PyAny>, chunk: usize) -> PyResult<DecidedStream> {
        Ok(DecidedStream {
            decider: ArrowDecider {
                rules: self.rules.clone(),
                as_of: self.as_of,
                raise_errors: self.raise_errors,
                trace: self.trace,
                layout: self.layout.clone(),
            },
            reader: Mutex::new(Some(arrow_in::import(data)?)),
            chunk: chunk.max(1),
            row: Mutex::new(0),
        })
    }
}

/// Rows to decide: each one's input, read on the worker thread that decides it.
trait Source: Sync {
    /// Memory a worker keeps from row to row.
    type Scratch<'s>: Default
    where
        Self: 's;
    fn rows(&self) -> usize;
    fn input<'s>(
        &'s self,
        row: usize,
        scratch: &mut Self::Scratch<'s>,
    ) -> Result<Cow<'s, Input>, Cow<'s, Failed>>;
}

/// A row's error and its input's id, or the same borrowed.
type Failed = arrow_in::Failed;

impl Source for arrow_in::Frame {
    type Scratch<'s> = (Vec<Cell<'s>>, FrameRow<'s>);

    fn rows(&self) -> usize {
        arrow_in::Frame::rows(self)
    }

    fn input<'s>(
        &'s self,
        row: usize,
        (cells, read): &mut Self::Scratch<'s>,
    ) -> Result<Cow<'s, Input>, Cow<'s, Failed>> {
        arrow_in::Frame::input(self, row, cells, read)
            .map(Cow::Owned)
            .map_err(Cow::Owned)
    }
}

/// Inputs already made (from dicts or Python cells).
struct Prepared(Vec<Result<Input, Failed>>);

impl Source for Prepared {
    type Scratch<'s> = ();

    fn rows(&self) -> usize {
        self.0.len()
    }

    fn input<'s>(&'s self, row: usize, _: &mut ()) -> Result<Cow<'s, Input>, Cow<'s, Failed>> {
        self.0[row]
            .as_ref()
            .map(Cow::Borrowed)
            .map_err(Cow::Borrowed)
    }
}
impl ArrowDecider {
    /// All rows of `source` in record batches of `chunk` rows, decided on
    /// the worker threads a group of batches at a time (the progress
    /// callback is called after each group); with `errors="raise"` the first
    /// error is raised, numbered from `start`.
    fn decide<S: Source>(
        &self,
        py: Python<'_>,
        source: &S,
        chunk: usize,
        start: usize,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<arrow_out::Chunk>> {
        let rows = source.rows();
        let chunk = chunk.clamp(1, rows.max(1));
        // Enough pieces to keep every core busy on a loaded machine, few
        // enough that a progress bar moves.
        let group = chunk.saturating_mul(4 * rayon::current_num_threads().max(1));
        let mut out = Vec::new();
        let mut at = 0;
        while at < rows {
            let end = rows.min(at.saturating_add(group));
            let pieces: Vec<_> = (at..end)
                .step_by(chunk)
                .map(|a| a..end.min(a + chunk))
                .collect();
            let made = py.detach(|| {
                let work = || {
                    pieces
                        .into_par_iter()
                        .map(|range| self.piece(source, range))
                        .collect::<Vec<_>>()
                };
                // Nothing may panic; if something does, it is this call's error.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|p| {
                    p.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                        .unwrap_or_else(|| "unknown panic".to_owned())
                })
            });
            let made = made.map_err(|m| {
                PyRuntimeError::new_err(format!("internal error in the rules engine: {m}"))
            })?;
            for piece in made {
                let (chunk, failed) = piece.map_err(|e| {
                    PyRuntimeError::new_err(format!("cannot build the decided batch: {e}"))
                })?;
                if let (true, Some((row, e))) = (self.raise_errors, failed) {
                    return Err(py_error(py, &e, Some(start + row)));
                }
                out.push(chunk);
            }
            if let Some(update) = progress {
                update.call1((end - at,))?;
            }
            at = end;
        }
        Ok(out)
    }

    /// One piece of rows decided into one record batch, with one evaluator;
    /// the first row that failed, if any.
    fn piece<S: Source>(
        &self,
        source: &S,
        range: std::ops::Range<usize>,
    ) -> Result<(arrow_out::Chunk, Option<(usize, Error)>), String> {
        let mode = if self.trace {
            TraceMode::Full
        } else {
            TraceMode::Off
        };
        let mut ev = self.rules.evaluator();
        let mut rows = self.layout.rows(range.len());
        let mut scratch = S::Scratch::default();
        let mut first_error = None;
        for row in range {
            let failed = match source.input(row, &mut scratch) {
                Ok(input) => match ev.run(&input, self.as_of, &Section::ALL, mode) {
                    Ok(mut outcome) => match outcome.json() {
                        Ok(decision) => {
                            rows.decision(&decision).map_err(|e| e.to_string())?;
                            continue;
                        }
                        Err(e) => (e, input.id.clone()),
                    },
                    Err(e) => (e, input.id.clone()),
                },
                Err(failed) => failed.into_owned(),
            };
            rows.error(&failed.0, failed.1.as_deref());
            if first_error.is_none() {
                first_error = Some((row, failed.0));
            }
        }
        Ok((rows.finish().map_err(|e| e.to_string())?, first_error))
    }
}

/// Rows per piece for one chunk given whole: a piece per worker thread.
fn per_thread(rows: usize) -> usize {
    rows.div_ceil(rayon::current_num_threads().max(1))
}

/// The next batch of a stream, read without the GIL.
fn next_batch(
    py: Python<'_>,
    reader: &mut Box<dyn arrow_array::RecordBatchReader + Send>,
) -> PyResult<Option<arrow_array::RecordBatch>> {
    match py.detach(|| reader.next()) {
        None => Ok(None),
        Some(batch) => batch.map(Some).map_err(|e| {
            pyo3::exceptions::PyValueError::new_err(format!("cannot read the Arrow stream: {e}"))
        }),
    }
}

/// Records as inputs, on all cores; a record that is not an input is its
/// error, with its id when it has one.
fn inputs_of(values: Vec<Result<Value, Error>>) -> Vec<Result<Input, Failed>> {
    values
        .into_par_iter()
        .map(|v| {
            let v = v.map_err(|e| (e, None))?;
            let id = v.get("id").and_then(Value::as_str).map(str::to_owned);
            Input::from_value(v).map_err(|e| (Error::from(e), id))
        })
        .collect()
}

/// An Arrow stream being decided batch by batch (see [`ArrowDecider::stream`]).
#[pyclass(module = "hazard_rules._hazard_rules")]
struct DecidedStream {
    decider: ArrowDecider,
    /// `None` once the stream has ended.
    reader: Mutex<Option<Box<dyn arrow_array::RecordBatchReader + Send>>>,
    chunk: usize,
    row: Mutex<usize>,
}

#[pymethods]
impl DecidedStream {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<arrow_out::DecidedBatches>> {
        let batch = {
            let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            let Some(r) = reader.as_mut() else {
                return Ok(None);
            };
            let next = next_batch(py, r);
            if matches!(next, Ok(None)) {
                *reader = None;
            }
            next?
        };
        let Some(batch) = batch else {
            return Ok(None);
        };
        let frame = arrow_in::Frame::new(&batch)?;
        let start = *self.row.lock().unwrap_or_else(|p| p.into_inner());
        let batches = self.decider.decide(py, &frame, self.chunk, start, None)?;
        *self.row.lock().unwrap_or_else(|p| p.into_inner()) = start + frame.rows();
        Ok(Some(arrow_out::DecidedBatches::new(
            self.decider.layout.clone(),
            batches,
        )))
    }
}

/// `errors="collect"` (false) or `"raise"` (true).
fn raise_errors(errors: &str) -> PyResult<bool> {
    match errors {
        "collect" => Ok(false),
        "raise" => Ok(true),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "errors must be \"collect\" or \"raise\", not {other:?}"
        ))),
    }
}

/// Records decided by two rulesets and compared (`hazard_rules::diff`), fed
/// in chunks; `finish` gives the summary.
#[pyclass(module = "hazard_rules._hazard_rules")]
struct DiffBatch {
    base: Arc<Ruleset>,
    head: Arc<Ruleset>,
    as_of: NaiveDate,
    diff: hazard_rules::diff::Diff,
}

#[pymethods]
impl DiffBatch {
    #[new]
    fn new(
        py: Python<'_>,
        base: &NativeRuleset,
        head: &NativeRuleset,
        as_of_date: &str,
    ) -> PyResult<Self> {
        Ok(DiffBatch {
            base: base.rules.clone(),
            head: head.rules.clone(),
            as_of: as_of(py, as_of_date)?,
            diff: Default::default(),
        })
    }

    fn add_records(&mut self, py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
        let values = record_values(records)?;
        let inputs = py.detach(|| inputs_of(values));
        self.run(py, inputs);
        Ok(())
    }

    fn add_columns(
        &mut self,
        py: Python<'_>,
        names: Vec<String>,
        columns: Vec<Bound<'_, PyList>>,
    ) -> PyResult<()> {
        let values = column_values(&names, &columns)?;
        let inputs = py.detach(|| inputs_of(values));
        self.run(py, inputs);
        Ok(())
    }

    /// An Arrow object's rows (`chunk`: kept for the callers, who pass the
    /// rows per chunk; each record batch is decided whole).
    fn add_arrow(&mut self, py: Python<'_>, data: &Bound<'_, PyAny>, chunk: usize) -> PyResult<()> {
        let _ = chunk;
        let mut reader = arrow_in::import(data)?;
        while let Some(batch) = next_batch(py, &mut reader)? {
            let frame = arrow_in::Frame::new(&batch)?;
            let inputs = py.detach(|| frame.inputs());
            self.run(py, inputs);
        }
        Ok(())
    }

    /// `{"records", "changed", "fields": [...]}` (see `hazard_rules::diff`).
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let diff = std::mem::take(&mut self.diff);
        let summary = serde_json::json!({
            "records": diff.records(),
            "changed": diff.changed(),
            "fields": diff.fields(),
        });
        to_py(py, &summary)
    }
}

impl DiffBatch {
    /// Decides a chunk with both rulesets on all cores (without the GIL), then
    /// compares the records in order.
    fn run(&mut self, py: Python<'_>, inputs: Vec<Result<Input, Failed>>) {
        let (base, head, as_of) = (&self.base, &self.head, self.as_of);
        let start = self.diff.records();
        let pairs: Vec<(String, Value, Value)> = py.detach(|| {
            inputs
                .into_par_iter()
                .enumerate()
                .map_init(
                    || (base.evaluator(), head.evaluator()),
                    |(a, b), (i, input)| {
                        let (input, id) = match input {
                            Ok(input) => {
                                let id = input.id.clone();
                                (Ok(input), id)
                            }
                            Err((e, id)) => (Err(e), id),
                        };
                        let name = id.unwrap_or_else(|| format!("#{}", start + i));
                        (name, outcome(a, &input, as_of), outcome(b, &input, as_of))
                    },
                )
                .collect()
        });
        for (name, a, b) in pairs {
            self.diff.add(&name, &a, &b);
        }
    }
}

/// Column names must not repeat or sit inside one another (`hazard` and
/// `hazard.sector`): which would win is not clear.
pub(crate) fn check_names(names: &[String]) -> PyResult<()> {
    let mut sorted: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if a == b || (b.starts_with(a) && b[a.len()..].starts_with('.')) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "columns `{a}` and `{b}` overlap: give a field either as one column or as dotted columns"
            )));
        }
    }
    if let Some(bad) = names.iter().find(|n| n.split('.').any(str::is_empty)) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "column `{bad}` has an empty part in its dotted name"
        )));
    }
    Ok(())
}

/// The kind of each column's field, where the input has it (a column it
/// does not have is reported by each record, as an unknown field).
fn column_kinds(names: &[String]) -> Vec<Option<FieldKind>> {
    names.iter().map(|n| field_kind(n).ok()).collect()
}

/// One table row as a record: each cell at its dotted path; missing cells
/// left out. A text cell is read by its field's kind, as the CLI reads a CSV
/// cell (`"3"` in a number column is 3, `"[...]"` in a text column is text);
/// a cell the frame has typed is kept, but a number or boolean in a text
/// column becomes its text (`FieldKind::read_typed_cell`).
fn row_value(
    names: &[String],
    paths: &[Vec<&str>],
    kinds: &[Option<FieldKind>],
    cells: &[Bound<'_, PyAny>],
) -> Result<Value, Error> {
    let mut record = Map::new();
    for (((name, path), kind), cell) in names.iter().zip(paths).zip(kinds).zip(cells) {
        let value = match (kind, cell.cast::<PyString>()) {
            (Some(kind), Ok(text)) => {
                let text = text.to_cow().map_err(|e| {
                    convert::ConvError::new(
                        "not_text",
                        format!("text is not valid UTF-8: {e}"),
                        format!("文本不是合法的 UTF-8：{e}"),
                    )
                    .into_error(name)
                })?;
                kind.read_cell(name, &text)?
            }
            _ => to_json(cell, Mode::Cell)
                .map_err(|e| e.into_error(name))?
                .map(|v| match kind {
                    Some(kind) => kind.read_typed_cell(v),
                    None => v,
                }),
        };
        if let Some(v) = value {
            insert(&mut record, path, v).map_err(|e| e.into_error(name))?;
        }
    }
    Ok(Value::Object(record))
}

/// Puts a cell at its dotted path in the record being built.
fn insert(
    record: &mut Map<String, Value>,
    path: &[&str],
    value: Value,
) -> Result<(), convert::ConvError> {
    let (last, parents) = path.split_last().expect("split gives at least one part");
    let mut node = record;
    for part in parents {
        let entry = node
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        node = entry.as_object_mut().ok_or_else(|| {
            convert::ConvError::new(
                "duplicate",
                "the column nests under another column's value",
                "该列嵌套在另一列的值之下",
            )
        })?;
    }
    if node.contains_key(*last) {
        return Err(convert::ConvError::new(
            "duplicate",
            "the column overlaps another column",
            "该列与另一列位置重叠",
        ));
    }
    node.insert((*last).to_owned(), value);
    Ok(())
}

/// JSON Schema of the input, as a dict.
#[pyfunction]
fn input_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &hazard_rules::input_schema())
}

/// JSON Schema of the decision, as a dict.
#[pyfunction]
fn decision_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &hazard_rules::decision_schema())
}

/// The columns of a decided batch (without trace): `[(name, Arrow type), ...]`.
#[pyfunction]
fn decision_columns() -> Vec<(String, String)> {
    arrow_out::columns()
}

/// Threads a batch uses (rayon; set `RAYON_NUM_THREADS` to change).
#[pyfunction]
fn threads() -> usize {
    rayon::current_num_threads()
}

#[pymodule]
fn _hazard_rules(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<NativeRuleset>()?;
    m.add_class::<DiffBatch>()?;
    m.add_class::<ArrowDecider>()?;
    m.add_class::<DecidedStream>()?;
    m.add_class::<arrow_out::DecidedBatches>()?;
    m.add_function(wrap_pyfunction!(input_schema, m)?)?;
    m.add_function(wrap_pyfunction!(decision_schema, m)?)?;
    m.add_function(wrap_pyfunction!(decision_columns, m)?)?;
    m.add_function(wrap_pyfunction!(threads, m)?)?;
    Ok(())
}
