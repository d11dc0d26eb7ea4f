//! Decisions as columns, for data frames.
//!
//! The flat layout comes from the decision's JSON Schema (generated from the
//! core's types), so a field added in the core becomes a column without a
//! change here: objects are walked into dotted names
//! (`rectification.status`, `responsibility.staffing.ok`), everything else is
//! a leaf; lists stay whole in one cell. The buffers then collect a batch
//! column by column: numbers, booleans and dates as raw arrays (for numpy),
//! text and lists as Python objects, with repeated values shared.

use std::collections::HashMap;

use chrono::NaiveDate;
use hazard_rules::Section;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyDict, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

use crate::convert::to_py_frozen;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    Float,
    Bool,
    Date,
    List,
    Any,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Str => "str",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Bool => "bool",
            Kind::Date => "date",
            Kind::List | Kind::Any => "object",
        }
    }
}

/// An object in the decision (`rectification`, `responsibility.staffing`);
/// group 0 is the decision itself.
#[derive(Debug)]
pub struct Group {
    parent: usize,
    key: String,
}

#[derive(Debug)]
pub struct Column {
    pub name: String,
    key: String,
    group: usize,
    pub kind: Kind,
}

impl Column {
    pub fn kind_name(&self) -> &'static str {
        self.kind.name()
    }
}

#[derive(Debug)]
pub struct Layout {
    pub columns: Vec<Column>,
    groups: Vec<Group>,
}

/// Top-level fields that are not columns: the same for every row (`as_of`,
/// `ruleset`: kept as frame attributes) or asked for separately (`trace`;
/// `in_force`, the versions applied, which `Decision.in_force` gives per
/// record and `classification.basis` names per item as `standard`).
const NOT_COLUMNS: [&str; 4] = ["as_of", "ruleset", "trace", "in_force"];

impl Layout {
    /// The layout of [`hazard_rules::Decision`]: `id`, then each section in
    /// the core's order, fields by name within a section.
    pub fn of_decision() -> Layout {
        Layout::from_schema(&hazard_rules::decision_schema())
    }

    pub fn from_schema(schema: &Value) -> Layout {
        let mut layout = Layout {
            columns: Vec::new(),
            groups: vec![Group {
                parent: 0,
                key: String::new(),
            }],
        };
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut order: Vec<&str> = vec!["id"];
        order.extend(Section::ALL.iter().map(|s| s.name()));
        let rest: Vec<&str> = props
            .keys()
            .map(String::as_str)
            .filter(|k| !order.contains(k) && !NOT_COLUMNS.contains(k))
            .collect();
        order.extend(rest);
        for key in order {
            if let Some(prop) = props.get(key) {
                layout.add(schema, key, prop, 0, "");
            }
        }
        assert!(layout.groups.len() <= 64, "too many nested objects");
        layout
    }

    fn add(&mut self, root: &Value, key: &str, prop: &Value, group: usize, prefix: &str) {
        let node = resolve(root, prop);
        let name = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        let kind = match type_of(node) {
            "object" => {
                if let Some(props) = node.get("properties").and_then(Value::as_object) {
                    self.groups.push(Group {
                        parent: group,
                        key: key.to_owned(),
                    });
                    let g = self.groups.len() - 1;
                    for (k, p) in props {
                        self.add(root, k, p, g, &name);
                    }
                    return;
                }
                Kind::Any
            }
            "string" if node.get("format").and_then(Value::as_str) == Some("date") => Kind::Date,
            "string" => Kind::Str,
            "integer" => Kind::Int,
            "number" => Kind::Float,
            "boolean" => Kind::Bool,
            "array" => Kind::List,
            _ => Kind::Any,
        };
        self.columns.push(Column {
            name,
            key: key.to_owned(),
            group,
            kind,
        });
    }

