//! Python values ⇄ JSON values. Type conversion only: what a value means is
//! decided by the core's input types, and errors name the JSON path the same
//! way the core does (`hazard.events[1].on`).

use hazard_rules::{Error, InputError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDate, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

/// How missing values are read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A record given as a dict: `None` (and pandas' NaN, NaT, NA) is JSON `null`.
    Record,
    /// A table cell (DataFrame, Arrow): a missing value, an empty string, and a
    /// `None` member of a nested dict are left out, as the CLI does for empty
    /// CSV cells; text starting with `[` or `{` is read as JSON when it parses.
    Cell,
}

/// One step of a JSON path.
enum Seg {
    Key(String),
    Index(usize),
}

/// A conversion failure, with the path collected while unwinding: a
/// stable code (`problem`, as the core's input errors have) and the reason
/// in English and Chinese.
pub struct ConvError {
    segs: Vec<Seg>,
    problem: &'static str,
    message: String,
    message_zh: String,
}

impl ConvError {
    pub fn new(problem: &'static str, message: impl Into<String>, zh: impl Into<String>) -> Self {
        ConvError {
            segs: Vec::new(),
            problem,
            message: message.into(),
            message_zh: zh.into(),
        }
    }

    fn at(mut self, seg: Seg) -> Self {
        self.segs.push(seg);
        self
    }

    /// The core's input error, its path prefixed with `root` (a dotted column
    /// name, or empty for a whole record).
    pub fn into_error(self, root: &str) -> Error {
        let mut path = root.to_owned();
        for seg in self.segs.iter().rev() {
            match seg {
                Seg::Key(k) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Seg::Index(i) => path.push_str(&format!("[{i}]")),
            }
        }
        Error::Input(InputError::of(
            path,
            self.problem,
            self.message,
            self.message_zh,
        ))
    }
}

/// Largest integer a float holds exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// The deepest a value may nest (an input nests 4 levels): a deeper one,
/// or a dict that contains itself, is an error instead of a stack overflow.
pub const MAX_DEPTH: usize = 32;

/// Converts a Python value; `Ok(None)` means "missing" (only in [`Mode::Cell`]).
pub fn to_json(v: &Bound<'_, PyAny>, mode: Mode) -> Result<Option<Value>, ConvError> {
    convert(v, mode, 0)
}

fn convert(v: &Bound<'_, PyAny>, mode: Mode, depth: usize) -> Result<Option<Value>, ConvError> {
    if depth > MAX_DEPTH {
        return Err(ConvError::new(
            "too_deep",
            format!("nested deeper than {MAX_DEPTH} levels (or contains itself)"),
            format!("嵌套超过 {MAX_DEPTH} 层（或包含自身）"),
        ));
    }
    if v.is_none() {
        return Ok(missing(mode));
    }
    // bool before int: Python's bool is an int.
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Some(Value::Bool(b.is_true())));
    }
    if let Ok(i) = v.cast::<PyInt>() {
        return int(i).map(Some);
    }
    if let Ok(f) = v.cast::<PyFloat>() {
        return float(f.value(), mode);
    }
    if let Ok(s) = v.cast::<PyString>() {
        let s = s.to_cow().map_err(|e| {
            ConvError::new(
                "not_text",
                format!("text is not valid UTF-8: {e}"),
                format!("文本不是合法的 UTF-8：{e}"),
            )
        })?;
        let s = s.as_ref();
        if mode == Mode::Cell {
            let t = s.trim_start();
            if t.is_empty() {
                return Ok(None);
            }
            if t.starts_with('[') || t.starts_with('{') {
                if let Ok(parsed) = serde_json::from_str::<Value>(s) {
                    return Ok(Some(parsed));
                }
            }
        }
        return Ok(Some(Value::String(s.to_owned())));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, item) in d.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| {
                    let t = type_name(&k);
                    ConvError::new(
                        "not_text",
                        format!("a key is not text: {t}"),
                        format!("键不是文本（{t}）"),
                    )
                })?
                .to_cow()
                .map_err(|e| {
                    ConvError::new(
                        "not_text",
                        format!("a key is not valid UTF-8: {e}"),
                        format!("键不是合法的 UTF-8：{e}"),
                    )
                })?
                .into_owned();
            match convert(&item, mode, depth + 1) {
                Ok(Some(value)) => {
                    map.insert(key, value);
                }
                Ok(None) => {}
                Err(e) => return Err(e.at(Seg::Key(key))),
            }
        }
        return Ok(Some(Value::Object(map)));
    }
    if let Ok(l) = v.cast::<PyList>() {
        return sequence(l.iter(), mode, depth);
    }
    if let Ok(t) = v.cast::<PyTuple>() {
        return sequence(t.iter(), mode, depth);
    }
    if v.is_instance_of::<PyDate>() {
        return date(v, mode);
    }
    other(v, mode, depth)
}

fn missing(mode: Mode) -> Option<Value> {
    match mode {
        Mode::Record => Some(Value::Null),
        Mode::Cell => None,
    }
}

fn int(i: &Bound<'_, PyInt>) -> Result<Value, ConvError> {
    if let Ok(n) = i.extract::<i64>() {
        return Ok(Value::Number(n.into()));
    }
    if let Ok(n) = i.extract::<u64>() {
        return Ok(Value::Number(n.into()));
    }
    Err(ConvError::new(
        "out_of_range",
        format!("the integer {i} is too large"),
        format!("整数 {i} 过大"),
    ))
}

