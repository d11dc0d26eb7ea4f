//! The input as plan values: what `rhai::serde::to_dynamic` makes of the
//! input types (every field present, `None` as `()`, dates as text, maps with
//! sorted keys), written straight into the scratch with field names interned
//! once per plan.

use super::eval::Scratch;
use super::value::Ix;
use super::{FastMap, FxHasher, V};
use crate::input::{
    Accident, Checklist, Enterprise, Event, Hazard, Landlord, Listing, Location, Post, Region,
    RiskInput, RiskPoint, Township, TyphoonForecast, UnitSignals, Warning, YearFigures,
};

macro_rules! keys {
    ($($k:ident),* $(,)?) => {
        /// Interned names of the input's fields (and of `deadline`'s result).
        #[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
        #[allow(non_snake_case)]
        pub(crate) struct Keys { $(pub $k: u32,)* }

        impl Keys {
            #[cfg(feature = "scripted")]
            pub fn new(c: &mut super::Consts) -> Keys {
                Keys { $($k: c.sym(stringify!($k)),)* }
            }

            /// Every name's symbol.
            pub fn all(&self) -> impl Iterator<Item = u32> {
                [$(self.$k,)*].into_iter()
            }
        }
    };
}

keys!(
    absent,
    at_sea,
    backup,
    c,
    cannot_self_remove,
    certified_officers,
    commercial_premises,
    contact,
    county,
    deaths,
    department_head,
    description,
    device_failed,
    direct_loss_cny,
    due,
    e,
    enterprise,
    evidence,
    events,
    extension_days,
    facts,
    fixed_on_spot,
    found_on,
    grid,
    grid_member,
    guarantee_level_m,
    gust_force,
    id,
    industrial_enterprises,
    items,
    kind,
    l,
    last_year,
    level,
    listed_on,
    listing,
    location,
    method,
    name,
    needs_suspension,
    nominal,
    note,
    observed_on,
    occurred_on,
    on,
    open_major_hazards,
    overdue_hazards,
    points,
    principal,
    provisional,
    rainfall_1h_mm,
    rainfall_24h_mm,
    recent_accidents,
    region,
    rented_dwellings,
    s,
    safety_staff,
    sector,
    sector_group,
    serious_injuries,
    signals,
    skipped,
    stage,
    standardisation_grade,
    subject,
    sustained_force,
    tenant_of,
    this_year,
    township,
    township_lead,
    typhoon,
    unit,
    unit_colours,
    village,
    village_head,
    warning_level_m,
    water_level_m,
    within_hours,
    year,
    year_before_last,
);

/// Writes maps with their keys in the order given, which must be sorted
/// (checked in debug builds), as a Rhai map's are.
struct MapW<'a> {
    s: &'a mut Scratch,
    id: Ix,
}

impl MapW<'_> {
    fn f(&mut self, key: u32, v: V) -> &mut Self {
        self.s.map_push(self.id, V::sym(key), v);
        self
    }
    fn done(&self) -> V {
        V::Map(self.id)
    }
}

fn map(s: &mut Scratch) -> MapW<'_> {
    let id = s.new_map();
    MapW { s, id }
}

/// What the frame is written with: the field names, and the plan's strings
/// by hash, so that an input text the plan also holds (a sector, an item
/// id, a colour) becomes that string's symbol and compares as a number.
pub(crate) struct Cx<'a> {
    pub keys: &'a Keys,
    pub pool: &'a [Box<str>],
    pub codes: &'a FastMap<u64, u32>,
}

impl std::ops::Deref for Cx<'_> {
    type Target = Keys;
    fn deref(&self) -> &Keys {
        self.keys
    }
}

/// The plan's strings by their hash (a string whose hash another one has
/// already is left out: its texts are then compared as text, which is
/// only slower).
pub(crate) fn codes(pool: &[Box<str>]) -> FastMap<u64, u32> {
    let mut out = FastMap::default();
    for (i, t) in pool.iter().enumerate() {
        out.entry(hash(t)).or_insert(i as u32);
    }
    out
}

