//! Writes generated input records as JSON Lines to standard output, for the
//! differential test (the same records through the CLI, Python and Node
//! must give the same decisions or the same errors). The records come from
//! the proptest strategies the fuzzer uses (`tests/common/inputs.rs`):
//! mostly near-valid, some any JSON where a section goes.
//!
//! Run: `cargo run -p hazard-rules --example gen_inputs -- --seed 1 --count 300`

use std::io::Write as _;

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
        writeln!(out, "{record}").expect("stdout is writable");
    }
    out.flush().expect("stdout is writable");
    eprintln!("gen_inputs: {count} records, seed {seed}");
}
