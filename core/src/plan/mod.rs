//! The compiled plan: what the loader turns a ruleset's Rhai functions into,
//! and what a decision runs.
//!
//! ```text
//! ruleset files → load (ruleset.rs) → compile (compile/) → Plan (here)
//!              → evaluate (eval.rs, per thread Scratch) → outcome → Decision | JSON
//! ```
//!
//! A plan holds the tables as constants (rows are maps in an arena, keyed
//! lookups are hash indexes, bands are bounds), the rule functions as a small
//! tree IR ([`Ex`], [`St`]) over [`V`] values, and one template per `explain`
//! call site, so the trace is recorded as ids and arguments and its text is
//! written only when asked for ([`trace`]).

pub(crate) mod eval;
pub(crate) mod frame;
pub(crate) mod output;
pub(crate) mod trace;
pub(crate) mod value;

use std::collections::HashMap;
use std::sync::Arc;

use rhai::Dynamic;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::tables::{Bounds, Table, TableBody};
pub(crate) use value::V;

/// FxHash (as in rustc): the plan's maps are keyed by short codes, hashed on
/// every lookup, where SipHash's protection against flooding buys nothing.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FastMap<K, T> = HashMap<K, T, std::hash::BuildHasherDefault<FxHasher>>;

/// Strings, constant arrays and constant maps of a plan.
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct Consts {
    pub pool: Vec<Box<str>>,
    /// For interning while compiling; not stored in a precompiled plan,
    /// which interns nothing.
    #[serde(skip)]
    index: HashMap<Box<str>, u32>,
    /// Elements of constant arrays (`V::CList`).
    pub vals: Vec<V>,
    /// Constant maps (`V::CMap`), entries sorted by key text as in Rhai's `BTreeMap`.
    pub maps: Vec<Box<[(u32, V)]>>,
}

impl Consts {
    pub fn sym(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.pool.len() as u32;
        self.pool.push(s.into());
        self.index.insert(s.into(), i);
        i
    }

    /// A Rhai value from a table or the AST, as a constant.
    pub fn constant(&mut self, d: &Dynamic) -> Option<V> {
        Some(if d.is_unit() {
            V::Unit
        } else if let Ok(b) = d.as_bool() {
            V::Bool(b)
        } else if let Ok(i) = d.as_int() {
            V::Int(i)
        } else if let Ok(f) = d.as_float() {
            V::Float(f)
        } else if let Some(s) = d.read_lock::<rhai::ImmutableString>() {
            V::Sym(self.sym(s.as_str()))
        } else if let Some(a) = d.read_lock::<rhai::Array>() {
            let items: Option<Vec<V>> = a.iter().map(|x| self.constant(x)).collect();
            let items = items?;
            let start = self.vals.len() as u32;
            self.vals.extend(items);
            V::CList(start, a.len() as u32)
        } else if let Some(m) = d.read_lock::<rhai::Map>() {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m.iter() {
                let v = self.constant(v)?;
                entries.push((self.sym(k.as_str()), v));
            }
            self.maps.push(entries.into_boxed_slice());
            V::CMap(self.maps.len() as u32 - 1)
        } else {
            return None;
        })
    }

    /// The value of `key` in a constant map.
    pub fn map_get(&self, map: u32, key: &str) -> Option<V> {
        let entries = &self.maps[map as usize];
        entries
            .binary_search_by(|(k, _)| self.pool[*k as usize].as_ref().cmp(key))
            .ok()
            .map(|i| entries[i].1)
    }

    /// Same as [`Consts::map_get`] with an interned key (no text comparison
    /// when the key is present under the same symbol).
    pub fn map_get_sym(&self, map: u32, key: u32) -> Option<V> {
        let entries = &self.maps[map as usize];
        if let Some((_, v)) = entries.iter().find(|(k, _)| *k == key) {
            return Some(*v);
        }
        None
    }
}

/// What `table(name)` gives and how its rows are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TableKind {
    Rows,
    Bands,
    Values,
    Calendar,
}

/// A table as a constant.
#[derive(Serialize, Deserialize)]
pub(crate) struct PTable {
    pub name: Box<str>,
    pub origin: Box<str>,
    pub source: Option<Box<str>>,
    pub kind: TableKind,
    /// `table(name)`: the rows as an array, the values map, or `#{year}`.
    pub whole: V,
    /// Row `i` is `CMap(first_row + i)`.
    pub rows: Vec<u32>,
    pub index: FastMap<Box<str>, u32>,
    pub bounds: Vec<Bounds>,
    /// Per row: the trace label (`zh`/`title` with `（source）`, and `en`).
    pub labels: Vec<(Box<str>, Box<str>)>,
}

