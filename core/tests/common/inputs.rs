//! Proptest strategies for inputs, shared by `tests/fuzz.rs` and the
//! differential test's generator (`examples/gen_inputs.rs`), each of which
//! includes this file with `#[path]`.

#![allow(dead_code)] // each includer uses a part

use proptest::prelude::*;
use serde_json::{json, Value};

/// Any JSON value (6 levels, 64 nodes at most), with the keys and texts an
/// input has, so that some of it reaches the rules.
pub fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>().prop_map(|f| json!(f)),
        "[ -~]{0,8}".prop_map(Value::String),
        prop::sample::select(vec![
            "2024-01-01",
            "0024-03-01",
            "+262142-12-31",
            "metallurgy",
            "GM-3-1",
            "LEC",
            "red",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "sector",
                    "found_on",
                    "items",
                    "events",
                    "stage",
                    "on",
                    "listing",
                    "level",
                    "listed_on",
                    "deaths",
                    "kind",
                    "typhoon",
                    "within_hours",
                    "sustained_force",
                    "signals",
                    "points",
                    "method",
                    "l",
                    "e",
                    "c",
                    "s",
                    "unit",
                    "region",
                    "unit_colours",
                    "enterprise",
                    "principal",
                    "name",
                    "x",
                ])
                .prop_map(str::to_owned),
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A day from 2020-01-01 (`offset` days later); 2024-06-30, the differential
/// test's day of decision, is day 1642.
fn day(offset: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    (start + chrono::Duration::days(offset)).to_string()
}

/// A hazard near validity: known and unknown sectors and items, events in
/// and out of order, listings, some dates after 2024-06-30.
fn hazard() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["metallurgy", "chemicals", "machinery", "fire", "x"]),
        prop::collection::vec(
            prop::sample::select(vec!["GM-3-1", "GM-3-2", "GM-11-2", "HG-2", "HG-4", "HG-99"]),
            0..4,
        ),
        prop::collection::vec(
            prop::sample::select(vec![
                "found",
                "assigned",
                "rectified",
                "verified",
                "closed",
                "extended",
                "?",
            ]),
            0..6,
        ),
        0i64..1660,
        prop::option::of((
            prop::sample::select(vec!["city", "county", "township", "moon"]),
            -3i64..40,
        )),
        any::<bool>(),
    )
        .prop_map(|(sector, items, stages, found, listing, suspension)| {
            let events: Vec<Value> = stages
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut e = json!({"stage": s, "on": day(found + i as i64 * 3)});
                    if *s == "extended" {
                        e["extension_days"] = json!(10);
                    }
                    e
                })
                .collect();
            let mut h = json!({"sector": sector, "items": items, "found_on": day(found),
                "facts": {"needs_suspension": suspension}, "events": events});
            if let Some((level, after)) = listing {
                h["listing"] = json!({"level": level, "listed_on": day(found + after)});
            }
            json!({ "hazard": h })
        })
}

fn accident() -> impl Strategy<Value = Value> {
    (
        -1i64..60,
        0i64..200,
        prop::option::of(prop_oneof![
            (0i64..200_000_000).prop_map(|n| json!(n)),
            (0f64..2e8).prop_map(|f| json!(f))
        ]),
        prop::option::of(prop::sample::select(vec!["road_traffic", "fire", "x"])),
        prop::option::of(1500i64..1700),
    )
        .prop_map(|(deaths, injuries, loss, kind, on)| {
            let mut a = json!({"deaths": deaths, "serious_injuries": injuries});
            if let Some(l) = loss {
                a["direct_loss_cny"] = l;
            }
            if let Some(k) = kind {
                a["kind"] = json!(k);
            }
            if let Some(d) = on {
                a["occurred_on"] = json!(day(d));
            }
            json!({ "accident": a })
        })
}

fn warning() -> impl Strategy<Value = Value> {
    (
        prop::option::of((0i64..300, 0i64..20)),
        prop::option::of(0f64..400.0),
    )
        .prop_map(|(typhoon, rain)| {
            let mut w = json!({});
            if let Some((hours, force)) = typhoon {
                w["typhoon"] = json!({"within_hours": hours, "sustained_force": force});
            }
            if let Some(r) = rain {
                w["rainfall_24h_mm"] = json!(r);
            }
            json!({ "warning": w })
        })
}