    /// One decision (as JSON) as cells in column order, and which objects it has.
    pub fn flatten(&self, decision: &Value) -> Row {
        let mut objects: Vec<Option<&Map<String, Value>>> = Vec::with_capacity(self.groups.len());
        let mut present = 0u64;
        for (i, g) in self.groups.iter().enumerate() {
            let obj = if i == 0 {
                decision.as_object()
            } else {
                objects[g.parent]
                    .and_then(|m| m.get(&g.key))
                    .and_then(Value::as_object)
            };
            if obj.is_some() {
                present |= 1 << i;
            }
            objects.push(obj);
        }
        let cells = self
            .columns
            .iter()
            .map(|c| match objects[c.group].and_then(|m| m.get(&c.key)) {
                None | Some(Value::Null) => Cell::Null,
                Some(v) => cell(c.kind, v),
            })
            .collect();
        Row { cells, present }
    }

    /// Whether the column's object occurs in at least one row.
    fn shown(&self, c: &Column, present: u64) -> bool {
        present & (1 << c.group) != 0
    }
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut n = node;
    for _ in 0..32 {
        if let Some(r) = n.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap_or_default();
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(target) => {
                    n = target;
                    continue;
                }
                None => return n,
            }
        }
        let alternatives = n
            .get("anyOf")
            .or_else(|| n.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(alts) = alternatives {
            if let Some(a) = alts
                .iter()
                .find(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            {
                n = a;
                continue;
            }
        }
        break;
    }
    n
}

fn type_of(node: &Value) -> &str {
    match node.get("type") {
        Some(Value::String(s)) => s,
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if node.get("properties").is_some() => "object",
        _ => "any",
    }
}

const EPOCH_DAYS_FROM_CE: i64 = 719_163;

fn cell(kind: Kind, v: &Value) -> Cell {
    match (kind, v) {
        (Kind::Str, Value::String(s)) => Cell::Str(s.clone()),
        (Kind::Int, Value::Number(n)) if n.as_i64().is_some() => Cell::Int(n.as_i64().unwrap_or(0)),
        (Kind::Float, Value::Number(n)) => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
        (Kind::Bool, Value::Bool(b)) => Cell::Bool(*b),
        (Kind::Date, Value::String(s)) => match s.parse::<NaiveDate>() {
            Ok(d) => {
                Cell::Date(i64::from(chrono::Datelike::num_days_from_ce(&d)) - EPOCH_DAYS_FROM_CE)
            }
            Err(_) => Cell::Json(v.clone()),
        },
        // A value that does not fit its column's type is kept as it is.
        _ => Cell::Json(v.clone()),
    }
}

pub enum Cell {
    Null,
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Days since 1970-01-01.
    Date(i64),
    Json(Value),
}

pub struct Row {
    pub cells: Vec<Cell>,
    present: u64,
}

/// Memory the sharing maps of one batch may take (keys and entries): a fixed
/// amount, so sharing costs nothing per record on large batches. The most
/// frequent values come early and are shared; once it is spent, new values
/// are simply not looked up again. (8 MB gave the lowest peak memory on
/// 100,000 generated records; 2 MB shares too little, 32 MB costs more than
/// it saves.)
const SHARING_BUDGET: usize = 8 << 20;

/// Rough bytes of one map entry besides its key.
const ENTRY_BYTES: usize = 64;

/// Shares equal values between the rows of one column (most cells of a
/// register repeat: levels, statuses, posts, empty lists), and gives up on
/// columns where they do not (ids).
struct Cache {
    map: HashMap<String, Py<PyAny>>,
    hits: usize,
    misses: usize,
    on: bool,
}

impl Cache {
    fn new(on: bool) -> Self {
        Cache {
            map: HashMap::new(),
            hits: 0,
            misses: 0,
            on,
        }
    }

    fn get_or_make(
        &mut self,
        py: Python<'_>,
        key: &str,
        shared: &mut Shared,
        make: impl FnOnce(&mut Shared) -> PyResult<Py<PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        if !self.on {
            return make(shared);
        }
        if let Some(v) = self.map.get(key) {
            self.hits += 1;
            return Ok(v.clone_ref(py));
        }
        self.misses += 1;
        let v = make(shared)?;
        if self.misses > 16_384 && self.hits < self.misses / 4 {
            // Mostly distinct values: stop paying for the map.
            self.on = false;
            self.map = HashMap::new();
        } else if shared.spend(key) {
            self.map.insert(key.to_owned(), v.clone_ref(py));
        }
        Ok(v)
    }
}

