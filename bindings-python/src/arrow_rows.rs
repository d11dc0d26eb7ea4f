//! One decision at a time written into the output's Arrow builders, straight
//! from its `Serialize` (the core's [`hazard_rules::DecisionJson`], which
//! borrows the evaluator's results), without a JSON value per row.
//!
//! The cells are what the JSON value of the decision gives through
//! [`append`](crate::arrow_out::append): the common shapes (text into text,
//! a whole number into `int64`, a date into `date32`, a list into a list
//! array, an object into a struct) are written directly, anything else is
//! made into its JSON value first and appended as that, so a cell never
//! differs from the one the JSON gives.

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder,
    StringBuilder, StringDictionaryBuilder, StructBuilder,
};
use arrow_array::types::Int32Type;
use arrow_schema::{DataType, Fields};
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use serde::ser::{self, Impossible, Serialize, Serializer};
use serde_json::{Error, Value};

use crate::arrow_out::{append, EPOCH_DAYS_FROM_CE};

/// The JSON value serializer (for the shapes written through their JSON value).
type Json = serde_json::value::Serializer;
const JSON: Json = serde_json::value::Serializer;
type JsonSeq = <Json as Serializer>::SerializeSeq;
type JsonTupleVariant = <Json as Serializer>::SerializeTupleVariant;
type JsonMap = <Json as Serializer>::SerializeMap;
type JsonStructVariant = <Json as Serializer>::SerializeStructVariant;

/// Where the decision's objects put their fields: for each object (index 0
/// is the decision), its keys and what each holds.
pub struct Tree {
    pub groups: Vec<Vec<(String, Slot)>>,
}

#[derive(Clone, Copy)]
pub enum Slot {
    /// A column, by index.
    Column(usize),
    /// An object of the decision walked into columns, by index.
    Group(usize),
}

/// A row being written: the builders, which columns this row has written
/// (the others get a null when it ends), and which objects occurred.
pub struct Row<'a> {
    pub tree: &'a Tree,
    pub builders: &'a mut [Box<dyn ArrayBuilder>],
    pub types: &'a [DataType],
    pub written: &'a mut [bool],
    pub present: &'a mut [bool],
}

/// Serializes an object of the decision (`group`) into its columns; a value
/// that is not an object there writes nothing (its columns stay null).
pub struct GroupSer<'r, 'a> {
    pub row: &'r mut Row<'a>,
    pub group: usize,
}

impl<'r, 'a> GroupSer<'r, 'a> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        let slot = self.row.tree.groups[self.group]
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| *s);
        match slot {
            Some(Slot::Column(i)) if !self.row.written[i] => {
                self.row.written[i] = true;
                value.serialize(CellSer {
                    b: self.row.builders[i].as_mut(),
                    dt: &self.row.types[i],
                })
            }
            Some(Slot::Group(g)) => value.serialize(GroupSer {
                row: &mut *self.row,
                group: g,
            }),
            // A field that is not a column (`as_of`, `ruleset`, `in_force`,
            // `trace` when not asked for), or given twice.
            _ => Ok(()),
        }
    }
}

/// What a group does with a value that is not an object: nothing.
macro_rules! nothing {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<(), Error> { Ok(()) })*
    };
}

impl<'r, 'a> Serializer for GroupSer<'r, 'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = GroupMap<'r, 'a>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        self.row.present[self.group] = true;
        Ok(self)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<GroupMap<'r, 'a>, Error> {
        self.row.present[self.group] = true;
        Ok(GroupMap {
            group: self,
            key: None,
        })
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    nothing! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(ser::Error::custom(
            "a list where the decision has an object",
        ))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(ser::Error::custom(
            "a list where the decision has an object",
        ))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(ser::Error::custom(
            "a list where the decision has an object",
        ))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(ser::Error::custom(
            "a list where the decision has an object",
        ))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(ser::Error::custom(
            "a variant where the decision has an object",
        ))
    }
}

impl ser::SerializeStruct for GroupSer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// An object of the decision given as a map (text keys).
pub struct GroupMap<'r, 'a> {
    group: GroupSer<'r, 'a>,
    key: Option<String>,
}

