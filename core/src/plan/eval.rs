//! Runs a plan: a tree walk over [`Ex`]/[`St`] with values in a per-thread
//! [`Scratch`]. Failures are rare, so they travel as a zero-sized [`Stop`] and
//! their details wait in the scratch: an input error (the rule's own
//! `input_error`, reported as is) or anything else, which the caller answers
//! by running the same decision through the Rhai interpreter, so every error
//! message stays exactly the interpreter's.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};

use super::trace::{Rec, TraceMode};
use super::value::{write_float, Ix};
use super::{Arm, Ex, Native, Plan, St, TableKind, V};
use crate::calendar;
use crate::decision::TraceEntry;
use crate::error::InputError;
use crate::in_force::Day;

/// Why a decision left the plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    /// `input_error(path, message)` in a rule: the decision's answer.
    Input(InputError),
    /// A sandbox limit (operations, call depth, sizes).
    Limit(String),
    /// Anything else (a failing lookup, a type mismatch): the interpreter
    /// re-runs the decision to report it in its own words.
    Other(String),
}

/// A non-local exit of the tree walk (`return`, `break`, `continue` or a
/// failure). Which one waits in `Ev::exit`, and a returned value in
/// `Ev::ret`: with an error type of size zero, `Result<V, Stop>` is `V`
/// with one more tag value, so `?` passes a value on as the two words it is
/// (returned in two registers, as `V` is a pair of integers).
/// (With the kind inside the error, rustc copied each result byte-wise and
/// stalled on store forwarding after nearly every node.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stop;

/// Which non-local exit a [`Stop`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    Return,
    Break,
    Continue,
    Fail,
}

type R = Result<V, Stop>;

/// The deepest a value the plan shows, compares or reads back may nest.
pub(crate) const MAX_DEPTH: usize = 64;

/// Per-thread memory of decisions, reused: `reset` forgets the contents and
/// keeps the capacity, so a warm decision does not allocate.
#[derive(Default)]
pub(crate) struct Scratch {
    pub text: String,
    lists: Vec<Vec<V>>,
    nlists: usize,
    maps: Vec<Vec<(V, V)>>,
    nmaps: usize,
    slots: Vec<V>,
    stack: Vec<V>,
    pub trace: Vec<Rec>,
    pub targs: Vec<V>,
    /// Trace entries that arrive already written (notes, interpreted sections).
    pub entries: Vec<TraceEntry>,
    /// The trace's text, written when a decision is read (see trace.rs).
    pub trace_text: super::trace::TraceText,
    pub ops: u64,
    depth: usize,
    pub fault: Option<Fault>,
    pub mode: TraceMode,
    /// The day whose law governs the entry being run (see `in_force`).
    pub day: Option<Day>,
    /// The table versions chosen by day, in the order first used.
    pub applied: Vec<(u16, Day)>,
}

impl Scratch {
    pub fn reset(&mut self, mode: TraceMode) {
        // After an unusually large record, give the memory back rather than
        // keep it for the life of the thread.
        const KEEP: usize = 1 << 16;
        if self.text.capacity() > 16 * KEEP {
            self.text = String::with_capacity(KEEP);
        }
        if self.lists.len() > KEEP / 16 || self.maps.len() > KEEP / 16 {
            self.lists.truncate(KEEP / 64);
            self.maps.truncate(KEEP / 64);
        }
        for l in self.lists.iter_mut().filter(|l| l.capacity() > KEEP) {
            *l = Vec::new();
        }
        if self.slots.capacity() > KEEP {
            self.slots = Vec::new();
            self.stack = Vec::new();
        }
        self.text.clear();
        self.nlists = 0;
        self.nmaps = 0;
        self.slots.clear();
        self.stack.clear();
        self.trace.clear();
        self.targs.clear();
        self.entries.clear();
        self.ops = 0;
        self.depth = 0;
        self.fault = None;
        self.mode = mode;
        self.day = None;
        self.applied.clear();
    }

    pub fn new_list(&mut self) -> Ix {
        if self.nlists == self.lists.len() {
            self.lists.push(Vec::new());
        } else {
            self.lists[self.nlists].clear();
        }
        self.nlists += 1;
        Ix::new(self.nlists as u32 - 1)
    }

    pub fn list(&self, id: Ix) -> &[V] {
        &self.lists[id.idx()]
    }

    pub fn list_mut(&mut self, id: Ix) -> &mut Vec<V> {
        &mut self.lists[id.idx()]
    }

    pub fn new_map(&mut self) -> Ix {
        if self.nmaps == self.maps.len() {
            self.maps.push(Vec::new());
        } else {
            self.maps[self.nmaps].clear();
        }
        self.nmaps += 1;
        Ix::new(self.nmaps as u32 - 1)
    }

    pub fn map(&self, id: Ix) -> &[(V, V)] {
        &self.maps[id.idx()]
    }

    /// Appends an entry whose key sorts after every key already there (the
    /// frame writes fields in alphabetical order).
    pub fn map_push(&mut self, id: Ix, key: V, value: V) {
        self.maps[id.idx()].push((key, value));
    }

    pub fn push_text(&mut self, s: &str) -> V {
        let start = self.text.len();
        self.text.push_str(s);
        V::txt(start as u32, s.len() as u32)
    }

    pub fn push_date(&mut self, d: NaiveDate) -> V {
        let start = self.text.len();
        write_date(&mut self.text, d);
        V::txt(start as u32, (self.text.len() - start) as u32)
    }
}

/// `YYYY-MM-DD`, as chrono writes it, without going through `fmt` for
/// ordinary years.
pub(crate) fn write_date(out: &mut String, d: NaiveDate) {
    let (y, m, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&y) {
        let b = [
            b'0' + (y / 1000) as u8,
            b'0' + (y / 100 % 10) as u8,
            b'0' + (y / 10 % 10) as u8,
            b'0' + (y % 10) as u8,
            b'-',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b'-',
            b'0' + (day / 10) as u8,
            b'0' + (day % 10) as u8,
        ];
        out.push_str(std::str::from_utf8(&b).expect("ASCII digits"));
    } else {
        let _ = write!(out, "{d}");
    }
}

/// Parses `YYYY-MM-DD` like `str::parse::<NaiveDate>`, with a fast path for
/// the usual form.
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + (c - b'0') as u32)
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) {
            return NaiveDate::from_ymd_opt(y as i32, m, d);
        }
    }
    s.parse().ok()
}

/// One evaluation over a plan and a scratch.
pub(crate) struct Ev<'a> {
    pub p: &'a Plan,
    pub s: &'a mut Scratch,
    base: usize,
    ret: V,
    exit: Exit,
}

impl<'a> Ev<'a> {
    pub fn new(p: &'a Plan, s: &'a mut Scratch) -> Self {
        Ev {
            p,
            s,
            base: 0,
            ret: V::Unit,
            exit: Exit::Fail,
        }
    }

