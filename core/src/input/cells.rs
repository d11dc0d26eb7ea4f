//! Table cells (CSV, spreadsheets) read by the type of their field.
//!
//! A table has no types: every cell is text. A column is named by the dotted
//! path of its field (`hazard.listing.level`), and the input's JSON Schema
//! (generated from the types in this module's parent) says what the field
//! holds, so each cell is read as that: text stays text whatever it looks
//! like (`123`, `null`, `true`), numbers and booleans are parsed, lists and
//! objects are JSON, and an empty cell is a field left out.

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::error::InputError;

/// What a field holds, as a table cell gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Text, kept as written (`123` and `null` are text).
    Text,
    /// A date, `YYYY-MM-DD` (checked when the record is read).
    Date,
    /// A whole number (`3`, or `3.0` as spreadsheets and pandas write it).
    Integer,
    /// A number.
    Number,
    /// `true` or `false`, in any case (`True`, as pandas writes it); not `1`/`0`.
    Boolean,
    /// A list, written as JSON (`["GM-11-1", "GM-3-2"]`).
    List,
    /// An object given whole in one column, written as JSON.
    Object,
}

/// The input's JSON Schema, made once.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(crate::input_schema)
}

/// Follows `$ref` and `anyOf: [X, null]` to the schema of the value itself.
fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    loop {
        if let Some(name) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
        {
            match root.get("$defs").and_then(|d| d.get(name)) {
                Some(def) => node = def,
                None => return node,
            }
        } else if let Some(alt) = node
            .get("anyOf")
            .and_then(Value::as_array)
            .and_then(|alts| {
                alts.iter()
                    .find(|a| a.get("type").and_then(Value::as_str) != Some("null"))
            })
        {
            node = alt;
        } else {
            return node;
        }
    }
}

/// The schema's `type`, without `null` (`["string", "null"]` is `string`).
fn type_name(node: &Value) -> Option<&str> {
    match node.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn kind_of(node: &Value) -> Option<FieldKind> {
    Some(match type_name(node)? {
        "string" if node.get("format").and_then(Value::as_str) == Some("date") => FieldKind::Date,
        "string" => FieldKind::Text,
        "integer" => FieldKind::Integer,
        "number" => FieldKind::Number,
        "boolean" => FieldKind::Boolean,
        "array" => FieldKind::List,
        "object" => FieldKind::Object,
        _ => return None,
    })
}

/// The kind of the field a column names: its dotted path in the input
/// (`accident.deaths`; `warning.signals.rainstorm` for one entry of a map).
/// A path the input does not have is an error naming the column, so that a
/// misspelt column is not silently dropped.
///
/// ```
/// use hazard_rules::input::{field_kind, FieldKind};
///
/// assert_eq!(field_kind("id").unwrap(), FieldKind::Text);
/// assert_eq!(field_kind("accident.deaths").unwrap(), FieldKind::Integer);
/// assert_eq!(field_kind("hazard.items").unwrap(), FieldKind::List);
/// assert_eq!(field_kind("warning.signals.rainstorm").unwrap(), FieldKind::Text);
/// let e = field_kind("hazard.sectr").unwrap_err();
/// assert_eq!(e.path, "hazard.sectr");
/// assert!(e.message.contains("unknown column"), "{}", e.message);
/// ```
pub fn field_kind(column: &str) -> Result<FieldKind, InputError> {
    let root = schema();
    let mut node = resolve(root, root);
    let mut walked = String::new();
    for part in column.split('.') {
        let unknown = |why: String| {
            Err(InputError::of(
                column,
                "unknown_column",
                format!("unknown column: {why}"),
                format!("没有这一列：输入中没有字段“{column}”"),
            ))
        };
        if part.is_empty() {
            return unknown("a dotted name has an empty part".into());
        }
        let here = if walked.is_empty() {
            "the input".to_owned()
        } else {
            format!("`{walked}`")
        };
        match kind_of(node) {
            Some(FieldKind::Object) => {}
            Some(FieldKind::List) => {
                return unknown(format!(
                    "{here} is a list: give it whole, as JSON, in a column `{walked}`"
                ))
            }
            _ => return unknown(format!("{here} is a single value, it has no `{part}`")),
        }
        let next = match node.get("properties").and_then(|p| p.get(part)) {
            Some(field) => field,
            // A map (`warning.signals`): any key, one type of value.
            None => match node.get("additionalProperties") {
                Some(values @ Value::Object(_)) => values,
                _ => return unknown(format!("{here} has no field `{part}`")),
            },
        };
        node = resolve(root, next);
        if !walked.is_empty() {
            walked.push('.');
        }
        walked.push_str(part);
    }
    kind_of(node).ok_or_else(|| {
        InputError::of(
            column,
            "unknown_column",
            "unknown column: the input's schema gives this field no type",
            format!("没有这一列：输入格式没有给字段“{column}”规定类型"),
        )
    })
}

/// What a cell should have been, in Chinese.
fn what_zh(what: &str) -> &'static str {
    match what {
        "a whole number" => "整数",
        "a number" => "数字",
        "true or false" => "true 或 false",
        w if w.starts_with("a list") => "以 JSON 写的列表（如 [\"a\", \"b\"]）",
        _ => "以 JSON 写的对象",
    }
}

