//! The single-file form of a ruleset chain made by `hazard-rules bundle`,
//! for browsers: its files, and the chain's precompiled plan when every rule
//! function compiled.
//!
//! ```text
//! {"format": "hazard-rules-bundle/1", "leaf": "zhejiang/jinhua",
//!  "files": {"national/ruleset.toml": "…", …},
//!  "compiled": "SFJQTEFO…"}        // base64 of the precompiled plan; optional
//! ```
//!
//! `compiled` is what lets a bundle load without the loaders: a build
//! without the `scripted` feature (the browser's small module) reads only
//! it; a build with them loads the files and refuses a bundle whose
//! `compiled` is not the plan of its files.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, RulesetError};
use crate::ruleset::Ruleset;

const BUNDLE_FORMAT: &str = "hazard-rules-bundle/1";

/// The most a bundle may hold: twice the most a chain's files may
/// (`dir::MAX_CHAIN_BYTES`), for the compiled plan beside them.
const MAX_BUNDLE_BYTES: usize = 2 * (64 << 20);

const WHERE: &str = "<bundle>";

/// A bundle, read.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Bundle {
    format: String,
    /// The leaf ruleset's directory; empty when the bundle holds one ruleset at its top.
    pub leaf: String,
    #[serde(deserialize_with = "unique_files")]
    pub files: BTreeMap<String, String>,
    /// The precompiled plan of the files, base64 (standard alphabet, padded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compiled: Option<String>,
}

impl Bundle {
    #[cfg(feature = "scripted")]
    pub fn new(leaf: String, files: BTreeMap<String, String>, compiled: Option<&[u8]>) -> Bundle {
        Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            leaf,
            files,
            compiled: compiled.map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        }
    }

    #[cfg(feature = "scripted")]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a bundle is plain strings")
    }

    /// Reads a bundle's text: its size, JSON, format and file paths checked.
    pub fn parse(text: &str) -> Result<Bundle, RulesetError> {
        if text.len() > MAX_BUNDLE_BYTES {
            return Err(RulesetError::in_file(
                WHERE,
                format!(
                    "larger than {} MiB, the most a bundle may have",
                    MAX_BUNDLE_BYTES >> 20
                ),
            ));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let b: Bundle = serde_json::from_str(text)
            .map_err(|e| RulesetError::new(WHERE, e.line(), e.column(), e.to_string()))?;
        if b.format != BUNDLE_FORMAT {
            return Err(RulesetError::in_file(
                WHERE,
                format!(
                    "unsupported bundle format `{}` (expected {BUNDLE_FORMAT})",
                    b.format
                ),
            )
            .with_zh(format!(
                "不支持的打包格式“{}”（应为 {BUNDLE_FORMAT}）",
                b.format
            )));
        }
        let leaf = (!b.leaf.is_empty()).then_some(&b.leaf);
        for path in b.files.keys().chain(leaf) {
            check_bundle_path(path)?;
        }
        Ok(b)
    }

    /// The precompiled plan it carries, decoded.
    pub fn compiled(&self) -> Result<Option<Vec<u8>>, RulesetError> {
        self.compiled
            .as_deref()
            .map(|c| {
                base64::engine::general_purpose::STANDARD
                    .decode(c)
                    .map_err(|e| {
                        RulesetError::in_file(WHERE, format!("`compiled` is not base64: {e}"))
                    })
            })
            .transpose()
    }
}