    #[cold]
    fn limit(&mut self, what: &str) -> Stop {
        if self.s.fault.is_none() {
            self.s.fault = Some(Fault::Limit(what.to_owned()));
        }
        self.exit = Exit::Fail;
        Stop
    }

    #[cold]
    fn fail(&mut self, msg: impl Into<String>) -> Stop {
        if self.s.fault.is_none() {
            self.s.fault = Some(Fault::Other(msg.into()));
        }
        self.exit = Exit::Fail;
        Stop
    }

    fn text(&self, v: V) -> Option<&str> {
        self.p.text(v, self.s)
    }

    /// Counts `n` steps of a helper's work (rows scanned).
    fn charge(&mut self, n: usize) -> Result<(), Stop> {
        self.s.ops = self.s.ops.saturating_add(n as u64);
        if self.s.ops > self.p.max_operations {
            return Err(self.limit("too many operations"));
        }
        Ok(())
    }

    fn tick(&mut self) -> Result<(), Stop> {
        self.s.ops += 1;
        if self.s.ops > self.p.max_operations {
            return Err(self.limit("too many operations"));
        }
        Ok(())
    }

    /// Calls a compiled function with arguments already evaluated.
    pub fn call_entry(&mut self, id: u32, args: &[V]) -> R {
        let top = self.s.slots.len();
        self.s.slots.extend_from_slice(args);
        self.enter(id, top)
    }

    fn enter(&mut self, id: u32, top: usize) -> R {
        // A call nests its body's expressions (up to `max_expr_depth`) on the
        // native stack, and calls nest up to `max_call_levels`: at the
        // ceilings, thousands of frames, more than a small thread's stack.
        // Near the end of the stack, the call continues on a new segment.
        #[cfg(not(target_family = "wasm"))]
        {
            const RED_ZONE: usize = 512 << 10;
            const SEGMENT: usize = 4 << 20;
            stacker::maybe_grow(RED_ZONE, SEGMENT, || self.enter_here(id, top))
        }
        #[cfg(target_family = "wasm")]
        self.enter_here(id, top)
    }

    fn enter_here(&mut self, id: u32, top: usize) -> R {
        let Some(f) = self.p.funcs[id as usize].as_ref() else {
            return Err(self.fail("function not compiled"));
        };
        self.s.depth += 1;
        if self.s.depth > self.p.max_call_levels {
            self.s.depth -= 1;
            self.s.slots.truncate(top);
            return Err(self.limit("call depth exceeded"));
        }
        self.s.slots.resize(top + f.slots as usize, V::Unit);
        for &p in f.copy_params.iter() {
            let v = self.s.slots[top + p as usize];
            let c = self.copy(v)?;
            self.s.slots[top + p as usize] = c;
        }
        let saved = self.base;
        self.base = top;
        let r = self.block(&f.body);
        self.base = saved;
        self.s.slots.truncate(top);
        self.s.depth -= 1;
        match r {
            Ok(v) => Ok(v),
            Err(Stop) => match self.exit {
                Exit::Return => Ok(std::mem::replace(&mut self.ret, V::Unit)),
                Exit::Fail => Err(Stop),
                Exit::Break | Exit::Continue => {
                    Err(self.fail("`break` or `continue` outside a loop"))
                }
            },
        }
    }

    fn block(&mut self, stmts: &[St]) -> R {
        let mut last = V::Unit;
        for st in stmts {
            last = self.stmt(st)?;
        }
        Ok(last)
    }

    fn slot(&self, i: u16) -> V {
        self.s.slots[self.base + i as usize]
    }

    fn set_slot(&mut self, i: u16, v: V) {
        self.s.slots[self.base + i as usize] = v;
    }

    fn stmt(&mut self, st: &St) -> R {
        self.tick()?;
        match st {
            St::Set(i, e) => {
                let v = self.ex(e)?;
                self.set_slot(*i, v);
                Ok(V::Unit)
            }
            St::SetProp(i, key, e) => {
                let v = self.ex(e)?;
                let target = self.slot(*i);
                self.map_set(target, V::sym(*key), v)?;
                Ok(V::Unit)
            }
            St::SetIndex(i, k, e) => {
                let k = self.ex(k)?;
                let v = self.ex(e)?;
                let target = self.slot(*i);
                match (target, k) {
                    (V::List(id), V::Int(n)) => {
                        let len = self.s.list(id).len();
                        let Some(at) = index_of(len, n) else {
                            return Err(self.fail("array index out of bounds"));
                        };
                        self.s.list_mut(id)[at] = v;
                    }
                    (V::Map(_), k) if k.is_str() => self.map_set(target, k, v)?,
                    _ => return Err(self.fail("cannot index-assign")),
                }
                Ok(V::Unit)
            }
            St::OpAssign(i, op, e) => {
                let rhs = self.ex(e)?;
                let cur = self.slot(*i);
                if let (Native::Add, V::List(id)) = (op, cur) {
                    match rhs {
                        V::CList(c) => {
                            let extra = &self.p.consts.vals[c.range()];
                            self.s.lists[id.idx()].extend_from_slice(extra);
                        }
                        V::List(r) => {
                            for k in 0..self.s.lists[r.idx()].len() {
                                let v = self.s.lists[r.idx()][k];
                                self.s.lists[id.idx()].push(v);
                            }
                        }
                        _ => return Err(self.fail("`+=` on an array needs an array")),
                    }
                    let list = self.s.list_mut(id);
                    if list.len() > self.p.max_array_size {
                        return Err(self.limit("array too large"));
                    }
                    return Ok(V::Unit);
                }
                let v = self.binary(*op, cur, rhs)?;
                self.set_slot(*i, v);
                Ok(V::Unit)
            }
            St::Push(i, e) => {
                let v = self.ex(e)?;
                let V::List(id) = self.slot(*i) else {
                    return Err(self.fail("push on a value that is not an owned array"));
                };
                let list = self.s.list_mut(id);
                list.push(v);
                if list.len() > self.p.max_array_size {
                    return Err(self.limit("array too large"));
                }
                Ok(V::Unit)
            }
            St::Expr(e) => self.ex(e),
            St::If(c, then, other) => {
                let c = self.ex(c)?;
                match c {
                    V::True => self.block(then),
                    V::False => self.block(other),
                    _ => Err(self.fail("an `if` condition must be a boolean")),
                }
            }
            St::Switch(e, arms, def) => {
                let v = self.ex(e)?;
                self.switch(v, arms, def.as_ref())
            }
            St::For {
                var,
                counter,
                iter,
                body,
            } => {
                let it = self.ex(iter)?;
                let len = match it {
                    V::CList(c) => c.len() as usize,
                    V::List(id) => self.s.list(id).len(),
                    _ => return Err(self.fail("`for` needs an array")),
                };
                for k in 0..len {
                    let item = match it {
                        V::CList(c) => self.p.consts.vals[c.start() as usize + k],
                        V::List(id) => match self.s.list(id).get(k) {
                            Some(v) => *v,
                            None => break,
                        },
                        _ => unreachable!("checked above"),
                    };
                    self.tick()?;
                    self.set_slot(*var, item);
                    if let Some(c) = counter {
                        self.set_slot(*c, V::Int(k as i64));
                    }
                    match self.block(body) {
                        Ok(_) => {}
                        Err(Stop) => match self.exit {
                            Exit::Continue => {}
                            Exit::Break => break,
                            Exit::Return | Exit::Fail => return Err(Stop),
                        },
                    }
                }
                Ok(V::Unit)
            }
            St::Return(e) => {
                self.ret = self.ex(e)?;
                self.exit = Exit::Return;
                Err(Stop)
            }
            St::Break => {
                self.exit = Exit::Break;
                Err(Stop)
            }
            St::Continue => {
                self.exit = Exit::Continue;
                Err(Stop)
            }
            St::Explain(tpl, args) => {
                self.explain(*tpl, args)?;
                Ok(V::Unit)
            }
            St::InputError(args) => {
                let mut texts = [None; 4];
                for (slot, a) in texts.iter_mut().zip(args.iter()) {
                    let v = self.ex(a)?;
                    *slot = Some(v);
                }
                let t: Vec<Option<&str>> = texts[..args.len()]
                    .iter()
                    .map(|v| v.and_then(|v| self.text(v)))
                    .collect();
                let e = match t[..] {
                    [Some(p), Some(m)] => Some(InputError::new(p, m)),
                    [Some(p), Some(k), Some(en), Some(zh)] => Some(InputError::of(p, k, en, zh)),
                    _ => None,
                };
                match e {
                    Some(e) => {
                        self.s.fault = Some(Fault::Input(e));
                        self.exit = Exit::Fail;
                        Err(Stop)
                    }
                    None => Err(self.fail("input_error needs strings")),
                }
            }
            St::Throw(e) => {
                let _ = self.ex(e)?;
                Err(self.fail("thrown"))
            }
        }
    }