fn hash(t: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = FxHasher::default();
    h.write(t.as_bytes());
    h.finish()
}

fn text(s: &mut Scratch, k: &Cx<'_>, t: &str) -> V {
    match k.codes.get(&hash(t)) {
        Some(&i) if *k.pool[i as usize] == *t => V::sym(i),
        _ => s.push_text(t),
    }
}

fn opt_text(s: &mut Scratch, k: &Cx<'_>, t: &Option<String>) -> V {
    t.as_deref().map_or(V::Unit, |t| text(s, k, t))
}

fn opt_f64(v: Option<f64>) -> V {
    v.map_or(V::Unit, V::float)
}

fn list<T>(s: &mut Scratch, items: &[T], mut f: impl FnMut(&mut Scratch, &T) -> V) -> V {
    let id = s.new_list();
    for it in items {
        let v = f(s, it);
        s.list_mut(id).push(v);
    }
    V::List(id)
}

pub(crate) fn post(s: &mut Scratch, k: &Cx<'_>, p: &Option<Post>) -> V {
    let Some(p) = p else { return V::Unit };
    let backup = opt_text(s, k, &p.backup);
    let name = text(s, k, &p.name);
    map(s)
        .f(k.absent, V::bool(p.absent))
        .f(k.backup, backup)
        .f(k.name, name)
        .done()
}

fn landlord(s: &mut Scratch, k: &Cx<'_>, l: &Option<Landlord>) -> V {
    let Some(l) = l else { return V::Unit };
    let contact = post(s, k, &l.contact);
    let kind = text(s, k, &l.kind);
    let name = text(s, k, &l.name);
    map(s)
        .f(k.contact, contact)
        .f(k.kind, kind)
        .f(k.name, name)
        .done()
}

fn enterprise(s: &mut Scratch, k: &Cx<'_>, e: &Option<Enterprise>) -> V {
    let Some(e) = e else { return V::Unit };
    let head = post(s, k, &e.department_head);
    let name = text(s, k, &e.name);
    let principal = post(s, k, &e.principal);
    let tenant = landlord(s, k, &e.tenant_of);
    map(s)
        .f(k.department_head, head)
        .f(k.name, name)
        .f(k.principal, principal)
        .f(k.tenant_of, tenant)
        .done()
}

fn location(s: &mut Scratch, k: &Cx<'_>, l: &Option<Location>) -> V {
    let Some(l) = l else { return V::Unit };
    let county = opt_text(s, k, &l.county);
    let grid = opt_text(s, k, &l.grid);
    let grid_member = post(s, k, &l.grid_member);
    let township = text(s, k, &l.township);
    let lead = post(s, k, &l.township_lead);
    let village = opt_text(s, k, &l.village);
    let head = post(s, k, &l.village_head);
    map(s)
        .f(k.county, county)
        .f(k.grid, grid)
        .f(k.grid_member, grid_member)
        .f(k.township, township)
        .f(k.township_lead, lead)
        .f(k.village, village)
        .f(k.village_head, head)
        .done()
}

fn listing(s: &mut Scratch, k: &Cx<'_>, l: &Option<Listing>) -> V {
    let Some(l) = l else { return V::Unit };
    let level = text(s, k, &l.level);
    let on = s.push_date(l.listed_on);
    map(s).f(k.level, level).f(k.listed_on, on).done()
}

fn event(s: &mut Scratch, k: &Cx<'_>, e: &Event) -> V {
    let note = opt_text(s, k, &e.note);
    let on = s.push_date(e.on);
    let stage = text(s, k, &e.stage);
    map(s)
        .f(
            k.extension_days,
            e.extension_days.map_or(V::Unit, |d| V::Int(d as i64)),
        )
        .f(k.note, note)
        .f(k.on, on)
        .f(k.stage, stage)
        .done()
}