impl PTable {
    fn build(t: &Table, c: &mut Consts) -> Option<PTable> {
        let label = |row: &Dynamic| -> (Box<str>, Box<str>) {
            let get = |k: &str| {
                row.read_lock::<rhai::Map>()
                    .and_then(|m| m.get(k).map(|v| v.to_string()))
            };
            let zh = get("zh").or_else(|| get("title")).unwrap_or_default();
            let en = get("en").unwrap_or_default();
            let source = t.source.as_deref().unwrap_or("");
            let zh = if source.is_empty() {
                zh
            } else {
                format!("{zh}（{source}）")
            };
            (zh.into(), en.into())
        };
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        let mut index = FastMap::default();
        let mut bounds = Vec::new();
        let (kind, whole) = match &t.body {
            TableBody::Rows { rows: r, .. } | TableBody::Bands { rows: r, .. } => {
                let mut items = Vec::with_capacity(r.len());
                for row in r {
                    let v = c.constant(row)?;
                    let V::CMap(m) = v else { return None };
                    rows.push(m);
                    labels.push(label(row));
                    items.push(v);
                }
                let start = c.vals.len() as u32;
                c.vals.extend(items);
                let kind = match &t.body {
                    TableBody::Bands { bounds: b, .. } => {
                        bounds = b.clone();
                        TableKind::Bands
                    }
                    TableBody::Rows { index: idx, .. } => {
                        index = idx
                            .iter()
                            .map(|(k, &i)| (k.as_str().into(), i as u32))
                            .collect();
                        TableKind::Rows
                    }
                    _ => unreachable!("rows or bands"),
                };
                (kind, V::CList(start, r.len() as u32))
            }
            TableBody::Values(v) => (TableKind::Values, c.constant(v)?),
            TableBody::Calendar(_) => (TableKind::Calendar, c.constant(&t.to_dynamic())?),
        };
        Some(PTable {
            name: t.name.as_str().into(),
            origin: t.origin.as_str().into(),
            source: t.source.as_deref().map(Into::into),
            kind,
            whole,
            rows,
            index,
            bounds,
            labels,
        })
    }
}

/// Operators, helpers and methods the plan runs natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Native {
    // operators
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Neg,
    Not,
    // helpers (see engine.rs for their meaning)
    Table,
    Row,
    PeekRow,
    HasRow,
    FindRow,
    Band,
    Deadline,
    /// `deadline(start, days).due`, without building the whole result.
    DeadlineDue,
    AddDays,
    DaysBetween,
    IsWorkingDay,
    Weekday,
    // methods (also callable as functions)
    Contains,
    StartsWith,
    EndsWith,
    IsEmpty,
    Len,
    ToFloat,
    ToInt,
    Floor,
    Ceiling,
    Round,
    Abs,
    Keys,
}

impl Native {
    /// How many arguments it takes (a method's receiver included; for a
    /// table helper, the table name included).
    pub fn arity(self) -> usize {
        use Native::*;
        match self {
            Neg | Not | Table | IsWorkingDay | Weekday | IsEmpty | Len | ToFloat | ToInt
            | Floor | Ceiling | Round | Abs | Keys => 1,
            FindRow => 3,
            _ => 2,
        }
    }