    fn switch(&mut self, v: V, arms: &[Arm], def: Option<&Ex>) -> R {
        for arm in arms {
            if !self.same_literal(v, arm.value) {
                continue;
            }
            let take = match &arm.cond {
                None => true,
                Some(c) => match self.ex(c)?.as_bool() {
                    Some(b) => b,
                    None => return Err(self.fail("a switch condition must be a boolean")),
                },
            };
            if take {
                return self.ex(&arm.body);
            }
        }
        match def {
            Some(d) => self.ex(d),
            None => Ok(V::Unit),
        }
    }

    /// Whether a value hashes like a switch literal (same type, same value).
    fn same_literal(&self, v: V, lit: V) -> bool {
        match (v, lit) {
            (V::Int(a), V::Int(b)) => a == b,
            (V::False, V::False) | (V::True, V::True) => true,
            (V::Unit, V::Unit) => true,
            (V::Sym(a), V::Sym(b)) => a == b,
            (a, b) if a.is_str() && b.is_str() => self.text(a) == self.text(b),
            _ => false,
        }
    }

    fn explain(&mut self, tpl: u32, args: &[Ex]) -> Result<(), Stop> {
        let start = self.s.stack.len();
        for a in args {
            let v = self.ex(a)?;
            self.s.stack.push(v);
        }
        let t = &self.p.templates[tpl as usize];
        for seg in t.zh.iter().chain(t.en.iter()) {
            if let super::Seg::Str(i) = seg {
                if !self.s.stack[start + *i as usize].is_str() {
                    self.s.stack.truncate(start);
                    return Err(self.fail("explain needs strings"));
                }
            }
        }
        if self.s.mode == TraceMode::Off {
            self.s.stack.truncate(start);
            return Ok(());
        }
        let at = self.s.targs.len() as u32;
        for k in 0..args.len() {
            let v = self.s.stack[start + k];
            // A container may change after this point: keep a copy of it
            // (nothing else refers to the copy, so it stays as it is now).
            self.shallow_enough(v)?;
            let v = match v {
                V::List(_) | V::Map(_) => self.copy(v)?,
                v => v,
            };
            self.s.targs.push(v);
        }
        self.s.stack.truncate(start);
        self.s.trace.push(Rec::Rule { tpl, args: at });
        Ok(())
    }

    /// An expression's value. Leaves (a third of the nodes a decision runs)
    /// are read here, inlined at each use, without the call into the
    /// tree walk.
    #[inline(always)]
    pub fn ex(&mut self, e: &Ex) -> R {
        match e {
            Ex::Const(v) => Ok(*v),
            Ex::Slot(i) => Ok(self.slot(*i)),
            _ => self.node(e),
        }
    }

    fn node(&mut self, e: &Ex) -> R {
        match e {
            Ex::Const(v) => Ok(*v),
            Ex::Slot(i) => Ok(self.slot(*i)),
            Ex::Prop(x, key) => {
                let x = self.ex(x)?;
                self.prop(x, *key)
            }
            Ex::SlotProp(i, key) => {
                let x = self.slot(*i);
                self.prop(x, *key)
            }
            Ex::Index(x, i) => {
                let x = self.ex(x)?;
                let i = self.ex(i)?;
                self.index(x, i)
            }
            Ex::Call(id, args) => self.call(*id, args),
            Ex::Native(n, args) if args.len() == 2 && n.is_binary() => {
                let a = self.ex(&args[0])?;
                let b = self.ex(&args[1])?;
                self.binary(*n, a, b)
            }
            Ex::Native(n, args) => {
                let mut vals = [V::Unit; 3];
                for (k, a) in args.iter().enumerate() {
                    vals[k] = self.ex(a)?;
                }
                self.native(*n, &vals[..args.len()])
            }
            Ex::Lookup(n, t, args) => {
                let mut vals = [V::Unit; 2];
                for (k, a) in args.iter().enumerate() {
                    vals[k] = self.ex(a)?;
                }
                self.lookup(*n, *t, &vals[..args.len()])
            }
            Ex::Interp(parts) => self.interp(parts),
            Ex::Array(items) => self.array(items),
            Ex::Map(entries, order) => self.map_literal(entries, order),
            Ex::And(xs) => {
                for x in xs.iter() {
                    match self.ex(x)? {
                        V::True => {}
                        V::False => return Ok(V::False),
                        _ => return Err(self.fail("`&&` needs booleans")),
                    }
                }
                Ok(V::True)
            }
            Ex::Or(xs) => {
                for x in xs.iter() {
                    match self.ex(x)? {
                        V::False => {}
                        V::True => return Ok(V::True),
                        _ => return Err(self.fail("`||` needs booleans")),
                    }
                }
                Ok(V::False)
            }
            Ex::Coalesce(xs) => {
                let mut v = V::Unit;
                for x in xs.iter() {
                    v = self.ex(x)?;
                    if !v.is_unit() {
                        break;
                    }
                }
                Ok(v)
            }
            Ex::Block(stmts) => self.block(stmts),
            Ex::Copy(x) => {
                let v = self.ex(x)?;
                self.copy(v)
            }
        }
    }

