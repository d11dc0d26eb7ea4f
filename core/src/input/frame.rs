//! A typed table's rows (a data frame's, an Arrow record batch's) read
//! straight into [`Input`], for batches of millions of rows.
//!
//! [`frame_row`](super::frame_row) then [`Input::from_value`] build a JSON
//! value of every record (a map per object, a string per key) only to read
//! it once. Here the columns are laid out as the record's tree once, and
//! each row's cells are handed to `Input`'s own `Deserialize` from where they
//! are. What is read, and every error (its JSON path and wording), is the
//! same: objects give their keys in the order a JSON map has them (sorted),
//! a cell of text as `serde_json` gives a string, any other cell through
//! `serde_json`'s own deserializer, and anything unusual (an object where a
//! number is due, say) through the JSON value it would have been.

use std::collections::BTreeMap;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Unexpected, Visitor};
use serde_json::{Error, Value};

use super::cells::{field_kind, Cell, FieldKind, Leaf};
use super::{path_error, Input};
use crate::error::InputError;

/// The columns of a typed table, checked and laid out once: each one's
/// kind ([`field_kind`]; `None` for a path the input does not have, which
/// each row that gives it reports as an unknown field) and its place in the
/// record.
///
/// ```
/// use hazard_rules::input::{Cell, FrameColumns, FrameRow};
/// use serde_json::json;
///
/// let columns = FrameColumns::new(["id", "accident.deaths", "accident.kind"]).unwrap();
/// let mut row = FrameRow::default();
/// let input = columns
///     .read([Cell::Typed(json!(7)), Cell::Text("3"), Cell::Missing], &mut row)
///     .unwrap();
/// assert_eq!(input.id.as_deref(), Some("7"));
/// assert_eq!(input.accident.unwrap().deaths, 3);
///
/// let e = columns
///     .read([Cell::Text("A-2"), Cell::Typed(json!(-1)), Cell::Missing], &mut row)
///     .unwrap_err();
/// assert_eq!(e.path, "accident.deaths");
/// assert_eq!(columns.id(&row).as_deref(), Some("A-2"));
/// ```
#[derive(Debug, Clone)]
pub struct FrameColumns {
    names: Vec<String>,
    kinds: Vec<Option<FieldKind>>,
    root: Box<[Node]>,
    /// The column of the record's `id`, if one is.
    id: Option<usize>,
}

/// One row's cells as read, reused from row to row (see
/// [`FrameColumns::read`]).
#[derive(Debug, Default)]
pub struct FrameRow<'a> {
    leaves: Vec<Leaf<'a>>,
    /// Whether every cell of the last row read could be read.
    read: bool,
}

/// A key of an object in the record, and what it holds.
#[derive(Debug, Clone)]
struct Node {
    key: Box<str>,
    what: What,
}

#[derive(Debug, Clone)]
enum What {
    /// A column (its index).
    Leaf(usize),
    /// An object, its keys sorted as a JSON map's.
    Group(Box<[Node]>),
}

/// The tree while it is built.
enum Build {
    Leaf(usize),
    Group(BTreeMap<String, Build>),
}

