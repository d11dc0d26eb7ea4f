//! Arrow output: decisions as record batches built with arrow-rs builders,
//! handed to Python through the Arrow C stream interface
//! (`__arrow_c_stream__`), so pyarrow, polars or DuckDB take them without
//! a copy and without a Python object per cell.
//!
//! The schema is made once from the decision's JSON Schema (generated from
//! the core's types), so a field or section added in the core becomes a
//! column without a change here: the decision's objects are walked into
//! dotted columns (`rectification.due`), dates are `date32`, whole numbers
//! `int64`, text of the decision (levels, statuses, colours: a few values
//! repeated) dictionary-encoded, lists are list arrays, objects inside lists
//! structs. Every column is in the schema whether or not a batch has its
//! section, so all batches of a stream share one schema. Then `error`,
//! `error_kind`, `error_path` (null where the row decided), and `trace` when
//! asked for.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::builder::{
    make_builder, ArrayBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder,
    ListBuilder, StringBuilder, StringDictionaryBuilder, StructBuilder,
};
use serde::Serialize;

use crate::arrow_rows::{GroupSer, Row, Slot, Tree};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, DataType, Field, Fields, Schema, SchemaRef};
use chrono::{Datelike, NaiveDate};
use hazard_rules::{Error, Section};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use serde_json::Value;

/// A column of the output: where its value sits in the decision's JSON.
struct Column {
    path: Vec<String>,
    /// The object that holds it (an index into [`Layout::groups`]).
    group: usize,
}

/// The output's schema and where each column comes from.
pub struct Layout {
    schema: SchemaRef,
    columns: Vec<Column>,
    /// The decision's objects that hold columns (`[]` is the decision,
    /// `["rectification"]`, `["responsibility", "staffing"]`...).
    groups: Vec<Vec<String>>,
    /// The same objects' keys, for writing a decision (see `arrow_rows`).
    tree: Tree,
    /// Each field's type, in order.
    types: Vec<DataType>,
    trace: bool,
}

/// A decided chunk: its record batch, and which of the layout's objects
/// occur in at least one of its rows.
#[derive(Clone)]
pub struct Chunk {
    batch: RecordBatch,
    present: Vec<bool>,
}

/// Top-level fields of the decision that are not columns: the same for every
/// row (`as_of`, `ruleset`: the schema's metadata) or asked for (`trace`;
/// `in_force`, the versions applied, which `Decision.in_force` gives per
/// record and `classification.basis` names per item as `standard`).
const NOT_COLUMNS: [&str; 4] = ["as_of", "ruleset", "trace", "in_force"];

impl Layout {
    /// The layout of [`hazard_rules::Decision`]: `id`, each section in the
    /// core's order (fields by name within it), other top-level fields, the
    /// error columns, and `trace` if asked for. `metadata` goes on the schema.
    pub fn of_decision(trace: bool, metadata: HashMap<String, String>) -> Layout {
        let schema = hazard_rules::decision_schema();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut order: Vec<&str> = vec!["id"];
        order.extend(Section::ALL.iter().map(|s| s.name()));
        order.extend(
            props
                .keys()
                .map(String::as_str)
                .filter(|k| !order.contains(k) && !NOT_COLUMNS.contains(k))
                .collect::<Vec<_>>(),
        );
        let mut fields = Vec::new();
        let mut columns = Vec::new();
        let mut groups = vec![Vec::new()];
        for key in order {
            if let Some(prop) = props.get(key) {
                let mut at = Walk {
                    fields: &mut fields,
                    columns: &mut columns,
                    groups: &mut groups,
                };
                at.walk(&schema, prop, vec![key.to_owned()], 0);
            }
        }
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        fields.push(Field::new("error", DataType::Utf8, true));
        fields.push(Field::new("error_kind", dict, true));
        fields.push(Field::new("error_path", DataType::Utf8, true));
        if trace {
            let entry = props.get("trace").map_or(DataType::Utf8, |p| {
                data_type(&schema, resolve(&schema, p), false)
            });
            fields.push(Field::new("trace", entry, true));
        }
        let mut tree = Tree {
            groups: vec![Vec::new(); groups.len()],
        };
        for (g, path) in groups.iter().enumerate().skip(1) {
            let (last, parent) = path.split_last().expect("a group has a path");
            let parent = groups.iter().position(|p| p == parent).unwrap_or(0);
            tree.groups[parent].push((last.clone(), Slot::Group(g)));
        }
        for (i, c) in columns.iter().enumerate() {
            let last = c.path.last().expect("a column has a path");
            tree.groups[c.group].push((last.clone(), Slot::Column(i)));
        }
        if trace {
            tree.groups[0].push(("trace".into(), Slot::Column(columns.len() + 3)));
        }
        let types = fields.iter().map(|f| f.data_type().clone()).collect();
        Layout {
            schema: Arc::new(Schema::new_with_metadata(fields, metadata)),
            columns,
            groups,
            tree,
            types,
            trace,
        }
    }