    /// A call of a compiled function. Out of line, like the other rarer nodes: it keeps
    /// `node`'s frame small for the common ones.
    #[inline(never)]
    fn call(&mut self, id: u32, args: &[Ex]) -> R {
        let top = self.s.slots.len();
        for a in args.iter() {
            match self.ex(a) {
                Ok(v) => self.s.slots.push(v),
                Err(e) => {
                    self.s.slots.truncate(top);
                    return Err(e);
                }
            }
        }
        self.enter(id, top)
    }

    /// String interpolation. Out of line, like the other rarer nodes: it keeps
    /// `node`'s frame small for the common ones.
    #[inline(never)]
    fn interp(&mut self, parts: &[Ex]) -> R {
        let start = self.s.stack.len();
        for p in parts.iter() {
            let v = self.ex(p)?;
            self.s.stack.push(v);
        }
        let at = self.s.text.len();
        for k in start..self.s.stack.len() {
            let v = self.s.stack[k];
            self.shallow_enough(v)?;
            self.display_value(v);
        }
        self.s.stack.truncate(start);
        let len = self.s.text.len() - at;
        if len > self.p.max_string_size {
            return Err(self.limit("string too large"));
        }
        Ok(V::txt(at as u32, len as u32))
    }

    /// An array literal. Out of line, like the other rarer nodes: it keeps
    /// `node`'s frame small for the common ones.
    #[inline(never)]
    fn array(&mut self, items: &[Ex]) -> R {
        let start = self.s.stack.len();
        for it in items.iter() {
            let v = self.ex(it)?;
            self.s.stack.push(v);
        }
        let id = self.s.new_list();
        let (stack, lists) = (&mut self.s.stack, &mut self.s.lists);
        lists[id.idx()].extend(stack.drain(start..));
        Ok(V::List(id))
    }

    /// A map literal. Out of line, like the other rarer nodes: it keeps
    /// `node`'s frame small for the common ones.
    #[inline(never)]
    fn map_literal(&mut self, entries: &[(u32, Ex)], order: &[u16]) -> R {
        let start = self.s.stack.len();
        for (_, it) in entries.iter() {
            let v = self.ex(it)?;
            self.s.stack.push(v);
        }
        let id = self.s.new_map();
        for &k in order.iter() {
            let v = self.s.stack[start + k as usize];
            self.s.map_push(id, V::sym(entries[k as usize].0), v);
        }
        self.s.stack.truncate(start);
        Ok(V::Map(id))
    }

    /// A copy of a container that the copy's owner may mutate.
    fn copy(&mut self, v: V) -> R {
        Ok(match v {
            V::CList(c) => {
                let id = self.s.new_list();
                let items = &self.p.consts.vals[c.range()];
                self.s.lists[id.idx()].extend_from_slice(items);
                V::List(id)
            }
            V::List(src) => {
                let id = self.s.new_list();
                let lists = &mut self.s.lists;
                for k in 0..lists[src.idx()].len() {
                    let item = lists[src.idx()][k];
                    lists[id.idx()].push(item);
                }
                V::List(id)
            }
            V::CMap(m) => {
                let id = self.s.new_map();
                for (k, v) in self.p.consts.maps[m.idx()].iter() {
                    self.s.maps[id.idx()].push((V::sym(*k), *v));
                }
                V::Map(id)
            }
            V::Map(src) => {
                let id = self.s.new_map();
                let maps = &mut self.s.maps;
                for k in 0..maps[src.idx()].len() {
                    let entry = maps[src.idx()][k];
                    maps[id.idx()].push(entry);
                }
                V::Map(id)
            }
            v => v,
        })
    }

    /// `x.key`. The value is returned from inside the scan: going through
    /// an `Option<V>` made rustc copy it byte-wise, a store-forwarding stall
    /// on the commonest read of a decision.
    pub fn prop(&mut self, x: V, key: u32) -> R {
        match x {
            V::CMap(m) => {
                for (k, v) in self.p.consts.maps[m.idx()].iter() {
                    if *k == key {
                        return Ok(*v);
                    }
                }
            }
            V::Map(id) => {
                let want = &*self.p.consts.pool[key as usize];
                for (k, v) in self.s.maps[id.idx()].iter() {
                    let hit = match *k {
                        V::Sym(a) => a.get() == key,
                        k => self.p.text(k, self.s) == Some(want),
                    };
                    if hit {
                        return Ok(*v);
                    }
                }
            }
            _ => {}
        }
        Err(self.fail("property not found"))
    }

    fn map_find(&self, id: Ix, key: &str, sym: Option<u32>) -> Option<V> {
        for (k, v) in self.s.map(id) {
            match (*k, sym) {
                (V::Sym(a), Some(b)) if a.get() == b => return Some(*v),
                (V::Sym(_), Some(_)) => {}
                (k, _) => {
                    if self.text(k) == Some(key) {
                        return Some(*v);
                    }
                }
            }
        }
        None
    }

    fn map_set(&mut self, target: V, key: V, v: V) -> Result<(), Stop> {
        let V::Map(id) = target else {
            return Err(self.fail("assignment into a value that is not an owned map"));
        };
        let Some(key_text) = self.text(key) else {
            return Err(self.fail("a map key must be a string"));
        };
        let entries = &self.s.maps[id.idx()];
        let mut at = entries.len();
        for (i, (k, _)) in entries.iter().enumerate() {
            let kt = self.p.text(*k, self.s).unwrap_or("");
            match kt.cmp(key_text) {
                std::cmp::Ordering::Equal => {
                    self.s.maps[id.idx()][i].1 = v;
                    return Ok(());
                }
                std::cmp::Ordering::Greater => {
                    at = i;
                    break;
                }
                std::cmp::Ordering::Less => {}
            }
        }
        if entries.len() >= self.p.max_map_size {
            return Err(self.limit("map too large"));
        }
        self.s.maps[id.idx()].insert(at, (key, v));
        Ok(())
    }

    fn index(&mut self, x: V, i: V) -> R {
        match (x, i) {
            (V::CList(c), V::Int(k)) => match index_of(c.len() as usize, k) {
                Some(at) => Ok(self.p.consts.vals[c.start() as usize + at]),
                None => Err(self.fail("array index out of bounds")),
            },
            (V::List(id), V::Int(k)) => match index_of(self.s.list(id).len(), k) {
                Some(at) => Ok(self.s.list(id)[at]),
                None => Err(self.fail("array index out of bounds")),
            },
            (V::CMap(m), k) if k.is_str() => {
                let key = self.text(k).unwrap_or("");
                match self.p.consts.map_get(m.get(), key) {
                    Some(v) => Ok(v),
                    None => Err(self.fail("property not found")),
                }
            }
            (V::Map(id), k) if k.is_str() => {
                let key = self.text(k).unwrap_or("");
                match self.map_find(id, key, None) {
                    Some(v) => Ok(v),
                    None => Err(self.fail("property not found")),
                }
            }
            _ => Err(self.fail("cannot index")),
        }
    }

