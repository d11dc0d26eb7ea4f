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

/// A whole input record: mostly near-valid sections (decisions, and input
/// errors the rules find), some any JSON where a section goes (type errors).
pub fn record() -> impl Strategy<Value = Value> {
    let any_section = (
        prop::sample::select(vec!["hazard", "accident", "warning", "risk", "township"]),
        json_value(),
    )
        .prop_map(|(section, value)| json!({ section: value }));
    prop_oneof![
        3 => hazard(),
        2 => accident(),
        2 => warning(),
        2 => risk(),
        1 => township(),
        2 => any_section,
    ]
}