/// What the columns of a batch share: the text inside list cells (names,
/// posts) and small objects inside them (an assignment, a basis entry), so
/// equal parts of different rows are one Python object; and the budget.
pub struct Shared {
    strings: HashMap<String, Py<PyAny>>,
    objects: HashMap<String, Py<PyAny>>,
    budget: usize,
}

/// Objects larger than this (as JSON) are not worth a lookup.
const SHARED_OBJECT_BYTES: usize = 512;

impl Shared {
    fn new() -> Self {
        Shared {
            strings: HashMap::new(),
            objects: HashMap::new(),
            budget: SHARING_BUDGET,
        }
    }

    fn spend(&mut self, key: &str) -> bool {
        match self.budget.checked_sub(key.len() + ENTRY_BYTES) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => false,
        }
    }

    /// Like `to_py_frozen` (arrays become tuples), sharing equal text and
    /// equal small objects.
    fn make<'py>(&mut self, py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
        match v {
            Value::String(s) => {
                if let Some(o) = self.strings.get(s) {
                    return Ok(o.bind(py).clone());
                }
                let o = PyString::new(py, s).into_any();
                if self.spend(s) {
                    self.strings.insert(s.clone(), o.clone().unbind());
                }
                Ok(o)
            }
            Value::Array(items) => {
                let items = items
                    .iter()
                    .map(|x| self.make(py, x))
                    .collect::<PyResult<Vec<_>>>()?;
                Ok(PyTuple::new(py, items)?.into_any())
            }
            Value::Object(map) => {
                let key = serde_json::to_string(v).unwrap_or_default();
                let small = key.len() <= SHARED_OBJECT_BYTES;
                if small {
                    if let Some(o) = self.objects.get(&key) {
                        return Ok(o.bind(py).clone());
                    }
                }
                let d = PyDict::new(py);
                for (k, x) in map {
                    d.set_item(PyString::intern(py, k), self.make(py, x)?)?;
                }
                let o = d.into_any();
                if small && self.spend(&key) {
                    self.objects.insert(key, o.clone().unbind());
                }
                Ok(o)
            }
            other => to_py_frozen(py, other),
        }
    }
}

enum Buf {
    /// Built straight into the Python list the frame's column is made from;
    /// `len` items are filled (the list may be made full size up front).
    Objects {
        list: Py<PyList>,
        len: usize,
        cache: Cache,
    },
    Int {
        vals: Vec<i64>,
        missing: Vec<u8>,
    },
    Float(Vec<f64>),
    Bool {
        vals: Vec<u8>,
        missing: Vec<u8>,
    },
    Date(Vec<i64>),
}

const NAT: i64 = i64::MIN;

impl Buf {
    /// `rows`: how many rows are expected, when known. Buffers made at full
    /// size once do not grow and move while the chunks come and go, which
    /// would leave the heap fragmented (memory freed but not given back).
    fn new(py: Python<'_>, kind: Kind, share: bool, rows: usize) -> PyResult<Buf> {
        Ok(match kind {
            Kind::Int => Buf::Int {
                vals: Vec::with_capacity(rows),
                missing: Vec::with_capacity(rows),
            },
            Kind::Float => Buf::Float(Vec::with_capacity(rows)),
            Kind::Bool => Buf::Bool {
                vals: Vec::with_capacity(rows),
                missing: Vec::with_capacity(rows),
            },
            Kind::Date => Buf::Date(Vec::with_capacity(rows)),
            Kind::Str | Kind::List | Kind::Any => Buf::Objects {
                list: PyList::new(py, (0..rows).map(|_| py.None()))?.unbind(),
                len: 0,
                cache: Cache::new(share),
            },
        })
    }

