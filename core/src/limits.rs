//! The sandbox limits a manifest may set: checked when a ruleset loads and
//! when a precompiled plan is read, applied by the interpreter and the plan.

use crate::ruleset::LimitsPatch;

/// Sandbox limits. The defaults are far above what the shipped rules need
/// (a full decision runs well under 5,000 operations) and far below harm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_expr_depth: usize,
    pub max_string_size: usize,
    pub max_array_size: usize,
    pub max_map_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 200_000,
            max_call_levels: 32,
            max_expr_depth: 64,
            max_string_size: 65_536,
            max_array_size: 10_000,
            max_map_size: 10_000,
        }
    }
}

/// The most `max_call_levels × max_expr_depth` may be ([`Limits::check_nesting`]).
#[cfg(feature = "scripted")]
pub const MAX_NESTING: u64 = 4096;

/// What each limit a manifest sets may be: `(name, floor, ceiling, why)`.
/// Rhai reads 0 as "no limit", so every floor is above 0; every ceiling
/// keeps a decision within about a second of CPU and the native stack (a
/// batch worker's 2 MiB) within bounds.
pub const LIMIT_RANGES: &[(&str, u64, u64, &str)] = &[
    (
        "max_operations",
        1_000,
        10_000_000,
        "a runaway rule must stop within about a second",
    ),
    (
        "max_call_levels",
        4,
        64,
        "deeper calls could overflow the native stack",
    ),
    (
        "max_expr_depth",
        8,
        128,
        "deeper expressions could overflow the native stack",
    ),
    (
        "max_string_size",
        1_024,
        1_048_576,
        "one text may not hold the memory of thousands of decisions",
    ),
    (
        "max_array_size",
        16,
        100_000,
        "one list may not hold the memory of thousands of decisions",
    ),
    (
        "max_map_size",
        16,
        100_000,
        "one map may not hold the memory of thousands of decisions",
    ),
];

impl Limits {
    /// The limits a manifest sets, each against [`LIMIT_RANGES`]: the name
    /// and the message of the first outside its range.
    pub(crate) fn check_patch(p: &LimitsPatch) -> Result<(), (&'static str, String)> {
        let set = [
            p.max_operations,
            p.max_call_levels.map(|v| v as u64),
            p.max_expr_depth.map(|v| v as u64),
            p.max_string_size.map(|v| v as u64),
            p.max_array_size.map(|v| v as u64),
            p.max_map_size.map(|v| v as u64),
        ];
        for (&(name, floor, ceiling, why), value) in LIMIT_RANGES.iter().zip(set) {
            match value {
                Some(v) if !(floor..=ceiling).contains(&v) => {
                    return Err((
                        name,
                        format!("`{name} = {v}` is outside {floor}..={ceiling} ({why})"),
                    ))
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Whether calls nested `max_call_levels` deep, each nesting expressions
    /// `max_expr_depth` deep, stay within every binding's stack: a rule can
    /// build a value about `max_call_levels × max_expr_depth / 3.4` levels
    /// deep by returns alone, and WebAssembly in Node overflowed its stack
    /// (a `RangeError`) at 1,800 levels (64 × 128) and held 1,178 (32 × 128)
    /// and 1,116 (64 × 64). The same bound everywhere keeps every binding's
    /// answer the same.
    #[cfg(feature = "scripted")]
    pub(crate) fn check_nesting(&self) -> Result<(), String> {
        let product = self.max_call_levels as u64 * self.max_expr_depth as u64;
        if product > MAX_NESTING {
            return Err(format!(
                "`max_call_levels × max_expr_depth` = {} × {} = {product} is more than {MAX_NESTING} \
                 (values nested that deep by calls overflow the WebAssembly stack)",
                self.max_call_levels, self.max_expr_depth
            ));
        }
        Ok(())
    }

    #[cfg(feature = "scripted")]
    pub(crate) fn patched(self, p: &LimitsPatch) -> Limits {
        Limits {
            max_operations: p.max_operations.unwrap_or(self.max_operations),
            max_call_levels: p.max_call_levels.unwrap_or(self.max_call_levels),
            max_expr_depth: p.max_expr_depth.unwrap_or(self.max_expr_depth),
            max_string_size: p.max_string_size.unwrap_or(self.max_string_size),
            max_array_size: p.max_array_size.unwrap_or(self.max_array_size),
            max_map_size: p.max_map_size.unwrap_or(self.max_map_size),
        }
    }
}
