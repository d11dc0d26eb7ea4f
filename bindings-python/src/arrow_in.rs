//! Arrow input: any object with the Arrow PyCapsule interface
//! (`__arrow_c_stream__`, `__arrow_c_array__`: pyarrow, polars, DuckDB,
//! pandas through pyarrow) read through the C stream interface, without a
//! Python object per cell.
//!
//! Struct columns are walked into dotted names (`hazard` with a `sector`
//! child is the column `hazard.sector`), as dotted column names are. This
//! module only turns each Arrow value into a [`Cell`]; what a cell means for
//! its field, and the record it makes, are the core's
//! ([`hazard_rules::input::FrameColumns`]).

use arrow_array::cast::AsArray;
use arrow_array::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::ffi_stream::RecordBatchStreamReader;
use arrow_array::temporal_conversions::{as_datetime, as_datetime_with_timezone};
use arrow_array::timezone::Tz;
use arrow_array::types::{
    ArrowDictionaryKeyType, ArrowTimestampType, Decimal128Type, Decimal256Type, Decimal32Type,
    Decimal64Type, DecimalType, Int16Type, Int32Type, Int64Type, Int8Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
    TimestampSecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{
    Array, ArrayRef, OffsetSizeTrait, RecordBatch, RecordBatchIterator, RecordBatchReader,
    StructArray,
};
use arrow_buffer::NullBuffer;
use arrow_schema::{DataType, TimeUnit};
use chrono::NaiveDate;
use hazard_rules::input::{Cell, FrameColumns, FrameRow};
use hazard_rules::{Error, Input, InputError};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyTuple};
use rayon::prelude::*;
use serde_json::{Map, Number, Value};

/// The record batches of an Arrow object (a stream, or one struct array).
pub fn import(obj: &Bound<'_, PyAny>) -> PyResult<Box<dyn RecordBatchReader + Send>> {
    let py = obj.py();
    if obj.hasattr("__arrow_c_stream__")? {
        let capsule = obj.call_method1("__arrow_c_stream__", (py.None(),))?;
        let capsule = capsule.cast::<PyCapsule>()?;
        let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
        // SAFETY: the capsule holds an ArrowArrayStream (its name says so);
        // from_raw moves it out and leaves a released stream behind, which
        // the capsule's destructor then ignores.
        let reader = unsafe { RecordBatchStreamReader::from_raw(ptr.as_ptr().cast()) }
            .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))?;
        return Ok(Box::new(reader));
    }
    if obj.hasattr("__arrow_c_array__")? {
        let pair = obj.call_method1("__arrow_c_array__", (py.None(),))?;
        let pair = pair.cast::<PyTuple>()?;
        let schema = pair.get_item(0)?;
        let schema = schema.cast::<PyCapsule>()?;
        let array = pair.get_item(1)?;
        let array = array.cast::<PyCapsule>()?;
        let schema_ptr = schema.pointer_checked(Some(c"arrow_schema"))?;
        let array_ptr = array.pointer_checked(Some(c"arrow_array"))?;
        // SAFETY: the capsules hold an ArrowSchema and an ArrowArray (their
        // names say so); the array is moved out (its capsule then holds a
        // released one), the schema only borrowed for the import.
        let data = unsafe {
            let array = FFI_ArrowArray::from_raw(array_ptr.as_ptr().cast());
            from_ffi(array, &*schema_ptr.as_ptr().cast::<FFI_ArrowSchema>())
        }
        .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow array: {e}")))?;
        if !matches!(data.data_type(), DataType::Struct(_)) {
            return Err(PyTypeError::new_err(format!(
                "an Arrow array of records must be a struct array, not {}",
                data.data_type()
            )));
        }
        let batch = RecordBatch::from(StructArray::from(data));
        let schema = batch.schema();
        return Ok(Box::new(RecordBatchIterator::new([Ok(batch)], schema)));
    }
    Err(PyTypeError::new_err(format!(
        "{} has neither __arrow_c_stream__ nor __arrow_c_array__",
        obj.get_type().name()?
    )))
}

/// A column of input: a top-level column, or a field of a struct column.
struct Leaf {
    array: ArrayRef,
    /// Rows where a struct holding the column is null.
    outer_nulls: Option<NullBuffer>,
}

