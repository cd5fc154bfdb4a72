//! What the watcher knows is on disk: every entry below the roots with its Meta, and each directory's
//! children, so a removed directory's files can be reported and a rescan can be diffed.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::meta::Meta;

#[derive(Default)]
pub struct Tree {
    entries: HashMap<PathBuf, Meta>,
    children: HashMap<PathBuf, HashSet<OsString>>,
}

impl Tree {
    pub fn get(&self, path: &Path) -> Option<&Meta> {
        self.entries.get(path)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn insert(&mut self, path: &Path, meta: Meta) {
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
            self.children.entry(parent.to_path_buf()).or_default().insert(name.to_os_string());
        }
        self.entries.insert(path.to_path_buf(), meta);
    }

    /// Removes `path` and everything below it; returns what was removed (deepest first).
    pub fn remove_subtree(&mut self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut removed = Vec::new();
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
            if let Some(set) = self.children.get_mut(parent) {
                set.remove(name);
            }
        }
        let mut stack = vec![path.to_path_buf()];
        while let Some(p) = stack.pop() {
            if let Some(kids) = self.children.remove(&p) {
                stack.extend(kids.into_iter().map(|k| p.join(k)));
            }
            if let Some(meta) = self.entries.remove(&p) {
                removed.push((p, meta));
            }
        }
        removed.reverse();
        removed
    }

    /// Every known path at or below `path`.
    pub fn subtree(&self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut out = Vec::new();
        let mut stack = vec![path.to_path_buf()];
        while let Some(p) = stack.pop() {
            if let Some(kids) = self.children.get(&p) {
                stack.extend(kids.iter().map(|k| p.join(k)));
            }
            if let Some(meta) = self.entries.get(&p) {
                out.push((p, *meta));
            }
        }
        out
    }
}
