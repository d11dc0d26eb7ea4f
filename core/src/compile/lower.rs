//! Rhai AST → plan IR, one function at a time.
//!
//! Rhai keeps function bodies behind a type it does not export, so the
//! bodies are reached through `AST::walk`, which visits each function's
//! top-level statements in order; the function a statement belongs to is the
//! one whose span holds it.
//!
//! Value semantics: Rhai copies a value on every assignment and call. The IR
//! shares containers instead, which is safe because a container is only ever
//! changed through the one variable that owns it: a variable that the
//! function mutates (`x.push`, `x.f = …`, `x[k] = …`, `x += …`) gets its own
//! shallow copy when bound, and reading it as a whole value copies it again,
//! except where the function ends (its result), where no later change can
//! follow. Changes below the first level (`x.a.b = …`) are not compiled.

use std::collections::{BTreeMap, HashMap, HashSet};

use rhai::{ASTNode, Expr, FnCallExpr, Position, Stmt, StmtBlock, AST};

use super::switch;
use crate::plan::{Arm, Consts, Ex, FastMap, Func, Native, Seg, St, Template, V};

/// Why a function is not compiled.
#[derive(Debug, Clone)]
pub(crate) struct NotLowered {
    pub reason: String,
    pub pos: Position,
}

type L<T> = Result<T, NotLowered>;

fn no<T>(reason: impl Into<String>, pos: Position) -> L<T> {
    Err(NotLowered {
        reason: reason.into(),
        pos,
    })
}

/// One function's lowering.
pub(crate) struct Lowered {
    pub name: String,
    pub arity: usize,
    pub file: String,
    pub start: Position,
    pub func: L<Func>,
    /// The script functions it calls, with where.
    pub calls: Vec<(u32, Position)>,
}

pub(crate) struct Lowering<'a> {
    pub consts: Consts,
    pub table_index: &'a FastMap<Box<str>, u16>,
    pub templates: Vec<Template>,
    pub ids: &'a HashMap<(String, usize), u32>,
    pub rule_origins: &'a BTreeMap<String, String>,
    pub results: Vec<Option<Lowered>>,
    pub switch_values: HashMap<u64, V>,
    /// `table(name)` of each table, and the tables whose reading is traced.
    /// Each table's rows read whole, where that is a constant.
    pub wholes: Vec<Option<V>>,
    pub traced_tables: HashSet<u16>,
}

/// A function being lowered: its header and the statements seen so far.
struct Open {
    id: u32,
    name: String,
    params: Vec<String>,
    start: Position,
    end: Position,
    mutated: HashSet<String>,
    fl: Option<Fl>,
    body: Vec<St>,
    err: Option<NotLowered>,
    /// Top-level statements: the last one is the function's result.
    count: usize,
    seen: usize,
}

/// Per-function lowering state.
struct Fl {
    scopes: Vec<(String, u16)>,
    slots: u16,
    calls: Vec<(u32, Position)>,
    /// Reads of mutated variables in the function's result need no copy.
    tail: bool,
    /// Inside an interpolation or `explain`: values are shown at once.
    shown: bool,
}

fn before(a: Position, b: Position) -> bool {
    (a.line().unwrap_or(0), a.position().unwrap_or(0))
        <= (b.line().unwrap_or(0), b.position().unwrap_or(0))
}

