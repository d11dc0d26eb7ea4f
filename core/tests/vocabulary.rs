//! Vocabularies and catalogues from the ruleset (`Ruleset::vocabulary`,
//! `Ruleset::catalogue`, `ffi::vocabulary`, `ffi::catalogue`), the same from
//! a precompiled plan.

use hazard_rules::{ffi, Ruleset};
use serde_json::Value;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

#[test]
fn every_code_has_both_labels() {
    for leaf in ["national", "zhejiang/jinhua", "henan"] {
        let v = Ruleset::embedded(leaf).unwrap().vocabulary();
        for (name, terms) in [
            ("sectors", &v.sectors),
            ("listing_levels", &v.listing_levels),
            ("stages", &v.stages),
            ("colours", &v.colours),
            ("risk_methods", &v.risk_methods),
        ] {
            assert!(!terms.is_empty(), "{leaf}: {name}");
            for t in terms {
                assert!(
                    !t.id.is_empty() && !t.zh.is_empty() && !t.en.is_empty(),
                    "{leaf} {name}: {t:?}"
                );
            }
        }
        assert_eq!(v.sectors.len(), 16, "{leaf}");
        let ids: Vec<&str> = v.colours.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["red", "orange", "yellow", "blue"]);
    }
}

#[test]
fn a_sector_gets_the_catalogue_in_force_and_its_routing() {
    let rules = Ruleset::default();
    let before = rules.catalogue("metallurgy", day("2023-05-14")).unwrap();
    let after = rules.catalogue("metallurgy", day("2023-05-15")).unwrap();
    // 2017 工贸: dust (10) + ammonia (2) + confined spaces (2) + metallurgy (11).
    assert_eq!(before.len(), 25, "{before:#?}");
    assert!(before
        .iter()
        .all(|i| i.id.starts_with("GM17-") && i.version.as_deref() == Some("SAWS-129-2017")));
    assert!(before.iter().any(|i| i.section.is_some()));
    // Order 10: the rows for any sector (4) + metallurgy (8) + special items (14).
    assert_eq!(after.len(), 26, "{after:#?}");
    assert!(after
        .iter()
        .all(|i| i.id.starts_with("GM-") && i.version.as_deref() == Some("MEM-10-2023")));
    assert!(after.iter().all(|i| [
        "any",
        "metallurgy",
        "dust_explosion",
        "ammonia_refrigeration",
        "confined_space"
    ]
    .contains(&i.sector.as_str())));
    let first = &after[0];
    assert_eq!(
        (first.id.as_str(), first.article, first.item),
        ("GM-3-1", 3, 1)
    );
    assert!(first.title.starts_with("未对承包单位") && first.verified);
    assert!(first.catalogue.contains("应急管理部令第10号"));
    // Unverified rows say so.
    let all: Vec<_> = ["metallurgy", "nonferrous", "light_industry", "chemicals"]
        .iter()
        .flat_map(|s| rules.catalogue(s, day("2024-01-01")).unwrap())
        .collect();
    assert!(all.iter().any(|i| !i.verified));
    let chem = rules.catalogue("chemicals", day("2024-01-01")).unwrap();
    assert_eq!(chem.len(), 20);
    assert!(chem
        .iter()
        .all(|i| i.standard == "SAWS-2017-121" && i.version.is_none()));
    for own in ["fire", "construction"] {
        assert!(
            rules.catalogue(own, day("2024-01-01")).unwrap().is_empty(),
            "{own}"
        );
    }
    // Every item listed is one the rules accept for that sector on that day.
    for item in &after {
        let input = hazard_rules::Input::from_value(serde_json::json!({"hazard": {
            "sector": "metallurgy", "items": [item.id], "found_on": "2023-06-01"}}))
        .unwrap();
        let d = rules.evaluate(&input, day("2023-07-01")).unwrap();
        assert_eq!(d.classification.unwrap().level, "major", "{}", item.id);
    }
}

#[test]
fn a_precompiled_ruleset_gives_the_same_vocabulary_and_catalogue() {
    let rules = Ruleset::default();
    let compiled = Ruleset::from_compiled(&rules.to_compiled().unwrap()).unwrap();
    assert_eq!(rules.vocabulary(), compiled.vocabulary());
    for (sector, d) in [
        ("metallurgy", "2020-01-01"),
        ("textiles", "2024-01-01"),
        ("chemicals", "2024-01-01"),
    ] {
        assert_eq!(
            rules.catalogue(sector, day(d)).unwrap(),
            compiled.catalogue(sector, day(d)).unwrap()
        );
    }
}

#[test]
fn the_ffi_answers() {
    let rules = Ruleset::default();
    let v: Value = serde_json::from_str(&ffi::vocabulary(&rules)).unwrap();
    assert_eq!(
        v["ok"]["stages"][4],
        serde_json::json!({"id": "closed", "zh": "销号", "en": "Closed (signed off)"})
    );
    let c: Value =
        serde_json::from_str(&ffi::catalogue(&rules, "light_industry", "2021-09-01")).unwrap();
    assert!(c["ok"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == "GM17-1-1"));
    let e: Value = serde_json::from_str(&ffi::catalogue(&rules, "shipyard", "2021-09-01")).unwrap();
    assert_eq!(e["error"]["path"], "sector");
    assert_eq!(e["error"]["problem"], "unknown_sector");
    assert_eq!(
        e["error"]["message_zh"],
        "输入有误（sector）：行业“shipyard”不在行业表（sectors）中"
    );
}
