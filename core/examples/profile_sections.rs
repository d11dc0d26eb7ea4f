//! Times each section of a decision separately, a rough guide for tuning
//! rules (the benchmark of record is `cargo bench --bench decision`).
//!
//! Run: `cargo run --release -p hazard-rules --example profile_sections`

use std::time::Instant;

use hazard_rules::{Input, Ruleset, Section};

fn main() {
    let rs = Ruleset::default();
    let case: serde_json::Value = serde_json::from_str(include_str!(
        "../../tests/conformance/14-ab-post-backup-acts.json"
    ))
    .unwrap();
    let input = Input::from_value(case["input"].clone()).unwrap();
    let as_of = "2024-06-30".parse().unwrap();
    let n = 2000;
    for section in Section::ALL {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(rs.evaluate_section(&input, section, as_of).unwrap());
        }
        let micros = start.elapsed().as_secs_f64() * 1e6 / n as f64;
        println!("{:>15}: {micros:>8.1} µs", section.name());
    }
}