    /// Appends Rhai's display of a value to the text buffer.
    pub fn display_value(&mut self, v: V) {
        match v {
            V::Unit => {}
            V::False => self.s.text.push_str("false"),
            V::True => self.s.text.push_str("true"),
            V::Int(i) => {
                let _ = write!(self.s.text, "{i}");
            }
            V::Float(f) => write_float(&mut self.s.text, f.get()),
            V::Sym(i) => self.s.text.push_str(&self.p.consts.pool[i.idx()]),
            V::Txt(t) => self.s.text.extend_from_within(t.range()),
            V::CList(..) | V::List(_) | V::CMap(_) | V::Map(_) => {
                let mut text = String::new();
                self.debug_value(v, &mut text);
                self.s.text.push_str(&text);
            }
        }
    }

    /// Rhai's debug form of a value, which is how it displays a list or a
    /// map: `[1, "a"]`, `#{"k": 2.0}` (keys in order, texts quoted, floats
    /// as Rust's `{:?}`). Written here rather than through a Rhai value so
    /// that a build without Rhai writes the same text.
    pub fn debug_value(&self, v: V, out: &mut String) {
        let list = |out: &mut String, items: &mut dyn Iterator<Item = V>| {
            out.push('[');
            for (i, x) in items.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                self.debug_value(x, out);
            }
            out.push(']');
        };
        let map = |out: &mut String, mut entries: Vec<(&str, V)>| {
            entries.sort_by(|a, b| a.0.cmp(b.0));
            entries.dedup_by(|later, earlier| {
                // A map keeps the last value given for a key.
                let same = later.0 == earlier.0;
                if same {
                    earlier.1 = later.1;
                }
                same
            });
            out.push_str("#{");
            for (i, (k, x)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{k:?}: ");
                self.debug_value(x, out);
            }
            out.push('}');
        };
        match v {
            V::Unit => out.push_str("()"),
            V::False => out.push_str("false"),
            V::True => out.push_str("true"),
            V::Int(i) => {
                let _ = write!(out, "{i}");
            }
            V::Float(f) => {
                let _ = write!(out, "{:?}", f.get());
            }
            V::Sym(_) | V::Txt(..) => {
                let _ = write!(out, "{:?}", self.text(v).unwrap_or(""));
            }
            V::CList(c) => list(out, &mut self.p.consts.vals[c.range()].iter().copied()),
            V::List(id) => list(out, &mut self.s.list(id).iter().copied()),
            V::CMap(m) => map(
                out,
                self.p.consts.maps[m.idx()]
                    .iter()
                    .map(|(k, x)| (self.p.consts.pool[*k as usize].as_ref(), *x))
                    .collect(),
            ),
            V::Map(id) => map(
                out,
                self.s
                    .map(id)
                    .iter()
                    .map(|(k, x)| (self.text(*k).unwrap_or(""), *x))
                    .collect(),
            ),
        }
    }

    /// The Rhai value of `v` (for display of containers and for handing
    /// values to interpreted functions).
    #[cfg(feature = "scripted")]
    pub fn to_dynamic(&self, v: V) -> rhai::Dynamic {
        use rhai::Dynamic;
        match v {
            V::Unit => Dynamic::UNIT,
            V::False => Dynamic::FALSE,
            V::True => Dynamic::TRUE,
            V::Int(i) => Dynamic::from_int(i),
            V::Float(f) => Dynamic::from_float(f.get()),
            V::Sym(_) | V::Txt(..) => Dynamic::from(self.text(v).unwrap_or("").to_owned()),
            V::CList(c) => Dynamic::from_array(
                self.p.consts.vals[c.range()]
                    .iter()
                    .map(|x| self.to_dynamic(*x))
                    .collect(),
            ),
            V::List(id) => Dynamic::from_array(
                self.s
                    .list(id)
                    .iter()
                    .map(|x| self.to_dynamic(*x))
                    .collect(),
            ),
            V::CMap(m) => Dynamic::from_map(
                self.p.consts.maps[m.idx()]
                    .iter()
                    .map(|(k, x)| {
                        (
                            self.p.consts.pool[*k as usize].as_ref().into(),
                            self.to_dynamic(*x),
                        )
                    })
                    .collect(),
            ),
            V::Map(id) => Dynamic::from_map(
                self.s
                    .map(id)
                    .iter()
                    .map(|(k, x)| (self.text(*k).unwrap_or("").into(), self.to_dynamic(*x)))
                    .collect(),
            ),
        }
    }

    /// A value an interpreted function returned, into the scratch.
    #[cfg(feature = "scripted")]
    pub fn take_dynamic(&mut self, d: &rhai::Dynamic) -> V {
        if d.is_unit() {
            V::Unit
        } else if let Ok(b) = d.as_bool() {
            V::bool(b)
        } else if let Ok(i) = d.as_int() {
            V::Int(i)
        } else if let Ok(f) = d.as_float() {
            V::float(f)
        } else if let Some(t) = d.read_lock::<rhai::ImmutableString>() {
            self.s.push_text(t.as_str())
        } else if let Some(a) = d.read_lock::<rhai::Array>() {
            let items: Vec<V> = a.iter().map(|x| self.take_dynamic(x)).collect();
            let id = self.s.new_list();
            self.s.list_mut(id).extend(items);
            V::List(id)
        } else if let Some(m) = d.read_lock::<rhai::Map>() {
            let entries: Vec<(V, V)> = m
                .iter()
                .map(|(k, v)| (self.s.push_text(k.as_str()), self.take_dynamic(v)))
                .collect();
            let id = self.s.new_map();
            for (k, v) in entries {
                self.s.map_push(id, k, v);
            }
            V::Map(id)
        } else {
            // Other Rhai types do not occur in decisions; show them as text.
            self.s.push_text(&d.to_string())
        }
    }

    /// Rhai's `==` (values of different non-numeric types are not equal).
    fn equals(&self, a: V, b: V) -> bool {
        match (a, b) {
            (V::Unit, V::Unit) => true,
            (V::False, V::False) | (V::True, V::True) => true,
            (V::Int(x), V::Int(y)) => x == y,
            (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => a.as_f64() == b.as_f64(),
            // The pool holds each string once (`Plan::check`).
            (V::Sym(x), V::Sym(y)) => x == y,
            (x, y) if x.is_str() && y.is_str() => self.text(x) == self.text(y),
            (V::CList(..) | V::List(_), V::CList(..) | V::List(_)) => {
                let (xs, ys) = (self.items(a), self.items(b));
                xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| self.equals(*x, *y))
            }
            (V::CMap(_) | V::Map(_), V::CMap(_) | V::Map(_)) => {
                let (xs, ys) = (self.entries(a), self.entries(b));
                xs.len() == ys.len()
                    && xs
                        .iter()
                        .zip(ys.iter())
                        .all(|((k1, v1), (k2, v2))| k1 == k2 && self.equals(*v1, *v2))
            }
            _ => false,
        }
    }

    /// Whether `v` nests lists and maps deeper than `max`. It recurses at
    /// most `max + 1` levels, whatever the value's depth.
    pub fn deeper_than(&self, v: V, max: usize) -> bool {
        match v {
            V::CList(..) | V::List(_) => {
                max == 0 || self.items(v).iter().any(|x| self.deeper_than(*x, max - 1))
            }
            V::CMap(m) => {
                max == 0
                    || self.p.consts.maps[m.idx()]
                        .iter()
                        .any(|(_, x)| self.deeper_than(*x, max - 1))
            }
            V::Map(id) => {
                max == 0
                    || self
                        .s
                        .map(id)
                        .iter()
                        .any(|(_, x)| self.deeper_than(*x, max - 1))
            }
            _ => false,
        }
    }

    /// Values shown, compared or read back are walked recursively: a rule
    /// can nest lists thousands deep, and such a value leaves the plan (the
    /// interpreter, on a stack of its own, decides what it means).
    fn shallow_enough(&mut self, v: V) -> Result<(), Stop> {
        if matches!(v, V::List(_) | V::Map(_)) && self.deeper_than(v, MAX_DEPTH) {
            return Err(self.limit("value nested too deep"));
        }
        Ok(())
    }

    fn items(&self, v: V) -> &[V] {
        match v {
            V::CList(c) => &self.p.consts.vals[c.range()],
            V::List(id) => self.s.list(id),
            _ => &[],
        }
    }

    fn entries(&self, v: V) -> Vec<(&str, V)> {
        match v {
            V::CMap(m) => self.p.consts.maps[m.idx()]
                .iter()
                .map(|(k, x)| (self.p.consts.pool[*k as usize].as_ref(), *x))
                .collect(),
            V::Map(id) => self
                .s
                .map(id)
                .iter()
                .map(|(k, x)| (self.text(*k).unwrap_or(""), *x))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn compare(&mut self, op: Native, a: V, b: V) -> R {
        use std::cmp::Ordering;
        let ord: Option<Ordering> = match (a, b) {
            (V::Int(x), V::Int(y)) => Some(x.cmp(&y)),
            (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => a
                .as_f64()
                .unwrap_or(0.0)
                .partial_cmp(&b.as_f64().unwrap_or(0.0)),
            (x, y) if x.is_str() && y.is_str() => Some(self.text(x).cmp(&self.text(y))),
            (V::Unit, V::Unit) => return Ok(V::False),
            (V::False | V::True, V::False | V::True)
            | (V::CList(..) | V::List(_), V::CList(..) | V::List(_)) => {
                return Err(self.fail("no ordering for these values"))
            }
            (V::CMap(_) | V::Map(_), V::CMap(_) | V::Map(_)) => {
                return Err(self.fail("no ordering for maps"))
            }
            // Different non-numeric types: every comparison is false.
            _ => return Ok(V::False),
        };
        let Some(o) = ord else {
            return Ok(V::False);
        };
        Ok(V::bool(match op {
            Native::Lt => o == Ordering::Less,
            Native::Le => o != Ordering::Greater,
            Native::Gt => o == Ordering::Greater,
            _ => o != Ordering::Less,
        }))
    }

    fn binary(&mut self, op: Native, a: V, b: V) -> R {
        match op {
            Native::Eq | Native::Ne => {
                self.shallow_enough(a)?;
                self.shallow_enough(b)?;
                let eq = self.equals(a, b);
                return Ok(V::bool(eq == (op == Native::Eq)));
            }
            Native::Lt | Native::Le | Native::Gt | Native::Ge => return self.compare(op, a, b),
            _ => {}
        }
        match (a, b) {
            (V::Int(x), V::Int(y)) => {
                let r = match op {
                    Native::Add => x.checked_add(y),
                    Native::Sub => x.checked_sub(y),
                    Native::Mul => x.checked_mul(y),
                    Native::Div => x.checked_div(y),
                    Native::Rem => x.checked_rem(y),
                    _ => None,
                };
                match r {
                    Some(r) => Ok(V::Int(r)),
                    None => Err(self.fail("arithmetic error")),
                }
            }
            (V::Int(_) | V::Float(_), V::Int(_) | V::Float(_)) => {
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                Ok(V::float(match op {
                    Native::Add => x + y,
                    Native::Sub => x - y,
                    Native::Mul => x * y,
                    Native::Div => x / y,
                    Native::Rem => x % y,
                    _ => return Err(self.fail("bad operator")),
                }))
            }
            (x, y) if op == Native::Add && x.is_str() && y.is_str() => {
                let start = self.s.text.len();
                self.display_value(x);
                self.display_value(y);
                let len = self.s.text.len() - start;
                if len > self.p.max_string_size {
                    return Err(self.limit("string too large"));
                }
                Ok(V::txt(start as u32, len as u32))
            }
            (x, V::Unit) if op == Native::Add && x.is_str() => Ok(x),
            (V::Unit, y) if op == Native::Add && y.is_str() => Ok(y),
            (V::CList(..) | V::List(_), V::CList(..) | V::List(_)) if op == Native::Add => {
                let id = self.s.new_list();
                for part in [a, b] {
                    for k in 0..self.items(part).len() {
                        let v = self.items(part)[k];
                        self.s.lists[id.idx()].push(v);
                    }
                }
                if self.s.list(id).len() > self.p.max_array_size {
                    return Err(self.limit("array too large"));
                }
                Ok(V::List(id))
            }
            _ => Err(self.fail("no such operator for these values")),
        }
    }

    fn table(&mut self, name: V) -> Result<u16, Stop> {
        let t = self
            .text(name)
            .and_then(|n| self.p.table_index.get(n).copied());
        match t {
            Some(t) => Ok(t),
            None => Err(self.fail("no such table")),
        }
    }

    fn date(&mut self, v: V) -> Result<NaiveDate, Stop> {
        match self.text(v).and_then(parse_date) {
            Some(d) => Ok(d),
            None => Err(self.fail("not a date")),
        }
    }

    /// The table a name stands for: itself, or for a versioned table the
    /// version in force on the day (recorded, with a trace entry, the
    /// first time), or an input error at the day's field.
    fn resolve(&mut self, t: u16) -> Result<u16, Stop> {
        let Some(g) = (t as usize).checked_sub(self.p.tables.len()) else {
            return Ok(t);
        };
        let Some(day) = self.s.day else {
            return Err(self.fail("a versioned table needs a day"));
        };
        let group = &self.p.versions[g];
        let found = group.iter().copied().find(|&m| {
            let tb = &self.p.tables[m as usize];
            tb.version
                .as_ref()
                .is_none_or(|v| v.valid.contains(day.date))
        });
        let Some(m) = found else {
            let listed: Vec<String> = group
                .iter()
                .map(|&m| {
                    let tb = &self.p.tables[m as usize];
                    let v = tb.version.as_ref();
                    format!(
                        "{} {}",
                        v.map_or(&tb.name, |v| &v.label),
                        v.map(|v| v.valid).unwrap_or_default().describe()
                    )
                })
                .collect();
            let name = self.p.tables[group[0] as usize]
                .version
                .as_ref()
                .map_or("", |v| &v.of);
            let e = crate::in_force::not_in_force(name, day, &listed);
            self.s.fault = Some(Fault::Input(e));
            self.exit = Exit::Fail;
            return Err(Stop);
        };
        if !self.s.applied.contains(&(m, day)) {
            self.s.applied.push((m, day));
            if self.s.mode != TraceMode::Off {
                self.s.trace.push(Rec::Version {
                    table: m,
                    applied: self.s.applied.len() as u32 - 1,
                });
            }
        }
        Ok(m)
    }

    /// A helper whose table is known at load time.
    pub fn lookup(&mut self, n: Native, t: u16, args: &[V]) -> R {
        let t = self.resolve(t)?;
        let day = self.s.day.map(|d| d.date);
        let table = &self.p.tables[t as usize];
        match n {
            Native::Table => {
                if table.kind == TableKind::Values && self.s.mode != TraceMode::Off {
                    self.s.trace.push(Rec::Table { table: t });
                }
                if table.valid.is_empty() || day.is_none() {
                    return Ok(table.whole);
                }
                // Only the rows in force on the day.
                let id = self.s.new_list();
                let table = &self.p.tables[t as usize];
                for (r, &m) in table.rows.iter().enumerate() {
                    if table.row_in_force(r as u32, day) {
                        self.s.list_mut(id).push(V::cmap(m));
                    }
                }
                Ok(V::List(id))
            }
            Native::Row | Native::PeekRow | Native::HasRow => {
                let key = args[0];
                let Some(k) = self.text(key) else {
                    return Err(self.fail("a row key must be a string"));
                };
                let row = if table.kind == TableKind::Rows {
                    table
                        .index
                        .get(k)
                        .copied()
                        .filter(|&r| table.row_in_force(r, day))
                } else {
                    None
                };
                match (n, row) {
                    (Native::HasRow, r) => Ok(V::bool(r.is_some())),
                    (Native::PeekRow, None) => Ok(V::Unit),
                    (_, None) => Err(self.fail("no such row")),
                    (_, Some(r)) => {
                        if n == Native::Row && self.s.mode != TraceMode::Off {
                            self.s.trace.push(Rec::Row {
                                table: t,
                                row: r,
                                key,
                            });
                        }
                        Ok(V::cmap(table.rows[r as usize]))
                    }
                }
            }
            Native::ClosestKey => {
                // The keys compared count as steps, as in the interpreter.
                self.charge(table.rows.len())?;
                let Some(text) = self.text(args[0]) else {
                    return Err(self.fail("closest_key needs a string"));
                };
                if table.kind != TableKind::Rows {
                    return Ok(V::Unit);
                }
                let keys = table
                    .index
                    .iter()
                    .filter(|(_, &r)| table.row_in_force(r, day))
                    .map(|(k, _)| &**k);
                let Some(key) = crate::suggest::closest(text, keys) else {
                    return Ok(V::Unit);
                };
                let at = self.s.text.len();
                self.s.text.push_str(key);
                Ok(V::txt(at as u32, key.len() as u32))
            }
            Native::FindRow => {
                // The rows scanned count as steps, as in the interpreter.
                self.charge(table.rows.len())?;
                let Some(field) = self.text(args[0]) else {
                    return Err(self.fail("find_row needs a field name"));
                };
                let value = args[1];
                if !matches!(table.kind, TableKind::Rows | TableKind::Bands) {
                    return Ok(V::Unit);
                }
                let sym = match args[0] {
                    V::Sym(k) => Some(k.get()),
                    _ => None,
                };
                for (r, &m) in table.rows.iter().enumerate() {
                    if !table.row_in_force(r as u32, day) {
                        continue;
                    }
                    let cell = match sym {
                        Some(k) => self.p.consts.map_get_sym(m, k),
                        None => self.p.consts.map_get(m, field),
                    };
                    if let Some(cell) = cell {
                        if self.same_value(cell, value) {
                            return Ok(V::cmap(m));
                        }
                    }
                }
                Ok(V::Unit)
            }
            Native::Band => {
                let Some(x) = args[0].as_f64() else {
                    return Err(self.fail("band needs a number"));
                };
                if table.kind != TableKind::Bands {
                    return Err(self.fail("not a bands table"));
                }
                match table.bounds.iter().position(|b| b.contains(x)) {
                    Some(r) => {
                        if self.s.mode != TraceMode::Off {
                            self.s.trace.push(Rec::Band {
                                table: t,
                                row: r as u32,
                            });
                        }
                        Ok(V::cmap(table.rows[r]))
                    }
                    None => Err(self.fail("no band holds the value")),
                }
            }
            _ => Err(self.fail("not a table helper")),
        }
    }

    /// `tables::same_value`: numbers by value, then text, then booleans.
    fn same_value(&self, a: V, b: V) -> bool {
        match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (self.text(a), self.text(b)) {
                (Some(x), Some(y)) => x == y,
                _ => matches!((a, b), (V::False, V::False) | (V::True, V::True)),
            },
        }
    }

    /// `deadline(start, days)`'s arguments, checked, and the count recorded
    /// in the trace (both forms of the helper count the same period).
    fn period(&mut self, a: &[V]) -> Result<(NaiveDate, u64), Stop> {
        let start = self.date(a[0])?;
        let V::Int(days) = a[1] else {
            return Err(self.fail("deadline needs whole days"));
        };
        if days < 0 {
            return Err(self.fail("negative period"));
        }
        let days = days as u64;
        if self.s.mode != TraceMode::Off {
            self.s.trace.push(Rec::Calendar { start, days });
        }
        Ok((start, days))
    }

    #[inline(never)]
    fn native(&mut self, n: Native, a: &[V]) -> R {
        use Native::*;
        match n {
            Eq | Ne | Lt | Le | Gt | Ge | Add | Sub | Mul | Div | Rem => self.binary(n, a[0], a[1]),
            Neg => match a[0] {
                V::Int(i) => match i.checked_neg() {
                    Some(v) => Ok(V::Int(v)),
                    None => Err(self.fail("arithmetic overflow")),
                },
                V::Float(f) => Ok(V::float(-f.get())),
                _ => Err(self.fail("cannot negate")),
            },
            Not => match a[0] {
                V::False => Ok(V::True),
                V::True => Ok(V::False),
                _ => Err(self.fail("`!` needs a boolean")),
            },
            Table | Row | PeekRow | HasRow | ClosestKey | FindRow | Band => {
                let t = self.table(a[0])?;
                self.lookup(n, t, &a[1..])
            }
            DeadlineDue => {
                let (start, days) = self.period(a)?;
                let (_, due) = self.p.calendar.due_date(start, days);
                Ok(self.s.push_date(due))
            }
            Deadline => {
                let (start, days) = self.period(a)?;
                // As `Calendar::deadline`, written straight into the scratch:
                // the days from `nominal` before `due` are the rest days skipped.
                let (d_nominal, d_due) = self.p.calendar.due_date(start, days);
                let nominal = self.s.push_date(d_nominal);
                let due = self.s.push_date(d_due);
                let skipped = self.s.new_list();
                let mut day = d_nominal;
                while day < d_due {
                    let at = self.s.text.len();
                    write_date(&mut self.s.text, day);
                    self.s.text.push(' ');
                    calendar::write_rest_day_label(&self.p.calendar, day, &mut self.s.text);
                    let len = self.s.text.len() - at;
                    self.s.list_mut(skipped).push(V::txt(at as u32, len as u32));
                    day = calendar::add_days(day, 1);
                }
                let note = match self.p.calendar.missing_year(d_nominal, d_due) {
                    Some(year) => {
                        let at = self.s.text.len();
                        calendar::write_provisional_note(&mut self.s.text, year);
                        let len = self.s.text.len() - at;
                        V::txt(at as u32, len as u32)
                    }
                    None => V::Unit,
                };
                let provisional = V::bool(!note.is_unit());
                let k = &self.p.keys;
                let (kd, kn, knote, kp, ks) = (k.due, k.nominal, k.note, k.provisional, k.skipped);
                // In key order, as a Rhai map holds them.
                let m = self.s.new_map();
                self.s.map_push(m, V::sym(kd), due);
                self.s.map_push(m, V::sym(kn), nominal);
                self.s.map_push(m, V::sym(knote), note);
                self.s.map_push(m, V::sym(kp), provisional);
                self.s.map_push(m, V::sym(ks), V::List(skipped));
                Ok(V::Map(m))
            }
            AddDays => {
                let d = self.date(a[0])?;
                let V::Int(k) = a[1] else {
                    return Err(self.fail("add_days needs whole days"));
                };
                Ok(self.s.push_date(calendar::add_days(d, k)))
            }
            DaysBetween => {
                let (x, y) = (self.date(a[0])?, self.date(a[1])?);
                Ok(V::Int(calendar::days_between(x, y)))
            }
            IsWorkingDay => {
                let d = self.date(a[0])?;
                Ok(V::bool(self.p.calendar.is_working(d)))
            }
            Weekday => {
                let d = self.date(a[0])?;
                Ok(V::Int(d.weekday().number_from_monday() as i64))
            }
            YearOf => {
                let d = self.date(a[0])?;
                Ok(V::Int(i64::from(d.year())))
            }
            Contains => match a[0] {
                s if s.is_str() => match (self.text(s), self.text(a[1])) {
                    (Some(h), Some(x)) => Ok(V::bool(h.contains(x))),
                    _ => Err(self.fail("contains on a string needs a string")),
                },
                V::CList(..) | V::List(_) => {
                    let found = self.items(a[0]).iter().any(|x| self.equals(*x, a[1]));
                    Ok(V::bool(found))
                }
                V::CMap(m) => match self.text(a[1]) {
                    Some(k) => Ok(V::bool(self.p.consts.map_get(m.get(), k).is_some())),
                    None => Err(self.fail("a map key must be a string")),
                },
                V::Map(id) => match self.text(a[1]) {
                    Some(k) => Ok(V::bool(self.map_find(id, k, None).is_some())),
                    None => Err(self.fail("a map key must be a string")),
                },
                _ => Err(self.fail("contains on this value")),
            },
            StartsWith | EndsWith => match (self.text(a[0]), self.text(a[1])) {
                (Some(h), Some(x)) => Ok(V::bool(if n == StartsWith {
                    h.starts_with(x)
                } else {
                    h.ends_with(x)
                })),
                _ => Err(self.fail("starts_with needs strings")),
            },
            IsEmpty | Len => {
                let len = match a[0] {
                    s if s.is_str() => self.text(s).map_or(0, |t| t.chars().count()),
                    V::CList(c) => c.len() as usize,
                    V::List(id) => self.s.list(id).len(),
                    V::CMap(m) => self.p.consts.maps[m.idx()].len(),
                    V::Map(id) => self.s.map(id).len(),
                    _ => return Err(self.fail("len on this value")),
                };
                Ok(if n == IsEmpty {
                    V::bool(len == 0)
                } else {
                    V::Int(len as i64)
                })
            }
            ToFloat => match a[0] {
                V::Int(i) => Ok(V::float(i as f64)),
                V::Float(f) => Ok(V::Float(f)),
                _ => Err(self.fail("to_float on this value")),
            },
            ToInt => match a[0] {
                V::Int(i) => Ok(V::Int(i)),
                V::Float(f) if f.get().is_finite() && f.get().trunc().abs() < 9.2e18 => {
                    Ok(V::Int(f.get().trunc() as i64))
                }
                _ => Err(self.fail("to_int on this value")),
            },
            Floor | Ceiling | Round => match a[0] {
                V::Float(f) => Ok(V::float(match n {
                    Floor => f.get().floor(),
                    Ceiling => f.get().ceil(),
                    _ => f.get().round(),
                })),
                _ => Err(self.fail("floor/ceiling/round need a float")),
            },
            Abs => match a[0] {
                V::Int(i) => match i.checked_abs() {
                    Some(v) => Ok(V::Int(v)),
                    None => Err(self.fail("arithmetic overflow")),
                },
                V::Float(f) => Ok(V::float(f.get().abs())),
                _ => Err(self.fail("abs on this value")),
            },
            Keys => {
                let id = self.s.new_list();
                match a[0] {
                    V::CMap(m) => {
                        let keys = self.p.consts.maps[m.idx()].iter().map(|(k, _)| V::sym(*k));
                        self.s.lists[id.idx()].extend(keys);
                    }
                    V::Map(src) => {
                        let (maps, lists) = (&self.s.maps, &mut self.s.lists);
                        lists[id.idx()].extend(maps[src.idx()].iter().map(|(k, _)| *k));
                    }
                    _ => return Err(self.fail("keys on this value")),
                }
                Ok(V::List(id))
            }
        }
    }
}

/// Rhai's array index: negative counts from the end.
fn index_of(len: usize, i: i64) -> Option<usize> {
    if i >= 0 {
        let i = i as usize;
        (i < len).then_some(i)
    } else {
        let back = i.unsigned_abs() as usize;
        (back <= len).then(|| len - back)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_travel_in_two_registers() {
        assert_eq!(std::mem::size_of::<V>(), 16);
        assert_eq!(std::mem::size_of::<R>(), 16);
    }

    #[test]
    fn dates_round_trip() {
        for s in ["2021-10-08", "2024-02-29", "0001-01-01", "9999-12-31"] {
            let d = parse_date(s).unwrap();
            let mut out = String::new();
            write_date(&mut out, d);
            assert_eq!(out, s);
            assert_eq!(out, d.to_string());
        }
        assert_eq!(parse_date("2021-02-30"), None);
        assert_eq!(parse_date("x"), None);
    }

    #[test]
    fn negative_indexes_count_from_the_end() {
        assert_eq!(index_of(3, -1), Some(2));
        assert_eq!(index_of(3, -3), Some(0));
        assert_eq!(index_of(3, -4), None);
        assert_eq!(index_of(3, 3), None);
    }
}
