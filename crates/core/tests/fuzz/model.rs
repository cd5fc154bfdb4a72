//! The model the fuzzer checks the watcher against: the tree as the reported changes say it is. It starts
//! from the real listing, takes every batch in order, and at each quiet point must equal the disk.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use watchfiles_core::{Batch, Change};

/// Path -> is it a directory.
pub type Listing = BTreeMap<PathBuf, bool>;

/// The real tree below `root` (not `root` itself), symlinks not followed.
pub fn list(root: &Path) -> Listing {
    let mut out = Listing::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                stack.push(e.path());
            }
            out.insert(e.path(), is_dir);
        }
    }
    out
}

#[derive(Default)]
pub struct Model {
    pub entries: Listing,
    /// Reports that cannot be right whatever the disk did: an add of a known path, a change or delete of
    /// an unknown one.
    pub anomalies: Vec<String>,
}

impl Model {
    pub fn new(entries: Listing) -> Model {
        Model { entries, anomalies: Vec::new() }
    }

    pub fn apply(&mut self, batch: &Batch) {
        for c in &batch.changes {
            let known = self.entries.contains_key(&c.path);
            match c.change {
                Change::Added => {
                    if known {
                        self.anomalies.push(format!("added an entry already known: {}", c.path.display()));
                    }
                    self.entries.insert(c.path.clone(), c.is_dir);
                }
                Change::Modified => {
                    if !known {
                        self.anomalies.push(format!("modified an unknown entry: {}", c.path.display()));
                    }
                    self.entries.insert(c.path.clone(), c.is_dir);
                }
                Change::Deleted => {
                    if self.entries.remove(&c.path).is_none() {
                        self.anomalies.push(format!("deleted an unknown entry: {}", c.path.display()));
                    }
                }
            }
        }
    }

    /// What differs from the disk: entries missing from the model, extra in it, of the wrong kind, and
    /// entries whose directory the model lacks. Empty when the model is right.
    pub fn diff(&self, root: &Path, disk: &Listing) -> Vec<String> {
        let mut out = Vec::new();
        for (p, is_dir) in disk {
            match self.entries.get(p) {
                None => out.push(format!("missing (on disk, never reported): {}", p.display())),
                Some(d) if d != is_dir => out.push(format!("wrong kind (dir={d}, disk dir={is_dir}): {}", p.display())),
                _ => {}
            }
        }
        for p in self.entries.keys() {
            if !disk.contains_key(p) {
                out.push(format!("extra (reported, not on disk): {}", p.display()));
            }
            let parent = p.parent().unwrap_or(root);
            if parent != root && self.entries.get(parent) != Some(&true) {
                out.push(format!("orphan (reported without its directory): {}", p.display()));
            }
        }
        out
    }
}