/// Largest integer a float holds exactly (2^53).
const EXACT: f64 = 9_007_199_254_740_992.0;

impl FieldKind {
    /// Reads one cell of a column of this kind: `Ok(None)` for an empty (or
    /// blank) cell, a field left out; an error naming the column for a cell
    /// that is not of its kind.
    pub fn read_cell(self, column: &str, cell: &str) -> Result<Option<Value>, InputError> {
        self.read_leaf(column, cell).map(Leaf::into_value)
    }

    /// [`FieldKind::read_cell`], with text and dates kept borrowed.
    pub(super) fn read_leaf<'a>(self, column: &str, cell: &'a str) -> Result<Leaf<'a>, InputError> {
        let t = cell.trim();
        if t.is_empty() {
            return Ok(Leaf::Missing);
        }
        let bad = |what: &str| {
            let shown: String = t.chars().take(40).collect();
            let cut = if shown.len() < t.len() { "…" } else { "" };
            Err(InputError::of(
                column,
                "wrong_type",
                format!("column `{column}`: `{shown}{cut}` is not {what}"),
                format!("“{column}”列：“{shown}{cut}”不是{}", what_zh(what)),
            ))
        };
        Ok(match self {
            FieldKind::Text => Leaf::Str(cell),
            FieldKind::Date => Leaf::Str(t),
            FieldKind::Integer | FieldKind::Number => Leaf::Value({
                if let Ok(i) = t.parse::<i64>() {
                    Value::from(i)
                } else if let Ok(u) = t.parse::<u64>() {
                    Value::from(u)
                } else {
                    match t.parse::<f64>() {
                        // Rust also reads `inf` and `NaN`; a record has neither.
                        Ok(f) if f.is_finite() => {
                            if f.fract() == 0.0 && f.abs() < EXACT {
                                Value::from(f as i64)
                            } else if self == FieldKind::Integer {
                                return bad("a whole number");
                            } else {
                                Value::from(f)
                            }
                        }
                        _ => return bad("a number"),
                    }
                }
            }),
            FieldKind::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" => Leaf::Value(Value::Bool(true)),
                "false" => Leaf::Value(Value::Bool(false)),
                _ => return bad("true or false"),
            },
            FieldKind::List => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Array(_)) => Leaf::Value(v),
                _ => return bad("a list written as JSON (such as [\"a\", \"b\"])"),
            },
            FieldKind::Object => match serde_json::from_str::<Value>(t) {
                Ok(v @ Value::Object(_)) => Leaf::Value(v),
                _ => return bad("an object written as JSON"),
            },
        })
    }
}

impl FieldKind {
    /// Reads a cell that a data frame has already typed (a number, a
    /// boolean, a list): a number or a boolean in a text column becomes its
    /// text, as a table reader given `123` or `true` there reads it (pandas
    /// reads a column of numeric ids as numbers); anything else is kept for
    /// the record's own checks.
    ///
    /// ```
    /// use hazard_rules::input::FieldKind;
    /// use serde_json::json;
    ///
    /// assert_eq!(FieldKind::Text.read_typed_cell(json!(123)), json!("123"));
    /// assert_eq!(FieldKind::Text.read_typed_cell(json!(false)), json!("false"));
    /// assert_eq!(FieldKind::Integer.read_typed_cell(json!(3)), json!(3));
    /// assert_eq!(FieldKind::Integer.read_typed_cell(json!("x")), json!("x"));
    /// ```
    pub fn read_typed_cell(self, value: Value) -> Value {
        match (self, value) {
            (FieldKind::Text, Value::Number(n)) => Value::String(n.to_string()),
            (FieldKind::Text, Value::Bool(b)) => Value::String(b.to_string()),
            (_, v) => v,
        }
    }
}