    fn push(&mut self, py: Python<'_>, cell: Cell, shared: &mut Shared) -> PyResult<()> {
        match (self, cell) {
            (Buf::Int { vals, missing }, Cell::Int(i)) => {
                vals.push(i);
                missing.push(0);
            }
            (Buf::Int { vals, missing }, _) => {
                vals.push(0);
                missing.push(1);
            }
            (Buf::Float(vals), Cell::Float(f)) => vals.push(f),
            (Buf::Float(vals), Cell::Int(i)) => vals.push(i as f64),
            (Buf::Float(vals), _) => vals.push(f64::NAN),
            (Buf::Bool { vals, missing }, Cell::Bool(b)) => {
                vals.push(u8::from(b));
                missing.push(0);
            }
            (Buf::Bool { vals, missing }, _) => {
                vals.push(0);
                missing.push(1);
            }
            (Buf::Date(vals), Cell::Date(d)) => vals.push(d * 86_400),
            (Buf::Date(vals), _) => vals.push(NAT),
            (Buf::Objects { list, len, cache }, cell) => {
                let obj = match cell {
                    Cell::Null => py.None(),
                    Cell::Str(s) => cache.get_or_make(py, &s, shared, |_| {
                        Ok(PyString::new(py, &s).into_any().unbind())
                    })?,
                    Cell::Int(i) => i.into_pyobject(py)?.into_any().unbind(),
                    Cell::Float(f) => f.into_pyobject(py)?.into_any().unbind(),
                    Cell::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
                    Cell::Date(d) => (d * 86_400).into_pyobject(py)?.into_any().unbind(),
                    Cell::Json(v) => {
                        let key = serde_json::to_string(&v).unwrap_or_default();
                        cache.get_or_make(py, &key, shared, |sh| Ok(sh.make(py, &v)?.unbind()))?
                    }
                };
                let list = list.bind(py);
                if *len < list.len() {
                    list.set_item(*len, obj)?;
                } else {
                    list.append(obj)?;
                }
                *len += 1;
            }
        }
        Ok(())
    }

    /// `(kind, data, missing)` for the Python side to wrap without copying.
    fn finish<'py>(
        self,
        py: Python<'py>,
        kind: Kind,
    ) -> PyResult<(&'static str, Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let none = py.None().into_bound(py);
        Ok(match self {
            Buf::Objects { list, len, .. } => {
                let list = list.into_bound(py);
                if len < list.len() {
                    list.del_slice(len, list.len())?; // fewer rows than expected
                }
                (kind.name(), list.into_any(), none)
            }
            Buf::Int { vals, missing } => (
                "int",
                le_bytes(py, &vals, |v| v.to_le_bytes()),
                bytes(py, &missing),
            ),
            Buf::Float(vals) => ("float", le_bytes(py, &vals, |v| v.to_le_bytes()), none),
            Buf::Bool { vals, missing } => ("bool", bytes(py, &vals), bytes(py, &missing)),
            Buf::Date(vals) => ("date", le_bytes(py, &vals, |v| v.to_le_bytes()), none),
        })
    }
}

/// A writable buffer (numpy views of `bytes` would be read-only).
fn bytes<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyAny> {
    PyByteArray::new(py, data).into_any()
}

/// Numbers as little-endian bytes, the layout the Python side reads with numpy.
fn le_bytes<'py, T: Copy, const N: usize>(
    py: Python<'py>,
    vals: &[T],
    to_le: fn(T) -> [u8; N],
) -> Bound<'py, PyAny> {
    bytes(py, &vals.iter().flat_map(|&v| to_le(v)).collect::<Vec<_>>())
}

/// One row's result, made without the GIL.
pub enum Outcome {
    Decision {
        row: Row,
        trace: Option<Value>,
    },
    /// `id` is the input's, when it had one.
    Error {
        error: hazard_rules::Error,
        id: Option<String>,
    },
}

/// The columns of a batch so far.
pub struct Columns {
    bufs: Vec<Buf>,
    /// `error`, `error_kind`, `error_path`: made at the first error (a
    /// batch without errors needs no buffers for them).
    errors: Option<[Buf; 3]>,
    /// Expected rows (0 if not known).
    expected: usize,
    trace: Option<Vec<Py<PyAny>>>,
    present: u64,
    rows: usize,
    id_column: Option<usize>,
    shared: Shared,
}

