//! A band's edges: the rows of a bands table (`min`/`max`, each inclusive
//! or not), kept by the loaded table and by the compiled plan alike.

use serde::{Deserialize, Serialize};

/// A band's edges. Both sides may be open; each side is inclusive or not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    pub lower: Option<(f64, bool)>,
    pub upper: Option<(f64, bool)>,
}

impl Bounds {
    pub fn contains(&self, v: f64) -> bool {
        let above = match self.lower {
            None => true,
            Some((b, true)) => v >= b,
            Some((b, false)) => v > b,
        };
        let below = match self.upper {
            None => true,
            Some((b, true)) => v <= b,
            Some((b, false)) => v < b,
        };
        above && below
    }
}