/// One table cell read by the type of the field its column names
/// ([`field_kind`] then [`FieldKind::read_cell`]); `Ok(None)` for an empty
/// cell. A table reader looks each column's kind up once instead.
///
/// ```
/// use hazard_rules::input::csv_cell;
/// use serde_json::json;
///
/// assert_eq!(csv_cell("id", "123").unwrap(), Some(json!("123")));
/// assert_eq!(csv_cell("hazard.description", "null").unwrap(), Some(json!("null")));
/// assert_eq!(csv_cell("accident.deaths", "3").unwrap(), Some(json!(3)));
/// assert_eq!(csv_cell("accident.deaths", "3.0").unwrap(), Some(json!(3)));
/// assert_eq!(csv_cell("hazard.facts.needs_suspension", "True").unwrap(), Some(json!(true)));
/// assert_eq!(csv_cell("hazard.items", r#"["GM-11-1"]"#).unwrap(), Some(json!(["GM-11-1"])));
/// assert_eq!(csv_cell("accident.deaths", "").unwrap(), None);
/// let e = csv_cell("accident.deaths", "three").unwrap_err();
/// assert_eq!(e.path, "accident.deaths");
/// assert!(e.message.contains("is not a number"), "{}", e.message);
/// ```
pub fn csv_cell(column: &str, cell: &str) -> Result<Option<Value>, InputError> {
    field_kind(column)?.read_cell(column, cell)
}

/// The columns of a table, checked once: each one's kind, and an error
/// naming a column that the input does not have, that is given twice, or
/// that overlaps another (`hazard` and `hazard.sector`: which would win is
/// not clear).
pub fn table_columns<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<FieldKind>, InputError> {
    let names: Vec<&str> = names.into_iter().collect();
    for (i, a) in names.iter().enumerate() {
        if names[..i].contains(a) {
            return Err(InputError::of(
                *a,
                "duplicate",
                format!("column `{a}` is given twice (column {})", i + 1),
                format!("“{a}”列重复出现（第 {} 列）", i + 1),
            ));
        }
    }
    let kinds = names
        .iter()
        .map(|n| field_kind(n))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if b.starts_with(a) && b[a.len()..].starts_with('.') {
            return Err(InputError::of(
                b,
                "overlapping_columns",
                format!("columns `{a}` and `{b}` overlap: give a field either as one column or as dotted columns"),
                format!("“{a}”列与“{b}”列重叠：一个字段要么整列给出，要么按带点的子列给出"),
            ));
        }
    }
    Ok(kinds)
}

/// One table row as an input value: each cell read by its column's kind
/// (from [`table_columns`]) and put at its dotted path; empty cells left out.
pub fn table_row<'a>(
    names: &[&str],
    kinds: &[FieldKind],
    cells: impl IntoIterator<Item = &'a str>,
) -> Result<Value, InputError> {
    let mut root = Map::new();
    for ((name, kind), cell) in names.iter().zip(kinds).zip(cells) {
        if let Some(value) = kind.read_cell(name, cell)? {
            put(&mut root, name, value)?;
        }
    }
    Ok(Value::Object(root))
}

/// A cell of a typed table: a data frame's or an Arrow array's, where a
/// column has a type of its own besides its field's.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Null (or NaN, NaT): the field is left out, as an empty table cell.
    Missing,
    /// Text, read by the column's kind as a table cell is
    /// ([`FieldKind::read_cell`]): `"3"` in a number column is 3.
    Text(&'a str),
    /// A value the frame has typed (a number, a boolean, a date as
    /// `YYYY-MM-DD`, a list, an object), read by
    /// [`FieldKind::read_typed_cell`].
    Typed(Value),
}

impl<'a> Cell<'a> {
    /// The cell's value in a column of `kind` (`None`: a column the input
    /// does not have, whose value is kept for the record to report).
    pub fn read(self, column: &str, kind: Option<FieldKind>) -> Result<Option<Value>, InputError> {
        self.read_leaf(column, kind).map(Leaf::into_value)
    }

    /// [`Cell::read`], with text kept borrowed.
    pub(super) fn read_leaf(
        self,
        column: &str,
        kind: Option<FieldKind>,
    ) -> Result<Leaf<'a>, InputError> {
        match (self, kind) {
            (Cell::Missing, _) => Ok(Leaf::Missing),
            (Cell::Text(text), Some(kind)) => kind.read_leaf(column, text),
            (Cell::Text(text), None) => Ok(Leaf::Str(text)),
            (Cell::Typed(v), Some(kind)) => Ok(Leaf::Value(kind.read_typed_cell(v))),
            (Cell::Typed(v), None) => Ok(Leaf::Value(v)),
        }
    }
}

/// A cell as read for its field: the text of a text or date field kept
/// where it is (the record's own string is made from it once), any other
/// value as JSON.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Leaf<'a> {
    /// Left out of the record.
    Missing,
    Str(&'a str),
    Value(Value),
}

impl Leaf<'_> {
    pub(super) fn into_value(self) -> Option<Value> {
        match self {
            Leaf::Missing => None,
            Leaf::Str(s) => Some(Value::String(s.to_owned())),
            Leaf::Value(v) => Some(v),
        }
    }
}

