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

mod check;
pub(crate) mod eval;
pub(crate) mod frame;
mod ir;
pub(crate) mod output;
pub(crate) mod trace;
pub(crate) mod value;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
#[cfg(feature = "scripted")]
use rhai::Dynamic;
use serde::{Deserialize, Serialize};

use crate::bounds::Bounds;
use crate::calendar::Calendar;
#[cfg(feature = "scripted")]
use crate::in_force::Versions;
use crate::in_force::{Applied, Day, Validity};
#[cfg(feature = "scripted")]
use crate::tables::{Table, TableBody};
pub(crate) use ir::{Arm, Ex, Func, Native, Seg, St, Template};
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
    #[cfg(feature = "scripted")]
    index: HashMap<Box<str>, u32>,
    /// Elements of constant arrays (`V::CList`).
    pub vals: Vec<V>,
    /// Constant maps (`V::CMap`), entries sorted by key text as in Rhai's `BTreeMap`.
    pub maps: Vec<Box<[(u32, V)]>>,
}

impl Consts {
    #[cfg(feature = "scripted")]
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
    #[cfg(feature = "scripted")]
    pub fn constant(&mut self, d: &Dynamic) -> Option<V> {
        Some(if d.is_unit() {
            V::Unit
        } else if let Ok(b) = d.as_bool() {
            V::bool(b)
        } else if let Ok(i) = d.as_int() {
            V::Int(i)
        } else if let Ok(f) = d.as_float() {
            V::float(f)
        } else if let Some(s) = d.read_lock::<rhai::ImmutableString>() {
            V::sym(self.sym(s.as_str()))
        } else if let Some(a) = d.read_lock::<rhai::Array>() {
            let items: Option<Vec<V>> = a.iter().map(|x| self.constant(x)).collect();
            let items = items?;
            let start = self.vals.len() as u32;
            self.vals.extend(items);
            V::clist(start, a.len() as u32)
        } else if let Some(m) = d.read_lock::<rhai::Map>() {
            let mut entries = Vec::with_capacity(m.len());
            for (k, v) in m.iter() {
                let v = self.constant(v)?;
                entries.push((self.sym(k.as_str()), v));
            }
            self.maps.push(entries.into_boxed_slice());
            V::cmap(self.maps.len() as u32 - 1)
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
    /// Its place among the versions of a table (see `in_force`).
    pub version: Option<PVersion>,
    /// Each row's own dates; empty when no row has them.
    pub valid: Vec<Validity>,
}

/// [`crate::in_force::TableVersion`] in the plan; `valid` is when it is in
/// force (a missing end closed by the next version: `in_force::Member`).
#[derive(Serialize, Deserialize)]
pub(crate) struct PVersion {
    pub of: Box<str>,
    pub label: Box<str>,
    pub valid: Validity,
}

impl PTable {
    /// Whether row `r` is in force on the day being judged.
    pub fn row_in_force(&self, r: u32, day: Option<NaiveDate>) -> bool {
        match (self.valid.get(r as usize), day) {
            (Some(v), Some(day)) => v.contains(day),
            _ => true,
        }
    }

    /// The version applied on `day`, as the decision lists it.
    pub fn applied(&self, day: Day) -> Applied {
        let v = self.version.as_ref();
        Applied::of(
            v.map_or(&self.name, |v| &v.of),
            v.map_or(&self.name, |v| &v.label),
            v.map(|v| v.valid).unwrap_or_default(),
            self.source.as_deref(),
            day,
        )
    }
}

#[cfg(feature = "scripted")]
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
        let mut valid = Vec::new();
        let (kind, whole) = match &t.body {
            TableBody::Rows { rows: r, .. } | TableBody::Bands { rows: r, .. } => {
                let mut items = Vec::with_capacity(r.len());
                for row in r {
                    let v = c.constant(row)?;
                    let V::CMap(m) = v else { return None };
                    rows.push(m.get());
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
                    TableBody::Rows {
                        index: idx,
                        valid: v,
                        ..
                    } => {
                        valid = v.clone();
                        index = idx
                            .iter()
                            .map(|(k, &i)| (k.as_str().into(), i as u32))
                            .collect();
                        TableKind::Rows
                    }
                    _ => unreachable!("rows or bands"),
                };
                (kind, V::clist(start, r.len() as u32))
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
            version: t.version.as_ref().map(|v| PVersion {
                of: v.of.as_str().into(),
                label: v.label.as_str().into(),
                valid: v.valid,
            }),
            valid,
        })
    }
}

/// Table name → position in [`Plan::tables`].
#[cfg(feature = "scripted")]
pub(crate) type TableIndex = FastMap<Box<str>, u16>;

/// The versions of a versioned table, as positions in [`Plan::tables`], in
/// date order.
pub(crate) type VersionGroup = Box<[u16]>;

/// The whole compiled ruleset.
#[derive(Serialize, Deserialize)]
pub(crate) struct Plan {
    pub consts: Consts,
    pub tables: Vec<PTable>,
    /// Names the rules use → a table, or (from `tables.len()` on) a group
    /// of [`Plan::versions`].
    pub table_index: FastMap<Box<str>, u16>,
    /// The versions of each versioned table.
    pub versions: Vec<VersionGroup>,
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
    /// The pool's strings by hash, for interning the input's texts; made
    /// on first use, so loading a precompiled plan does not pay for it.
    #[serde(skip)]
    pub codes: std::sync::OnceLock<FastMap<u64, u32>>,
}

impl Plan {
    /// What the input's frame is written with (see `frame::Cx`).
    pub fn frame(&self) -> frame::Cx<'_> {
        frame::Cx {
            keys: &self.keys,
            pool: &self.consts.pool,
            codes: self.codes.get_or_init(|| frame::codes(&self.consts.pool)),
        }
    }

    /// The constant tables of a chain, the index of the names the rules
    /// use, and the version groups (a versioned table's name stands for its
    /// group, whose position in the index follows the tables').
    #[cfg(feature = "scripted")]
    pub fn tables_from(
        tables: &std::collections::BTreeMap<String, Arc<Table>>,
        versions: &Versions,
        consts: &mut Consts,
    ) -> Option<(Vec<PTable>, TableIndex, Vec<VersionGroup>)> {
        let mut out = Vec::new();
        let mut index = FastMap::default();
        for (name, t) in tables {
            index.insert(name.as_str().into(), out.len() as u16);
            out.push(PTable::build(t, consts)?);
        }
        let mut groups = Vec::new();
        for (name, members) in versions.iter() {
            let mut group = Vec::with_capacity(members.len());
            for m in members {
                let t = *index
                    .get(m.file.as_str())
                    .filter(|&&t| (t as usize) < out.len())?;
                // When it is in force, its end closed by the next version.
                out[t as usize].version.as_mut()?.valid = m.valid;
                group.push(t);
            }
            let at = u16::try_from(out.len() + groups.len()).ok()?;
            index.insert(name.into(), at);
            groups.push(group.into_boxed_slice());
        }
        Some((out, index, groups))
    }

    pub fn text<'a>(&'a self, v: V, s: &'a eval::Scratch) -> Option<&'a str> {
        match v {
            V::Sym(i) => Some(&self.consts.pool[i.idx()]),
            V::Txt(t) => Some(&s.text[t.range()]),
            _ => None,
        }
    }
}