impl Lowering<'_> {
    /// Lowers every function of one rule file.
    pub fn file(&mut self, file: &str, ast: &AST, text: &str) {
        // In name order, not Rhai's hash order (see `compile`).
        let mut defs: Vec<_> = ast.iter_fn_def().collect();
        defs.sort_by(|a, b| {
            (a.name.as_str(), a.params.len()).cmp(&(b.name.as_str(), b.params.len()))
        });
        let mut open: Vec<Open> = defs
            .into_iter()
            .map(|f| Open {
                id: self.ids[&(f.name.to_string(), f.params.len())],
                name: f.name.to_string(),
                params: f.params.iter().map(|p| p.to_string()).collect(),
                start: f.body.start_position(),
                end: f.body.end_position(),
                mutated: HashSet::new(),
                fl: None,
                body: Vec::new(),
                err: None,
                count: 0,
                seen: 0,
            })
            .collect();
        if ast.iter_fn_def().count() == 0 {
            return;
        }
        let owner = |open: &[Open], p: Position| -> Option<usize> {
            open.iter()
                .position(|o| before(o.start, p) && (o.end.is_none() || before(p, o.end)))
        };
        // Pass 1: which variables each function mutates, and its statement count.
        let mut needs_switch = false;
        ast.walk(&mut |path: &[ASTNode]| {
            if let [ASTNode::Stmt(s)] = path {
                if let Some(i) = owner(&open, s.position()) {
                    open[i].count += 1;
                    mutations(s, &mut open[i].mutated, &mut needs_switch);
                }
            }
            true
        });
        if needs_switch {
            let found = switch::literal_hashes(text, &mut self.consts);
            self.switch_values.extend(found);
        }
        for o in open.iter_mut() {
            let mut fl = Fl {
                scopes: Vec::new(),
                slots: 0,
                calls: Vec::new(),
                tail: false,
                shown: false,
            };
            for p in &o.params {
                fl.bind(p);
            }
            o.fl = Some(fl);
        }
        // Pass 2: lower the statements, function by function in name order
        // (Rhai walks them in its hash order, which differs between builds;
        // constants are interned as they are met, so the order is the plan's
        // bytes).
        let mut stmts: Vec<(usize, Stmt)> = Vec::new();
        ast.walk(&mut |path: &[ASTNode]| {
            if let [ASTNode::Stmt(s)] = path {
                if let Some(i) = owner(&open, s.position()) {
                    stmts.push((i, (*s).clone()));
                }
            }
            true
        });
        stmts.sort_by_key(|(i, _)| *i);
        for (i, s) in &stmts {
            let o = &mut open[*i];
            o.seen += 1;
            if o.err.is_none() {
                let mut fl = o.fl.take().expect("set above");
                let last = o.seen == o.count;
                let r = self.top_stmt(&mut fl, &o.mutated, s, last);
                match r {
                    Ok(st) => o.body.push(st),
                    Err(e) => o.err = Some(e),
                }
                o.fl = Some(fl);
            }
        }
        for o in open {
            let fl = o.fl.expect("set above");
            let copy_params: Vec<u16> = o
                .params
                .iter()
                .enumerate()
                .filter(|(_, p)| o.mutated.contains(*p))
                .map(|(i, _)| i as u16)
                .collect();
            let func = match o.err {
                Some(e) => Err(e),
                None => Ok(Func {
                    slots: fl.slots,
                    copy_params: copy_params.into(),
                    body: o.body.into(),
                }),
            };
            self.results[o.id as usize] = Some(Lowered {
                name: o.name,
                arity: o.params.len(),
                file: file.to_owned(),
                start: o.start,
                func,
                calls: fl.calls,
            });
        }
    }

    fn top_stmt(&mut self, fl: &mut Fl, m: &HashSet<String>, s: &Stmt, last: bool) -> L<St> {
        fl.tail = last && matches!(s, Stmt::Expr(_) | Stmt::FnCall(..));
        let r = self.stmt(fl, m, s);
        fl.tail = false;
        r
    }

    fn block(&mut self, fl: &mut Fl, m: &HashSet<String>, b: &StmtBlock) -> L<Box<[St]>> {
        let depth = fl.scopes.len();
        let tail = std::mem::replace(&mut fl.tail, false);
        let r: L<Vec<St>> = b.iter().map(|s| self.stmt(fl, m, s)).collect();
        fl.tail = tail;
        fl.scopes.truncate(depth);
        Ok(r?.into())
    }

    fn stmt(&mut self, fl: &mut Fl, m: &HashSet<String>, s: &Stmt) -> L<St> {
        match s {
            Stmt::Noop(_) => Ok(St::Expr(Ex::Const(V::Unit))),
            Stmt::Var(x, _, _) => {
                let (ident, e, _) = &**x;
                let mut v = self.ex(fl, m, e)?;
                if m.contains(ident.name.as_str()) && !fresh(e) {
                    v = Ex::Copy(Box::new(v));
                }
                let slot = fl.bind(&ident.name);
                Ok(St::Set(slot, v))
            }
            Stmt::Assignment(x) => {
                let (op, be) = &**x;
                let at = op.position();
                if let Some((_, _, _, _, _, syntax)) = op.get_op_assignment_info() {
                    let Expr::Variable(v, _, vp) = &be.lhs else {
                        return no("compound assignment into a field", at);
                    };
                    let slot = fl.find(&v.1, *vp)?;
                    let Some(native) = Native::resolve(syntax, 2) else {
                        return no(format!("operator `{syntax}=`"), at);
                    };
                    let rhs = self.ex(fl, m, &be.rhs)?;
                    return Ok(St::OpAssign(slot, native, rhs));
                }
                match &be.lhs {
                    Expr::Variable(v, _, vp) => {
                        let slot = fl.find(&v.1, *vp)?;
                        let mut rhs = self.ex(fl, m, &be.rhs)?;
                        if m.contains(v.1.as_str()) && !fresh(&be.rhs) {
                            rhs = Ex::Copy(Box::new(rhs));
                        }
                        Ok(St::Set(slot, rhs))
                    }
                    Expr::Dot(d, flags, p) | Expr::Index(d, flags, p)
                        if !flags.intersects(rhai::ASTFlags::NEGATED) =>
                    {
                        let Expr::Variable(v, _, vp) = &d.lhs else {
                            return no("assignment into a computed value", *p);
                        };
                        let slot = fl.find(&v.1, *vp)?;
                        let rhs = self.ex(fl, m, &be.rhs)?;
                        let dot = matches!(be.lhs, Expr::Dot(..));
                        let nested = !flags.intersects(rhai::ASTFlags::BREAK)
                            && matches!(d.rhs, Expr::Dot(..) | Expr::Index(..));
                        if nested {
                            return no("assignment below the first level of a value", *p);
                        }
                        match (&d.rhs, dot) {
                            (Expr::Property(pr, _), true) => {
                                let key = self.consts.sym(&pr.2);
                                Ok(St::SetProp(slot, key, rhs))
                            }
                            (idx, false) => {
                                let idx = self.ex(fl, m, idx)?;
                                Ok(St::SetIndex(slot, idx, rhs))
                            }
                            _ => no("assignment through a method", *p),
                        }
                    }
                    other => no("this kind of assignment", other.position()),
                }
            }
            Stmt::FnCall(call, p) => self.call_stmt(fl, m, call, *p),
            Stmt::If(x, _) => {
                let cond = self.ex(fl, m, &x.expr)?;
                let then = self.block(fl, m, &x.body)?;
                let other = self.block(fl, m, &x.branch)?;
                Ok(St::If(cond, then, other))
            }
            Stmt::Switch(x, p) => {
                let (e, cases) = &**x;
                if !cases.ranges.is_empty() {
                    return no("`switch` with ranges", *p);
                }
                let scrutinee = self.ex(fl, m, e)?;
                let tail = std::mem::replace(&mut fl.tail, false);
                let mut arms = Vec::new();
                // The cases in the order written (Rhai keeps them by hash).
                let mut written: Vec<_> = cases.cases.iter().collect();
                written.sort_by_key(|(_, list)| list.blocks.first().copied());
                for (hash, list) in written {
                    let Some(&value) = self.switch_values.get(hash) else {
                        return no("a `switch` case the compiler cannot read", *p);
                    };
                    for &b in list.blocks.iter() {
                        let be = &cases.expressions[b];
                        let cond = match &be.lhs {
                            Expr::BoolConstant(true, _) => None,
                            c => Some(self.ex(fl, m, c)?),
                        };
                        let body = self.ex(fl, m, &be.rhs)?;
                        arms.push(Arm { value, cond, body });
                    }
                }
                let def = match cases.def_case {
                    Some(d) => Some(self.ex(fl, m, &cases.expressions[d].rhs)?),
                    None => None,
                };
                fl.tail = tail;
                Ok(St::Switch(scrutinee, arms.into(), def))
            }
            Stmt::While(_, p) => no("`while` loop", *p),
            Stmt::Do(_, _, p) => no("`do` loop", *p),
            Stmt::For(x, _) => {
                let (var, counter, flow) = &**x;
                let mut iter = self.ex(fl, m, &flow.expr)?;
                if let Expr::Variable(v, _, _) = &flow.expr {
                    if m.contains(v.1.as_str()) {
                        iter = Ex::Copy(Box::new(iter));
                    }
                }
                let depth = fl.scopes.len();
                let slot = fl.bind(&var.name);
                let counter = counter.as_ref().map(|c| fl.bind(&c.name));
                let body = self.block(fl, m, &flow.body);
                fl.scopes.truncate(depth);
                let body = body?;
                let mut body = body.into_vec();
                if m.contains(var.name.as_str()) {
                    // The loop variable is mutated: it owns a copy of each item.
                    body.insert(0, St::Set(slot, Ex::Copy(Box::new(Ex::Slot(slot)))));
                }
                Ok(St::For {
                    var: slot,
                    counter,
                    iter,
                    body: body.into(),
                })
            }
            Stmt::Block(b) => Ok(St::Expr(Ex::Block(self.block(fl, m, b)?))),
            Stmt::TryCatch(_, p) => no("`try`/`catch`", *p),
            Stmt::Expr(e) => {
                // `x.push(v)`: the one mutating method the subset has.
                if let Expr::Dot(d, flags, p) = &**e {
                    if let (Expr::Variable(v, _, vp), Expr::MethodCall(call, _)) = (&d.lhs, &d.rhs)
                    {
                        if !flags.intersects(rhai::ASTFlags::NEGATED) && call.name == "push" {
                            if call.args.len() != 1 {
                                return no("`push` takes one value", *p);
                            }
                            let slot = fl.find(&v.1, *vp)?;
                            let item = self.ex(fl, m, &call.args[0])?;
                            return Ok(St::Push(slot, item));
                        }
                    }
                }
                Ok(St::Expr(self.ex(fl, m, e)?))
            }
            Stmt::BreakLoop(value, flags, p) => {
                if value.is_some() {
                    return no("`break` with a value", *p);
                }
                Ok(if flags.intersects(rhai::ASTFlags::BREAK) {
                    St::Break
                } else {
                    St::Continue
                })
            }
            Stmt::Return(value, flags, _) => {
                let throw = flags.intersects(rhai::ASTFlags::BREAK);
                fl.tail = !throw;
                let v = match value {
                    Some(e) => self.ex(fl, m, e),
                    None => Ok(Ex::Const(V::Unit)),
                };
                fl.tail = false;
                let v = v?;
                Ok(if throw { St::Throw(v) } else { St::Return(v) })
            }
            other => no("this statement", other.position()),
        }
    }

    /// A call in statement position: `explain` and `input_error` are statements.
    fn call_stmt(
        &mut self,
        fl: &mut Fl,
        m: &HashSet<String>,
        call: &FnCallExpr,
        p: Position,
    ) -> L<St> {
        // A script function of the same name and arity shadows the helper.
        let helper = !self
            .ids
            .contains_key(&(call.name.to_string(), call.args.len()));
        match (call.name.as_str(), call.args.len()) {
            ("explain", 3) if helper => self.explain(fl, m, call, p),
            ("input_error", 2 | 4) if helper => {
                let args = self.args(fl, m, &call.args)?;
                Ok(St::InputError(args.into()))
            }
            _ => Ok(St::Expr(self.call(fl, m, call, p)?)),
        }
    }

    fn explain(
        &mut self,
        fl: &mut Fl,
        m: &HashSet<String>,
        call: &FnCallExpr,
        p: Position,
    ) -> L<St> {
        let Expr::StringConstant(id, _) = &call.args[0] else {
            return no("`explain` with a rule id that is not a literal", p);
        };
        let shown = std::mem::replace(&mut fl.shown, true);
        let mut args = Vec::new();
        let zh = self.text(fl, m, &call.args[1], &mut args);
        let en = zh.and_then(|zh| Ok((zh, self.text(fl, m, &call.args[2], &mut args)?)));
        fl.shown = shown;
        let (zh, en) = en?;
        let origin = self
            .rule_origins
            .get(id.as_str())
            .cloned()
            .unwrap_or_default();
        self.templates.push(Template {
            id: id.as_str().into(),
            origin: origin.into(),
            zh: zh.into(),
            en: en.into(),
        });
        Ok(St::Explain(self.templates.len() as u32 - 1, args.into()))
    }

    /// An `explain` text: literal pieces and arguments.
    fn text(
        &mut self,
        fl: &mut Fl,
        m: &HashSet<String>,
        e: &Expr,
        args: &mut Vec<Ex>,
    ) -> L<Vec<Seg>> {
        let mut segs = Vec::new();
        match e {
            Expr::StringConstant(s, _) => segs.push(Seg::Lit(s.as_str().into())),
            Expr::InterpolatedString(parts, _) => {
                for part in parts.iter() {
                    match part {
                        Expr::StringConstant(s, _) => segs.push(Seg::Lit(s.as_str().into())),
                        other => {
                            args.push(self.ex(fl, m, other)?);
                            segs.push(Seg::Arg(args.len() as u16 - 1));
                        }
                    }
                }
            }
            other => {
                args.push(self.ex(fl, m, other)?);
                segs.push(Seg::Str(args.len() as u16 - 1));
            }
        }
        Ok(segs)
    }

    fn call(&mut self, fl: &mut Fl, m: &HashSet<String>, call: &FnCallExpr, p: Position) -> L<Ex> {
        if call.is_qualified() {
            return no("a namespace-qualified call", p);
        }
        if call.capture_parent_scope {
            return no("a call that captures the caller's scope (`f!()`)", p);
        }
        let name = call.name.as_str();
        let arity = call.args.len();
        if let Some(&id) = self.ids.get(&(name.to_owned(), arity)) {
            let args = self.args(fl, m, &call.args)?;
            fl.calls.push((id, p));
            return Ok(Ex::Call(id, args.into()));
        }
        match (name, arity) {
            ("explain", 3) | ("input_error", 2 | 4) => {
                let st = self.call_stmt(fl, m, call, p)?;
                return Ok(Ex::Block(vec![st].into()));
            }
            _ => {}
        }
        let Some(native) = Native::resolve(name, arity) else {
            return no(
                format!(
                    "calls `{name}` with {arity} argument(s), which the compiler does not know"
                ),
                p,
            );
        };
        // A table named by a literal is found at load time.
        if matches!(
            native,
            Native::Table
                | Native::Row
                | Native::PeekRow
                | Native::HasRow
                | Native::ClosestKey
                | Native::FindRow
                | Native::Band
        ) {
            if let Expr::StringConstant(t, _) = &call.args[0] {
                if let Some(&tid) = self.table_index.get(t.as_str()) {
                    let rest = self.args(fl, m, &call.args[1..])?;
                    // A rows or bands table read whole is a constant (only
                    // a values table is traced when read).
                    if native == Native::Table && !self.traced_tables.contains(&tid) {
                        if let Some(Some(whole)) = self.wholes.get(tid as usize) {
                            return Ok(Ex::Const(*whole));
                        }
                    }
                    return Ok(Ex::Lookup(native, tid, rest.into()));
                }
            }
        }
        let args = self.args(fl, m, &call.args)?;
        Ok(Ex::Native(native, args.into()))
    }

    fn args(&mut self, fl: &mut Fl, m: &HashSet<String>, args: &[Expr]) -> L<Vec<Ex>> {
        args.iter().map(|a| self.ex(fl, m, a)).collect()
    }

    fn ex(&mut self, fl: &mut Fl, m: &HashSet<String>, e: &Expr) -> L<Ex> {
        Ok(match e {
            Expr::DynamicConstant(d, p) => match self.consts.constant(d) {
                Some(v) => Ex::Const(v),
                None => return no("a constant of a type the compiler does not know", *p),
            },
            Expr::BoolConstant(b, _) => Ex::Const(V::bool(*b)),
            Expr::IntegerConstant(i, _) => Ex::Const(V::Int(*i)),
            Expr::FloatConstant(f, _) => Ex::Const(V::float(**f)),
            Expr::CharConstant(_, p) => return no("a character literal", *p),
            Expr::StringConstant(s, _) => Ex::Const(V::sym(self.consts.sym(s))),
            Expr::InterpolatedString(parts, _) => {
                let shown = std::mem::replace(&mut fl.shown, true);
                let r = self.args(fl, m, parts);
                fl.shown = shown;
                Ex::Interp(r?.into())
            }
            Expr::Array(items, _) => Ex::Array(self.args(fl, m, items)?.into()),
            Expr::Map(x, _) => {
                let mut entries = Vec::new();
                for (k, v) in x.0.iter() {
                    let value = self.ex(fl, m, v)?;
                    entries.push((self.consts.sym(&k.name), value));
                }
                let mut order: Vec<u16> = (0..entries.len() as u16).collect();
                order.sort_by_key(|&i| x.0[i as usize].0.name.as_str());
                Ex::Map(entries.into(), order.into())
            }
            Expr::Unit(_) => Ex::Const(V::Unit),
            Expr::Variable(v, _, p) => {
                if !v.2.is_empty() {
                    return no("a namespace-qualified variable", *p);
                }
                let slot = Ex::Slot(fl.find(&v.1, *p)?);
                if m.contains(v.1.as_str()) && !fl.tail && !fl.shown {
                    Ex::Copy(Box::new(slot))
                } else {
                    slot
                }
            }
            Expr::ThisPtr(p) => return no("`this`", *p),
            Expr::Property(_, p) => return no("a property outside a chain", *p),
            Expr::MethodCall(_, p) => return no("a method call outside a chain", *p),
            Expr::Stmt(b) => Ex::Block(self.block(fl, m, b)?),
            Expr::FnCall(call, p) => self.call(fl, m, call, *p)?,
            Expr::Dot(..) | Expr::Index(..) => self.chain(fl, m, e)?,
            Expr::And(xs, _) => Ex::And(self.args(fl, m, xs)?.into()),
            Expr::Or(xs, _) => Ex::Or(self.args(fl, m, xs)?.into()),
            Expr::Coalesce(xs, _) => Ex::Coalesce(self.args(fl, m, xs)?.into()),
            other => return no("this expression", other.position()),
        })
    }

    /// `a.b[c].d(e)`: Rhai nests the steps to the right; each Dot or Index
    /// node says how its right-hand side is reached, unless marked BREAK.
    fn chain(&mut self, fl: &mut Fl, m: &HashSet<String>, e: &Expr) -> L<Ex> {
        let (Expr::Dot(x, flags, p) | Expr::Index(x, flags, p)) = e else {
            unreachable!("called on chains only")
        };
        if flags.intersects(rhai::ASTFlags::NEGATED) {
            return no("`?.` or `?[`", *p);
        }
        // The root is read, not copied: what is read from it is not changed here.
        let mut cur = match &x.lhs {
            Expr::Variable(v, _, vp) if v.2.is_empty() => Ex::Slot(fl.find(&v.1, *vp)?),
            other => self.ex(fl, m, other)?,
        };
        let mut dot = matches!(e, Expr::Dot(..));
        let mut parent_flags = *flags;
        let mut rhs = &x.rhs;
        loop {
            let (step, next) = match rhs {
                Expr::Dot(y, f, _) | Expr::Index(y, f, _)
                    if !parent_flags.intersects(rhai::ASTFlags::BREAK) =>
                {
                    if f.intersects(rhai::ASTFlags::NEGATED) {
                        return no("`?.` or `?[`", rhs.position());
                    }
                    (&y.lhs, Some((matches!(rhs, Expr::Dot(..)), *f, &y.rhs)))
                }
                leaf => (leaf, None),
            };
            cur = if dot {
                match step {
                    Expr::Property(pr, _) => {
                        let key = self.consts.sym(&pr.2);
                        match cur {
                            Ex::Native(Native::Deadline, args) if pr.2.as_str() == "due" => {
                                Ex::Native(Native::DeadlineDue, args)
                            }
                            // A field of a table row or setting known at load time.
                            Ex::Const(V::CMap(m))
                                if self.consts.map_get_sym(m.get(), key).is_some() =>
                            {
                                Ex::Const(self.consts.map_get_sym(m.get(), key).expect("checked"))
                            }
                            Ex::Slot(i) => Ex::SlotProp(i, key),
                            cur => Ex::Prop(Box::new(cur), key),
                        }
                    }
                    Expr::MethodCall(call, mp) => {
                        let name = call.name.as_str();
                        let Some(native) = Native::resolve(name, call.args.len() + 1) else {
                            return no(format!("method `{name}`"), *mp);
                        };
                        if self
                            .ids
                            .contains_key(&(name.to_owned(), call.args.len() + 1))
                        {
                            return no(
                                format!("method-style call of the script function `{name}`"),
                                *mp,
                            );
                        }
                        let mut args = vec![cur];
                        args.extend(self.args(fl, m, &call.args)?);
                        Ex::Native(native, args.into())
                    }
                    other => return no("this kind of `.` access", other.position()),
                }
            } else {
                let idx = self.ex(fl, m, step)?;
                Ex::Index(Box::new(cur), Box::new(idx))
            };
            match next {
                Some((d, f, r)) => {
                    dot = d;
                    parent_flags = f;
                    rhs = r;
                }
                None => break,
            }
        }
        Ok(cur)
    }
}

