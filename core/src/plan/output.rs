//! Plan values into the output types (`Classification`, `Rectification` …)
//! through serde, as `rhai::serde::from_dynamic` does for the interpreter, so
//! a rule's result is checked against the same types either way.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::eval::Scratch;
use super::{Plan, V};

#[derive(Debug)]
pub(crate) struct DeError(pub String);

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// A value of a decision, readable by serde.
#[derive(Clone, Copy)]
pub(crate) struct De<'a> {
    pub p: &'a Plan,
    pub s: &'a Scratch,
    pub v: V,
}

impl<'a> De<'a> {
    fn at(&self, v: V) -> De<'a> {
        De { v, ..*self }
    }
}

/// Reads `v` as a `T`.
pub(crate) fn read<T: de::DeserializeOwned>(p: &Plan, s: &Scratch, v: V) -> Result<T, DeError> {
    T::deserialize(De { p, s, v })
}

impl<'de, 'a: 'de> Deserializer<'de> for De<'a> {
    type Error = DeError;

    fn deserialize_any<W: Visitor<'de>>(self, w: W) -> Result<W::Value, DeError> {
        match self.v {
            V::Unit => w.visit_unit(),
            V::False => w.visit_bool(false),
            V::True => w.visit_bool(true),
            V::Int(i) => w.visit_i64(i),
            V::Float(f) => w.visit_f64(f.get()),
            V::Sym(_) | V::Txt(..) => {
                w.visit_borrowed_str(self.p.text(self.v, self.s).unwrap_or(""))
            }
            V::CList(s) => w.visit_seq(Seq {
                de: self,
                items: &self.p.consts.vals[s.range()],
            }),
            V::List(id) => w.visit_seq(Seq {
                de: self,
                items: self.s.list(id),
            }),
            V::CMap(m) => w.visit_map(Map {
                de: self,
                entries: Entries::Const(&self.p.consts.maps[m.idx()]),
                at: 0,
            }),
            V::Map(id) => w.visit_map(Map {
                de: self,
                entries: Entries::Scratch(self.s.map(id)),
                at: 0,
            }),
        }
    }

    fn deserialize_option<W: Visitor<'de>>(self, w: W) -> Result<W::Value, DeError> {
        if self.v.is_unit() {
            w.visit_none()
        } else {
            w.visit_some(self)
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Seq<'a, 's> {
    de: De<'a>,
    items: &'s [V],
}

impl<'de, 'a: 'de> SeqAccess<'de> for Seq<'a, '_> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let Some((first, rest)) = self.items.split_first() else {
            return Ok(None);
        };
        self.items = rest;
        seed.deserialize(self.de.at(*first)).map(Some)
    }
}

enum Entries<'a> {
    Const(&'a [(u32, V)]),
    Scratch(&'a [(V, V)]),
}

impl Entries<'_> {
    fn get(&self, i: usize) -> Option<(V, V)> {
        match self {
            Entries::Const(e) => e.get(i).map(|(k, v)| (V::sym(*k), *v)),
            Entries::Scratch(e) => e.get(i).copied(),
        }
    }
}

struct Map<'a> {
    de: De<'a>,
    entries: Entries<'a>,
    at: usize,
}

impl<'de, 'a: 'de> MapAccess<'de> for Map<'a> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some((k, _)) = self.entries.get(self.at) else {
            return Ok(None);
        };
        seed.deserialize(self.de.at(k)).map(Some)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let (_, v) = self.entries.get(self.at).unwrap_or((V::Unit, V::Unit));
        self.at += 1;
        seed.deserialize(self.de.at(v))
    }
}
