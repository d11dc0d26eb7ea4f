//! The values a compiled plan computes with: 16 bytes, `Copy`, never owning
//! anything. Text and containers live either in the plan (constants, table
//! rows) or in the per-thread [`Scratch`](super::eval::Scratch), so a warm
//! decision allocates nothing and copying a value costs a register move.

use std::fmt::Write as _;

/// A value during a decision. Rhai's value semantics (a copy on assignment)
/// are kept by the compiler: a variable that is ever mutated gets its own
/// copy of a container when it is bound (see `compile::lower`).
///
/// `repr(u64)`, and every payload one 8-byte integer (the newtypes below):
/// a word of tag and a word of payload, which rustc lays out as a scalar
/// pair, so a value, and a `Result<V, Stop>` (the same 16 bytes through the
/// tag's niche), is passed and returned in two registers. A payload of
/// another size or kind (`bool`, `u32`, `f64`, two `u32`s) made it an
/// aggregate returned through memory, written as two words and often read
/// back as one 16-byte load, which stalled on store forwarding after
/// nearly every node of the tree walk.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[repr(u64)]
pub(crate) enum V {
    Unit,
    /// Rhai's `false` (see [`V::bool`], [`V::as_bool`]).
    False,
    /// Rhai's `true`.
    True,
    Int(i64),
    Float(F64),
    /// A string in the plan's pool.
    Sym(Ix),
    /// A string in the scratch text buffer.
    Txt(Span),
    /// A constant array: values in the plan's value arena.
    CList(Span),
    /// A constant map (e.g. a table row): index into the plan's maps.
    CMap(Ix),
    /// An array built during the decision: index into the scratch lists.
    List(Ix),
    /// A map built during the decision: index into the scratch maps.
    Map(Ix),
}

impl V {
    pub(crate) fn bool(b: bool) -> V {
        if b {
            V::True
        } else {
            V::False
        }
    }

    pub(crate) fn as_bool(self) -> Option<bool> {
        match self {
            V::True => Some(true),
            V::False => Some(false),
            _ => None,
        }
    }

    pub(crate) fn float(f: f64) -> V {
        V::Float(F64::new(f))
    }

    pub(crate) fn sym(i: u32) -> V {
        V::Sym(Ix::new(i))
    }

    pub(crate) fn txt(start: u32, len: u32) -> V {
        V::Txt(Span::new(start, len))
    }

    #[cfg(feature = "scripted")]
    pub(crate) fn clist(start: u32, len: u32) -> V {
        V::CList(Span::new(start, len))
    }

    pub(crate) fn cmap(i: u32) -> V {
        V::CMap(Ix::new(i))
    }

    pub(crate) fn is_unit(self) -> bool {
        matches!(self, V::Unit)
    }

    pub(crate) fn is_str(self) -> bool {
        matches!(self, V::Sym(_) | V::Txt(..))
    }

    /// A number as `f64` (Rhai's INT and FLOAT), for helpers that take either.
    pub(crate) fn as_f64(self) -> Option<f64> {
        match self {
            V::Int(i) => Some(i as f64),
            V::Float(f) => Some(f.get()),
            _ => None,
        }
    }
}

/// An `f64` kept as its bits, so that [`V`] stays a pair of integers.
/// Compares, shows and serializes as the `f64` it holds.
#[derive(Clone, Copy)]
pub(crate) struct F64(u64);

impl F64 {
    #[inline(always)]
    pub(crate) fn new(f: f64) -> F64 {
        F64(f.to_bits())
    }

    #[inline(always)]
    pub(crate) fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl PartialEq for F64 {
    fn eq(&self, other: &F64) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for F64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

impl serde::Serialize for F64 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.get())
    }
}

impl<'de> serde::Deserialize<'de> for F64 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<F64, D::Error> {
        f64::deserialize(d).map(F64::new)
    }
}

/// A `u32` index (into the plan's pool or maps, or the scratch's lists or
/// maps) widened to a word, so that [`V`] stays a pair of integers. Made
/// only from a `u32`, so the word always fits one; serializes as the `u32`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ix(u64);

