//! The inotify backend's book of watches: which descriptor each watched path holds, and which path names a
//! descriptor's events. A big tree has one of each per directory, so it is kept small: one 12-byte slot per
//! watched path (the path as a handle, see dir_path.rs) and two hash indexes of 4-byte slot numbers, one by
//! path and one by descriptor. Two maps keyed by path and by descriptor, each holding its own copy of the
//! path, cost several times as much.
//!
//! The kernel gives one descriptor per inode, so two watched paths can hold one descriptor: a directory whose
//! rename is still queued (old and new path), or a path that reached a watched directory through a symlink.
//! One of them names the descriptor's events, and the kernel watch goes only when no path holds it any more.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use hashbrown::HashTable;

use crate::dir_path::DirPath;
use crate::slots::Slots;

/// One watched path. `holders` is kept on the slot that names its descriptor: how many paths hold it.
struct Slot {
    /// None while the slot is free.
    path: Option<DirPath>,
    wd: i32,
    holders: u32,
}

#[derive(Default)]
pub struct WatchTable {
    slots: Slots<Slot>,
    /// Every live slot, by its path.
    by_path: HashTable<u32>,
    /// The slot that names each descriptor's events, by descriptor. A descriptor the kernel dropped is
    /// forgotten here first; its paths stay in `by_path` until they are removed.
    by_wd: HashTable<u32>,
    hasher: RandomState,
}

impl WatchTable {
    /// The descriptor `path` holds, if it is watched.
    pub fn wd_of(&self, path: &DirPath) -> Option<i32> {
        self.find_path(path).map(|s| self.slots[s].wd)
    }

    /// The path that names descriptor `wd`'s events.
    pub fn name(&self, wd: i32) -> Option<&DirPath> {
        self.namer(wd).and_then(|s| self.slots[s].path.as_ref())
    }

    /// Watched paths.
    pub fn len(&self) -> usize {
        self.by_path.len()
    }

    /// Records that `path` (not watched yet) holds descriptor `wd`. When another path holds it already, the
    /// new path names its events unless `keep_name(old)` says the old path keeps its name.
    pub fn add(&mut self, path: &DirPath, wd: i32, keep_name: impl FnOnce(&DirPath) -> bool) {
        debug_assert!(self.find_path(path).is_none(), "a path is added once");
        let slot = self.slots.insert(Slot { path: Some(path.clone()), wd, holders: 1 });
        let hash = self.hasher.hash_one(path);
        let (slots, hasher) = (&self.slots, &self.hasher);
        self.by_path.insert_unique(hash, slot, |&s| hasher.hash_one(slot_path(slots, s)));
        let Some(old) = self.namer(wd) else {
            self.set_namer(wd, slot);
            return;
        };
        let holders = self.slots[old].holders + 1;
        let old_path = self.slots[old].path.as_ref().expect("a namer is a live slot");
        if keep_name(old_path) {
            self.slots[old].holders = holders;
        } else {
            self.slots[slot as usize].holders = holders;
            self.set_namer(wd, slot);
        }
    }

    /// Forgets that `path` holds its descriptor. Returns the descriptor when no path holds it any more (the
    /// caller removes the kernel watch); None when `path` was not watched, when another path still holds its
    /// descriptor (and names its events from now on, if `path` did), or when the kernel dropped it already.
    pub fn remove(&mut self, path: &DirPath) -> Option<i32> {
        let slot = self.find_path(path)?;
        let hash = self.hasher.hash_one(path);
        if let Ok(found) = self.by_path.find_entry(hash, |&s| s as usize == slot) {
            found.remove();
        }
        let wd = self.slots[slot].wd;
        self.slots[slot].path = None;
        self.slots.release(slot as u32);
        let namer = self.namer(wd)?;
        let holders = self.slots[namer].holders.saturating_sub(1);
        self.slots[namer].holders = holders;
        if holders == 0 {
            self.forget(wd);
            return Some(wd);
        }
        if namer == slot {
            // Rare (a rename in flight, a symlink race), so the other holder is looked for slot by slot.
            let heir = self.slots.iter().position(|s| s.wd == wd && s.path.is_some()).expect("a holder is left");
            self.slots[heir].holders = holders;
            self.set_namer(wd, heir as u32);
        }
        None
    }

    /// The kernel dropped descriptor `wd` (its directory is gone): its events have no name any more. The paths
    /// that held it stay until they are removed, and then leave no watch to remove.
    pub fn forget(&mut self, wd: i32) {
        let hash = self.hasher.hash_one(wd);
        let slots = &self.slots;
        if let Ok(found) = self.by_wd.find_entry(hash, |&s| slots[s as usize].wd == wd) {
            found.remove();
        }
    }

