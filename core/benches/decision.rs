//! A full decision with the embedded default ruleset, against the same rules
//! written by hand in Rust (what each team codes today), measured in one run:
//! the compiled plan (outcome with trace records; owned decision with trace
//! ids or full text), the interpreter it replaced, a bare baseline (headline
//! fields only) and a fair one (every output and the trace ids). Also: each
//! section alone, and loading the whole default chain: from its files (parse
//! TOML and Rhai, compile) and from a precompiled plan; the decision's JSON
//! written from the outcome and through an owned `Decision`.
//!
//! Run: `cargo bench -p hazard-rules --bench decision`

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use hazard_rules::{Input, Ruleset, Section, TraceMode};

mod baseline;
mod fair_baseline;

const INPUT: &str = r#"{
  "id": "bench-1",
  "hazard": {
    "sector": "light_industry", "items": ["GM17-1-1"], "found_on": "2021-09-01",
    "listing": {"level": "county", "listed_on": "2021-09-01"},
    "enterprise": {"name": "某木制品厂", "principal": {"name": "赵永强", "backup": "钱海", "absent": true}},
    "location": {"township": "城北街道", "village": "三江村", "grid": "第2网格", "grid_member": {"name": "王丽"}},
    "events": [{"stage": "found", "on": "2021-09-01"}, {"stage": "assigned", "on": "2021-09-02"}]
  },
  "accident": {"deaths": 3, "serious_injuries": 4, "direct_loss_cny": 5000000, "occurred_on": "2021-09-03"},
  "warning": {"typhoon": {"within_hours": 12, "sustained_force": 10}},
  "risk": {"points": [{"method": "LEC", "l": 6, "e": 6, "c": 15}, {"method": "LS", "l": 4, "s": 5}],
           "unit": {"sector_group": "other", "standardisation_grade": 2, "open_major_hazards": 1}}
}"#;

fn bench(c: &mut Criterion) {
    let rs = Ruleset::default();
    let input = Input::from_json(INPUT).unwrap();
    let as_of: NaiveDate = "2021-09-20".parse().unwrap();
    let hand = baseline::Baseline::new();
    let fair = fair_baseline::FairBaseline::new();

    // Same headline answers, or the comparison means nothing.
    let d = rs.evaluate(&input, as_of).unwrap();
    let b = hand.decide(&input, as_of);
    assert_eq!(d.rectification.as_ref().unwrap().due, Some(b.due));
    assert_eq!(d.classification.as_ref().unwrap().level, b.level);
    assert_eq!(
        d.response
            .as_ref()
            .unwrap()
            .accident
            .as_ref()
            .unwrap()
            .grade,
        b.accident_grade
    );
    assert_eq!(
        d.risk.as_ref().unwrap().unit.as_ref().unwrap().colour,
        b.unit_colour
    );
    assert_eq!(d.rectification.as_ref().unwrap().status, b.status);
    let warning = d.response.as_ref().unwrap().warning.as_ref().unwrap();
    assert_eq!(warning.level.as_deref(), b.warning_level);
    let risk = d.risk.as_ref().unwrap();
    let colours: Vec<&str> = risk.points.iter().map(|p| p.colour.as_str()).collect();
    assert_eq!(colours, b.point_colours);
    let lead = &d.responsibility.as_ref().unwrap().assignments[0];
    assert_eq!(lead.person, b.lead);
    // The fair baseline: every output field and the trace's (kind, id, row).
    fair.check_against(&d, &fair.decide(&input, as_of));

    // The compiled path and the interpreter agree on the whole decision.
    assert_eq!(
        serde_json::to_value(&d).unwrap(),
        serde_json::to_value(rs.evaluate_interpreted(&input, as_of).unwrap()).unwrap()
    );
    let mut ev = rs.evaluator();

    let mut g = c.benchmark_group("full_decision");
    // The rules with trace records (ids and arguments), no owned output.
    g.bench_function("plan_outcome_trace_records", |bn| {
        bn.iter(|| {
            let out = ev
                .run(black_box(&input), as_of, &Section::ALL, TraceMode::Full)
                .unwrap();
            black_box(out.fired().count())
        })
    });
    g.bench_function("plan_outcome_trace_off", |bn| {
        bn.iter(|| {
            let out = ev
                .run(black_box(&input), as_of, &Section::ALL, TraceMode::Off)
                .unwrap();
            black_box(out.fired().count())
        })
    });
    // Owned `Decision`, trace as ids: the same work as the fair baseline.
    g.bench_function("plan_decision_trace_ids", |bn| {
        bn.iter(|| {
            rs.evaluate_with(black_box(&input), as_of, &Section::ALL, TraceMode::Ids)
                .unwrap()
        })
    });
    // Owned `Decision` with every trace sentence in Chinese and English.
    g.bench_function("ruleset_default", |bn| {
        bn.iter(|| rs.evaluate(black_box(&input), as_of).unwrap())
    });
    // The decision's JSON, as the ffi and the CLI write it: from the
    // outcome (trace text written straight into the JSON), and through an
    // owned `Decision` (what they did before).
    let mut buf = Vec::new();
    for (name, mode) in [
        ("plan_json_from_outcome_full_trace", TraceMode::Full),
        ("plan_json_from_outcome_trace_ids", TraceMode::Ids),
        ("plan_json_from_outcome_trace_off", TraceMode::Off),
    ] {
        g.bench_function(name, |bn| {
            bn.iter(|| {
                let mut out = ev
                    .run(black_box(&input), as_of, &Section::ALL, mode)
                    .unwrap();
                buf.clear();
                serde_json::to_writer(&mut buf, &out.json().unwrap()).unwrap();
                black_box(buf.len())
            })
        });
    }
    g.bench_function("owned_decision_then_json_full_trace", |bn| {
        bn.iter(|| serde_json::to_string(&rs.evaluate(black_box(&input), as_of).unwrap()).unwrap())
    });
    g.bench_function("interpreter", |bn| {
        bn.iter(|| rs.evaluate_interpreted(black_box(&input), as_of).unwrap())
    });
    g.bench_function("hand_written_rust_baseline", |bn| {
        bn.iter(|| hand.decide(black_box(&input), as_of))
    });
    g.bench_function("fair_hand_written_baseline", |bn| {
        bn.iter(|| fair.decide(black_box(&input), as_of))
    });
    g.bench_function("ruleset_default_from_json", |bn| {
        bn.iter(|| rs.evaluate_json(black_box(INPUT), as_of).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("section_alone");
    for section in Section::ALL {
        g.bench_function(section.name(), |bn| {
            bn.iter(|| {
                let out = ev
                    .run(black_box(&input), as_of, &[section], TraceMode::Full)
                    .unwrap();
                black_box(out.fired().count())
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(20);
    g.bench_function("default_chain_parse_and_compile", |bn| {
        bn.iter(Ruleset::default)
    });
    let compiled = rs.to_compiled().unwrap();
    g.bench_function("default_chain_from_precompiled_plan", |bn| {
        bn.iter(|| Ruleset::from_compiled(black_box(&compiled)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