    /// The native a Rhai call of `name` with `arity` arguments (receiver
    /// included for methods) stands for.
    pub fn resolve(name: &str, arity: usize) -> Option<Native> {
        use Native::*;
        Some(match (name, arity) {
            ("==", 2) => Eq,
            ("!=", 2) => Ne,
            ("<", 2) => Lt,
            ("<=", 2) => Le,
            (">", 2) => Gt,
            (">=", 2) => Ge,
            ("+", 2) => Add,
            ("-", 2) => Sub,
            ("*", 2) => Mul,
            ("/", 2) => Div,
            ("%", 2) => Rem,
            ("-", 1) => Neg,
            ("!", 1) => Not,
            ("table", 1) => Table,
            ("row", 2) => Row,
            ("peek_row", 2) => PeekRow,
            ("has_row", 2) => HasRow,
            ("find_row", 3) => FindRow,
            ("band", 2) => Band,
            ("deadline", 2) => Deadline,
            ("add_days", 2) => AddDays,
            ("days_between", 2) => DaysBetween,
            ("is_working_day", 1) => IsWorkingDay,
            ("weekday", 1) => Weekday,
            ("contains", 2) => Contains,
            ("starts_with", 2) => StartsWith,
            ("ends_with", 2) => EndsWith,
            ("is_empty", 1) => IsEmpty,
            ("len", 1) => Len,
            ("to_float", 1) => ToFloat,
            ("to_int", 1) => ToInt,
            ("floor", 1) => Floor,
            ("ceiling", 1) => Ceiling,
            ("round", 1) => Round,
            ("abs", 1) => Abs,
            ("keys", 1) => Keys,
            _ => return None,
        })
    }
}

/// An expression.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Ex {
    Const(V),
    Slot(u16),
    /// `x.name` (a map's field; an error when missing, as in the sandbox).
    Prop(Box<Ex>, u32),
    /// `x.name` where `x` is a local (the commonest shape).
    SlotProp(u16, u32),
    /// `x[i]` on an array or a map.
    Index(Box<Ex>, Box<Ex>),
    /// A helper on a table known at load time (`row("sectors", k)`).
    Lookup(Native, u16, Box<[Ex]>),
    /// A call of the plan's function `id`.
    Call(u32, Box<[Ex]>),
    Native(Native, Box<[Ex]>),
    /// String interpolation: the parts' display, concatenated.
    Interp(Box<[Ex]>),
    Array(Box<[Ex]>),
    /// A map literal: entries in source order (Rhai evaluates them so),
    /// and the order of their keys' text, in which the map stores them.
    Map(Box<[(u32, Ex)]>, Box<[u16]>),
    And(Box<[Ex]>),
    Or(Box<[Ex]>),
    /// `a ?? b`.
    Coalesce(Box<[Ex]>),
    /// A statement block used as a value (`if`, `switch`, `{ … }`).
    Block(Box<[St]>),
    /// A shallow copy of a container, so that a variable that is mutated owns it.
    Copy(Box<Ex>),
}

/// One arm of a `switch`: the literal, an optional condition, the value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Arm {
    pub value: V,
    pub cond: Option<Ex>,
    pub body: Ex,
}

/// A statement. Each has a value (a block's value is its last statement's).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum St {
    Set(u16, Ex),
    SetProp(u16, u32, Ex),
    SetIndex(u16, Ex, Ex),
    /// `x op= e`; `+=` on an array appends in place.
    OpAssign(u16, Native, Ex),
    Push(u16, Ex),
    Expr(Ex),
    If(Ex, Box<[St]>, Box<[St]>),
    Switch(Ex, Box<[Arm]>, Option<Ex>),
    For {
        var: u16,
        counter: Option<u16>,
        iter: Ex,
        body: Box<[St]>,
    },
    Return(Ex),
    Break,
    Continue,
    /// `explain(id, zh, en)`: template id and its argument expressions.
    Explain(u32, Box<[Ex]>),
    InputError(Ex, Ex),
    Throw(Ex),
}

/// A piece of an `explain` text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Seg {
    Lit(Box<str>),
    /// An interpolated argument, shown with Rhai's display.
    Arg(u16),
    /// A whole argument that must be a string (a text passed as a variable).
    Str(u16),
}

/// One `explain` call site.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Template {
    pub id: Box<str>,
    pub origin: Box<str>,
    pub zh: Box<[Seg]>,
    pub en: Box<[Seg]>,
}

/// A compiled rule function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Func {
    pub slots: u16,
    /// Parameters the body mutates, copied on entry (Rhai passes by value).
    pub copy_params: Box<[u16]>,
    pub body: Box<[St]>,
}

/// Table name → position in [`Plan::tables`].
pub(crate) type TableIndex = FastMap<Box<str>, u16>;

/// The whole compiled ruleset.
#[derive(Serialize, Deserialize)]
pub(crate) struct Plan {
    pub consts: Consts,
    pub tables: Vec<PTable>,
    pub table_index: FastMap<Box<str>, u16>,
    pub calendar: Arc<Calendar>,
    pub templates: Vec<Template>,
    /// Functions by id; `None` where a function could not be lowered.
    pub funcs: Vec<Option<Func>>,
    /// Entry point name → function id (when compiled).
    pub entries: FastMap<Box<str>, u32>,
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
    /// Interned names of the input's fields (see frame.rs).
    pub keys: frame::Keys,
}

