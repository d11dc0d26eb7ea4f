//! The check of a plan read from a file (`precompiled.rs`): every index it
//! holds must point inside it, so a damaged or hostile file is refused at
//! load instead of failing, or panicking, during a decision.

use super::{Ex, Plan, Seg, St, TableKind, V};

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
            if !t.valid.is_empty() && t.valid.len() != t.rows.len() {
                return bad(&format!("table `{}`", t.name));
            }
        }
        // A version group lists dated tables only, so that a day picks one.
        for g in &self.versions {
            let dated = |&m: &u16| {
                self.tables
                    .get(m as usize)
                    .is_some_and(|t| t.version.is_some())
            };
            if g.is_empty() || !g.iter().all(dated) {
                return bad("a versioned table");
            }
        }
        let names = self.tables.len() + self.versions.len();
        if !self.table_index.values().all(|&t| (t as usize) < names) {
            return bad("the table index");
        }
        for &id in self.entries.values() {
            if !matches!(self.funcs.get(id as usize), Some(Some(_))) {
                return bad("an entry point");
            }
        }
        // The same ranges a manifest's limits are checked against.
        let limits = crate::ruleset::LimitsPatch {
            max_operations: Some(self.max_operations),
            max_call_levels: Some(self.max_call_levels),
            max_expr_depth: None,
            max_string_size: Some(self.max_string_size),
            max_array_size: Some(self.max_array_size),
            max_map_size: Some(self.max_map_size),
        };
        if let Err((name, _)) = crate::limits::Limits::check_patch(&limits) {
            return bad(&format!("`{name}` outside its range"));
        }
        if self.keys.all().any(|s| s as usize >= c.pool.len()) {
            return bad("the field names");
        }
        // Strings are compared by symbol: each must be in the pool once.
        let mut seen = super::FastMap::default();
        if !c.pool.iter().all(|t| seen.insert(&**t, ()).is_none()) {
            return bad("a string held twice");
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
            V::Sym(i) => i.idx() < c.pool.len(),
            V::CList(s) => (s.start() as usize)
                .checked_add(s.len() as usize)
                .is_some_and(|e| e <= c.vals.len()),
            V::CMap(m) => m.idx() < c.maps.len(),
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
        self.v(&V::sym(s))
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
            St::InputError(args) => {
                if args.len() != 2 && args.len() != 4 {
                    return Err("input_error's arguments".into());
                }
                args.iter().try_for_each(|a| self.ex(a))
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
                let names = self.p.tables.len() + self.p.versions.len();
                if *t as usize >= names || args.len() + 1 != n.arity() {
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
    use crate::Ruleset;

    #[test]
    fn the_default_plan_passes_and_damaged_ones_do_not() {
        let mut rs = Ruleset::default();
        let plan = rs.plan.as_mut().expect("the default chain compiles");
        assert_eq!(plan.check(), Ok(()));
        // Strings compare by symbol, so a second copy of one would make
        // equal texts unequal.
        let first = plan.consts.pool[0].clone();
        plan.consts.pool.push(first);
        assert_eq!(
            plan.check(),
            Err("damaged plan: a string held twice".to_owned())
        );
        plan.consts.pool.pop();
        // Limits a manifest could not set (0 is "no limit" to Rhai).
        plan.max_call_levels = 1 << 20;
        assert_eq!(
            plan.check(),
            Err("damaged plan: `max_call_levels` outside its range".to_owned())
        );
    }
}
