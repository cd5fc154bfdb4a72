//! The quick flush on real files (engine/quick.rs): a lone edit after a quiet spell leaves without waiting
//! for `step`, and a save that is half done — a temp file not yet renamed over the real one, a file moved
//! aside and not yet written anew, a write not yet closed — still waits and reads as one modification,
//! even when its steps are far apart. `step` is seconds here, so which rule applied shows plainly without
//! timing anything: the pauses are far longer than the quick step and far shorter than `step`.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use watchfiles_core::{Batch, Change, Output, Watcher};

/// A pause between two steps of a save: much longer than the quick step (5 ms), much shorter than `step`.
const PAUSE: Duration = Duration::from_millis(200);

fn start(root: &Path, step: Duration) -> (Watcher, Receiver<Output>) {
    common::start(vec![root.to_path_buf()], |cfg| {
        cfg.step = step;
        cfg.debounce = step * 4;
    })
}

/// Every batch up to the one naming a new sentinel file (which is made after whatever came before it).
fn batches_until_sentinel(rx: &Receiver<Output>, root: &Path) -> Vec<Batch> {
    let sentinel = root.join("zz-sentinel");
    fs::write(&sentinel, "s").unwrap();
    common::until(rx, &sentinel)
}

/// The batches that name anything but the sentinel, each as its (change, path) pairs.
fn reported(batches: &[Batch]) -> Vec<Vec<(Change, PathBuf)>> {
    batches
        .iter()
        .map(|b| b.changes.iter().filter(|c| !c.path.ends_with("zz-sentinel")).map(|c| (c.change, c.path.clone())).collect::<Vec<_>>())
        .filter(|b| !b.is_empty())
        .collect()
}

#[test]
fn a_lone_edit_after_a_quiet_spell_does_not_wait_for_step() {
    let (_d, root) = common::tmp();
    let file = root.join("app.js");
    fs::write(&file, "v1").unwrap();
    // With a 60 s step the edit could only arrive within the 20 s bound through the quick flush.
    let (_w, rx) = start(&root, Duration::from_secs(60));
    fs::write(&file, "v2").unwrap();
    let got = common::until(&rx, &file);
    assert_eq!(reported(&got), vec![vec![(Change::Modified, file)]]);
}

#[test]
fn an_atomic_save_that_pauses_before_its_rename_is_one_modification() {
    let (_d, root) = common::tmp();
    let target = root.join("config.json");
    fs::write(&target, "{}").unwrap();
    let (_w, rx) = start(&root, Duration::from_secs(3));
    let tmp = root.join("config.json.tmp-4711");
    fs::write(&tmp, r#"{"a":1}"#).unwrap();
    std::thread::sleep(PAUSE);
    fs::rename(&tmp, &target).unwrap();
    assert_eq!(reported(&batches_until_sentinel(&rx, &root)), vec![vec![(Change::Modified, target)]]);
}

#[test]
fn a_file_moved_aside_then_written_anew_after_a_pause_is_one_modification() {
    let (_d, root) = common::tmp();
    let x = root.join("x.txt");
    fs::write(&x, "v1").unwrap();
    let (_w, rx) = start(&root, Duration::from_secs(3));
    // vim's default save: the file is renamed to its backup (ignored by default), written anew, the backup removed.
    fs::rename(&x, root.join("x.txt~")).unwrap();
    std::thread::sleep(PAUSE);
    fs::write(&x, "v2").unwrap();
    fs::remove_file(root.join("x.txt~")).unwrap();
    assert_eq!(reported(&batches_until_sentinel(&rx, &root)), vec![vec![(Change::Modified, x)]]);
}

#[test]
fn a_write_held_open_across_a_pause_is_one_modification() {
    let (_d, root) = common::tmp();
    let file = root.join("big.bin");
    fs::write(&file, "old").unwrap();
    let (_w, rx) = start(&root, Duration::from_secs(3));
    // Written in two parts with a pause between (an fsync, a slow producer), closed at the end.
    let mut f = fs::OpenOptions::new().write(true).truncate(true).open(&file).unwrap();
    f.write_all(b"first half, ").unwrap();
    std::thread::sleep(PAUSE);
    f.write_all(b"second half").unwrap();
    drop(f);
    assert_eq!(reported(&batches_until_sentinel(&rx, &root)), vec![vec![(Change::Modified, file)]]);
}

#[test]
fn a_new_file_waits_for_step_with_what_follows_it() {
    let (_d, root) = common::tmp();
    let (_w, rx) = start(&root, Duration::from_secs(3));
    // A new file is half done until the batch ends: whatever comes within `step` joins its batch.
    let first = root.join("a.js");
    fs::write(&first, "a").unwrap();
    std::thread::sleep(PAUSE);
    let second = root.join("b.js");
    fs::write(&second, "b").unwrap();
    let got = common::until(&rx, &first);
    assert_eq!(reported(&got), vec![vec![(Change::Added, first), (Change::Added, second)]]);
}