impl ser::SerializeMap for GroupMap<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = match key.serialize(JSON)? {
            Value::String(k) => Some(k),
            _ => None,
        };
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self.key.take() {
            Some(k) => self.group.field(&k, value),
            None => Ok(()),
        }
    }

    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

/// Serializes one cell into a builder of the type the layout gave it.
pub struct CellSer<'b> {
    pub b: &'b mut dyn ArrayBuilder,
    pub dt: &'b DataType,
}

impl CellSer<'_> {
    /// A value of a shape written through its JSON value.
    fn json(self, v: Value) -> Result<(), Error> {
        append(self.b, self.dt, Some(&v));
        Ok(())
    }

    fn int(self, v: i64) -> Result<(), Error> {
        match self.dt {
            DataType::Int64 => builder::<Int64Builder>(self.b).append_value(v),
            DataType::Float64 => builder::<Float64Builder>(self.b).append_value(v as f64),
            _ => return self.json(Value::from(v)),
        }
        Ok(())
    }

    fn uint(self, v: u64) -> Result<(), Error> {
        match self.dt {
            DataType::Int64 => builder::<Int64Builder>(self.b).append_option(i64::try_from(v).ok()),
            DataType::Float64 => builder::<Float64Builder>(self.b).append_value(v as f64),
            _ => return self.json(Value::from(v)),
        }
        Ok(())
    }
}

/// A date as `str::parse::<NaiveDate>` reads it, `YYYY-MM-DD` (what the
/// decision's dates are) without its general parser.
fn date(v: &str) -> Option<NaiveDate> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
            return NaiveDate::from_ymd_opt(y as i32, m, d);
        }
    }
    v.parse().ok()
}

/// Up to 64 bytes of text on the stack (more is an error: `collect_str`
/// then makes a `String`).
struct Stack {
    buf: [u8; 64],
    len: usize,
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            buf: [0; 64],
            len: 0,
        }
    }
}