impl Fl {
    fn bind(&mut self, name: &str) -> u16 {
        let slot = self.slots;
        self.slots += 1;
        self.scopes.push((name.to_owned(), slot));
        slot
    }

    fn find(&self, name: &str, p: Position) -> L<u16> {
        match self.scopes.iter().rev().find(|(n, _)| n == name) {
            Some((_, s)) => Ok(*s),
            None => no(format!("the variable `{name}` is not a local"), p),
        }
    }
}

/// Literal containers: binding one needs no copy.
fn fresh(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Array(..) | Expr::Map(..) | Expr::InterpolatedString(..)
    )
}

/// The variables a statement mutates in place (by name), and whether it has
/// a `switch` (whose cases need the literal table).
fn mutations(s: &Stmt, out: &mut HashSet<String>, switch: &mut bool) {
    let root = |e: &Expr, out: &mut HashSet<String>| {
        let mut e = e;
        loop {
            match e {
                Expr::Dot(x, ..) | Expr::Index(x, ..) => e = &x.lhs,
                Expr::Variable(v, ..) => {
                    out.insert(v.1.to_string());
                    return;
                }
                _ => return,
            }
        }
    };
    let mut stack: Vec<&Stmt> = vec![s];
    let mut exprs: Vec<&Expr> = Vec::new();
    while let Some(s) = stack.pop() {
        match s {
            Stmt::Assignment(x) => {
                let (op, be) = &**x;
                if op.is_op_assignment() || !matches!(be.lhs, Expr::Variable(..)) {
                    root(&be.lhs, out);
                }
                exprs.push(&be.rhs);
                exprs.push(&be.lhs);
            }
            Stmt::Var(x, ..) => exprs.push(&x.1),
            Stmt::If(f, _) | Stmt::While(f, _) | Stmt::Do(f, ..) | Stmt::TryCatch(f, _) => {
                exprs.push(&f.expr);
                stack.extend(f.body.iter());
                stack.extend(f.branch.iter());
            }
            Stmt::For(x, _) => {
                exprs.push(&x.2.expr);
                stack.extend(x.2.body.iter());
            }
            Stmt::Switch(x, _) => {
                *switch = true;
                exprs.push(&x.0);
                for be in x.1.expressions.iter() {
                    exprs.push(&be.lhs);
                    exprs.push(&be.rhs);
                }
            }
            Stmt::Block(b) => stack.extend(b.iter()),
            Stmt::Expr(e) => exprs.push(e),
            Stmt::FnCall(c, _) => exprs.extend(c.args.iter()),
            Stmt::Return(Some(e), ..) | Stmt::BreakLoop(Some(e), ..) => exprs.push(e),
            _ => {}
        }
        while let Some(e) = exprs.pop() {
            match e {
                Expr::Dot(x, ..) => {
                    // A method call on a variable that is not known to be read-only.
                    if let Expr::MethodCall(call, _) = &x.rhs {
                        if Native::resolve(call.name.as_str(), call.args.len() + 1).is_none() {
                            root(&x.lhs, out);
                        }
                        exprs.extend(call.args.iter());
                    }
                    exprs.push(&x.lhs);
                    exprs.push(&x.rhs);
                }
                Expr::Index(x, ..) => {
                    exprs.push(&x.lhs);
                    exprs.push(&x.rhs);
                }
                Expr::FnCall(c, _) | Expr::MethodCall(c, _) => exprs.extend(c.args.iter()),
                Expr::InterpolatedString(xs, _) | Expr::Array(xs, _) => exprs.extend(xs.iter()),
                Expr::Map(x, _) => exprs.extend(x.0.iter().map(|(_, v)| v)),
                Expr::And(xs, _) | Expr::Or(xs, _) | Expr::Coalesce(xs, _) => {
                    exprs.extend(xs.iter())
                }
                Expr::Stmt(b) => stack.extend(b.iter()),
                _ => {}
            }
        }
    }
}
