//! What the watcher knows is on disk: every entry below the roots with its Meta, grouped by directory so a
//! removed directory's files can be reported and a rescan can be diffed. Stored as directory -> name ->
//! Meta: a name, not a whole path, per entry keeps a 100,000-file tree to a few MB.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::meta::Meta;

#[derive(Default)]
pub struct Tree {
    /// Directory -> its known entries.
    dirs: HashMap<PathBuf, HashMap<Box<OsStr>, Meta>>,
    len: usize,
}

impl Tree {
    pub fn get(&self, path: &Path) -> Option<&Meta> {
        let (parent, name) = split(path)?;
        self.dirs.get(parent)?.get(name)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn insert(&mut self, path: &Path, meta: Meta) {
        let Some((parent, name)) = split(path) else { return };
        let entries = match self.dirs.get_mut(parent) {
            Some(e) => e,
            None => self.dirs.entry(parent.to_path_buf()).or_default(),
        };
        if entries.insert(name.into(), meta).is_none() {
            self.len += 1;
        }
    }

    /// Removes `path` and everything below it; returns what was removed (deepest first).
    pub fn remove_subtree(&mut self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut removed = Vec::new();
        if let Some((parent, name)) = split(path) {
            if let Some(meta) = self.dirs.get_mut(parent).and_then(|e| e.remove(name)) {
                removed.push((path.to_path_buf(), meta));
            }
        }
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            if let Some(children) = self.dirs.remove(&dir) {
                for (name, meta) in children {
                    let child = dir.join(&*name);
                    if meta.is_dir() {
                        stack.push(child.clone());
                    }
                    removed.push((child, meta));
                }
            }
        }
        self.len -= removed.len();
        removed.reverse();
        removed
    }

    /// Every known path at or below `path`.
    pub fn subtree(&self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut out = Vec::new();
        if let Some(meta) = self.get(path) {
            out.push((path.to_path_buf(), *meta));
        }
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            if let Some(children) = self.dirs.get(&dir) {
                for (name, meta) in children {
                    let child = dir.join(&**name);
                    if meta.is_dir() {
                        stack.push(child.clone());
                    }
                    out.push((child, *meta));
                }
            }
        }
        out
    }
}

fn split(path: &Path) -> Option<(&Path, &OsStr)> {
    Some((path.parent()?, path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Kind;

    fn meta(kind: Kind) -> Meta {
        Meta { kind, mtime_ns: 1, size: 0, ino: 1, dev: 1 }
    }

    #[test]
    fn insert_get_remove_subtree() {
        let mut t = Tree::default();
        t.insert(Path::new("/r"), meta(Kind::Dir));
        t.insert(Path::new("/r/a"), meta(Kind::Dir));
        t.insert(Path::new("/r/a/x.js"), meta(Kind::File));
        t.insert(Path::new("/r/b.js"), meta(Kind::File));
        assert_eq!(t.len(), 4);
        assert_eq!(t.subtree(Path::new("/r")).len(), 4);
        let removed: Vec<PathBuf> = t.remove_subtree(Path::new("/r/a")).into_iter().map(|(p, _)| p).collect();
        assert_eq!(removed, vec![PathBuf::from("/r/a/x.js"), PathBuf::from("/r/a")]);
        assert_eq!(t.len(), 2);
        assert!(t.get(Path::new("/r/a/x.js")).is_none());
        assert!(t.get(Path::new("/r/b.js")).is_some());
    }
}
