//! A province's ruleset in memory: the embedded national chain plus an
//! overlay `demo`, as several test files build it.

use hazard_rules::RulesetFiles;

/// The embedded national chain plus an overlay `demo` with these files;
/// `manifest_extra` is appended to its manifest (e.g. `[limits]`).
pub fn overlay_with(manifest_extra: &str, files: &[(&str, &str)]) -> RulesetFiles {
    let mut f = RulesetFiles::embedded("national");
    f.files.insert(
        "demo/ruleset.toml".into(),
        format!("id = \"demo\"\nversion = \"0.1\"\ntitle = \"demo\"\nextends = \"../national\"\neffective_from = \"2020-01-01\"\n{manifest_extra}"),
    );
    for (path, text) in files {
        f.files.insert(format!("demo/{path}"), (*text).into());
    }
    f.leaf = "demo".into();
    f
}

/// [`overlay_with`] with nothing added to the manifest.
#[allow(dead_code)] // not every test file that includes this module uses it
pub fn overlay(files: &[(&str, &str)]) -> RulesetFiles {
    overlay_with("", files)
}
