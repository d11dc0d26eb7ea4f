//! A ruleset directory is a closed world: reading it follows no symbolic
//! link, reads only regular files of bounded size, and `extends` does not
//! leave the directory that holds the chain unless the caller says so.

use std::path::{Path, PathBuf};

use hazard_rules::{Error, Ruleset, RulesetError, RulesetFiles};

/// A fresh directory under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hr-dirs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A copy of the shipped national ruleset at `dir/national`, and an overlay
/// at `dir/overlay` extending it.
fn chain(dir: &Path) -> PathBuf {
    let files = RulesetFiles::embedded("national");
    for (path, text) in &files.files {
        if let Some(rest) = path.strip_prefix("national/") {
            write(&dir.join("national").join(rest), text);
        }
    }
    let overlay = dir.join("overlay");
    write(
        &overlay.join("ruleset.toml"),
        "id = \"overlay\"\nversion = \"1\"\ntitle = \"t\"\nextends = \"../national\"\neffective_from = \"2024-01-01\"\n",
    );
    overlay
}

fn refused(r: Result<RulesetFiles, RulesetError>) -> RulesetError {
    match r {
        Err(e) => e,
        Ok(_) => panic!("expected the directory to be refused"),
    }
}

#[test]
fn a_plain_chain_loads_and_a_byte_order_mark_is_skipped() {
    let dir = scratch("plain");
    let overlay = chain(&dir);
    let manifest = std::fs::read_to_string(overlay.join("ruleset.toml")).unwrap();
    write(
        &overlay.join("ruleset.toml"),
        &format!("\u{feff}{manifest}"),
    );
    let rs = Ruleset::load(&overlay).unwrap();
    assert_eq!(rs.chain_refs().len(), 2);
}

#[cfg(unix)]
#[test]
fn symbolic_links_are_not_followed() {
    let dir = scratch("links");
    let overlay = chain(&dir);
    let secret = dir.join("secret.toml");
    write(
        &secret,
        "kind = \"values\"\n[values]\nkey = \"outside the ruleset\"\n",
    );
    // A linked table.
    std::fs::create_dir_all(overlay.join("tables")).unwrap();
    std::os::unix::fs::symlink(&secret, overlay.join("tables/stolen.toml")).unwrap();
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.file.ends_with("overlay/tables/stolen.toml"), "{e}");
    assert!(e.message.contains("symbolic link"), "{e}");
    // A linked folder.
    std::fs::remove_file(overlay.join("tables/stolen.toml")).unwrap();
    std::fs::remove_dir(overlay.join("tables")).unwrap();
    std::os::unix::fs::symlink(&dir, overlay.join("tables")).unwrap();
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.file.ends_with("overlay/tables"), "{e}");
    // A linked manifest.
    std::fs::remove_file(overlay.join("tables")).unwrap();
    std::fs::rename(overlay.join("ruleset.toml"), dir.join("m.toml")).unwrap();
    std::os::unix::fs::symlink(dir.join("m.toml"), overlay.join("ruleset.toml")).unwrap();
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.file.ends_with("overlay/ruleset.toml"), "{e}");
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_without_blocking() {
    let dir = scratch("fifo");
    let overlay = chain(&dir);
    std::fs::remove_file(overlay.join("ruleset.toml")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(overlay.join("ruleset.toml"))
        .status()
        .unwrap();
    assert!(made.success());
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.message.contains("not a regular file"), "{e}");
}

#[test]
fn files_are_bounded_in_size() {
    let dir = scratch("size");
    let overlay = chain(&dir);
    let mut big = String::from("kind = \"values\"\n[values]\n");
    big.push_str(&format!("x = \"{}\"\n", "a".repeat(5 << 20)));
    write(&overlay.join("tables/big.toml"), &big);
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.file.ends_with("overlay/tables/big.toml"), "{e}");
    assert!(e.message.contains("4 MiB"), "{e}");
}

#[test]
fn extends_stays_within_the_root_unless_the_caller_allows_it() {
    let dir = scratch("extends");
    let inner = dir.join("inner");
    let overlay = chain(&inner);
    // `inner/overlay` → `inner/national` is within `inner`; an overlay that
    // climbs out of it is not.
    write(
        &overlay.join("ruleset.toml"),
        "id = \"overlay\"\nversion = \"1\"\ntitle = \"t\"\nextends = \"../../outside\"\neffective_from = \"2024-01-01\"\n",
    );
    let outside = dir.join("outside");
    let files = RulesetFiles::embedded("national");
    for (path, text) in &files.files {
        if let Some(rest) = path.strip_prefix("national/") {
            write(&outside.join(rest), text);
        }
    }
    let e = refused(RulesetFiles::read_dir(&overlay));
    assert!(e.message.contains("leaves"), "{e}");
    assert_eq!((e.line, e.column), (4, 11), "at the `extends` value: {e}");
    match Ruleset::load(&overlay) {
        Err(Error::Ruleset(e)) => assert!(e.message.contains("leaves"), "{e}"),
        other => panic!("expected a ruleset error, got {:?}", other.map(|_| ())),
    }
    // Named explicitly, the wider root is allowed.
    let files = RulesetFiles::read_dir_within(&overlay, &dir).unwrap();
    assert_eq!(Ruleset::from_files(files).unwrap().chain_refs().len(), 2);
}

#[test]
fn the_shipped_rulesets_read_from_disk() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rulesets");
    for leaf in ["national", "zhejiang", "zhejiang/jinhua", "henan"] {
        Ruleset::load(root.join(leaf)).unwrap_or_else(|e| panic!("{leaf}: {e}"));
    }
}

#[test]
fn an_absolute_extends_is_refused_with_its_own_reason() {
    let mut files = RulesetFiles::embedded("national");
    files.files.insert(
        "demo/ruleset.toml".into(),
        "id = \"demo\"\nversion = \"1\"\ntitle = \"demo\"\nextends = \"/work/rulesets/national\"\neffective_from = \"2020-01-01\"\n".into(),
    );
    files.leaf = "demo".into();
    match Ruleset::from_files(files) {
        Err(hazard_rules::Error::Ruleset(e)) => {
            assert_eq!((e.file.as_str(), e.line), ("demo/ruleset.toml", 4), "{e}");
            assert!(e.message.contains("is an absolute path"), "{e}");
        }
        other => panic!("expected a ruleset error, got {:?}", other.map(|_| ())),
    }
}