fn risk() -> impl Strategy<Value = Value> {
    let point = prop_oneof![
        (
            prop::sample::select(vec![0.1, 0.2, 0.5, 1.0, 3.0, 6.0, 10.0, 7.0]),
            prop::sample::select(vec![0.5, 1.0, 2.0, 3.0, 6.0, 10.0]),
            prop::sample::select(vec![1.0, 3.0, 7.0, 15.0, 40.0, 100.0]),
        )
            .prop_map(|(l, e, c)| json!({"method": "LEC", "l": l, "e": e, "c": c})),
        (1i64..6, 1i64..6).prop_map(|(l, s)| json!({"method": "LS", "l": l, "s": s})),
        Just(json!({"method": "?", "l": 1})),
    ];
    prop::collection::vec(point, 0..4).prop_map(|points| json!({"risk": {"points": points}}))
}

fn township() -> impl Strategy<Value = Value> {
    (0i64..200, 0i64..10, 0i64..10).prop_map(|(enterprises, staff, officers)| {
        json!({"township": {"industrial_enterprises": enterprises, "safety_staff": staff,
            "certified_officers": officers}})
    })
}

/// A checklist near validity: known and unknown lists and items, subjects
/// of the wrong kind, drill dates either side of a year and after 2024-06-30.
fn checklist() -> impl Strategy<Value = Value> {
    let lists: [(&str, &str, &[&str]); 4] = [
        (
            "village_7",
            "village",
            &[
                "grid_list",
                "evacuation_map",
                "shelter",
                "warning_signs",
                "drill",
            ],
        ),
        (
            "township_6",
            "township",
            &["organisation", "emergency_plan", "team"],
        ),
        (
            "enterprise_5",
            "enterprise",
            &["someone_in_charge", "investment", "plans"],
        ),
        (
            "village_equipment",
            "village",
            &["satellite_phone", "generator", "helmet", "loudspeaker"],
        ),
    ];
    (
        0usize..4,
        prop::collection::vec(0usize..10, 0..5),
        prop::option::of(1200i64..1700),
        prop::sample::select(vec!["", "", "", "", "", "x", "township", "?"]),
    )
        .prop_map(move |(list, picks, drill, spoil)| {
            let (id, kind, vocab) = lists[list];
            let mut items: Vec<&str> = Vec::new();
            for p in picks {
                // 9 is an unknown item.
                let item = if p == 9 { "?" } else { vocab[p % vocab.len()] };
                if !items.contains(&item) {
                    items.push(item);
                }
            }
            let (id, kind) = match spoil {
                "" => (id, kind),
                "township" => (id, "township"),
                other => (other, kind),
            };
            let mut c =
                json!({"id": id, "subject": {"name": "某村", "kind": kind}, "items": items});
            if let (Some(d), "village_7") = (drill, id) {
                c["evidence"] = json!({"drill": day(d)});
            }
            json!({ "checklist": c })
        })
}

/// A year's figures near validity: counts around the targets' limits, some
/// missing, zero or negative.
fn targets() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(-1i64..60, 12),
        prop::collection::vec(0i64..60, 6),
        prop::option::of(0usize..12),
        2019i64..2026,
    )
        .prop_map(|(this, before, drop, year)| {
            let names = [
                "accidents",
                "deaths",
                "gdp_100m_cny",
                "disaster_loss_100m_cny",
                "fines_cny",
                "non_accident_fines_cny",
                "inspections",
                "inspections_with_penalty",
                "forest_fires",
                "forest_fires_found_30min",
                "townships",
                "township_stations_built",
            ];
            let mut figures = serde_json::Map::new();
            for (i, (name, v)) in names.iter().zip(this).enumerate() {
                if drop != Some(i) {
                    figures.insert((*name).to_owned(), json!(v));
                }
            }
            let prior = |k: usize| json!({"accidents": before[k], "deaths": before[k + 1], "gdp_100m_cny": before[k + 2]});
            json!({"targets": {"region": "某县", "year": year, "this_year": figures,
                "last_year": prior(0), "year_before_last": prior(3)}})
        })
}

/// A whole input record: mostly near-valid sections (decisions, and input
/// errors the rules find), some any JSON where a section goes (type errors).
pub fn record() -> impl Strategy<Value = Value> {
    let any_section = (
        prop::sample::select(vec![
            "hazard",
            "accident",
            "warning",
            "risk",
            "township",
            "checklist",
            "targets",
        ]),
        json_value(),
    )
        .prop_map(|(section, value)| json!({ section: value }));
    prop_oneof![
        3 => hazard(),
        2 => accident(),
        2 => warning(),
        2 => risk(),
        1 => township(),
        1 => checklist(),
        1 => targets(),
        2 => any_section,
    ]
}
