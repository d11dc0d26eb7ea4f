//! The plan's intermediate representation: expressions ([`Ex`]) and
//! statements ([`St`]) over [`V`] values, the natives they call, and the
//! templates of `explain`. Lowered from Rhai by `compile/lower.rs`, run by
//! `eval.rs`.

use serde::{Deserialize, Serialize};

use super::V;

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
    /// `closest_key(table, text)`: "did you mean" (see `suggest`).
    ClosestKey,
    FindRow,
    Band,
    Deadline,
    /// `deadline(start, days).due`, without building the whole result.
    DeadlineDue,
    AddDays,
    DaysBetween,
    IsWorkingDay,
    Weekday,
    /// `year_of(date)`: the calendar year of a date.
    YearOf,
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
            Neg | Not | Table | IsWorkingDay | Weekday | YearOf | IsEmpty | Len | ToFloat
            | ToInt | Floor | Ceiling | Round | Abs | Keys => 1,
            FindRow => 3,
            _ => 2,
        }
    }

    /// An operator on two values (`binary` in the evaluator).
    pub fn is_binary(self) -> bool {
        use Native::*;
        matches!(
            self,
            Eq | Ne | Lt | Le | Gt | Ge | Add | Sub | Mul | Div | Rem
        )
    }

    /// The native a Rhai call of `name` with `arity` arguments (receiver
    /// included for methods) stands for.
    #[cfg(feature = "scripted")]
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
            ("closest_key", 2) => ClosestKey,
            ("find_row", 3) => FindRow,
            ("band", 2) => Band,
            ("deadline", 2) => Deadline,
            ("add_days", 2) => AddDays,
            ("days_between", 2) => DaysBetween,
            ("is_working_day", 1) => IsWorkingDay,
            ("weekday", 1) => Weekday,
            ("year_of", 1) => YearOf,
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
    /// `input_error(path, message)` or `input_error(path, problem, en, zh)`.
    InputError(Box<[Ex]>),
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

// The tests compare with Rhai or use the compiler's constructors.
#[cfg(all(test, feature = "scripted"))]
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
            ("year_of", 1),
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
