//! `lint`: every code on a purpose-built broken ruleset (code, severity,
//! file, line, column), and no finding on the shipped rulesets.

use hazard_rules::lint::{lint, Finding, Severity, CODES};
use hazard_rules::RulesetFiles;

#[test]
fn shipped_rulesets_have_no_findings() {
    for leaf in ["national", "zhejiang", "zhejiang/jinhua", "henan"] {
        let findings = lint(&RulesetFiles::embedded(leaf));
        let text: Vec<String> = findings.iter().map(Finding::to_string).collect();
        assert!(findings.is_empty(), "{leaf}:\n{}", text.join("\n"));
    }
}