impl FrameColumns {
    /// Lays out columns named by dotted input paths. Two columns that would
    /// put a value in the same place (`id` twice, or `hazard` and
    /// `hazard.sector`) are an error naming the second.
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Result<Self, InputError> {
        let names: Vec<String> = names.into_iter().map(|n| n.as_ref().to_owned()).collect();
        let kinds = names.iter().map(|n| field_kind(n).ok()).collect();
        let mut root = BTreeMap::new();
        for (i, name) in names.iter().enumerate() {
            let mut node = &mut root;
            let mut parts = name.split('.').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    if node.contains_key(part) {
                        return Err(InputError::new(
                            name.as_str(),
                            "the column overlaps another column",
                        ));
                    }
                    node.insert(part.to_owned(), Build::Leaf(i));
                    break;
                }
                let next = node
                    .entry(part.to_owned())
                    .or_insert_with(|| Build::Group(BTreeMap::new()));
                node = match next {
                    Build::Group(g) => g,
                    Build::Leaf(_) => {
                        return Err(InputError::new(
                            name.as_str(),
                            "the column nests under another's value",
                        ))
                    }
                };
            }
        }
        fn done(group: BTreeMap<String, Build>) -> Box<[Node]> {
            group
                .into_iter()
                .map(|(key, b)| Node {
                    key: key.into(),
                    what: match b {
                        Build::Leaf(i) => What::Leaf(i),
                        Build::Group(g) => What::Group(done(g)),
                    },
                })
                .collect()
        }
        let root = done(root);
        let id = root.iter().find_map(|n| match (&*n.key, &n.what) {
            ("id", What::Leaf(i)) => Some(*i),
            _ => None,
        });
        Ok(FrameColumns {
            names,
            kinds,
            root,
            id,
        })
    }

    /// The columns' dotted names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Each column's kind (`None`: a path the input does not have).
    pub fn kinds(&self) -> &[Option<FieldKind>] {
        &self.kinds
    }

    /// One row as an input: each cell read as [`Cell::read`] reads it (a
    /// cell that is not of its column's kind is an error naming the column),
    /// then the record checked as [`Input::from_value`] checks it, with the
    /// same errors. Cells beyond the columns are ignored, missing ones left
    /// out. `row` is scratch memory for the cells, kept for the next row.
    pub fn read<'a>(
        &self,
        cells: impl IntoIterator<Item = Cell<'a>>,
        row: &mut FrameRow<'a>,
    ) -> Result<Input, InputError> {
        row.leaves.clear();
        row.read = false;
        for ((name, kind), cell) in self.names.iter().zip(&self.kinds).zip(cells) {
            row.leaves.push(cell.read_leaf(name, *kind)?);
        }
        row.leaves.resize(self.names.len(), Leaf::Missing);
        row.read = true;
        let de = || GroupDe {
            nodes: &self.root,
            leaves: &row.leaves,
        };
        // Read without tracking the path (which allocates every key it
        // passes), and again with it only to name where a bad row failed.
        let input = match Input::deserialize(de()) {
            Ok(input) => input,
            Err(_) => serde_path_to_error::deserialize(de()).map_err(path_error)?,
        };
        input.validate()?;
        Ok(input)
    }

    /// The record's `id` in the row last read, when its cells could be read
    /// and it is text: what a batch reports with the row's error.
    pub fn id(&self, row: &FrameRow<'_>) -> Option<String> {
        if !row.read {
            return None;
        }
        match row.leaves.get(self.id?)? {
            Leaf::Str(s) => Some((*s).to_owned()),
            Leaf::Value(Value::String(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

fn present(node: &Node, leaves: &[Leaf<'_>]) -> bool {
    match &node.what {
        What::Leaf(i) => !matches!(leaves[*i], Leaf::Missing),
        What::Group(g) => g.iter().any(|n| present(n, leaves)),
    }
}

/// The JSON value a node would have been (for what only that answers).
fn node_value(node: &Node, leaves: &[Leaf<'_>]) -> Value {
    match &node.what {
        What::Leaf(i) => leaves[*i].clone().into_value().unwrap_or(Value::Null),
        What::Group(g) => group_value(g, leaves),
    }
}

fn group_value(nodes: &[Node], leaves: &[Leaf<'_>]) -> Value {
    Value::Object(
        nodes
            .iter()
            .filter(|n| present(n, leaves))
            .map(|n| (n.key.to_string(), node_value(n, leaves)))
            .collect(),
    )
}

static NULL: Value = Value::Null;

/// An object of the record, as `serde_json` gives a map.
struct GroupDe<'r, 'a> {
    nodes: &'r [Node],
    leaves: &'r [Leaf<'a>],
}

impl<'r, 'a> GroupDe<'r, 'a> {
    fn value(&self) -> Value {
        group_value(self.nodes, self.leaves)
    }

    fn visit<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        let len = self
            .nodes
            .iter()
            .filter(|n| present(n, self.leaves))
            .count();
        let mut access = GroupAccess {
            nodes: self.nodes.iter(),
            leaves: self.leaves,
            value: None,
        };
        let map = visitor.visit_map(&mut access)?;
        let leaves = access.leaves;
        if access.nodes.any(|n| present(n, leaves)) {
            return Err(de::Error::invalid_length(len, &"fewer elements in map"));
        }
        Ok(map)
    }
}

struct GroupAccess<'r, 'a> {
    nodes: std::slice::Iter<'r, Node>,
    leaves: &'r [Leaf<'a>],
    value: Option<&'r Node>,
}

impl<'r> MapAccess<'r> for GroupAccess<'r, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'r>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        for node in self.nodes.by_ref() {
            if present(node, self.leaves) {
                self.value = Some(node);
                return seed
                    .deserialize(BorrowedStrDeserializer::<Error>::new(&node.key))
                    .map(Some);
            }
        }
        Ok(None)
    }

    fn next_value_seed<T: DeserializeSeed<'r>>(&mut self, seed: T) -> Result<T::Value, Error> {
        match self.value.take() {
            Some(node) => seed.deserialize(NodeDe::of(node, self.leaves)),
            None => Err(de::Error::custom("value is missing")),
        }
    }
}

/// A value of the record: an object, a cell of text or another cell.
enum NodeDe<'r, 'a> {
    Group(GroupDe<'r, 'a>),
    Str(&'r str),
    Value(&'r Value),
}

impl<'r, 'a> NodeDe<'r, 'a> {
    fn of(node: &'r Node, leaves: &'r [Leaf<'a>]) -> Self {
        match &node.what {
            What::Group(nodes) => NodeDe::Group(GroupDe { nodes, leaves }),
            What::Leaf(i) => match &leaves[*i] {
                Leaf::Str(s) => NodeDe::Str(s),
                Leaf::Value(v) => NodeDe::Value(v),
                // Not reached: a missing cell's key is not given.
                Leaf::Missing => NodeDe::Value(&NULL),
            },
        }
    }
}

/// What `serde_json`'s deserializer of the value answers, for the requests
/// the input's types do not make of an object or a text (it is made only
/// then).
macro_rules! through_value {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'r>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
                match self {
                    NodeDe::Group(g) => g.value().$method($($arg,)* visitor),
                    NodeDe::Str(s) => Value::String(s.to_owned()).$method($($arg,)* visitor),
                    NodeDe::Value(v) => v.$method($($arg,)* visitor),
                }
            }
        )*
    };
}

impl<'r> Deserializer<'r> for NodeDe<'r, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            NodeDe::Group(g) => g.visit(visitor),
            NodeDe::Str(s) => visitor.visit_str(s),
            NodeDe::Value(v) => v.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            NodeDe::Value(v) => v.deserialize_option(visitor),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_str<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            NodeDe::Group(_) => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
            NodeDe::Str(s) => visitor.visit_str(s),
            NodeDe::Value(v) => v.deserialize_string(visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_string(visitor)
    }

    fn deserialize_map<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            NodeDe::Group(g) => g.visit(visitor),
            NodeDe::Str(s) => Value::String(s.to_owned()).deserialize_map(visitor),
            NodeDe::Value(v) => v.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'r>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            NodeDe::Group(g) => g.visit(visitor),
            NodeDe::Str(s) => Value::String(s.to_owned()).deserialize_struct(name, fields, visitor),
            NodeDe::Value(v) => v.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'r>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            NodeDe::Value(v) => v.deserialize_newtype_struct(name, visitor),
            other => visitor.visit_newtype_struct(other),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'r>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    through_value! {
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }
}