impl Plan {
    /// The constant tables of a chain.
    pub fn tables_from(
        tables: &std::collections::BTreeMap<String, Arc<Table>>,
        consts: &mut Consts,
    ) -> Option<(Vec<PTable>, TableIndex)> {
        let mut out = Vec::new();
        let mut index = FastMap::default();
        for (name, t) in tables {
            index.insert(name.as_str().into(), out.len() as u16);
            out.push(PTable::build(t, consts)?);
        }
        Some((out, index))
    }

    pub fn text<'a>(&'a self, v: V, s: &'a eval::Scratch) -> Option<&'a str> {
        match v {
            V::Sym(i) => Some(&self.consts.pool[i as usize]),
            V::Txt(a, n) => Some(&s.text[a as usize..(a + n) as usize]),
            _ => None,
        }
    }
}

impl Plan {
    /// Checks that every index in a plan read from a file points inside it,
    /// so that a damaged or hostile file is refused at load instead of
    /// failing (or panicking) during a decision.
    pub fn check(&self) -> Result<(), String> {
        let c = &self.consts;
        let mut w = Walk { p: self, slots: 0 };
        let v_ok = |v: &V| w.v(v).is_ok();
        let bad = |what: &str| Err(format!("damaged plan: {what}"));
        if !c.vals.iter().all(v_ok) {
            return bad("a constant array");
        }
        for m in &c.maps {
            if !m
                .iter()
                .all(|(k, v)| (*k as usize) < c.pool.len() && v_ok(v))
            {
                return bad("a constant map");
            }
        }
        for t in &self.tables {
            let rows_ok = t.rows.iter().all(|&m| (m as usize) < c.maps.len());
            let index_ok = t.index.values().all(|&r| (r as usize) < t.rows.len());
            if !v_ok(&t.whole) || !rows_ok || !index_ok || t.labels.len() != t.rows.len() {
                return bad(&format!("table `{}`", t.name));
            }
            if t.kind == TableKind::Bands && t.bounds.len() != t.rows.len() {
                return bad(&format!("table `{}`", t.name));
            }
        }
        if !self
            .table_index
            .values()
            .all(|&t| (t as usize) < self.tables.len())
        {
            return bad("the table index");
        }
        for &id in self.entries.values() {
            if !matches!(self.funcs.get(id as usize), Some(Some(_))) {
                return bad("an entry point");
            }
        }
        let k = &self.keys;
        if [k.due, k.nominal, k.skipped]
            .iter()
            .any(|&s| s as usize >= c.pool.len())
        {
            return bad("the field names");
        }
        for f in self.funcs.iter().flatten() {
            w.slots = f.slots;
            if f.copy_params.iter().any(|&p| p >= f.slots) {
                return bad("a function's parameters");
            }
            w.stmts(&f.body).map_err(|e| format!("damaged plan: {e}"))?;
        }
        Ok(())
    }
}

/// The walk of [`Plan::check`] over one function.
struct Walk<'a> {
    p: &'a Plan,
    slots: u16,
}

