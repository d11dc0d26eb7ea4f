//! `hazard-rules vocabulary`, `hazard-rules catalogue` and `--lang zh`.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

#[test]
fn vocabulary_lists_the_codes_with_both_labels() {
    let v = json(&run(&["vocabulary"]));
    assert_eq!(
        v["sectors"][0],
        serde_json::json!({"id": "metallurgy", "zh": "冶金", "en": "Metallurgy"})
    );
    let levels: Vec<&str> = v["listing_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["province", "city", "county", "township"]);
    let henan = json(&run(&[
        "vocabulary",
        "--ruleset",
        concat!(env!("CARGO_MANIFEST_DIR"), "/../rulesets/henan"),
    ]));
    assert_eq!(henan["listing_levels"][1]["zh"], "市级挂牌督办");
}

#[test]
fn catalogue_follows_the_day_and_the_sector() {
    let old = json(&run(&[
        "catalogue",
        "--sector",
        "light_industry",
        "--as-of",
        "2021-09-01",
    ]));
    let new = json(&run(&[
        "catalogue",
        "--sector",
        "light_industry",
        "--as-of",
        "2024-09-01",
    ]));
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(ids(&old).contains(&"GM17-1-1".to_owned()));
    assert!(ids(&new).iter().all(|i| i.starts_with("GM-")));
    assert!(new
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["title"].is_string() && i["verified"].is_boolean()));
}

#[test]
fn an_unknown_sector_is_an_error_in_the_language_asked_for() {
    let out = run(&["catalogue", "--sector", "shipyard", "--as-of", "2024-01-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown sector \"shipyard\""));
    let out = run(&[
        "--lang",
        "zh",
        "catalogue",
        "--sector",
        "shipyard",
        "--as-of",
        "2024-01-01",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "error: 输入有误（sector）：行业“shipyard”不在行业表（sectors）中"
    );
}