impl Stack {
    fn as_str(&self) -> &str {
        // Only whole `str`s are written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl std::fmt::Write for Stack {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn builder<T: ArrayBuilder>(b: &mut dyn ArrayBuilder) -> &mut T {
    b.as_any_mut()
        .downcast_mut::<T>()
        .expect("the layout made this builder for this type")
}

/// A list or an object being written: into its list or struct builder, or
/// into a JSON value appended when it ends.
pub enum Compound<'b> {
    List {
        b: &'b mut ListBuilder<Box<dyn ArrayBuilder>>,
        item: &'b DataType,
    },
    Struct {
        b: &'b mut StructBuilder,
        fields: &'b Fields,
        /// Which fields are written (structs have at most 64).
        written: u64,
    },
    Seq(JsonSeq, CellSer<'b>),
    TupleVariant(JsonTupleVariant, CellSer<'b>),
    Map(JsonMap, CellSer<'b>),
    StructVariant(JsonStructVariant, CellSer<'b>),
}

impl<'b> Serializer for CellSer<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'b>;
    type SerializeTuple = Compound<'b>;
    type SerializeTupleStruct = Compound<'b>;
    type SerializeTupleVariant = Compound<'b>;
    type SerializeMap = Compound<'b>;
    type SerializeStruct = Compound<'b>;
    type SerializeStructVariant = Compound<'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        match self.dt {
            DataType::Boolean => builder::<BooleanBuilder>(self.b).append_value(v),
            _ => return self.json(Value::Bool(v)),
        }
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.uint(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.uint(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.uint(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.uint(v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        let v = JSON.serialize_i128(v)?;
        self.json(v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        let v = JSON.serialize_u128(v)?;
        self.json(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        let v = JSON.serialize_f32(v)?;
        self.json(v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        match self.dt {
            // Not finite: JSON null.
            DataType::Float64 => {
                builder::<Float64Builder>(self.b).append_option(v.is_finite().then_some(v))
            }
            _ => return self.json(JSON.serialize_f64(v)?),
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.json(Value::String(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        match self.dt {
            DataType::Utf8 => builder::<StringBuilder>(self.b).append_value(v),
            DataType::Dictionary(_, _) => {
                builder::<StringDictionaryBuilder<Int32Type>>(self.b).append_value(v)
            }
            DataType::Date32 => builder::<Date32Builder>(self.b)
                .append_option(date(v).map(|d| d.num_days_from_ce() - EPOCH_DAYS_FROM_CE)),
            _ => return self.json(Value::String(v.to_owned())),
        }
        Ok(())
    }

    /// Dates (and anything else shown as text) written on the stack first.
    fn collect_str<T: std::fmt::Display + ?Sized>(self, value: &T) -> Result<(), Error> {
        let mut buf = Stack::default();
        match write!(buf, "{value}") {
            Ok(()) => self.serialize_str(buf.as_str()),
            Err(_) => self.serialize_str(&value.to_string()),
        }
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let v = JSON.serialize_bytes(v)?;
        self.json(v)
    }

    fn serialize_none(self) -> Result<(), Error> {
        append(self.b, self.dt, None);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let v = JSON.serialize_newtype_variant(name, index, variant, value)?;
        self.json(v)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'b>, Error> {
        if let DataType::List(item) = self.dt {
            return Ok(Compound::List {
                b: builder::<ListBuilder<Box<dyn ArrayBuilder>>>(self.b),
                item: item.data_type(),
            });
        }
        Ok(Compound::Seq(JSON.serialize_seq(len)?, self))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'b>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'b>, Error> {
        let s = JSON.serialize_tuple_variant(name, index, variant, len)?;
        Ok(Compound::TupleVariant(s, self))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'b>, Error> {
        Ok(Compound::Map(JSON.serialize_map(len)?, self))
    }

    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'b>, Error> {
        if let DataType::Struct(fields) = self.dt {
            if fields.len() <= 64 {
                return Ok(Compound::Struct {
                    b: builder::<StructBuilder>(self.b),
                    fields,
                    written: 0,
                });
            }
        }
        Ok(Compound::Map(JSON.serialize_struct(name, len)?, self))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'b>, Error> {
        let s = JSON.serialize_struct_variant(name, index, variant, len)?;
        Ok(Compound::StructVariant(s, self))
    }
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Compound::List { b, item } => value.serialize(CellSer {
                b: b.values().as_mut(),
                dt: item,
            }),
            Compound::Seq(s, _) => ser::SerializeSeq::serialize_element(s, value),
            Compound::TupleVariant(s, _) => ser::SerializeTupleVariant::serialize_field(s, value),
            _ => Err(ser::Error::custom("an element outside a list")),
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        match self {
            Compound::Struct { b, fields, written } => {
                let Some(i) = fields.iter().position(|f| f.name() == key) else {
                    return Ok(());
                };
                if *written & (1 << i) != 0 {
                    return Ok(());
                }
                *written |= 1 << i;
                value.serialize(CellSer {
                    b: b.field_builders_mut()[i].as_mut(),
                    dt: fields[i].data_type(),
                })
            }
            Compound::Map(s, _) => ser::SerializeStruct::serialize_field(s, key, value),
            Compound::StructVariant(s, _) => {
                ser::SerializeStructVariant::serialize_field(s, key, value)
            }
            _ => Err(ser::Error::custom("a field outside an object")),
        }
    }

    fn finish(self) -> Result<(), Error> {
        match self {
            Compound::List { b, .. } => b.append(true),
            Compound::Struct { b, fields, written } => {
                for (i, f) in fields.iter().enumerate() {
                    if written & (1 << i) == 0 {
                        append(b.field_builders_mut()[i].as_mut(), f.data_type(), None);
                    }
                }
                b.append(true);
            }
            Compound::Seq(s, cell) => return cell.json(ser::SerializeSeq::end(s)?),
            Compound::TupleVariant(s, cell) => {
                return cell.json(ser::SerializeTupleVariant::end(s)?)
            }
            Compound::Map(s, cell) => return cell.json(ser::SerializeMap::end(s)?),
            Compound::StructVariant(s, cell) => {
                return cell.json(ser::SerializeStructVariant::end(s)?)
            }
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        match self {
            Compound::Map(s, _) => s.serialize_key(key),
            _ => Err(ser::Error::custom("a key outside a map")),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self {
            Compound::Map(s, _) => s.serialize_value(value),
            _ => Err(ser::Error::custom("a value outside a map")),
        }
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.finish()
    }
}