/// `hazard` as the rules see it.
pub(crate) fn hazard(s: &mut Scratch, k: &Cx<'_>, h: &Hazard) -> V {
    let description = opt_text(s, k, &h.description);
    let ent = enterprise(s, k, &h.enterprise);
    let events = list(s, &h.events, |s, e| event(s, k, e));
    let facts = map(s)
        .f(k.cannot_self_remove, V::bool(h.facts.cannot_self_remove))
        .f(k.device_failed, V::bool(h.facts.device_failed))
        .f(k.fixed_on_spot, V::bool(h.facts.fixed_on_spot))
        .f(k.needs_suspension, V::bool(h.facts.needs_suspension))
        .done();
    let found_on = s.push_date(h.found_on);
    let id = opt_text(s, k, &h.id);
    let items = list(s, &h.items, |s, i| text(s, k, i));
    let lst = listing(s, k, &h.listing);
    let loc = location(s, k, &h.location);
    let sector = text(s, k, &h.sector);
    map(s)
        .f(k.description, description)
        .f(k.enterprise, ent)
        .f(k.events, events)
        .f(k.facts, facts)
        .f(k.found_on, found_on)
        .f(k.id, id)
        .f(k.items, items)
        .f(k.listing, lst)
        .f(k.location, loc)
        .f(k.sector, sector)
        .done()
}

pub(crate) fn accident(s: &mut Scratch, k: &Cx<'_>, a: &Accident) -> V {
    let kind = text(s, k, &a.kind);
    let occurred = a.occurred_on.map_or(V::Unit, |d| s.push_date(d));
    map(s)
        .f(k.deaths, V::Int(a.deaths as i64))
        .f(k.direct_loss_cny, V::float(a.direct_loss_cny))
        .f(k.kind, kind)
        .f(k.occurred_on, occurred)
        .f(k.serious_injuries, V::Int(a.serious_injuries as i64))
        .done()
}

pub(crate) fn warning(s: &mut Scratch, k: &Cx<'_>, w: &Warning) -> V {
    let region = opt_text(s, k, &w.region);
    let signals = s.new_map();
    for (name, colour) in &w.signals {
        let (n, c) = (text(s, k, name), text(s, k, colour));
        s.map_push(signals, n, c);
    }
    let typhoon = w.typhoon.as_ref().map_or(V::Unit, |t: &TyphoonForecast| {
        map(s)
            .f(k.at_sea, V::bool(t.at_sea))
            .f(
                k.gust_force,
                t.gust_force.map_or(V::Unit, |g| V::Int(g as i64)),
            )
            .f(k.sustained_force, V::Int(t.sustained_force as i64))
            .f(k.within_hours, V::Int(t.within_hours as i64))
            .done()
    });
    let observed = w.observed_on.map_or(V::Unit, |d| s.push_date(d));
    map(s)
        .f(k.guarantee_level_m, opt_f64(w.guarantee_level_m))
        .f(k.observed_on, observed)
        .f(k.rainfall_1h_mm, opt_f64(w.rainfall_1h_mm))
        .f(k.rainfall_24h_mm, opt_f64(w.rainfall_24h_mm))
        .f(k.region, region)
        .f(k.signals, V::Map(signals))
        .f(k.typhoon, typhoon)
        .f(k.warning_level_m, opt_f64(w.warning_level_m))
        .f(k.water_level_m, opt_f64(w.water_level_m))
        .done()
}

fn point(s: &mut Scratch, k: &Cx<'_>, p: &RiskPoint) -> V {
    let id = opt_text(s, k, &p.id);
    let method = text(s, k, &p.method);
    map(s)
        .f(k.c, opt_f64(p.c))
        .f(k.e, opt_f64(p.e))
        .f(k.id, id)
        .f(k.l, V::float(p.l))
        .f(k.method, method)
        .f(k.s, opt_f64(p.s))
        .done()
}

