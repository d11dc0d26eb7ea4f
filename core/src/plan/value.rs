//! The values a compiled plan computes with: 16 bytes, `Copy`, never owning
//! anything. Text and containers live either in the plan (constants, table
//! rows) or in the per-thread [`Scratch`](super::eval::Scratch), so a warm
//! decision allocates nothing and copying a value costs a register move.

use std::fmt::Write as _;

/// A value during a decision. Rhai's value semantics (a copy on assignment)
/// are kept by the compiler: a variable that is ever mutated gets its own
/// copy of a container when it is bound (see `compile::lower`).
///
/// `repr(u64)`: a word of tag and a word of payload, so that rustc copies a
/// value (and a `Result<V, Stop>`, the same 16 bytes through the tag's
/// niche) as two aligned words. With a one-byte tag it copied bytes 1..16
/// as overlapping loads, which stalled on store forwarding at nearly every
/// node of the tree walk.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[repr(u64)]
pub(crate) enum V {
    Unit,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string in the plan's pool.
    Sym(u32),
    /// A string in the scratch text buffer: `[start, start + len)`.
    Txt(u32, u32),
    /// A constant array: `len` values from `start` in the plan's value arena.
    CList(u32, u32),
    /// A constant map (e.g. a table row): index into the plan's maps.
    CMap(u32),
    /// An array built during the decision: index into the scratch lists.
    List(u32),
    /// A map built during the decision: index into the scratch maps.
    Map(u32),
}

impl V {
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
            V::Float(f) => Some(f),
            _ => None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