/// Floats that hold a whole number become integers (as in JavaScript, and as
/// pandas makes of an integer column with gaps); NaN is missing.
fn float(f: f64, mode: Mode) -> Result<Option<Value>, ConvError> {
    if f.is_nan() {
        return Ok(missing(mode));
    }
    if !f.is_finite() {
        return Err(ConvError::new(
            "not_finite",
            "must be a finite number",
            "必须是有限的数值",
        ));
    }
    if f.fract() == 0.0 && f.abs() < EXACT {
        return Ok(Some(Value::Number((f as i64).into())));
    }
    Ok(Number::from_f64(f).map(Value::Number))
}

fn sequence<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    mode: Mode,
    depth: usize,
) -> Result<Option<Value>, ConvError> {
    let mut out = Vec::new();
    for (i, item) in items.enumerate() {
        // A gap inside a list keeps its place.
        match convert(&item, mode, depth + 1) {
            Ok(value) => out.push(value.unwrap_or(Value::Null)),
            Err(e) => return Err(e.at(Seg::Index(i))),
        }
    }
    Ok(Some(Value::Array(out)))
}

/// `datetime.date`, `datetime.datetime` and `pandas.Timestamp` (the date part).
fn date(v: &Bound<'_, PyAny>, mode: Mode) -> Result<Option<Value>, ConvError> {
    let part = |name: &str| v.getattr(name).and_then(|x| x.extract::<i32>());
    match (part("year"), part("month"), part("day")) {
        (Ok(y), Ok(m), Ok(d)) => Ok(Some(Value::String(format!("{y:04}-{m:02}-{d:02}")))),
        // pandas.NaT is a datetime whose parts are NaN.
        _ if type_name(v) == "NaTType" => Ok(missing(mode)),
        _ => Err(ConvError::new(
            "not_a_date",
            format!("cannot read a date from {}", type_name(v)),
            format!("无法从 {} 读取日期", type_name(v)),
        )),
    }
}

/// numpy scalars and arrays, pandas' NA, and other number-like objects.
fn other(v: &Bound<'_, PyAny>, mode: Mode, depth: usize) -> Result<Option<Value>, ConvError> {
    let name = type_name(v);
    match name.as_str() {
        "NAType" | "NaTType" => return Ok(missing(mode)),
        "bool_" | "bool" => return Ok(Some(Value::Bool(v.is_truthy().unwrap_or(false)))),
        "datetime64" => {
            let text = v.str().map(|s| s.to_string()).unwrap_or_default();
            if text == "NaT" {
                return Ok(missing(mode));
            }
            return Ok(Some(Value::String(text.chars().take(10).collect())));
        }
        "bytes" | "bytearray" | "memoryview" => {
            return Err(ConvError::new(
                "wrong_type",
                format!("cannot use {name} (decode it to text first)"),
                format!("不能使用 {name}（请先解码为文本）"),
            ))
        }
        _ => {}
    }
    // numpy arrays (list cells read from Parquet) and other array-likes.
    if name == "ndarray" || is_instance(v, "collections.abc", "Sequence") {
        if let Ok(list) = v.call_method0("tolist") {
            return convert(&list, mode, depth + 1);
        }
        if let Ok(iter) = v.try_iter() {
            let items: Vec<Bound<'_, PyAny>> = iter.filter_map(Result::ok).collect();
            return sequence(items.into_iter(), mode, depth);
        }
    }
    if is_instance(v, "collections.abc", "Mapping") {
        if let Ok(d) = v
            .call_method0("items")
            .and_then(|items| PyDict::from_sequence(&items))
        {
            return convert(d.as_any(), mode, depth + 1);
        }
    }
    // numpy integers have __index__, other numbers __float__.
    if v.hasattr("__index__").unwrap_or(false) {
        if let Ok(i) = v.call_method0("__index__") {
            if let Ok(i) = i.cast::<PyInt>() {
                return int(i).map(Some);
            }
        }
    }
    if v.hasattr("__float__").unwrap_or(false) {
        if let Ok(f) = v.call_method0("__float__").and_then(|f| f.extract::<f64>()) {
            return float(f, mode);
        }
    }
    Err(ConvError::new(
        "wrong_type",
        format!("cannot use a value of type {name} (expected text, a number, a boolean, a date, a list or a dict)"),
        format!("不能使用 {name} 类型的值（应为文本、数字、布尔值、日期、列表或字典）"),
    ))
}

fn is_instance(v: &Bound<'_, PyAny>, module: &str, class: &str) -> bool {
    static SEQUENCE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    static MAPPING: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    let cell = if class == "Sequence" {
        &SEQUENCE
    } else {
        &MAPPING
    };
    cell.import(v.py(), module, class)
        .and_then(|t| v.is_instance(t.as_any()))
        .unwrap_or(false)
}

pub fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".to_owned())
}

/// A JSON value as plain Python: dicts, lists, text, numbers, booleans, None.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|x| to_py(py, x))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, x) in map {
                // Field names repeat in every record: one string object each.
                d.set_item(PyString::intern(py, k), to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}