impl Ruleset {
    /// Loads a bundle made by `hazard-rules bundle` (JSON text).
    ///
    /// With the `scripted` feature (the default) it loads the bundle's
    /// files, and refuses a `compiled` plan that is not theirs. Without it,
    /// it reads the bundle's `compiled` plan, and a bundle without one is an
    /// error saying that its rules need the loaders.
    ///
    /// ```
    /// use hazard_rules::{Ruleset, RulesetFiles};
    /// let text = RulesetFiles::embedded("national").to_bundle_compiled().unwrap();
    /// let rs = Ruleset::from_bundle(&text).unwrap();
    /// assert_eq!(rs.chain_refs()[0].id, "national");
    /// ```
    pub fn from_bundle(text: &str) -> Result<Ruleset, Error> {
        let bundle = Bundle::parse(text)?;
        let compiled = bundle.compiled()?;
        #[cfg(feature = "scripted")]
        {
            let files = crate::load::RulesetFiles {
                leaf: bundle.leaf,
                files: bundle.files,
            };
            let rs = Ruleset::from_files(files)?;
            if let Some(compiled) = compiled {
                if rs.to_compiled().ok().as_deref() != Some(&compiled[..]) {
                    return Err(RulesetError::in_file(
                        WHERE,
                        "`compiled` is not the plan of the bundle's files (made by another build, or edited): make the bundle again with `hazard-rules bundle`",
                    )
                    .into());
                }
            }
            Ok(rs)
        }
        #[cfg(not(feature = "scripted"))]
        match compiled {
            Some(bytes) => Ruleset::from_compiled(&bytes),
            None => Err(RulesetError::in_file(
                WHERE,
                "this bundle carries no compiled plan (a rule function did not compile, or it was made without one): it needs the build that loads TOML and Rhai (the `scripted` feature; in the browser, the scripted module)",
            )
            .into()),
        }
    }
}

/// A bundle's `files`, refusing a path given twice (JSON keeps the last
/// silently, which would hide one of the two files).
fn unique_files<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    struct Files;
    impl<'de> serde::de::Visitor<'de> for Files {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of file paths and texts")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut m: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = m.next_entry::<String, String>()? {
                if out.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!(
                        "file `{k}` is given twice"
                    )));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Files)
}

/// A bundle names its files by relative paths inside it: no absolute path,
/// no `..` or `.`, no empty part, no backslash or NUL.
fn check_bundle_path(path: &str) -> Result<(), RulesetError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains(['\\', '\0'])
        || path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..");
    if bad {
        return Err(RulesetError::in_file(
            "<bundle>",
            format!("`{path}` is not a relative path inside the bundle"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "scripted")]
    #[test]
    fn a_bundle_carries_the_plan_of_its_files_and_no_other() {
        use crate::load::RulesetFiles;
        let text = RulesetFiles::embedded("national")
            .to_bundle_compiled()
            .unwrap();
        let bundle = Bundle::parse(&text).unwrap();
        let plan = bundle
            .compiled()
            .unwrap()
            .expect("the national rules all compile");
        let rs = Ruleset::from_bundle(&text).unwrap();
        assert_eq!(rs.to_compiled().unwrap(), plan);
        // Another chain's plan beside these files is refused.
        let other = Ruleset::embedded("henan").unwrap().to_compiled().unwrap();
        let swapped = Bundle::new(bundle.leaf.clone(), bundle.files.clone(), Some(&other));
        let e = Ruleset::from_bundle(&swapped.to_json()).unwrap_err();
        assert!(
            e.to_string()
                .contains("is not the plan of the bundle's files"),
            "{e}"
        );
        // So is text that is not base64.
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["compiled"] = "not base64!".into();
        let e = Ruleset::from_bundle(&v.to_string()).unwrap_err();
        assert!(e.to_string().contains("`compiled` is not base64"), "{e}");
        // Without `compiled`, the files alone load.
        let plain = RulesetFiles::embedded("national").to_bundle().unwrap();
        assert!(!plain.contains("\"compiled\""));
        assert_eq!(
            Ruleset::from_bundle(&plain).unwrap().to_compiled().unwrap(),
            plan
        );
    }

    #[cfg(not(feature = "scripted"))]
    #[test]
    fn without_the_loaders_a_bundle_needs_its_plan() {
        use base64::Engine as _;
        let plan = Ruleset::default().to_compiled().unwrap();
        let text = serde_json::json!({
            "format": BUNDLE_FORMAT, "leaf": "zhejiang/jinhua",
            "files": {"zhejiang/jinhua/ruleset.toml": "not read"},
            "compiled": base64::engine::general_purpose::STANDARD.encode(&plan),
        });
        let rs = Ruleset::from_bundle(&text.to_string()).unwrap();
        assert_eq!(rs.chain_refs().len(), 3);
        let mut bare = text.clone();
        bare.as_object_mut().unwrap().remove("compiled");
        let e = Ruleset::from_bundle(&bare.to_string()).unwrap_err();
        assert!(e.to_string().contains("carries no compiled plan"), "{e}");
        let e = Ruleset::from_bundle("{").unwrap_err();
        assert!(e.to_string().starts_with("<bundle>:1:"), "{e}");
    }
}
