//! Bands tables (`HR001`–`HR006`). A band is an interval; `band(name, v)`
//! returns the first row whose interval holds `v`. Each end is compared as
//! a key `(value, e)`: a lower edge `gte v` is `(v, 0)`, `gt v` is `(v, 1)`
//! ("just above v"); an upper edge `lte v` is `(v, 0)`, `lt v` is `(v, -1)`;
//! an open side is ±∞. A band holds a value when `lower ≤ (x, 0) ≤ upper`.

use std::cmp::Ordering;
use std::ops::Range;

use super::tables::{Chain, TableFile};
use super::Findings;

type Key = (f64, i8);

fn cmp(a: Key, b: Key) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}
fn max(a: Key, b: Key) -> Key {
    if cmp(a, b) == Ordering::Less {
        b
    } else {
        a
    }
}
fn min(a: Key, b: Key) -> Key {
    if cmp(a, b) == Ordering::Greater {
        b
    } else {
        a
    }
}

#[derive(Clone, Copy)]
struct Band {
    row: usize,
    lo: Key,
    hi: Key,
    lower_open: bool,
    upper_open: bool,
}

impl Band {
    fn intersects(&self, o: &Band) -> bool {
        cmp(max(self.lo, o.lo), min(self.hi, o.hi)) != Ordering::Greater
    }
}

/// Whether a value lies above `hi` and below `lo` (the two ends of
/// neighbouring intervals).
fn gap_between(hi: Key, lo: Key) -> bool {
    match hi.0.total_cmp(&lo.0) {
        Ordering::Less => true,
        Ordering::Equal => hi.1 == -1 && lo.1 == 1,
        Ordering::Greater => false,
    }
}

/// The ends of a stretch of values in words.
fn stretch(lo: Key, hi: Key) -> String {
    if lo.0 == hi.0 {
        return format!("the value {} matches", lo.0);
    }
    let end = |k: Key, incl: bool| {
        if k.0.is_infinite() {
            format!("{}", k.0)
        } else {
            format!("{} ({})", k.0, if incl { "inclusive" } else { "exclusive" })
        }
    };
    format!(
        "values from {} to {} match",
        end(lo, lo.1 == 0),
        end(hi, hi.1 == 0)
    )
}

/// The edges of each row; `HR005` for a NaN or empty band.
fn bands(t: &TableFile, out: &mut Findings) -> Vec<Band> {
    let mut v = Vec::new();
    for (i, row) in t.raw.rows.iter().enumerate() {
        let r = row.get_ref();
        let num = |k: &str| -> Result<Option<(f64, Range<usize>)>, ()> {
            match r.get(k).map(|v| (v.get_ref(), v.span())) {
                None => Ok(None),
                Some((toml::Value::Integer(n), s)) => Ok(Some((*n as f64, s))),
                Some((toml::Value::Float(f), s)) => Ok(Some((*f, s))),
                Some(_) => Err(()),
            }
        };
        // What the loader refuses (a text edge, both `gte` and `gt`) is its error.
        let (Ok(gte), Ok(gt), Ok(lt), Ok(lte)) = (num("gte"), num("gt"), num("lt"), num("lte"))
        else {
            continue;
        };
        if (gte.is_some() && gt.is_some()) || (lt.is_some() && lte.is_some()) {
            continue;
        }
        let lower = gte
            .map(|(x, s)| ((x, 0), s))
            .or(gt.map(|(x, s)| ((x, 1), s)));
        let upper = lte
            .map(|(x, s)| ((x, 0), s))
            .or(lt.map(|(x, s)| ((x, -1), s)));
        if let Some((_, s)) = [&lower, &upper]
            .into_iter()
            .flatten()
            .find(|((x, _), _)| x.is_nan())
        {
            out.at(
                "HR005",
                &t.path,
                t.text,
                s.start,
                format!("row {}: an edge is NaN, so no value matches the row", i + 1),
            );
            continue;
        }
        let b = Band {
            row: i,
            lo: lower.as_ref().map_or((f64::NEG_INFINITY, 0), |l| l.0),
            hi: upper.as_ref().map_or((f64::INFINITY, 0), |u| u.0),
            lower_open: lower.is_none(),
            upper_open: upper.is_none(),
        };
        if cmp(b.lo, b.hi) == Ordering::Greater {
            out.at(
                "HR005",
                &t.path,
                t.text,
                row.span().start,
                format!(
                    "row {}: the lower edge {} is not below the upper edge {}, so no value matches the row",
                    i + 1,
                    b.lo.0,
                    b.hi.0
                ),
            );
            continue;
        }
        v.push(b);
    }
    v
}

/// Merges intervals into the stretches they cover together, in order.
fn merge(mut v: Vec<Band>) -> Vec<Band> {
    v.sort_by(|a, b| cmp(a.lo, b.lo));
    let mut out: Vec<Band> = Vec::new();
    for b in v {
        match out.last_mut() {
            Some(m) if !gap_between(m.hi, b.lo) => m.hi = max(m.hi, b.hi),
            _ => out.push(b),
        }
    }
    out
}

