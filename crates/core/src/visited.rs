//! The symlink-loop guard: which path walks (and watches) each real directory, by (device, inode).
//!
//! Two paths can reach one directory only through a symlink or a bind mount; walking it twice would
//! double its watches and, through a symlink loop, never end. So the first path that reaches a directory
//! owns it, and others are recorded without being walked.
//!
//! The guard must never keep an identity for a directory that has left the tree: if it did, the
//! directory coming back under another path (a rename whose events are still queued while a batch is
//! flushed) would be taken for an alias and never be watched again, and everything below it would be
//! lost silently. So an owner holds its claim only while it still *is* that directory on disk: a claim
//! whose owner moved or vanished passes to the path that asks, and an owner releases only its own claim.

use std::collections::HashMap;
use std::path::Path;

use crate::dir_path::DirPath;
use crate::meta::Meta;

/// A directory's identity: (device, inode).
pub type DirId = (u64, u64);

#[derive(Default)]
pub struct Visited {
    /// A big tree has one per directory, so the path is a handle (see dir_path.rs), not a copy of its own.
    owners: HashMap<DirId, DirPath>,
}

impl Visited {
    /// True when `path` may walk the directory `id`: nobody owns it, `path` already does, or its owner no
    /// longer is that directory on disk (moved away or deleted, its events not read yet).
    pub fn claim(&mut self, id: DirId, path: &DirPath) -> bool {
        self.claim_with(id, path, |owner| Meta::read(owner, true).is_ok_and(|m| (m.dev, m.ino) == id))
    }

    /// `claim`, with the disk check given (unit tests).
    fn claim_with(&mut self, id: DirId, path: &DirPath, owner_holds: impl Fn(&Path) -> bool) -> bool {
        if let Some(owner) = self.owners.get(&id) {
            if owner != path && owner_holds(&owner.to_path_buf()) {
                return false;
            }
        }
        self.owners.insert(id, path.clone());
        true
    }

    /// `path` no longer walks `id` (it left the tree). A claim that already passed to another path stays.
    pub fn release(&mut self, id: DirId, path: &Path) {
        if self.owners.get(&id).is_some_and(|owner| owner.is(path)) {
            self.owners.remove(&id);
        }
    }

    pub fn len(&self) -> usize {
        self.owners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle(p: &str) -> DirPath {
        DirPath::new(Path::new(p))
    }

    #[test]
    fn an_alias_of_a_present_directory_is_refused() {
        let mut v = Visited::default();
        assert!(v.claim_with((1, 7), &handle("/r/real"), |_| true));
        assert!(!v.claim_with((1, 7), &handle("/r/link"), |_| true));
        assert!(v.claim_with((1, 7), &handle("/r/real"), |_| true), "the owner may claim again");
    }

    #[test]
    fn a_directory_that_moved_passes_to_its_new_path() {
        let mut v = Visited::default();
        assert!(v.claim_with((1, 7), &handle("/r/old"), |_| true));
        // /r/old was renamed to /r/new; the rename's events are still queued.
        assert!(v.claim_with((1, 7), &handle("/r/new"), |_| false));
        // When the old path's removal is finally handled, it must not take the new path's claim away.
        v.release((1, 7), Path::new("/r/old"));
        assert_eq!(v.len(), 1);
        assert!(!v.claim_with((1, 7), &handle("/r/other"), |_| true));
        v.release((1, 7), Path::new("/r/new"));
        assert!(v.is_empty());
    }
}
