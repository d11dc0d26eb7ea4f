//! Writes generated input records as JSON Lines to standard output, for the
//! differential test (the same records through the CLI, Python and Node
//! must give the same decisions or the same errors). The records come from
//! the proptest strategies the fuzzer uses (`tests/common/inputs.rs`):
//! mostly near-valid, some any JSON where a section goes. A whole number is
//! written as an integer (`-0.0` as `0`), as JavaScript writes it and as the
//! Python binding reads a whole `float`: the CLI, reading `1.0` as a float,
//! would name it `floating point 1.0` in an error where they say `integer 1`.
//! And integers stay within ±2^53, which JavaScript numbers hold exactly.
//!
//! Run: `cargo run -p hazard-rules --example gen_inputs -- --seed 1 --count 300`

use std::io::Write as _;

use serde_json::Value;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

#[path = "../tests/common/inputs.rs"]
mod inputs;

fn main() {
    let (mut seed, mut count) = (1u64, 300usize);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_default();
        match arg.as_str() {
            "--seed" => seed = value.parse().expect("--seed takes a number"),
            "--count" => count = value.parse().expect("--count takes a number"),
            other => panic!("unknown argument {other} (use --seed S --count N)"),
        }
    }
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &key),
    );
    let strategy = inputs::record();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for _ in 0..count {
        let record = strategy
            .new_tree(&mut runner)
            .expect("the strategy makes values")
            .current();
        let record = whole_numbers_as_integers(record);
        writeln!(out, "{record}").expect("stdout is writable");
    }
    out.flush().expect("stdout is writable");
    eprintln!("gen_inputs: {count} records, seed {seed}");
}

/// Every float that holds a whole number (below 2^53) as an integer, and
/// every integer brought within ±2^53 (by its remainder).
fn whole_numbers_as_integers(v: Value) -> Value {
    const EXACT: i64 = 1 << 53;
    match v {
        Value::Number(n) if n.is_i64() => Value::from(n.as_i64().unwrap() % EXACT),
        Value::Number(n) if n.is_u64() => Value::from((n.as_u64().unwrap() % EXACT as u64) as i64),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < EXACT as f64 => Value::from(f as i64),
            _ => Value::Number(n),
        },
        Value::Array(items) => items.into_iter().map(whole_numbers_as_integers).collect(),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k, whole_numbers_as_integers(v)))
                .collect(),
        ),
        other => other,
    }
}