/// `HR001`–`HR005` for one bands table.
pub(crate) fn check(t: &TableFile, out: &mut Findings) {
    let bands = bands(t, out);
    let span = |b: &Band| t.raw.rows[b.row].span().start;
    for (j, b) in bands.iter().enumerate() {
        let earlier = &bands[..j];
        let covered = merge(earlier.to_vec())
            .iter()
            .any(|m| cmp(m.lo, b.lo) != Ordering::Greater && cmp(b.hi, m.hi) != Ordering::Greater);
        if covered {
            let by: Vec<String> = earlier
                .iter()
                .filter(|e| e.intersects(b))
                .map(|e| (e.row + 1).to_string())
                .collect();
            out.at(
                "HR003",
                &t.path,
                t.text,
                span(b),
                format!(
                    "row {} is never used: every value it holds matches row {} first",
                    b.row + 1,
                    by.join(", ")
                ),
            );
            continue;
        }
        let hits: Vec<&Band> = earlier.iter().filter(|e| e.intersects(b)).collect();
        // An open side that earlier rows cut: the nearest cut is the implied edge.
        let above = hits
            .iter()
            .filter(|e| b.upper_open && cmp(e.lo, b.lo) == Ordering::Greater)
            .min_by(|x, y| cmp(x.lo, y.lo));
        let below = hits
            .iter()
            .filter(|e| b.lower_open && cmp(e.hi, b.hi) == Ordering::Less)
            .max_by(|x, y| cmp(x.hi, y.hi));
        if let Some(e) = above {
            let op = if e.lo.1 == 0 { "lt" } else { "lte" };
            out.at(
                "HR004",
                &t.path,
                t.text,
                span(b),
                format!(
                    "row {} has no upper edge: it ends where row {} begins, by row order only; write `{op} = {}`",
                    b.row + 1,
                    e.row + 1,
                    e.lo.0
                ),
            );
        }
        if let Some(e) = below {
            let op = if e.hi.1 == 0 { "gt" } else { "gte" };
            out.at(
                "HR004",
                &t.path,
                t.text,
                span(b),
                format!(
                    "row {} has no lower edge: it begins where row {} ends, by row order only; write `{op} = {}`",
                    b.row + 1,
                    e.row + 1,
                    e.hi.0
                ),
            );
        }
        let implied = |e: &Band| {
            (b.upper_open && cmp(e.lo, b.lo) == Ordering::Greater)
                || (b.lower_open && cmp(e.hi, b.hi) == Ordering::Less)
        };
        for e in hits.into_iter().filter(|e| !implied(e)) {
            let (lo, hi) = (max(e.lo, b.lo), min(e.hi, b.hi));
            out.at(
                "HR002",
                &t.path,
                t.text,
                span(b),
                format!(
                    "{} both row {} and row {} (row {} wins)",
                    stretch(lo, hi),
                    e.row + 1,
                    b.row + 1,
                    e.row + 1
                ),
            );
        }
    }
    // Gaps: between the stretches all rows cover together.
    let merged = merge(bands.clone());
    for w in merged.windows(2) {
        let (below, above) = (w[0], w[1]);
        // The first row (in file order) that starts the stretch above.
        let Some(owner) = bands
            .iter()
            .find(|b| cmp(b.lo, above.lo) == Ordering::Equal)
        else {
            continue;
        };
        let lo = (below.hi.0, if below.hi.1 == 0 { 1 } else { 0 });
        let hi = (above.lo.0, if above.lo.1 == 0 { -1 } else { 0 });
        out.at(
            "HR001",
            &t.path,
            t.text,
            span(owner),
            format!("{} no row", stretch(lo, hi)),
        );
    }
}

/// The edges of a table as cuts: `(value, whether the value belongs to the
/// band above)`, sorted.
fn cuts(t: &TableFile) -> Vec<(f64, bool)> {
    let mut sink = Findings::default();
    let mut v = Vec::new();
    for b in bands(t, &mut sink) {
        if !b.lower_open {
            v.push((b.lo.0, b.lo.1 == 0));
        }
        if !b.upper_open {
            v.push((b.hi.0, b.hi.1 == -1));
        }
    }
    v.retain(|c| c.0.is_finite());
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    v.dedup();
    v
}

/// `HR006`: a table that declares `aligns_with = "other"` has exactly the
/// other's edges, each value on the same side.
pub(crate) fn check_alignment(chain: &Chain, t: &TableFile, out: &mut Findings) {
    let Some(a) = &t.raw.aligns_with else { return };
    let name = a.get_ref();
    let at = a.span().start;
    let Some(other) = chain.get(name).filter(|o| o.raw.kind.get_ref() == "bands") else {
        out.at(
            "HR006",
            &t.path,
            t.text,
            at,
            format!("`aligns_with`: `{name}` is not a bands table in this chain"),
        );
        return;
    };
    let (mine, theirs) = (cuts(t), cuts(other));
    let side = |up: bool| if up { "above" } else { "below" };
    for (v, up) in &mine {
        if theirs.contains(&(*v, *up)) {
            continue;
        }
        let message = if theirs.iter().any(|(w, _)| w == v) {
            format!(
                "the edge at {v} puts {v} in the band {} here and in the band {} in `{name}`",
                side(*up),
                side(!up)
            )
        } else {
            format!("the edge at {v} is not an edge of `{name}`")
        };
        out.at("HR006", &t.path, t.text, at, message);
    }
    for (v, _) in &theirs {
        if !mine.iter().any(|(w, _)| w == v) {
            out.at(
                "HR006",
                &t.path,
                t.text,
                at,
                format!("`{name}` has an edge at {v} that this table does not have"),
            );
        }
    }
}
