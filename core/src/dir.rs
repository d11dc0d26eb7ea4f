//! Reading a ruleset chain from disk, as a closed world: the files of the
//! chain's own directories and nothing else. No symbolic links are followed,
//! only regular files are read, each at most [`MAX_FILE_BYTES`] and all
//! together at most [`MAX_CHAIN_BYTES`], and `extends` may not leave the
//! root that holds the chain (by default the directory above the leaf's
//! outermost ruleset; a caller can name another with
//! [`RulesetFiles::read_dir_within`]).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::RulesetError;
use crate::load::{normalize, RulesetFiles};

/// The most bytes one file of a ruleset may have (the largest shipped table
/// is under 100 KB).
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// The most bytes the files of a chain may have together.
pub const MAX_CHAIN_BYTES: u64 = 64 << 20;

/// The directory that holds a chain by default: the parent of the
/// outermost directory, going up from the leaf, that is a ruleset
/// (`rulesets/zhejiang/jinhua` → `rulesets`).
pub(crate) fn default_root(leaf: &str) -> String {
    let mut top = leaf.to_owned();
    // Bounded: above `/`, `..` is `/` again.
    for _ in 0..64 {
        let parent = normalize(&format!("{top}/.."));
        if parent == top || !is_regular(&manifest_of(&parent)) {
            return parent;
        }
        top = parent;
    }
    top
}

fn manifest_of(dir: &str) -> String {
    format!("{dir}/ruleset.toml")
}

fn is_regular(path: &str) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Whether `path` is `root` or below it (both lexically normalised).
fn within(root: &str, path: &str) -> bool {
    root == "." && !path.starts_with("..") && !path.starts_with('/')
        || path == root
        || path.starts_with(&format!("{}/", root.trim_end_matches('/')))
}

/// What reading a chain has read so far.
struct Reader {
    root: String,
    files: RulesetFiles,
    total: u64,
}

/// A symbolic link where a ruleset's own file or folder should be.
fn linked(path: impl Into<String>) -> RulesetError {
    RulesetError::in_file(
        path,
        "is a symbolic link: a ruleset reads only its own files",
    )
    .with_zh("是符号链接：规则集只读取自己的文件")
}

/// A file or directory the system would not read; its reason (the system's) as is.
fn cannot_read(path: &str, e: &std::io::Error) -> RulesetError {
    RulesetError::in_file(path, format!("cannot read: {e}"))
        .with_zh(format!("无法读取：{}{e}", crate::error::UNTRANSLATED))
}

/// A file over [`MAX_FILE_BYTES`].
pub(crate) fn file_too_large(path: &str) -> RulesetError {
    RulesetError::in_file(
        path,
        format!(
            "larger than {} MiB, the most a ruleset file may have",
            MAX_FILE_BYTES >> 20
        ),
    )
    .with_zh(format!(
        "文件超过 {} MiB，规则集文件最大只能这么大",
        MAX_FILE_BYTES >> 20
    ))
}

/// The file that takes a chain's files over [`MAX_CHAIN_BYTES`].
pub(crate) fn chain_too_large(path: &str) -> RulesetError {
    RulesetError::in_file(
        path,
        format!(
            "the chain's files pass {} MiB together, the most a chain may have",
            MAX_CHAIN_BYTES >> 20
        ),
    )
    .with_zh(format!(
        "规则集链的文件合计超过 {} MiB，一条链最多只能这么大",
        MAX_CHAIN_BYTES >> 20
    ))
}

