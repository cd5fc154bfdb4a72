//! The core alone, on real files: what a batch holds, how watches are placed, which errors come back.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use watchfiles_core::{Batch, Change, ErrorCode, Output, WatchConfig, Watcher};

fn start(root: &Path, tweak: impl FnOnce(&mut WatchConfig)) -> (Watcher, Receiver<Output>) {
    common::start(vec![root.to_path_buf()], |cfg| {
        cfg.step = Duration::from_millis(100);
        tweak(cfg);
    })
}

fn changes(batches: &[Batch], sentinel: &Path) -> Vec<(Change, PathBuf)> {
    batches.iter().flat_map(|b| b.changes.iter()).filter(|c| c.path != sentinel).map(|c| (c.change, c.path.clone())).collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn coalesces_each_path_to_its_net_effect() {
    let dir = tmp();
    let root = dir.path().canonicalize().unwrap();
    let kept = root.join("kept.txt");
    let replaced = root.join("replaced.txt");
    fs::write(&replaced, "v1").unwrap();
    let (_w, rx) = start(&root, |c| c.step = Duration::from_millis(300));
    fs::write(root.join("gone.txt"), "x").unwrap();
    fs::remove_file(root.join("gone.txt")).unwrap();
    fs::remove_file(&replaced).unwrap();
    fs::write(&replaced, "v2").unwrap();
    fs::write(&kept, "1").unwrap();
    let sentinel = root.join("zz-sentinel");
    fs::write(&sentinel, "s").unwrap();
    let mut got = changes(&common::until(&rx, &sentinel), &sentinel);
    got.sort();
    assert_eq!(got, vec![(Change::Added, kept), (Change::Modified, replaced)]);
}

#[test]
fn scans_new_directories_after_watching_them() {
    let dir = tmp();
    let root = dir.path().canonicalize().unwrap();
    let (_w, rx) = start(&root, |_| {});
    let deep = root.join("a/b/c");
    fs::create_dir_all(&deep).unwrap();
    for i in 0..50 {
        fs::write(deep.join(format!("f{i}")), "x").unwrap();
    }
    let last = deep.join("f49");
    let got = changes(&common::until(&rx, &last), Path::new(""));
    for i in 0..50 {
        assert!(got.contains(&(Change::Added, deep.join(format!("f{i}")))), "missing f{i}");
    }
}

#[test]
fn pairs_renames_and_ignores_default_dirs_without_a_watch() {
    let dir = tmp();
    let root = dir.path().canonicalize().unwrap();
    fs::create_dir(root.join("node_modules")).unwrap();
    fs::write(root.join("old.js"), "x").unwrap();
    let (w, rx) = start(&root, |_| {});
    assert_eq!(w.info().watch_count, 1, "node_modules costs no watch");
    fs::write(root.join("node_modules/dep.js"), "x").unwrap();
    fs::rename(root.join("old.js"), root.join("new.js")).unwrap();
    let batches = common::until(&rx, &root.join("new.js"));
    let all: Vec<_> = batches.iter().flat_map(|b| b.changes.iter()).collect();
    assert!(all.iter().all(|c| !c.path.starts_with(root.join("node_modules"))));
    let added = all.iter().find(|c| c.path == root.join("new.js")).unwrap();
    assert_eq!(added.old_path.as_deref(), Some(root.join("old.js").as_path()));
}

#[test]
fn bad_roots_get_stable_codes() {
    let dir = tmp();
    let missing = dir.path().join("missing");
    let err = Watcher::start(WatchConfig::new(vec![missing.clone()]), |_| {}).err().unwrap();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(err.path.as_deref(), Some(missing.as_path()));
    fs::write(dir.path().join("file"), "x").unwrap();
    let err = Watcher::start(WatchConfig::new(vec![dir.path().join("file/sub")]), |_| {}).err().unwrap();
    assert_eq!(err.code, ErrorCode::NotDir);
}

#[test]
fn a_file_root_reports_only_that_file() {
    let dir = tmp();
    let root = dir.path().canonicalize().unwrap();
    let file = root.join("only.txt");
    fs::write(&file, "1").unwrap();
    let (_w, rx) = start(&file, |_| {});
    fs::write(root.join("other.txt"), "x").unwrap();
    fs::write(&file, "2").unwrap();
    let got = changes(&common::until(&rx, &file), Path::new(""));
    assert_eq!(got, vec![(Change::Modified, file)]);
}

#[test]
fn close_joins_promptly() {
    let dir = tmp();
    let (mut w, _rx) = start(dir.path(), |_| {});
    let t = Instant::now();
    w.close();
    assert!(t.elapsed() < Duration::from_secs(2));
}