    /// The decision columns whose object occurs in a row of `chunks` (the
    /// pandas frame leaves out sections no record has), then the error
    /// columns and the trace.
    pub fn present_columns(&self, chunks: &[Chunk]) -> Vec<String> {
        let fields = self.schema.fields();
        let mut names: Vec<String> = self
            .columns
            .iter()
            .zip(fields.iter())
            .filter(|(c, _)| c.group == 0 || chunks.iter().any(|k| k.present[c.group]))
            .map(|(_, f)| f.name().clone())
            .collect();
        names.extend(
            fields
                .iter()
                .skip(self.columns.len())
                .map(|f| f.name().clone()),
        );
        names
    }

    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Builders for a batch of up to `rows` rows (see [`Rows`]).
    pub fn rows(&self, rows: usize) -> Rows<'_> {
        Rows {
            layout: self,
            builders: self
                .schema
                .fields()
                .iter()
                .map(|f| make_builder(f.data_type(), rows))
                .collect(),
            written: vec![false; self.types.len()],
            // The decision's own columns are always shown.
            present: (0..self.groups.len()).map(|g| g == 0).collect(),
        }
    }
}

/// A record batch being written, a decision or an error at a time.
pub struct Rows<'l> {
    layout: &'l Layout,
    builders: Vec<Box<dyn ArrayBuilder>>,
    /// The columns the current row has written.
    written: Vec<bool>,
    /// Which of the layout's objects occur in a row.
    present: Vec<bool>,
}

impl Rows<'_> {
    /// A decision (anything that serialises as a [`hazard_rules::Decision`],
    /// such as the outcome's `json()`); the columns it does not give are
    /// null. An error here leaves the batch unusable.
    pub fn decision<T: Serialize>(&mut self, d: &T) -> Result<(), serde_json::Error> {
        self.written.fill(false);
        let mut row = Row {
            tree: &self.layout.tree,
            builders: &mut self.builders,
            types: &self.layout.types,
            written: &mut self.written,
            present: &mut self.present,
        };
        d.serialize(GroupSer {
            row: &mut row,
            group: 0,
        })?;
        for (i, done) in self.written.iter().enumerate() {
            if !done {
                append(self.builders[i].as_mut(), &self.layout.types[i], None);
            }
        }
        Ok(())
    }

    /// A row that failed: the input's id (when it had one), `error`,
    /// `error_kind`, `error_path`; every other column null.
    pub fn error(&mut self, error: &Error, id: Option<&str>) {
        let decided = self.layout.columns.len();
        for (i, c) in self.layout.columns.iter().enumerate() {
            match id {
                Some(id) if c.path == ["id"] => {
                    builder::<StringBuilder>(self.builders[i].as_mut()).append_value(id)
                }
                _ => append(self.builders[i].as_mut(), &self.layout.types[i], None),
            }
        }
        let path = match error {
            Error::Input(i) => Some(i.path.as_str()),
            _ => None,
        };
        text(self.builders[decided].as_mut(), Some(&error.to_string()));
        dictionary(self.builders[decided + 1].as_mut(), Some(error.code()));
        text(self.builders[decided + 2].as_mut(), path);
        if self.layout.trace {
            let i = decided + 3;
            append(self.builders[i].as_mut(), &self.layout.types[i], None);
        }
    }

    /// The record batch of the rows written.
    pub fn finish(mut self) -> Result<Chunk, ArrowError> {
        let mut arrays: Vec<ArrayRef> = self.builders.iter_mut().map(|b| b.finish()).collect();
        // The builders grow by doubling: give back what the rows do not use
        // (the batch may be kept for long, as a frame's or a stream's).
        for a in &mut arrays {
            if let Some(a) = Arc::get_mut(a) {
                a.shrink_to_fit();
            }
        }
        Ok(Chunk {
            batch: RecordBatch::try_new(self.layout.schema.clone(), arrays)?,
            present: self.present,
        })
    }
}