impl Reader {
    /// Refuses a symbolic link anywhere between the root and `dir` (once per
    /// ruleset directory; its folders and files are checked as they are read).
    fn no_links(&self, dir: &str) -> Result<(), RulesetError> {
        let rel = dir
            .strip_prefix(&self.root)
            .unwrap_or(dir)
            .trim_start_matches('/');
        let mut at = PathBuf::from(&self.root);
        for part in rel.split('/').filter(|p| !p.is_empty()) {
            at.push(part);
            if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
                return Err(linked(at.to_string_lossy()));
            }
        }
        Ok(())
    }

    /// Reads one regular file (not a link to one), bounded.
    fn read(&mut self, path: &str) -> Result<(), RulesetError> {
        let err = |m: String| RulesetError::in_file(path, m);
        let meta = std::fs::symlink_metadata(path).map_err(|e| cannot_read(path, &e))?;
        if meta.file_type().is_symlink() {
            return Err(linked(path));
        }
        if !meta.file_type().is_file() {
            return Err(err("not a regular file".into()));
        }
        let file = std::fs::File::open(path).map_err(|e| cannot_read(path, &e))?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| cannot_read(path, &e))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(file_too_large(path));
        }
        self.total += bytes.len() as u64;
        if self.total > MAX_CHAIN_BYTES {
            return Err(chain_too_large(path));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            err(format!(
                "not UTF-8 text (byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        // A byte-order mark is not part of the TOML or Rhai text.
        let text = match text.strip_prefix('\u{feff}') {
            Some(t) => t.to_owned(),
            None => text,
        };
        self.files.files.insert(path.to_owned(), text);
        Ok(())
    }

    /// Reads a ruleset directory: its manifest and the regular files of
    /// `tables/`, `rules/` and `tests/`.
    fn read_ruleset(&mut self, dir: &str) -> Result<(), RulesetError> {
        self.no_links(dir)?;
        self.read(&manifest_of(dir))?;
        for sub in ["tables", "rules", "tests"] {
            let sub_dir = format!("{dir}/{sub}");
            match std::fs::symlink_metadata(&sub_dir) {
                Err(_) => continue,
                Ok(m) if m.file_type().is_symlink() => return Err(linked(&sub_dir)),
                Ok(m) if !m.is_dir() => continue,
                Ok(_) => {}
            }
            let entries = std::fs::read_dir(&sub_dir).map_err(|e| cannot_read(&sub_dir, &e))?;
            let mut names: Vec<_> = entries
                .filter_map(|e| e.ok())
                .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
                .map(|e| e.file_name())
                .collect();
            names.sort();
            for name in names {
                self.read(&format!("{sub_dir}/{}", name.to_string_lossy()))?;
            }
        }
        Ok(())
    }
}

/// See [`RulesetFiles::read_dir`] and [`RulesetFiles::read_dir_within`].
pub(crate) fn read_chain(dir: &Path, root: Option<&Path>) -> Result<RulesetFiles, RulesetError> {
    let text = |p: &Path| normalize(&p.to_string_lossy().replace('\\', "/"));
    let (dir, root) = match root {
        // One relative and one absolute path: compare both from `/`.
        Some(r) if r.is_absolute() != dir.is_absolute() => {
            let cwd = std::env::current_dir().unwrap_or_default();
            (cwd.join(dir), Some(cwd.join(r)))
        }
        _ => (dir.to_path_buf(), root.map(Path::to_path_buf)),
    };
    let leaf = text(&dir);
    let root = match root {
        Some(r) => text(&r),
        None => default_root(&leaf),
    };
    if !within(&root, &leaf) {
        return Err(RulesetError::in_file(
            manifest_of(&leaf),
            format!("the ruleset is not under the root `{root}`"),
        ));
    }
    let mut r = Reader {
        root,
        files: RulesetFiles {
            leaf: leaf.clone(),
            files: Default::default(),
        },
        total: 0,
    };
    let mut next = Some(leaf);
    let mut seen = Vec::new();
    while let Some(d) = next.take() {
        if seen.contains(&d) {
            return Err(
                RulesetError::in_file(manifest_of(&d), "`extends` forms a cycle")
                    .with_zh("`extends` 形成了循环"),
            );
        }
        r.read_ruleset(&d)?;
        if let Some(p) = r.files.manifest(&d)?.extends {
            let parent = normalize(&format!("{d}/{p}"));
            if !within(&r.root, &parent) {
                let path = manifest_of(&d);
                let (line, column) =
                    crate::load::manifest_key_position(&r.files.files[&path], "extends");
                return Err(RulesetError::new(
                    path,
                    line,
                    column,
                    format!(
                        "`extends = \"{p}\"` leaves `{}`, the directory that holds the chain \
                         (a caller can allow another root explicitly)",
                        r.root
                    ),
                ));
            }
            next = Some(parent);
        }
        seen.push(d);
    }
    Ok(r.files)
}