/// The record itself.
impl<'de> Deserializer<'de> for GroupDe<'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        NodeDe::Group(self).deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        NodeDe::Group(self).deserialize_struct(name, fields, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the path through a JSON value gives.
    fn through_json(names: &[&str], cells: Vec<Cell<'_>>) -> Result<Input, InputError> {
        let kinds: Vec<_> = names.iter().map(|n| field_kind(n).ok()).collect();
        Input::from_value(super::super::frame_row(names, &kinds, cells)?)
    }

    fn same(names: &[&str], cells: Vec<Cell<'_>>) {
        let columns = FrameColumns::new(names).unwrap();
        let mut row = FrameRow::default();
        let direct = columns.read(cells.clone(), &mut row);
        let json = through_json(names, cells);
        match (&direct, &json) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!((&a.path, &a.message), (&b.path, &b.message)),
            _ => panic!("{names:?}: direct {direct:?}, through JSON {json:?}"),
        }
    }

    #[test]
    fn reads_as_through_json() {
        let names = [
            "id",
            "hazard.sector",
            "hazard.found_on",
            "hazard.items",
            "hazard.facts.fixed_on_spot",
            "hazard.location.township",
            "warning.signals.rainstorm",
        ];
        same(
            &names,
            vec![
                Cell::Typed(json!(3)),
                Cell::Text("metallurgy"),
                Cell::Text(" 2024-03-01 "),
                Cell::Typed(json!(["GM-4-1"])),
                Cell::Text("True"),
                Cell::Missing,
                Cell::Text("orange"),
            ],
        );
        // A bad date, a township without the rest of its location, an
        // item that is not text, a list that is an object.
        for cells in [
            vec![Cell::Missing, Cell::Text("x"), Cell::Text("2024-13-01")],
            vec![Cell::Missing, Cell::Text("x"), Cell::Missing],
            vec![
                Cell::Missing,
                Cell::Text("x"),
                Cell::Text("2024-01-01"),
                Cell::Typed(json!([1])),
            ],
            vec![
                Cell::Missing,
                Cell::Text("x"),
                Cell::Text("2024-01-01"),
                Cell::Typed(json!({"a": 1})),
            ],
            vec![Cell::Missing; 7],
            vec![Cell::Text("only an id")],
        ] {
            same(&names, cells);
        }
        // Unknown columns, a group where a value is due, a value where a
        // group is due.
        same(
            &["hazard.sectr", "accident.deaths"],
            vec![Cell::Text("x"), Cell::Text("2")],
        );
        same(&["id.x"], vec![Cell::Text("x")]);
        same(&["accident"], vec![Cell::Typed(json!("x"))]);
        same(&["accident.deaths.n"], vec![Cell::Typed(json!(1))]);
    }

    #[test]
    fn columns_in_the_same_place() {
        let e = FrameColumns::new(["id", "id"]).unwrap_err();
        assert!(e.message.contains("overlaps"), "{e}");
        let e = FrameColumns::new(["hazard", "hazard.sector"]).unwrap_err();
        assert_eq!(e.path, "hazard.sector");
        assert!(e.message.contains("nests"), "{e}");
    }
}
