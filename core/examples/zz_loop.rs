use hazard_rules::{Section, TraceMode};
fn main() {
    let rs = hazard_rules::Ruleset::default();
    let input =
        hazard_rules::Input::from_json(&std::fs::read_to_string("/tmp/bench_input.json").unwrap())
            .unwrap();
    let as_of = "2021-09-20".parse().unwrap();
    let n: u32 = std::env::args().nth(1).unwrap().parse().unwrap();
    let sec: Vec<Section> = match std::env::args().nth(2) {
        Some(s) => vec![s.parse().unwrap()],
        None => Section::ALL.to_vec(),
    };
    let mut ev = rs.evaluator();
    let t = std::time::Instant::now();
    for _ in 0..n {
        let o = ev.run(&input, as_of, &sec, TraceMode::Full).unwrap();
        std::hint::black_box(o.fired().count());
    }
    eprintln!("{:.2} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
}