fn unit(s: &mut Scratch, k: &Cx<'_>, u: &Option<UnitSignals>) -> V {
    let Some(u) = u else { return V::Unit };
    let name = opt_text(s, k, &u.name);
    let group = text(s, k, &u.sector_group);
    map(s)
        .f(k.name, name)
        .f(k.open_major_hazards, V::Int(u.open_major_hazards as i64))
        .f(k.overdue_hazards, V::Int(u.overdue_hazards as i64))
        .f(k.recent_accidents, V::Int(u.recent_accidents as i64))
        .f(k.sector_group, group)
        .f(
            k.standardisation_grade,
            u.standardisation_grade
                .map_or(V::Unit, |g| V::Int(g as i64)),
        )
        .done()
}

fn region(s: &mut Scratch, k: &Cx<'_>, r: &Option<Region>) -> V {
    let Some(r) = r else { return V::Unit };
    let name = opt_text(s, k, &r.name);
    let colours = list(s, &r.unit_colours, |s, c| text(s, k, c));
    map(s).f(k.name, name).f(k.unit_colours, colours).done()
}

pub(crate) fn risk(s: &mut Scratch, k: &Cx<'_>, r: &RiskInput) -> V {
    let points = list(s, &r.points, |s, p| point(s, k, p));
    let reg = region(s, k, &r.region);
    let u = unit(s, k, &r.unit);
    map(s)
        .f(k.points, points)
        .f(k.region, reg)
        .f(k.unit, u)
        .done()
}

pub(crate) fn township(s: &mut Scratch, k: &Cx<'_>, t: &Township) -> V {
    let name = opt_text(s, k, &t.name);
    map(s)
        .f(k.certified_officers, V::Int(t.certified_officers as i64))
        .f(k.commercial_premises, V::Int(t.commercial_premises as i64))
        .f(
            k.industrial_enterprises,
            V::Int(t.industrial_enterprises as i64),
        )
        .f(k.name, name)
        .f(k.rented_dwellings, V::Int(t.rented_dwellings as i64))
        .f(k.safety_staff, V::Int(t.safety_staff as i64))
        .done()
}

/// `checklist` as the rules see it.
pub(crate) fn checklist(s: &mut Scratch, k: &Cx<'_>, c: &Checklist) -> V {
    let evidence = s.new_map();
    for (item, d) in &c.evidence {
        let (i, d) = (text(s, k, item), s.push_date(*d));
        s.map_push(evidence, i, d);
    }
    let id = text(s, k, &c.id);
    let items = list(s, &c.items, |s, i| text(s, k, i));
    let county = opt_text(s, k, &c.subject.county);
    let kind = text(s, k, &c.subject.kind);
    let name = text(s, k, &c.subject.name);
    let township = opt_text(s, k, &c.subject.township);
    let village = opt_text(s, k, &c.subject.village);
    let subject = map(s)
        .f(k.county, county)
        .f(k.kind, kind)
        .f(k.name, name)
        .f(k.township, township)
        .f(k.village, village)
        .done();
    map(s)
        .f(k.evidence, V::Map(evidence))
        .f(k.id, id)
        .f(k.items, items)
        .f(k.subject, subject)
        .done()
}

/// `targets` as the rules see it.
pub(crate) fn targets(s: &mut Scratch, k: &Cx<'_>, t: &YearFigures) -> V {
    let figures = |s: &mut Scratch, f: &std::collections::BTreeMap<String, f64>| {
        let m = s.new_map();
        for (name, v) in f {
            let n = text(s, k, name);
            s.map_push(m, n, V::float(*v));
        }
        V::Map(m)
    };
    let last = figures(s, &t.last_year);
    let this = figures(s, &t.this_year);
    let before = figures(s, &t.year_before_last);
    let region = text(s, k, &t.region);
    map(s)
        .f(k.last_year, last)
        .f(k.region, region)
        .f(k.this_year, this)
        .f(k.year, V::Int(t.year as i64))
        .f(k.year_before_last, before)
        .done()
}