impl Walk<'_> {
    fn slot(&self, i: u16) -> Result<(), String> {
        if i < self.slots {
            Ok(())
        } else {
            Err("a variable outside its function".into())
        }
    }

    fn v(&self, v: &V) -> Result<(), String> {
        let c = &self.p.consts;
        let ok = match *v {
            V::Sym(i) => (i as usize) < c.pool.len(),
            V::CList(a, n) => (a as usize)
                .checked_add(n as usize)
                .is_some_and(|e| e <= c.vals.len()),
            V::CMap(m) => (m as usize) < c.maps.len(),
            V::Txt(..) | V::List(_) | V::Map(_) => false,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err("a constant".into())
        }
    }

    fn sym(&self, s: u32) -> Result<(), String> {
        self.v(&V::Sym(s))
    }

    fn stmts(&self, body: &[St]) -> Result<(), String> {
        body.iter().try_for_each(|s| self.stmt(s))
    }

    fn stmt(&self, s: &St) -> Result<(), String> {
        match s {
            St::Set(i, e) | St::Push(i, e) => {
                self.slot(*i)?;
                self.ex(e)
            }
            St::SetProp(i, k, e) => {
                self.slot(*i)?;
                self.sym(*k)?;
                self.ex(e)
            }
            St::SetIndex(i, k, e) => {
                self.slot(*i)?;
                self.ex(k)?;
                self.ex(e)
            }
            St::OpAssign(i, _, e) => {
                self.slot(*i)?;
                self.ex(e)
            }
            St::Expr(e) | St::Return(e) | St::Throw(e) => self.ex(e),
            St::If(c, a, b) => {
                self.ex(c)?;
                self.stmts(a)?;
                self.stmts(b)
            }
            St::Switch(e, arms, def) => {
                self.ex(e)?;
                for a in arms.iter() {
                    self.v(&a.value)?;
                    if let Some(c) = &a.cond {
                        self.ex(c)?;
                    }
                    self.ex(&a.body)?;
                }
                def.as_ref().map_or(Ok(()), |d| self.ex(d))
            }
            St::For {
                var,
                counter,
                iter,
                body,
            } => {
                self.slot(*var)?;
                if let Some(c) = counter {
                    self.slot(*c)?;
                }
                self.ex(iter)?;
                self.stmts(body)
            }
            St::Break | St::Continue => Ok(()),
            St::Explain(t, args) => {
                let Some(t) = self.p.templates.get(*t as usize) else {
                    return Err("a trace template".into());
                };
                for seg in t.zh.iter().chain(t.en.iter()) {
                    if let Seg::Arg(i) | Seg::Str(i) = seg {
                        if *i as usize >= args.len() {
                            return Err("a trace template's argument".into());
                        }
                    }
                }
                args.iter().try_for_each(|a| self.ex(a))
            }
            St::InputError(a, b) => {
                self.ex(a)?;
                self.ex(b)
            }
        }
    }

    fn ex(&self, e: &Ex) -> Result<(), String> {
        match e {
            Ex::Const(v) => self.v(v),
            Ex::Slot(i) => self.slot(*i),
            Ex::SlotProp(i, k) => {
                self.slot(*i)?;
                self.sym(*k)
            }
            Ex::Prop(x, k) => {
                self.sym(*k)?;
                self.ex(x)
            }
            Ex::Index(x, i) => {
                self.ex(x)?;
                self.ex(i)
            }
            Ex::Lookup(n, t, args) => {
                if *t as usize >= self.p.tables.len() || args.len() + 1 != n.arity() {
                    return Err("a table lookup".into());
                }
                args.iter().try_for_each(|a| self.ex(a))
            }
            Ex::Call(f, args) => {
                if !matches!(self.p.funcs.get(*f as usize), Some(Some(_))) {
                    return Err("a call".into());
                }
                args.iter().try_for_each(|a| self.ex(a))
            }
            Ex::Native(n, args) => {
                if args.len() != n.arity() {
                    return Err("a helper call".into());
                }
                args.iter().try_for_each(|a| self.ex(a))
            }
            Ex::Interp(xs) | Ex::Array(xs) | Ex::And(xs) | Ex::Or(xs) | Ex::Coalesce(xs) => {
                xs.iter().try_for_each(|a| self.ex(a))
            }
            Ex::Map(entries, order) => {
                let n = entries.len();
                let mut seen = vec![false; n];
                for &o in order.iter() {
                    match seen.get_mut(o as usize) {
                        Some(s) if !*s => *s = true,
                        _ => return Err("a map literal".into()),
                    }
                }
                if order.len() != n {
                    return Err("a map literal".into());
                }
                for (k, x) in entries.iter() {
                    self.sym(*k)?;
                    self.ex(x)?;
                }
                Ok(())
            }
            Ex::Block(b) => self.stmts(b),
            Ex::Copy(x) => self.ex(x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Native;

    #[test]
    fn arities_match_the_helpers_rules_call() {
        for (name, arity) in [
            ("row", 2),
            ("find_row", 3),
            ("table", 1),
            ("band", 2),
            ("deadline", 2),
            ("!", 1),
            ("-", 1),
            ("-", 2),
            ("contains", 2),
            ("keys", 1),
        ] {
            assert_eq!(
                Native::resolve(name, arity).unwrap().arity(),
                arity,
                "{name}"
            );
        }
    }
}