    fn find_path(&self, path: &DirPath) -> Option<usize> {
        let hash = self.hasher.hash_one(path);
        self.by_path.find(hash, |&s| slot_path(&self.slots, s) == path).map(|&s| s as usize)
    }

    fn namer(&self, wd: i32) -> Option<usize> {
        let hash = self.hasher.hash_one(wd);
        self.by_wd.find(hash, |&s| self.slots[s as usize].wd == wd).map(|&s| s as usize)
    }

    /// Makes `slot` the one that names `wd`'s events, in place of any other.
    fn set_namer(&mut self, wd: i32, slot: u32) {
        let hash = self.hasher.hash_one(wd);
        let (slots, hasher) = (&self.slots, &self.hasher);
        match self.by_wd.find_mut(hash, |&s| slots[s as usize].wd == wd) {
            Some(s) => *s = slot,
            None => {
                self.by_wd.insert_unique(hash, slot, |&s| hasher.hash_one(slots[s as usize].wd));
            }
        }
    }
}

fn slot_path(slots: &[Slot], s: u32) -> &DirPath {
    slots[s as usize].path.as_ref().expect("an indexed slot is live")
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::{Path, PathBuf};

    fn handle(p: &str) -> DirPath {
        DirPath::new(Path::new(p))
    }

    fn name(t: &WatchTable, wd: i32) -> Option<PathBuf> {
        t.name(wd).map(DirPath::to_path_buf)
    }

    #[test]
    fn each_path_names_its_own_descriptor_until_removed() {
        let mut t = WatchTable::default();
        for i in 0..100 {
            t.add(&handle(&format!("/r/d{i}")), i + 1, |_| unreachable!("no descriptor is shared"));
        }
        assert_eq!(t.len(), 100);
        assert_eq!(t.wd_of(&handle("/r/d7")), Some(8));
        assert_eq!(name(&t, 8), Some("/r/d7".into()));
        assert_eq!(t.remove(&handle("/r/d7")), Some(8));
        assert_eq!((t.wd_of(&handle("/r/d7")), name(&t, 8), t.len()), (None, None, 99));
        assert_eq!(t.remove(&handle("/r/d7")), None, "removing twice does nothing");
        // A freed slot is used again, and nothing else moved.
        t.add(&handle("/r/new"), 500, |_| unreachable!());
        assert_eq!(name(&t, 500), Some("/r/new".into()));
        for i in (0..100).filter(|&i| i != 7) {
            assert_eq!(name(&t, i + 1), Some(format!("/r/d{i}").into()));
        }
    }

    #[test]
    fn a_renamed_directory_is_named_by_its_new_path_and_watched_until_both_paths_go() {
        let mut t = WatchTable::default();
        t.add(&handle("/r/old"), 3, |_| unreachable!());
        // The old path is gone from disk (its rename is still queued): the new one takes the name.
        t.add(&handle("/r/new"), 3, |_| false);
        assert_eq!(name(&t, 3), Some("/r/new".into()));
        assert_eq!(t.remove(&handle("/r/old")), None, "the new path still holds the watch");
        assert_eq!(name(&t, 3), Some("/r/new".into()));
        assert_eq!(t.remove(&handle("/r/new")), Some(3));
    }

    #[test]
    fn a_symlinked_path_leaves_the_name_to_the_first_and_hands_it_on_when_that_goes() {
        let mut t = WatchTable::default();
        t.add(&handle("/r/d"), 4, |_| unreachable!());
        t.add(&handle("/r/link"), 4, |old| old.is(Path::new("/r/d")));
        assert_eq!(name(&t, 4), Some("/r/d".into()));
        assert_eq!((t.wd_of(&handle("/r/link")), t.len()), (Some(4), 2));
        // The namer goes first: the other holder names the events from now on.
        assert_eq!(t.remove(&handle("/r/d")), None);
        assert_eq!(name(&t, 4), Some("/r/link".into()));
        assert_eq!(t.remove(&handle("/r/link")), Some(4));
    }

    #[test]
    fn a_descriptor_the_kernel_dropped_leaves_no_watch_to_remove() {
        let mut t = WatchTable::default();
        t.add(&handle("/r/gone"), 9, |_| unreachable!());
        t.forget(9);
        assert_eq!(name(&t, 9), None);
        assert_eq!(t.wd_of(&handle("/r/gone")), Some(9), "the path stays until the engine lets it go");
        assert_eq!(t.remove(&handle("/r/gone")), None);
        assert_eq!(t.len(), 0);
    }
}
