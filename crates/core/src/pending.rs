//! The batch being collected: which paths were touched and what each was before the batch began. At the
//! end each path's net effect is read off by comparing that "before" with the tree, which the engine has
//! just brought in step with the disk. That gives watchfiles' coalescing for free (added+deleted =
//! nothing, deleted+added = modified) and makes an editor's atomic save read as one modification.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::change::{Batch, Change, FileChange};
use crate::meta::Meta;
use crate::tree::Tree;

#[derive(Default)]
pub struct Pending {
    touched: HashMap<PathBuf, Option<Meta>>,
    /// Renames the OS paired: new path -> old path.
    renames: HashMap<PathBuf, PathBuf>,
    first: Option<Instant>,
    last: Option<Instant>,
    rescan: bool,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        self.touched.is_empty() && !self.rescan
    }

    /// Records that `path` was touched; only its first "before" state in a batch counts.
    pub fn touch(&mut self, path: &Path, before: Option<Meta>, now: Instant) {
        if !self.touched.contains_key(path) {
            self.touched.insert(path.to_path_buf(), before);
        }
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// Every path touched so far in this batch.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.touched.keys().cloned().collect()
    }

    /// Drops what was touched at the paths `drop` picks (a root that is no longer watched).
    pub fn forget(&mut self, drop: impl Fn(&Path) -> bool) {
        self.touched.retain(|p, _| !drop(p));
        self.renames.retain(|to, _| !drop(to));
    }

    pub fn was_touched(&self, path: &Path) -> bool {
        self.touched.contains_key(path)
    }

    pub fn note_rename(&mut self, from: &Path, to: &Path) {
        self.renames.insert(to.to_path_buf(), from.to_path_buf());
    }

    pub fn mark_rescan(&mut self, now: Instant) {
        self.rescan = true;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }

    /// When the batch is due: `step` after the last event, or `debounce` after the first, whichever is
    /// sooner. Quiet is measured by time since the last event, never by the size of the set.
    pub fn due(&self, step: Duration, debounce: Duration) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + step).min(first + debounce))
    }

    /// Ends the batch: each touched path's net effect, from its state before the batch to its state in
    /// `tree` now. The tree is not changed here: keeping it in step with the disk (and the watches with
    /// it) is the engine's job, done just before.
    pub fn finish(&mut self, tree: &Tree) -> Batch {
        let touched = std::mem::take(&mut self.touched);
        let renames = std::mem::take(&mut self.renames);
        let rescan = std::mem::replace(&mut self.rescan, false);
        self.first = None;
        self.last = None;

        let mut changes = Vec::with_capacity(touched.len());
        for (path, before) in touched {
            let after = tree.get(&path);
            let change = match (before, after) {
                (None, None) => continue,
                (None, Some(_)) => Change::Added,
                (Some(_), None) => Change::Deleted,
                (Some(b), Some(a)) if a.is_dir() && b.is_dir() => continue,
                (Some(_), Some(_)) => Change::Modified,
            };
            let is_dir = after.or(before).is_some_and(|m| m.is_dir());
            changes.push(FileChange { change, path, old_path: None, is_dir });
        }
        // A paired rename keeps both paths: the old one as deleted, the new one as added with `old_path`.
        if !renames.is_empty() {
            let deleted: std::collections::HashSet<PathBuf> =
                changes.iter().filter(|c| c.change == Change::Deleted).map(|c| c.path.clone()).collect();
            for c in changes.iter_mut().filter(|c| c.change == Change::Added) {
                if let Some(from) = renames.get(&c.path) {
                    if deleted.contains(from) {
                        c.old_path = Some(from.clone());
                    }
                }
            }
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));
        Batch { changes, rescan }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Kind;

    fn meta(kind: Kind, ino: u64) -> Meta {
        Meta { kind, mtime_ns: 1, size: 1, ino, dev: 1 }
    }

    fn net(batch: &Batch) -> Vec<(Change, &str, bool)> {
        batch.changes.iter().map(|c| (c.change, c.path.to_str().unwrap(), c.is_dir)).collect()
    }

    #[test]
    fn each_path_nets_out_from_its_first_state_to_the_tree_now() {
        let now = Instant::now();
        let mut tree = Tree::default();
        let mut p = Pending::default();
        // added then deleted: nothing; deleted then added: modified; a file written: modified.
        p.touch(Path::new("/r/tmp"), None, now);
        p.touch(Path::new("/r/replaced"), Some(meta(Kind::File, 1)), now);
        tree.insert(Path::new("/r/replaced"), meta(Kind::File, 2));
        p.touch(Path::new("/r/new"), None, now);
        tree.insert(Path::new("/r/new"), meta(Kind::File, 3));
        p.touch(Path::new("/r/gone"), Some(meta(Kind::File, 4)), now);
        // Only the first "before" counts: the file existed when the batch began.
        p.touch(Path::new("/r/gone"), None, now);
        // A directory that is still a directory is not a change itself (its entries are).
        p.touch(Path::new("/r/dir"), Some(meta(Kind::Dir, 5)), now);
        tree.insert(Path::new("/r/dir"), meta(Kind::Dir, 5));
        // A file that became a directory is a modification, reported as a directory.
        p.touch(Path::new("/r/was-file"), Some(meta(Kind::File, 6)), now);
        tree.insert(Path::new("/r/was-file"), meta(Kind::Dir, 7));
        let batch = p.finish(&tree);
        assert_eq!(
            net(&batch),
            vec![
                (Change::Deleted, "/r/gone", false),
                (Change::Added, "/r/new", false),
                (Change::Modified, "/r/replaced", false),
                (Change::Modified, "/r/was-file", true),
            ]
        );
        assert!(!batch.rescan);
        assert!(p.is_empty(), "finish starts the next batch empty");
    }

    #[test]
    fn a_paired_rename_names_its_old_path_only_when_both_ends_are_reported() {
        let now = Instant::now();
        let mut tree = Tree::default();
        let mut p = Pending::default();
        p.touch(Path::new("/r/a"), Some(meta(Kind::File, 1)), now);
        p.touch(Path::new("/r/b"), None, now);
        tree.insert(Path::new("/r/b"), meta(Kind::File, 1));
        p.note_rename(Path::new("/r/a"), Path::new("/r/b"));
        // Renamed from outside what is reported: no old path.
        p.touch(Path::new("/r/c"), None, now);
        tree.insert(Path::new("/r/c"), meta(Kind::File, 2));
        p.note_rename(Path::new("/elsewhere/x"), Path::new("/r/c"));
        let batch = p.finish(&tree);
        let old: Vec<(&str, Option<&str>)> =
            batch.changes.iter().map(|c| (c.path.to_str().unwrap(), c.old_path.as_deref().and_then(Path::to_str))).collect();
        assert_eq!(old, vec![("/r/a", None), ("/r/b", Some("/r/a")), ("/r/c", None)]);
    }

    #[test]
    fn a_batch_is_due_a_step_after_its_last_event_or_a_debounce_after_its_first() {
        let t0 = Instant::now();
        let (step, debounce) = (Duration::from_millis(50), Duration::from_millis(200));
        let mut p = Pending::default();
        assert_eq!(p.due(step, debounce), None);
        p.touch(Path::new("/r/a"), None, t0);
        assert_eq!(p.due(step, debounce), Some(t0 + step));
        p.touch(Path::new("/r/b"), None, t0 + Duration::from_millis(180));
        assert_eq!(p.due(step, debounce), Some(t0 + debounce), "events that keep coming do not hold it past debounce");
        p.mark_rescan(t0);
        assert!(p.finish(&Tree::default()).rescan);
    }
}
