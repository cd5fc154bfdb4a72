//! Roots added to and removed from a running watcher: one watcher whatever paths are wanted.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use watchfiles_core::{Change, Output};

use common::{start, tmp, until};

fn paths(rx: &Receiver<Output>, sentinel: &Path) -> Vec<(Change, PathBuf)> {
    until(rx, sentinel).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).filter(|(_, p)| p != sentinel).collect()
}

#[test]
fn a_root_added_while_running_is_watched_from_then_on_and_its_content_is_the_baseline() {
    let (_d, base) = tmp();
    let (first, second) = (base.join("first"), base.join("second"));
    fs::create_dir_all(second.join("deep")).unwrap();
    fs::write(second.join("deep/old.txt"), "o").unwrap();
    fs::create_dir(&first).unwrap();
    let (w, rx) = start(vec![first.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(second.clone(), true).unwrap();
    w.add_root(second.clone(), true).unwrap(); // twice is once
    fs::write(second.join("deep/new.txt"), "n").unwrap();
    fs::write(first.join("sentinel"), "s").unwrap();
    let got = paths(&rx, &first.join("sentinel"));
    assert_eq!(got, vec![(Change::Added, second.join("deep/new.txt"))], "old.txt is the baseline, not a change");
}

#[test]
fn a_root_that_does_not_exist_yet_is_reported_when_it_appears() {
    let (_d, base) = tmp();
    let here = base.join("here");
    fs::create_dir(&here).unwrap();
    let (w, rx) = start(vec![here.clone()], |c| {
        c.step = Duration::from_millis(10);
        c.poll_delay = Duration::from_millis(20);
    });
    let later = base.join("later");
    w.add_root(later.clone(), true).unwrap();
    fs::create_dir(&later).unwrap();
    fs::write(later.join("a.txt"), "a").unwrap();
    let got: Vec<(Change, PathBuf)> = until(&rx, &later.join("a.txt")).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert!(got.contains(&(Change::Added, later.clone())), "{got:?}");
    // And it is watched with OS events from then on.
    fs::write(later.join("b.txt"), "b").unwrap();
    until(&rx, &later.join("b.txt"));
}

#[test]
fn a_removed_root_is_silent_while_the_others_go_on_and_it_can_come_back() {
    let (_d, base) = tmp();
    let (keep, drop) = (base.join("keep"), base.join("drop"));
    for d in [&keep, &drop] {
        fs::create_dir_all(d.join("sub")).unwrap();
    }
    let (w, rx) = start(vec![keep.clone(), drop.clone()], |c| c.step = Duration::from_millis(10));
    fs::write(drop.join("sub/pending.txt"), "p").unwrap(); // touched, then its root goes: never reported
    w.remove_root(drop.clone()).unwrap();
    w.remove_root(drop.clone()).unwrap(); // twice is once
    fs::write(drop.join("sub/after.txt"), "x").unwrap();
    fs::remove_dir_all(drop.join("sub")).unwrap();
    fs::write(keep.join("sub/kept.txt"), "k").unwrap();
    let got = paths(&rx, &keep.join("sub/kept.txt"));
    assert!(got.iter().all(|(_, p)| !p.starts_with(&drop)), "nothing of the removed root: {got:?}");
    w.add_root(drop.clone(), true).unwrap();
    fs::write(drop.join("back.txt"), "b").unwrap();
    fs::write(keep.join("sentinel"), "s").unwrap();
    let back = paths(&rx, &keep.join("sentinel"));
    assert!(back.contains(&(Change::Added, drop.join("back.txt"))), "{back:?}");
}

#[test]
fn removing_a_root_nested_in_another_keeps_what_the_outer_root_holds() {
    let (_d, base) = tmp();
    let inner = base.join("a/b");
    fs::create_dir_all(&inner).unwrap();
    let (w, rx) = start(vec![base.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(inner.clone(), true).unwrap();
    w.remove_root(inner.clone()).unwrap();
    fs::write(inner.join("still.txt"), "s").unwrap();
    until(&rx, &inner.join("still.txt"));
    // And the other way round: the outer root goes, the nested one stays watched.
    w.add_root(inner.clone(), true).unwrap();
    w.remove_root(base.clone()).unwrap();
    fs::write(base.join("a/outside.txt"), "o").unwrap();
    fs::write(inner.join("inside.txt"), "i").unwrap();
    let got = paths(&rx, &inner.join("inside.txt"));
    assert!(got.iter().all(|(_, p)| p.starts_with(&inner)), "only the nested root now: {got:?}");
}

#[test]
fn a_file_root_added_and_removed_leaves_its_directory_root_watched() {
    let (_d, base) = tmp();
    let file = base.join("f.txt");
    fs::write(&file, "1").unwrap();
    let (w, rx) = start(vec![base.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(file.clone(), true).unwrap();
    w.remove_root(file.clone()).unwrap();
    fs::write(base.join("other.txt"), "o").unwrap();
    until(&rx, &base.join("other.txt"));
}

#[test]
fn each_root_has_its_own_recursion_in_one_watcher() {
    own_recursion(false);
}

#[test]
fn each_root_has_its_own_recursion_when_polled() {
    own_recursion(true);
}

fn own_recursion(force_polling: bool) {
    let (_d, base) = tmp();
    let (deep, flat) = (base.join("deep"), base.join("flat"));
    for d in [&deep, &flat] {
        fs::create_dir_all(d.join("sub")).unwrap();
    }
    let (w, rx) = start(vec![deep.clone()], |c| {
        c.step = Duration::from_millis(10);
        c.force_polling = force_polling;
        c.poll_delay = Duration::from_millis(20);
    });
    w.add_root(flat.clone(), false).unwrap();
    fs::write(flat.join("sub/below.txt"), "b").unwrap(); // below the flat root: not its business
    fs::write(deep.join("sub/below.txt"), "b").unwrap();
    fs::write(flat.join("top.txt"), "t").unwrap();
    fs::write(deep.join("sentinel"), "s").unwrap();
    let got = paths(&rx, &deep.join("sentinel"));
    assert!(got.contains(&(Change::Added, deep.join("sub/below.txt"))), "{got:?}");
    assert!(got.contains(&(Change::Added, flat.join("top.txt"))), "{got:?}");
    assert!(!got.iter().any(|(_, p)| p.starts_with(flat.join("sub/"))), "{got:?}");
}

#[test]
fn a_flat_root_made_recursive_takes_its_subtree_as_the_baseline_and_back() {
    let (_d, base) = tmp();
    let (root, other) = (base.join("root"), base.join("other"));
    fs::create_dir_all(root.join("sub/deeper")).unwrap();
    fs::create_dir(&other).unwrap();
    fs::write(root.join("sub/old.txt"), "o").unwrap();
    let (w, rx) = start(vec![other.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(root.clone(), false).unwrap();
    w.add_root(root.clone(), true).unwrap();
    fs::write(root.join("sub/deeper/new.txt"), "n").unwrap();
    fs::write(other.join("s1"), "s").unwrap();
    let got = paths(&rx, &other.join("s1"));
    assert!(got.contains(&(Change::Added, root.join("sub/deeper/new.txt"))), "{got:?}");
    assert!(!got.iter().any(|(_, p)| p == &root.join("sub/old.txt")), "old.txt is the baseline: {got:?}");

    // Back to flat: only the root's own entries from now on.
    w.add_root(root.clone(), false).unwrap();
    fs::write(root.join("sub/deeper/later.txt"), "l").unwrap();
    fs::write(root.join("top.txt"), "t").unwrap();
    fs::write(other.join("s2"), "s").unwrap();
    let got = paths(&rx, &other.join("s2"));
    assert!(got.contains(&(Change::Added, root.join("top.txt"))), "{got:?}");
    assert!(!got.iter().any(|(_, p)| p.starts_with(root.join("sub/"))), "{got:?}");
}

#[test]
fn a_flat_root_inside_a_recursive_one_does_not_narrow_it() {
    let (_d, base) = tmp();
    let inner = base.join("a");
    fs::create_dir_all(inner.join("b")).unwrap();
    let (w, rx) = start(vec![base.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(inner.clone(), false).unwrap();
    fs::create_dir(inner.join("new")).unwrap();
    fs::write(inner.join("new/x.txt"), "x").unwrap();
    until(&rx, &inner.join("new/x.txt"));
    // Removing the flat root lets nothing go that the recursive one holds.
    w.remove_root(inner.clone()).unwrap();
    fs::write(inner.join("b/y.txt"), "y").unwrap();
    until(&rx, &inner.join("b/y.txt"));
}

#[test]
fn a_root_added_before_it_exists_may_turn_out_to_be_a_file() {
    let (_d, base) = tmp();
    let (here, file) = (base.join("here"), base.join("later.txt"));
    fs::create_dir(&here).unwrap();
    let (w, rx) = start(vec![here.clone()], |c| {
        c.step = Duration::from_millis(10);
        c.poll_delay = Duration::from_millis(20);
    });
    w.add_root(file.clone(), true).unwrap();
    fs::write(&file, "1").unwrap();
    let got = paths(&rx, &file);
    assert!(got.is_empty(), "only the file itself: {got:?}");
    // From then on it is a file root, watched through its directory: an edit is a modification.
    fs::write(&file, "22").unwrap();
    let got: Vec<(Change, PathBuf)> = until(&rx, &file).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert!(got.contains(&(Change::Modified, file.clone())), "{got:?}");
    fs::write(base.join("sibling.txt"), "s").unwrap();
    fs::write(here.join("sentinel"), "s").unwrap();
    let got = paths(&rx, &here.join("sentinel"));
    assert!(!got.iter().any(|(_, p)| p == &base.join("sibling.txt")), "a file root holds only itself: {got:?}");
}

#[test]
fn a_flat_root_where_a_recursive_root_ignores_reports_its_own_entries() {
    let (_d, base) = tmp();
    let hidden = base.join("node_modules/pkg");
    fs::create_dir_all(&hidden).unwrap();
    let (w, rx) = start(vec![base.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(hidden.clone(), false).unwrap();
    fs::write(hidden.join("index.js"), "x").unwrap();
    until(&rx, &hidden.join("index.js"));
}

#[test]
fn a_file_root_inside_a_removed_directory_root_stays_watched() {
    let (_d, base) = tmp();
    let (dir, other) = (base.join("dir"), base.join("other"));
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::create_dir(&other).unwrap();
    let file = dir.join("f.txt");
    fs::write(&file, "1").unwrap();
    let (w, rx) = start(vec![other.clone(), dir.clone()], |c| c.step = Duration::from_millis(10));
    w.add_root(file.clone(), true).unwrap();
    w.remove_root(dir.clone()).unwrap();
    fs::write(dir.join("sub/silent.txt"), "s").unwrap();
    fs::write(dir.join("silent.txt"), "s").unwrap();
    fs::write(&file, "22").unwrap();
    let got: Vec<(Change, PathBuf)> = until(&rx, &file).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert!(got.contains(&(Change::Modified, file.clone())), "{got:?}");
    fs::write(other.join("sentinel"), "s").unwrap();
    let got = paths(&rx, &other.join("sentinel"));
    assert!(got.iter().all(|(_, p)| !p.ends_with("silent.txt")), "{got:?}");
}

#[test]
fn a_root_made_in_a_watched_directory_is_reported_at_once_not_at_the_poll_tick() {
    let (_d, base) = tmp();
    // A poll tick an hour away: only the directory's event can bring the root in.
    let (w, rx) = start(vec![base.clone()], |c| {
        c.step = Duration::from_millis(10);
        c.poll_delay = Duration::from_secs(3600);
    });
    let (file, dir) = (base.join("later.txt"), base.join("later"));
    w.add_root(file.clone(), false).unwrap();
    w.add_root(dir.clone(), true).unwrap();
    fs::write(&file, "1").unwrap();
    fs::create_dir(&dir).unwrap();
    until(&rx, &dir);
    // Both are roots now: a change below the directory root is reported.
    fs::write(dir.join("x.txt"), "x").unwrap();
    until(&rx, &dir.join("x.txt"));
}

#[test]
fn a_root_not_there_yet_inside_another_does_not_hide_what_the_outer_root_sees() {
    let (_d, base) = tmp();
    let (w, rx) = start(vec![base.clone()], |c| {
        c.step = Duration::from_millis(10);
        c.poll_delay = Duration::from_secs(3600);
    });
    let later = base.join("a/later");
    w.add_root(later.clone(), true).unwrap();
    // Made inside a directory made in the same moment: no event names the root itself.
    let staging = base.join("staging");
    fs::create_dir_all(staging.join("later")).unwrap();
    fs::rename(&staging, base.join("a")).unwrap();
    until(&rx, &later);
    fs::write(later.join("x.txt"), "x").unwrap();
    until(&rx, &later.join("x.txt"));
}

#[cfg(target_os = "linux")]
#[test]
fn the_handle_counts_the_watches_of_roots_added_and_removed() {
    let (_d, base) = tmp();
    let (first, second) = (base.join("first"), base.join("second"));
    fs::create_dir(&first).unwrap();
    fs::create_dir_all(second.join("a/b")).unwrap();
    let (w, _rx) = start(vec![first.clone()], |_| {});
    assert_eq!(w.info().watch_count, 1);
    w.add_root(second.clone(), true).unwrap();
    assert_eq!(w.info().watch_count, 4, "second, second/a, second/a/b");
    w.remove_root(second).unwrap();
    assert_eq!(w.info().watch_count, 1);
    assert_eq!(w.info().backend, "inotify");
}
