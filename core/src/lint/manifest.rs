//! Manifests (`HR040`, `HR041`).

use super::rules::{description, Functions};
use super::tables::Chain;
use super::{names, Findings, Level, Map};
use crate::limits::{Limits, LIMIT_RANGES};
use crate::load::{limit_position, manifest_key_position};
use crate::ruleset::{LimitsPatch, Manifest};

pub(crate) fn check(levels: &[Level], chain: &Chain, fns: &Functions, out: &mut Findings) {
    let mut limits = Limits::default();
    for (level, l) in levels.iter().enumerate() {
        let (path, text) = (l.manifest_path.as_str(), l.manifest_text);
        // `HR040`: every limit outside its range (the loader stops at the first).
        #[derive(serde::Deserialize)]
        struct Spans {
            #[serde(default)]
            limits: Map<String, toml::Spanned<toml::Value>>,
        }
        if let Ok(s) = toml::from_str::<Spans>(text) {
            for (name, floor, ceiling, why) in LIMIT_RANGES {
                let Some(v) = s.limits.get(*name) else {
                    continue;
                };
                if let toml::Value::Integer(n) = v.get_ref() {
                    if !(*floor as i128..=*ceiling as i128).contains(&(*n as i128)) {
                        out.at(
                            "HR040",
                            path,
                            text,
                            v.span().start,
                            format!("`{name} = {n}` is outside {floor}..={ceiling} ({why})"),
                        );
                    }
                }
            }
        }
        let Ok(manifest) = toml::from_str::<Manifest>(text) else {
            continue; // the loader's error (HR000)
        };
        if Limits::check_patch(&manifest.limits).is_ok() {
            limits = limits.patched(&manifest.limits);
            if let Err(message) = limits.check_nesting() {
                let key = match manifest.limits.max_expr_depth {
                    Some(_) => "max_expr_depth",
                    None => "max_call_levels",
                };
                out.add("HR040", path, limit_position(text, key), message);
            }
        } else {
            limits = limits.patched(&LimitsPatch::default());
        }
        // `HR041`: an overlay's description names what it changes.
        if level == 0 {
            continue;
        }
        let said = description(levels, level);
        let mut silent: Vec<String> = Vec::new();
        for t in chain.files.iter().filter(|t| t.level == level) {
            if !names(&said, &t.name) {
                let replaces = chain
                    .files
                    .iter()
                    .any(|p| p.level < level && p.name == t.name);
                silent.push(format!(
                    "table `{}` ({})",
                    t.name,
                    if replaces { "replaced" } else { "added" }
                ));
            }
        }
        for f in fns.all.iter().filter(|f| f.level == level) {
            let replaces = fns
                .all
                .iter()
                .any(|p| p.level < level && p.name == f.name && p.arity == f.arity);
            if replaces
                && !names(&said, &f.name)
                && !silent.iter().any(|s| s.contains(&format!("`{}/", f.name)))
            {
                silent.push(format!("function `{}/{}` (replaced)", f.name, f.arity));
            }
        }
        if !silent.is_empty() {
            let at = match manifest_key_position(text, "description") {
                (0, _) => manifest_key_position(text, "id"),
                p => p,
            };
            out.add(
                "HR041",
                path,
                at,
                format!(
                    "`description` does not name what this overlay changes: {}",
                    silent.join(", ")
                ),
            );
        }
    }
}