impl Ix {
    #[inline(always)]
    pub(crate) fn new(i: u32) -> Ix {
        Ix(i as u64)
    }

    #[inline(always)]
    pub(crate) fn get(self) -> u32 {
        self.0 as u32
    }

    #[inline(always)]
    pub(crate) fn idx(self) -> usize {
        self.0 as usize
    }
}

impl std::fmt::Debug for Ix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.get(), f)
    }
}

impl serde::Serialize for Ix {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.get())
    }
}

impl<'de> serde::Deserialize<'de> for Ix {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Ix, D::Error> {
        u32::deserialize(d).map(Ix::new)
    }
}

/// `len` items (bytes of text, or values of the plan's arena) from `start`,
/// packed in a word (`start` low, `len` high), so that [`V`] stays a pair of
/// integers. Serializes as the pair `(start, len)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span(u64);

impl Span {
    #[inline(always)]
    pub(crate) fn new(start: u32, len: u32) -> Span {
        Span(start as u64 | (len as u64) << 32)
    }

    #[inline(always)]
    pub(crate) fn start(self) -> u32 {
        self.0 as u32
    }

    #[inline(always)]
    pub(crate) fn len(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// `start..start + len`, as indexes.
    #[inline(always)]
    pub(crate) fn range(self) -> std::ops::Range<usize> {
        let start = self.start() as usize;
        start..start + self.len() as usize
    }
}

impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}+{}", self.start(), self.len())
    }
}

impl serde::Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (self.start(), self.len()).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Span {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Span, D::Error> {
        <(u32, u32)>::deserialize(d).map(|(start, len)| Span::new(start, len))
    }
}

/// Rhai's display of a float (`rhai::FloatWrapper`): whole numbers keep
/// `.0`, very large and very small ones use exponent notation.
pub(crate) fn write_float(out: &mut String, f: f64) {
    // Rhai keeps these bounds as f32 and widens them.
    const MAX_NATURAL: f32 = 10_000_000_000_000.0;
    const MIN_NATURAL: f32 = 0.000_000_000_000_1;
    let abs = f.abs();
    if abs == 0.0 {
        out.push_str("0.0");
    } else if abs > MAX_NATURAL as f64 || abs < MIN_NATURAL as f64 {
        let _ = write!(out, "{f:e}");
    } else {
        let _ = write!(out, "{f}");
        if abs.fract() == 0.0 {
            out.push_str(".0");
        }
    }
}

// The tests compare with Rhai or use the compiler's constructors.
#[cfg(all(test, feature = "scripted"))]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        let s = Span::new(u32::MAX - 1, u32::MAX);
        assert_eq!((s.start(), s.len()), (u32::MAX - 1, u32::MAX));
        assert_eq!(Ix::new(u32::MAX).idx(), u32::MAX as usize);
        assert_eq!(V::bool(true).as_bool(), Some(true));
        assert_eq!(V::bool(false).as_bool(), Some(false));
        assert_eq!(V::Unit.as_bool(), None);
        // Floats compare as floats, not as bits.
        assert_eq!(V::float(0.0), V::float(-0.0));
        assert_ne!(V::float(f64::NAN), V::float(f64::NAN));
        for v in [
            V::Unit,
            V::True,
            V::Int(-3),
            V::float(1.5),
            V::sym(7),
            V::txt(3, 4),
            V::clist(1 << 31, 9),
            V::cmap(2),
            V::List(Ix::new(5)),
            V::Map(Ix::new(6)),
        ] {
            let bytes = postcard::to_allocvec(&v).unwrap();
            assert_eq!(postcard::from_bytes::<V>(&bytes).unwrap(), v);
        }
    }

    #[test]
    fn floats_display_as_rhai_does() {
        for f in [
            0.0, -0.0, 1.0, 6.0, 540.0, 0.5, 0.1, 1e20, 1e-20, 123.456, -7.0, 1e13, 1.5e13,
        ] {
            let mut s = String::new();
            write_float(&mut s, f);
            assert_eq!(s, rhai::Dynamic::from_float(f).to_string(), "{f}");
        }
    }
}