/// A row that could not be read: its error, and the input's id when it
/// had one (reported with the error).
pub type Failed = (Error, Option<String>);

/// The columns of one record batch, read into inputs.
pub struct Frame {
    /// The dotted column names, laid out as the record (the core's).
    columns: FrameColumns,
    leaves: Vec<Leaf>,
    rows: usize,
}

impl Frame {
    /// Walks the batch's struct columns into dotted names. Names that
    /// repeat or sit inside one another (a struct column `hazard` and a
    /// column `hazard.found_on`, as with dicts in a pandas column) are an
    /// error of the whole batch.
    pub fn new(batch: &RecordBatch) -> PyResult<Frame> {
        let own: Vec<String> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        crate::check_names(&own)?;
        let mut names = Vec::new();
        let mut leaves = Vec::new();
        for (field, array) in batch.schema().fields().iter().zip(batch.columns()) {
            walk(field.name(), array, None, &mut names, &mut leaves);
        }
        crate::check_names(&names)?;
        let columns =
            FrameColumns::new(&names).map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(Frame {
            columns,
            leaves,
            rows: batch.num_rows(),
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row `row` as the core's input; a cell that cannot be read is that
    /// row's error, naming its column. `cells` and `read` are scratch
    /// memory kept from row to row.
    pub fn input<'a>(
        &'a self,
        row: usize,
        cells: &mut Vec<Cell<'a>>,
        read: &mut FrameRow<'a>,
    ) -> Result<Input, Failed> {
        cells.clear();
        for (leaf, name) in self.leaves.iter().zip(self.columns.names()) {
            let outer_null = leaf.outer_nulls.as_ref().is_some_and(|n| n.is_null(row));
            let c = if outer_null {
                Cell::Missing
            } else {
                cell(leaf.array.as_ref(), row).map_err(|reason| {
                    let e = InputError::new(name.as_str(), format!("column `{name}`: {reason}"));
                    (Error::from(e), None)
                })?
            };
            cells.push(c);
        }
        self.columns
            .read(cells.drain(..), read)
            .map_err(|e| (Error::from(e), self.columns.id(read)))
    }

    /// Every row as the core's input (or its error), on all cores.
    pub fn inputs(&self) -> Vec<Result<Input, Failed>> {
        (0..self.rows)
            .into_par_iter()
            .map_init(
                || (Vec::new(), FrameRow::default()),
                |(cells, read), r| self.input(r, cells, read),
            )
            .collect()
    }
}

fn walk(
    name: &str,
    array: &ArrayRef,
    outer: Option<&NullBuffer>,
    names: &mut Vec<String>,
    leaves: &mut Vec<Leaf>,
) {
    if let Some(s) = array.as_struct_opt() {
        let nulls = NullBuffer::union(outer, s.nulls());
        for (field, child) in s.fields().iter().zip(s.columns()) {
            walk(
                &format!("{name}.{}", field.name()),
                child,
                nulls.as_ref(),
                names,
                leaves,
            );
        }
        return;
    }
    names.push(name.to_owned());
    leaves.push(Leaf {
        array: array.clone(),
        outer_nulls: outer.cloned(),
    });
}

/// Largest integer a float holds exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

/// One top-level cell: text stays text (for the core to read by its field's
/// kind), anything else a typed value.
fn cell(array: &dyn Array, row: usize) -> Result<Cell<'_>, String> {
    if array.is_null(row) {
        return Ok(Cell::Missing);
    }
    if let Some(text) = text(array, row) {
        return Ok(Cell::Text(text));
    }
    if let Some((values, key)) = dictionary(array, row)? {
        return match key {
            Some(k) => cell(values, k),
            None => Ok(Cell::Missing),
        };
    }
    Ok(match value(array, row, 0)? {
        Some(v) => Cell::Typed(v),
        None => Cell::Missing,
    })
}

fn text(array: &dyn Array, row: usize) -> Option<&str> {
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(row)),
        DataType::Utf8View => Some(array.as_string_view().value(row)),
        _ => None,
    }
}

/// A dictionary array's values and the key at a row (`None`: a null key).
type Entry<'a> = (&'a dyn Array, Option<usize>);