/// One row of a typed table (a data frame, Arrow record batch) as an input
/// value: each cell read by [`Cell::read`] and put at its column's dotted
/// path; missing cells left out. A column whose kind is `None` (a path the
/// input does not have) is put there all the same, so that the record
/// reports it as an unknown field: an error of that row, not of the table.
///
/// ```
/// use hazard_rules::input::{frame_row, field_kind, Cell};
/// use serde_json::json;
///
/// let names = ["id", "accident.deaths", "hazard.found_on", "hazard.sector"];
/// let kinds: Vec<_> = names.iter().map(|n| field_kind(n).ok()).collect();
/// let row = frame_row(
///     &names,
///     &kinds,
///     [Cell::Typed(json!(42)), Cell::Text("3"), Cell::Typed(json!("2024-03-01")), Cell::Missing],
/// )
/// .unwrap();
/// assert_eq!(row, json!({"id": "42", "accident": {"deaths": 3}, "hazard": {"found_on": "2024-03-01"}}));
/// ```
pub fn frame_row<'a>(
    names: &[&str],
    kinds: &[Option<FieldKind>],
    cells: impl IntoIterator<Item = Cell<'a>>,
) -> Result<Value, InputError> {
    let mut root = Map::new();
    for ((name, kind), cell) in names.iter().zip(kinds).zip(cells) {
        if let Some(value) = cell.read(name, *kind)? {
            put(&mut root, name, value)?;
        }
    }
    Ok(Value::Object(root))
}

/// Puts a column's value at its dotted path in the record being built.
fn put(root: &mut Map<String, Value>, name: &str, value: Value) -> Result<(), InputError> {
    let mut node = root;
    let mut parts = name.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            if node.contains_key(part) {
                return Err(InputError::of(
                    name,
                    "overlapping_columns",
                    "the column overlaps another column",
                    "这一列与另一列重叠",
                ));
            }
            node.insert(part.to_owned(), value);
            break;
        }
        // Columns were checked not to overlap, so this is an object.
        node = node
            .entry(part.to_owned())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .ok_or_else(|| {
                InputError::of(
                    name,
                    "overlapping_columns",
                    "the column nests under another's value",
                    "这一列落在另一列的值之下",
                )
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_follow_the_schema() {
        for (column, kind) in [
            ("hazard", FieldKind::Object),
            ("hazard.found_on", FieldKind::Date),
            ("hazard.events", FieldKind::List),
            ("hazard.facts.fixed_on_spot", FieldKind::Boolean),
            ("hazard.enterprise.principal.name", FieldKind::Text),
            ("accident.direct_loss_cny", FieldKind::Number),
            ("warning.signals", FieldKind::Object),
            ("risk.unit.standardisation_grade", FieldKind::Integer),
        ] {
            assert_eq!(field_kind(column).unwrap(), kind, "{column}");
        }
        for column in ["", "hazard..sector", "nope", "id.x", "risk.points.l"] {
            assert!(field_kind(column).is_err(), "{column}");
        }
    }

    #[test]
    fn cells_that_are_not_of_their_kind() {
        let n = FieldKind::Number;
        assert_eq!(n.read_cell("x", " 2.5 ").unwrap(), Some(json!(2.5)));
        assert_eq!(n.read_cell("x", "  ").unwrap(), None);
        for bad in ["inf", "NaN", "1,5", "three"] {
            assert!(n.read_cell("x", bad).is_err(), "{bad}");
        }
        assert!(FieldKind::Boolean.read_cell("x", "1").is_err());
        assert_eq!(
            FieldKind::Boolean.read_cell("x", "FALSE").unwrap(),
            Some(json!(false))
        );
        assert!(FieldKind::List.read_cell("x", "GM-1").is_err());
        assert_eq!(
            FieldKind::Integer
                .read_cell("x", "18446744073709551615")
                .unwrap(),
            Some(json!(u64::MAX))
        );
    }

    #[test]
    fn columns_given_twice_or_overlapping() {
        let e = table_columns(["id", "id"]).unwrap_err();
        assert!(e.message.contains("given twice (column 2)"), "{e}");
        let e = table_columns(["hazard.sector", "hazard"]).unwrap_err();
        assert!(e.message.contains("overlap"), "{e}");
        let names = ["hazard.sector", "hazard.found_on", "id"];
        let kinds = table_columns(names).unwrap();
        assert_eq!(
            table_row(&names, &kinds, ["metallurgy", "2024-01-02", ""]).unwrap(),
            json!({"hazard": {"sector": "metallurgy", "found_on": "2024-01-02"}})
        );
    }
}