impl Columns {
    pub fn new(py: Python<'_>, layout: &Layout, trace: bool, rows: usize) -> PyResult<Columns> {
        Ok(Columns {
            bufs: layout
                .columns
                .iter()
                .map(|c| Buf::new(py, c.kind, c.name != "id", rows))
                .collect::<PyResult<_>>()?,
            errors: None,
            expected: rows,
            trace: trace.then(Vec::new),
            present: 1,
            rows: 0,
            id_column: layout.columns.iter().position(|c| c.name == "id"),
            shared: Shared::new(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn push(&mut self, py: Python<'_>, outcome: Outcome) -> PyResult<()> {
        match outcome {
            Outcome::Decision { row, trace } => {
                self.present |= row.present;
                for (buf, cell) in self.bufs.iter_mut().zip(row.cells) {
                    buf.push(py, cell, &mut self.shared)?;
                }
                if let Some(errors) = &mut self.errors {
                    for buf in errors {
                        buf.push(py, Cell::Null, &mut self.shared)?;
                    }
                }
                if let Some(t) = &mut self.trace {
                    t.push(match trace {
                        Some(v) => to_py_frozen(py, &v)?.unbind(),
                        None => PyTuple::empty(py).into_any().unbind(),
                    });
                }
            }
            Outcome::Error { error: e, id } => {
                for (i, buf) in self.bufs.iter_mut().enumerate() {
                    let cell = match &id {
                        Some(id) if Some(i) == self.id_column => Cell::Str(id.clone()),
                        _ => Cell::Null,
                    };
                    buf.push(py, cell, &mut self.shared)?;
                }
                let path = match &e {
                    hazard_rules::Error::Input(i) => Cell::Str(i.path.clone()),
                    _ => Cell::Null,
                };
                if self.errors.is_none() {
                    let mut bufs = [
                        Buf::new(py, Kind::Str, false, self.expected)?,
                        Buf::new(py, Kind::Str, true, self.expected)?,
                        Buf::new(py, Kind::Str, true, self.expected)?,
                    ];
                    for buf in &mut bufs {
                        for _ in 0..self.rows {
                            buf.push(py, Cell::Null, &mut self.shared)?;
                        }
                    }
                    self.errors = Some(bufs);
                }
                let Some([message, kind, at]) = &mut self.errors else {
                    unreachable!("made above")
                };
                message.push(py, Cell::Str(e.to_string()), &mut self.shared)?;
                kind.push(py, Cell::Str(e.code().to_owned()), &mut self.shared)?;
                at.push(py, path, &mut self.shared)?;
                if let Some(t) = &mut self.trace {
                    t.push(py.None());
                }
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// `[(name, kind, data, missing), ...]`: the columns of objects that occur
    /// in at least one row, then `error`, `error_kind`, `error_path` (and `trace`).
    pub fn finish<'py>(self, py: Python<'py>, layout: &Layout) -> PyResult<Bound<'py, PyList>> {
        let out = PyList::empty(py);
        for (c, buf) in layout.columns.iter().zip(self.bufs) {
            if layout.shown(c, self.present) {
                let (kind, data, missing) = buf.finish(py, c.kind)?;
                out.append((c.name.as_str(), kind, data, missing))?;
            }
        }
        let names = ["error", "error_kind", "error_path"];
        match self.errors {
            Some(bufs) => {
                for (name, buf) in names.into_iter().zip(bufs) {
                    let (kind, data, missing) = buf.finish(py, Kind::Str)?;
                    out.append((name, kind, data, missing))?;
                }
            }
            // No errors: columns with nothing in them.
            None => {
                for name in names {
                    out.append((name, "missing", py.None(), py.None()))?;
                }
            }
        }
        if let Some(t) = self.trace {
            out.append(("trace", "object", PyList::new(py, t)?, py.None()))?;
        }
        Ok(out)
    }
}