fn builder<T: ArrayBuilder>(b: &mut dyn ArrayBuilder) -> &mut T {
    b.as_any_mut()
        .downcast_mut::<T>()
        .expect("the layout made this builder for this type")
}

/// What walking the decision's schema makes.
struct Walk<'a> {
    fields: &'a mut Vec<Field>,
    columns: &'a mut Vec<Column>,
    groups: &'a mut Vec<Vec<String>>,
}

impl Walk<'_> {
    /// Walks the decision's objects into dotted columns; anything else is a
    /// column of its own type.
    fn walk(&mut self, root: &Value, prop: &Value, path: Vec<String>, group: usize) {
        let node = resolve(root, prop);
        if type_of(node) == "object" {
            if let Some(props) = node.get("properties").and_then(Value::as_object) {
                self.groups.push(path.clone());
                let g = self.groups.len() - 1;
                for (k, p) in props {
                    let mut sub = path.clone();
                    sub.push(k.clone());
                    self.walk(root, p, sub, g);
                }
                return;
            }
        }
        let name = path.join(".");
        // Text of the decision is dictionary-encoded, except the record's id.
        let dt = data_type(root, node, name != "id");
        self.fields.push(Field::new(name, dt, true));
        self.columns.push(Column { path, group });
    }
}

/// The Arrow type of a schema node: objects inside lists become structs.
fn data_type(root: &Value, node: &Value, dictionary: bool) -> DataType {
    match type_of(node) {
        "string" if node.get("format").and_then(Value::as_str) == Some("date") => DataType::Date32,
        "string" if dictionary => {
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        }
        "string" => DataType::Utf8,
        "integer" => DataType::Int64,
        "number" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "array" => {
            let item = node
                .get("items")
                .map_or(DataType::Utf8, |i| data_type(root, resolve(root, i), false));
            DataType::List(Arc::new(Field::new_list_field(item, true)))
        }
        "object" => match node.get("properties").and_then(Value::as_object) {
            Some(props) if !props.is_empty() => DataType::Struct(Fields::from(
                props
                    .iter()
                    .map(|(k, p)| Field::new(k, data_type(root, resolve(root, p), false), true))
                    .collect::<Vec<_>>(),
            )),
            // A map or an object of any shape: its JSON text.
            _ => DataType::Utf8,
        },
        // A value of any shape: its JSON text.
        _ => DataType::Utf8,
    }
}

/// Follows `$ref` and `anyOf: [X, null]` to the schema of the value itself.
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

/// The schema's `type`, without `null`.
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

fn text(b: &mut dyn ArrayBuilder, v: Option<&str>) {
    b.as_any_mut()
        .downcast_mut::<StringBuilder>()
        .expect("a text column")
        .append_option(v);
}