/// The entry at `row` of a dictionary array (`None`: not a dictionary).
fn dictionary(array: &dyn Array, row: usize) -> Result<Option<Entry<'_>>, String> {
    fn at<K: ArrowDictionaryKeyType>(array: &dyn Array, row: usize) -> Entry<'_> {
        let d = array.as_dictionary::<K>();
        (d.values().as_ref(), d.key(row))
    }
    let DataType::Dictionary(key, _) = array.data_type() else {
        return Ok(None);
    };
    Ok(Some(match key.as_ref() {
        DataType::Int8 => at::<Int8Type>(array, row),
        DataType::Int16 => at::<Int16Type>(array, row),
        DataType::Int32 => at::<Int32Type>(array, row),
        DataType::Int64 => at::<Int64Type>(array, row),
        DataType::UInt8 => at::<UInt8Type>(array, row),
        DataType::UInt16 => at::<UInt16Type>(array, row),
        DataType::UInt32 => at::<UInt32Type>(array, row),
        DataType::UInt64 => at::<UInt64Type>(array, row),
        other => return Err(format!("cannot read a dictionary with {other} keys")),
    }))
}

/// Nesting deeper than this is refused (a record is never this deep).
const MAX_DEPTH: usize = 32;

/// The value at `row` as JSON (`None`: null or NaN, a field left out).
fn value(array: &dyn Array, row: usize, depth: usize) -> Result<Option<Value>, String> {
    if depth > MAX_DEPTH {
        return Err("nested too deeply".into());
    }
    if array.is_null(row) {
        return Ok(None);
    }
    if let Some(t) = text(array, row) {
        return Ok(Some(Value::String(t.to_owned())));
    }
    if let Some((values, key)) = dictionary(array, row)? {
        return match key {
            Some(k) => value(values, k, depth + 1),
            None => Ok(None),
        };
    }
    macro_rules! int {
        ($t:ty) => {
            Value::from(array.as_primitive::<$t>().value(row))
        };
    }
    Ok(Some(match array.data_type() {
        DataType::Null => return Ok(None),
        DataType::Boolean => Value::Bool(array.as_boolean().value(row)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float16 => {
            return float(f64::from(
                array
                    .as_primitive::<arrow_array::types::Float16Type>()
                    .value(row),
            ))
        }
        DataType::Float32 => {
            return float(f64::from(
                array
                    .as_primitive::<arrow_array::types::Float32Type>()
                    .value(row),
            ))
        }
        DataType::Float64 => {
            return float(
                array
                    .as_primitive::<arrow_array::types::Float64Type>()
                    .value(row),
            )
        }
        DataType::Decimal32(_, _) => return decimal::<Decimal32Type>(array, row),
        DataType::Decimal64(_, _) => return decimal::<Decimal64Type>(array, row),
        DataType::Decimal128(_, _) => return decimal::<Decimal128Type>(array, row),
        DataType::Decimal256(_, _) => return decimal::<Decimal256Type>(array, row),
        DataType::Date32 => {
            let days = array
                .as_primitive::<arrow_array::types::Date32Type>()
                .value(row);
            date(NaiveDate::from_num_days_from_ce_opt(
                days + EPOCH_DAYS_FROM_CE,
            ))?
        }
        DataType::Date64 => {
            let ms = array
                .as_primitive::<arrow_array::types::Date64Type>()
                .value(row);
            date(chrono::DateTime::from_timestamp_millis(ms).map(|t| t.date_naive()))?
        }
        DataType::Timestamp(unit, tz) => {
            let tz = tz.as_deref();
            match unit {
                TimeUnit::Second => timestamp::<TimestampSecondType>(array, row, tz)?,
                TimeUnit::Millisecond => timestamp::<TimestampMillisecondType>(array, row, tz)?,
                TimeUnit::Microsecond => timestamp::<TimestampMicrosecondType>(array, row, tz)?,
                TimeUnit::Nanosecond => timestamp::<TimestampNanosecondType>(array, row, tz)?,
            }
        }
        // A list's items are a range of its values (read where they are:
        // slicing would make a new array, and one per column of a struct).
        DataType::List(_) => list_items::<i32>(array, row, depth)?,
        DataType::LargeList(_) => list_items::<i64>(array, row, depth)?,
        DataType::ListView(_) => list_view_items::<i32>(array, row, depth)?,
        DataType::LargeListView(_) => list_view_items::<i64>(array, row, depth)?,
        DataType::FixedSizeList(_, _) => {
            let l = array.as_fixed_size_list();
            let at = l.value_offset_at(row);
            list(
                l.values().as_ref(),
                at..at + l.value_length() as usize,
                depth,
            )?
        }
        DataType::Struct(_) => {
            let s = array.as_struct();
            let mut map = Map::new();
            for (field, child) in s.fields().iter().zip(s.columns()) {
                if let Some(v) = value(child.as_ref(), row, depth + 1)? {
                    map.insert(field.name().clone(), v);
                }
            }
            Value::Object(map)
        }
        DataType::Map(_, _) => {
            let entries = array.as_map().value(row);
            let mut map = Map::new();
            for i in 0..entries.len() {
                let key = match text(entries.column(0).as_ref(), i) {
                    Some(k) => k.to_owned(),
                    None => return Err("a map's keys must be text".into()),
                };
                if let Some(v) = value(entries.column(1).as_ref(), i, depth + 1)? {
                    map.insert(key, v);
                }
            }
            Value::Object(map)
        }
        DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::FixedSizeBinary(_) => {
            return Err("cannot use bytes (decode them to text first)".into())
        }
        other => return Err(format!("cannot use a value of Arrow type {other}")),
    }))
}

/// A decimal as the nearest float (a record's numbers are floats).
fn decimal<T: DecimalType>(array: &dyn Array, row: usize) -> Result<Option<Value>, String> {
    let text = array.as_primitive::<T>().value_as_string(row);
    let f: f64 = text
        .parse()
        .map_err(|_| format!("cannot read the decimal {text}"))?;
    float(f)
}

/// The items of a list (`List`, `LargeList`) at `row`.
fn list_items<O: OffsetSizeTrait>(
    array: &dyn Array,
    row: usize,
    depth: usize,
) -> Result<Value, String> {
    let l = array.as_list::<O>();
    let o = l.value_offsets();
    list(
        l.values().as_ref(),
        o[row].as_usize()..o[row + 1].as_usize(),
        depth,
    )
}

/// The items of a list view (`ListView`, `LargeListView`) at `row`.
fn list_view_items<O: OffsetSizeTrait>(
    array: &dyn Array,
    row: usize,
    depth: usize,
) -> Result<Value, String> {
    let l = array.as_list_view::<O>();
    let at = l.value_offsets()[row].as_usize();
    list(
        l.values().as_ref(),
        at..at + l.value_sizes()[row].as_usize(),
        depth,
    )
}

/// A list's items, `range` of `values`; a null item keeps its place.
fn list(values: &dyn Array, range: std::ops::Range<usize>, depth: usize) -> Result<Value, String> {
    range
        .map(|i| Ok(value(values, i, depth + 1)?.unwrap_or(Value::Null)))
        .collect::<Result<Vec<_>, String>>()
        .map(Value::Array)
}

/// Floats that hold a whole number become integers (as pandas makes of an
/// integer column with gaps); NaN is missing.
fn float(f: f64) -> Result<Option<Value>, String> {
    if f.is_nan() {
        return Ok(None);
    }
    if !f.is_finite() {
        return Err("must be a finite number".into());
    }
    if f.fract() == 0.0 && f.abs() < EXACT {
        return Ok(Some(Value::from(f as i64)));
    }
    Ok(Number::from_f64(f).map(Value::Number))
}

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01, Arrow's day 0.
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

fn date(d: Option<NaiveDate>) -> Result<Value, String> {
    d.map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
        .ok_or_else(|| "the date is out of range".into())
}

/// A timestamp's date: in its own time zone when it has one (a fixed
/// offset such as `+08:00`), else as written.
fn timestamp<T: ArrowTimestampType>(
    array: &dyn Array,
    row: usize,
    tz: Option<&str>,
) -> Result<Value, String> {
    let v = array.as_primitive::<T>().value(row);
    match tz {
        None => date(as_datetime::<T>(v).map(|t| t.date())),
        Some(tz) => {
            let tz: Tz = tz.parse().map_err(|_| {
                format!("cannot read the time zone {tz:?} (use a fixed offset such as +08:00)")
            })?;
            date(as_datetime_with_timezone::<T>(v, tz).map(|t| t.date_naive()))
        }
    }
}
