//! `hazard-rules bundle`: a chain whose rule functions all compile is
//! bundled with its plan (the browser's core module reads only that); one
//! with a function left to the interpreter is bundled without, and says so.

#[path = "common/files.rs"]
mod files;
use files::copy_dir;
use std::path::{Path, PathBuf};
use std::process::Command;

const RULESETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../rulesets");

/// A rule the plan compiler leaves to the interpreter (a `while` loop).
const WHILE_RULE: &str = "fn score_risk(risk) {\n\
    let n = 3;\n\
    while n > 0 { n -= 1; }\n\
    #{ points: [], unit: (), region: () }\n\
}\n";

/// Bundles `dir`; the message printed and the bundle's JSON.
fn bundle(dir: &Path, scratch: &Path) -> (String, serde_json::Value) {
    let output = scratch.join("out.bundle.json");
    let out = Command::new(env!("CARGO_BIN_EXE_hazard-rules"))
        .arg("bundle")
        .arg(dir)
        .arg("-o")
        .arg(&output)
        .output()
        .expect("the CLI runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&output).unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        serde_json::from_str(&text).unwrap(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hr-bundle-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_chain_that_compiles_is_bundled_with_its_plan() {
    let dir = scratch("compiled");
    let (said, bundle) = bundle(&Path::new(RULESETS).join("national"), &dir);
    assert!(said.contains("with its compiled plan"), "{said}");
    assert!(bundle["compiled"].is_string(), "{bundle}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_chain_with_an_interpreted_function_is_bundled_without_a_plan() {
    let dir = scratch("interpreted");
    copy_dir(&Path::new(RULESETS).join("national"), &dir.join("national"));
    let demo = dir.join("demo");
    std::fs::create_dir_all(demo.join("rules")).unwrap();
    std::fs::write(
        demo.join("ruleset.toml"),
        "id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n",
    )
    .unwrap();
    std::fs::write(demo.join("rules/slow.rhai"), WHILE_RULE).unwrap();
    let (said, bundle) = bundle(&demo, &dir);
    assert!(said.contains("without a compiled plan"), "{said}");
    assert!(bundle.get("compiled").is_none(), "{bundle}");
    // The interpreted function's own source travels in the bundle.
    assert!(bundle.to_string().contains("while n > 0"));
    std::fs::remove_dir_all(dir).unwrap();
}