fn dictionary(b: &mut dyn ArrayBuilder, v: Option<&str>) {
    b.as_any_mut()
        .downcast_mut::<StringDictionaryBuilder<Int32Type>>()
        .expect("a dictionary column")
        .append_option(v);
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01, Arrow's day 0.
pub(crate) const EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Appends a JSON value to a builder of the type the schema gave it; a value
/// of another shape than its schema (none is expected) is appended as null,
/// except text, which takes any value as its JSON.
pub(crate) fn append(b: &mut dyn ArrayBuilder, dt: &DataType, v: Option<&Value>) {
    let v = v.filter(|v| !v.is_null());
    let any = b.as_any_mut();
    match dt {
        DataType::Utf8 => {
            let b = any.downcast_mut::<StringBuilder>().expect("text builder");
            match v {
                Some(Value::String(s)) => b.append_value(s),
                Some(other) => b.append_value(other.to_string()),
                None => b.append_null(),
            }
        }
        DataType::Dictionary(_, _) => {
            let b = any
                .downcast_mut::<StringDictionaryBuilder<Int32Type>>()
                .expect("dictionary builder");
            match v {
                Some(Value::String(s)) => b.append_value(s),
                Some(other) => b.append_value(other.to_string()),
                None => b.append_null(),
            }
        }
        DataType::Int64 => any
            .downcast_mut::<Int64Builder>()
            .expect("int64 builder")
            .append_option(v.and_then(Value::as_i64)),
        DataType::Float64 => any
            .downcast_mut::<Float64Builder>()
            .expect("float64 builder")
            .append_option(v.and_then(Value::as_f64)),
        DataType::Boolean => any
            .downcast_mut::<BooleanBuilder>()
            .expect("boolean builder")
            .append_option(v.and_then(Value::as_bool)),
        DataType::Date32 => any
            .downcast_mut::<Date32Builder>()
            .expect("date32 builder")
            .append_option(
                v.and_then(Value::as_str)
                    .and_then(|s| s.parse::<NaiveDate>().ok())
                    .map(|d| d.num_days_from_ce() - EPOCH_DAYS_FROM_CE),
            ),
        DataType::List(item) => {
            let b = any
                .downcast_mut::<ListBuilder<Box<dyn ArrayBuilder>>>()
                .expect("list builder");
            match v.and_then(Value::as_array) {
                Some(items) => {
                    for x in items {
                        append(b.values().as_mut(), item.data_type(), Some(x));
                    }
                    b.append(true);
                }
                None => b.append_null(),
            }
        }
        DataType::Struct(fields) => {
            let b = any.downcast_mut::<StructBuilder>().expect("struct builder");
            let obj = v.and_then(Value::as_object);
            for (f, child) in fields.iter().zip(b.field_builders_mut()) {
                append(
                    child.as_mut(),
                    f.data_type(),
                    obj.and_then(|o| o.get(f.name())),
                );
            }
            b.append(obj.is_some());
        }
        other => unreachable!("the layout makes no {other} column"),
    }
}

/// Decided record batches, handed to Python through `__arrow_c_stream__`
/// (`pyarrow.table(d)`, `polars.DataFrame(d)`, `duckdb.arrow(d)`).
#[pyclass(frozen, module = "hazard_rules._hazard_rules")]
pub struct DecidedBatches {
    layout: Arc<Layout>,
    chunks: Vec<Chunk>,
}

impl DecidedBatches {
    pub fn new(layout: Arc<Layout>, chunks: Vec<Chunk>) -> Self {
        DecidedBatches { layout, chunks }
    }

    pub fn chunks(&self) -> &[Chunk] {
        &self.chunks
    }
}

#[pymethods]
impl DecidedBatches {
    /// The Arrow PyCapsule interface: the batches as an ArrowArrayStream.
    /// (A requested schema is not applied: the stream has its own.)
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches: Vec<RecordBatch> = self.chunks.iter().map(|c| c.batch.clone()).collect();
        let reader = RecordBatchIterator::new(batches.into_iter().map(Ok), self.layout.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The columns a pandas frame of these rows shows: the decision's
    /// objects that occur in a row, then `error`, `error_kind`,
    /// `error_path` (and `trace`).
    fn present_columns(&self) -> Vec<String> {
        self.layout.present_columns(&self.chunks)
    }

    /// Equal cells of a column, found once (for the pandas frame, which
    /// makes one Python object per distinct list): `(keys, firsts)`, where
    /// `keys` holds each row's key as little-endian `u32`s and `firsts[k]`
    /// the first row whose cell has key `k`. `None` for a column of a type
    /// this does not compare.
    fn distinct(&self, py: Python<'_>, name: &str) -> Option<(Vec<u8>, Vec<u64>)> {
        let i = self.layout.schema.index_of(name).ok()?;
        let columns: Vec<ArrayRef> = self
            .chunks
            .iter()
            .map(|c| c.batch.column(i).clone())
            .collect();
        py.detach(move || distinct(&columns))
    }

    /// Rows in all batches.
    fn __len__(&self) -> usize {
        self.chunks.iter().map(|c| c.batch.num_rows()).sum()
    }

    fn __repr__(&self) -> String {
        format!(
            "DecidedBatches({} rows in {} batches, {} columns)",
            self.__len__(),
            self.chunks.len(),
            self.layout.schema.fields().len()
        )
    }
}

/// The output columns of a decision batch without trace: `[(name, Arrow type), ...]`.
pub fn columns() -> Vec<(String, String)> {
    Layout::of_decision(false, HashMap::new())
        .schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect()
}

/// See [`DecidedBatches::distinct`]. Cells are compared by their encoding
/// (see [`encode`]), found by its hash: only the hashes are kept, and a cell
/// whose hash is known is compared with the first cell of that hash.
fn distinct(columns: &[ArrayRef]) -> Option<(Vec<u8>, Vec<u64>)> {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    // Hash → the keys of the distinct cells with that hash.
    let mut seen: HashMap<u64, Vec<u32>> = HashMap::new();
    // Per key, where its first cell is: (column chunk, row in it).
    let mut at: Vec<(usize, usize)> = Vec::new();
    let mut keys = Vec::new();
    let mut firsts = Vec::new();
    let (mut bytes, mut other) = (Vec::new(), Vec::new());
    let mut row = 0u64;
    for (c, array) in columns.iter().enumerate() {
        for i in 0..array.len() {
            bytes.clear();
            encode(array.as_ref(), i, &mut bytes)?;
            let candidates = seen.entry(hasher.hash_one(&bytes)).or_default();
            let mut found = None;
            for &k in candidates.iter() {
                let (kc, ki) = at[k as usize];
                other.clear();
                encode(columns[kc].as_ref(), ki, &mut other)?;
                if other == bytes {
                    found = Some(k);
                    break;
                }
            }
            let key = match found {
                Some(k) => k,
                None => {
                    let k = at.len() as u32;
                    at.push((c, i));
                    firsts.push(row);
                    candidates.push(k);
                    k
                }
            };
            keys.extend_from_slice(&key.to_le_bytes());
            row += 1;
        }
    }
    Some((keys, firsts))
}

/// A cell as bytes that are equal exactly when the cells are (each part
/// tagged and its length given), for the types the layout makes.
fn encode(array: &dyn arrow_array::Array, i: usize, out: &mut Vec<u8>) -> Option<()> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int64Type};
    if array.is_null(i) {
        out.push(0);
        return Some(());
    }
    out.push(1);
    let text = |out: &mut Vec<u8>, t: &str| {
        out.extend_from_slice(&(t.len() as u64).to_le_bytes());
        out.extend_from_slice(t.as_bytes());
    };
    match array.data_type() {
        DataType::Utf8 => text(out, array.as_string::<i32>().value(i)),
        DataType::Dictionary(k, _) if **k == DataType::Int32 => {
            let d = array.as_dictionary::<Int32Type>();
            let k = d.keys().value(i) as usize;
            encode(d.values().as_ref(), k, out)?;
        }
        DataType::Int64 => {
            out.extend_from_slice(&array.as_primitive::<Int64Type>().value(i).to_le_bytes())
        }
        DataType::Float64 => out.extend_from_slice(
            &array
                .as_primitive::<Float64Type>()
                .value(i)
                .to_bits()
                .to_le_bytes(),
        ),
        DataType::Date32 => {
            out.extend_from_slice(&array.as_primitive::<Date32Type>().value(i).to_le_bytes())
        }
        DataType::Boolean => out.push(array.as_boolean().value(i) as u8),
        DataType::List(_) => {
            let items = array.as_list::<i32>().value(i);
            out.extend_from_slice(&(items.len() as u64).to_le_bytes());
            for j in 0..items.len() {
                encode(items.as_ref(), j, out)?;
            }
        }
        DataType::Struct(_) => {
            for child in array.as_struct().columns() {
                encode(child.as_ref(), i, out)?;
            }
        }
        _ => return None,
    }
    Some(())
}
