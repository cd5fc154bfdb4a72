//! What the watcher knows is on disk: every entry below the roots with its Meta, grouped by directory so a
//! removed directory's files can be reported and a rescan can be diffed.
//!
//! Stored compactly, because a watcher holds one entry per file of the tree (100,000 files are common):
//! - a directory keeps its entries in one vector of 16-byte records and their names in one byte buffer, so
//!   an entry costs no allocation and no path of its own (only its name, once);
//! - a file found by a native walk (no stat: kind and inode from the directory entry) needs no more; a
//!   file whose metadata was read (mtime, size, device, inode) keeps it in one shared slab;
//! - a subdirectory's record points at the directory record of its entries, which holds its own metadata;
//! - devices are numbered once per tree (a tree spans a handful of filesystems), so a record holds 4 bytes;
//! - directories whose own entry is not in the tree (the parent of a root) are found by path ("tops"), and
//!   everything else by walking names down from the nearest one;
//! - a big directory gets a hash index of its names, kept beside the records (most directories are small,
//!   so a record holds no room for one); a small one is searched in place.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::hash::BuildHasher;
use std::path::{Component, Path, PathBuf};

use hashbrown::HashTable;

use crate::meta::{Kind, Meta};
use crate::slots::Slots;

/// Above this many entries a directory's names get a hash index (below it a scan is as fast and costs nothing).
const INDEX_FROM: usize = 24;

/// One entry of a directory: 16 bytes, because a big tree has one per file. `data` is one word whose meaning
/// depends on the entry: a directory's is its directory record (which holds its inode and device); a file
/// known from its directory entry alone (see `Meta::light`) keeps its inode there; a file whose metadata was
/// read (`stat`) keeps its slot in `Tree::stats` there (the slot holds its inode).
#[derive(Clone, Copy)]
struct Entry {
    name_at: u32,
    name_len: u16,
    kind: u8,
    stat: bool,
    data: [u32; 2],
}

impl Entry {
    /// A directory's record in `Tree::dirs`, or a read file's slot in `Tree::stats`.
    fn slot(&self) -> u32 {
        self.data[0]
    }

    /// The inode of a file known from its directory entry alone.
    fn ino(&self) -> u64 {
        (self.data[0] as u64) | ((self.data[1] as u64) << 32)
    }
}

/// What was read of a file beyond its directory entry.
#[derive(Clone, Copy)]
struct Stat {
    mtime_ns: i64,
    size: u64,
    dev: u64,
    ino: u64,
}

#[derive(Default)]
struct Dir {
    entries: Vec<Entry>,
    names: Vec<u8>,
    /// The directory has a name index in `Tree::indexes` (it grew past INDEX_FROM entries).
    indexed: bool,
    /// Bytes of `names` that belong to removed entries (compacted when they are half of it).
    garbage: u32,
    /// The device of the entries known from their directory entry alone (fixed when the record is made), as
    /// its number in `Tree::devs`.
    files_dev: u32,
    /// This directory's own device (its number in `Tree::devs`) and inode. A directory changes only by
    /// identity (see `Meta::differs`), so its mtime and size are not kept: they read as 0.
    dev: u32,
    ino: u64,
}

#[derive(Default)]
pub struct Tree {
    dirs: Slots<Dir>,
    stats: Slots<Stat>,
    /// Every device the tree has seen; records name one by its position here.
    devs: Vec<u64>,
    /// Entry positions by name hash, by directory record, for the directories marked `indexed`.
    indexes: HashMap<u32, HashTable<u32>>,
    /// Directories holding entries whose own entry is not in the tree, by path.
    tops: HashMap<PathBuf, u32>,
    hasher: std::collections::hash_map::RandomState,
    len: usize,
    /// The directory the last insert or lookup resolved (a walk inserts a directory's entries in a row).
    last: RefCell<Option<(PathBuf, u32)>>,
    /// The directory that grew last, and its entry count when it began to: a directory that took several
    /// entries in a row (a walk) is trimmed when inserts move on to another one.
    growing: (u32, usize),
}

impl Tree {
    pub fn get(&self, path: &Path) -> Option<Meta> {
        let (parent, name) = split(path)?;
        let d = self.find_dir(parent)?;
        let i = self.position(d, name)?;
        Some(self.meta_of(d, i))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn insert(&mut self, path: &Path, meta: Meta) {
        let Some((parent, name)) = split(path) else { return };
        let d = match self.find_dir(parent) {
            Some(d) => d,
            None => {
                let dev = self.dev_number(meta.dev);
                let d = self.new_dir(dev);
                self.tops.insert(parent.to_path_buf(), d);
                d
            }
        };
        if self.growing.0 != d {
            self.trim(self.growing);
            self.growing = (d, self.dirs[d as usize].entries.len());
        }
        match self.position(d, name) {
            Some(i) => self.replace(d, i, path, meta),
            None => {
                let (stat, data) = self.data_for(d, path, meta);
                self.push(d, name, Entry { name_at: 0, name_len: 0, kind: meta.kind as u8, stat, data });
                self.len += 1;
            }
        }
    }

    /// Removes `path` and everything below it; returns what was removed (deepest first).
    pub fn remove_subtree(&mut self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut removed = Vec::new();
        let mut below: Vec<u32> = Vec::new();
        if let Some((parent, name)) = split(path) {
            if let Some(d) = self.find_dir(parent) {
                if let Some(i) = self.position(d, name) {
                    removed.push((path.to_path_buf(), self.meta_of(d, i)));
                    let e = self.dirs[d as usize].entries[i];
                    if kind_of(e.kind) == Kind::Dir {
                        below.push(e.slot());
                    } else if e.stat {
                        self.free_stat(e.slot());
                    }
                    self.remove_at(d, i);
                }
            }
        }
        if let Some(top) = self.tops.remove(path) {
            below.push(top);
        }
        for d in below {
            self.collect(d, path, &mut removed, true);
        }
        *self.last.get_mut() = None;
        self.len -= removed.len();
        removed.reverse();
        removed
    }

    /// Every known path at or below `path`.
    pub fn subtree(&self, path: &Path) -> Vec<(PathBuf, Meta)> {
        let mut out = Vec::new();
        let mut below = Vec::new();
        if let Some((parent, name)) = split(path) {
            if let Some(d) = self.find_dir(parent) {
                if let Some(i) = self.position(d, name) {
                    out.push((path.to_path_buf(), self.meta_of(d, i)));
                    let e = self.dirs[d as usize].entries[i];
                    if kind_of(e.kind) == Kind::Dir {
                        below.push(e.slot());
                    }
                }
            }
        }
        if let Some(&top) = self.tops.get(path) {
            below.push(top);
        }
        for d in below {
            self.list(d, path, &mut out);
        }
        out
    }

    // --- directories -------------------------------------------------------------------------------------

    /// The directory record holding the entries of `dir`: down by name from the nearest top.
    fn find_dir(&self, dir: &Path) -> Option<u32> {
        if let Some((p, d)) = &*self.last.borrow() {
            if p.as_os_str() == dir.as_os_str() {
                return Some(*d);
            }
        }
        let found = self.resolve(dir)?;
        *self.last.borrow_mut() = Some((dir.to_path_buf(), found));
        Some(found)
    }

    fn resolve(&self, dir: &Path) -> Option<u32> {
        let (top, mut d) = dir.ancestors().find_map(|a| self.tops.get(a).map(|&d| (a, d)))?;
        for c in dir.strip_prefix(top).ok()?.components() {
            let Component::Normal(name) = c else { return None };
            let i = self.position(d, name)?;
            let e = self.dirs[d as usize].entries[i];
            if kind_of(e.kind) != Kind::Dir {
                return None;
            }
            d = e.slot();
        }
        Some(d)
    }

    /// A device's number in `devs`, numbering it if it is new. The list is as long as the number of
    /// filesystems below the roots, so a search is cheap.
    fn dev_number(&mut self, dev: u64) -> u32 {
        match self.devs.iter().position(|&d| d == dev) {
            Some(i) => i as u32,
            None => {
                self.devs.push(dev);
                (self.devs.len() - 1) as u32
            }
        }
    }

    fn new_dir(&mut self, dev: u32) -> u32 {
        let dir = Dir { files_dev: dev, dev, ..Dir::default() };
        self.dirs.insert(dir)
    }

    /// Puts directory record `d` back on the free list, with its name index if it has one.
    fn free_dir(&mut self, d: u32) {
        if std::mem::take(&mut self.dirs[d as usize]).indexed {
            self.indexes.remove(&d);
        }
        self.dirs.release(d);
    }

    /// A directory record for the directory entry `path` (with `meta`): the one a top held for it, if any.
    fn dir_for_entry(&mut self, path: &Path, meta: Meta) -> u32 {
        let d = match self.tops.remove(path) {
            Some(d) => {
                *self.last.get_mut() = None;
                d
            }
            None => {
                let dev = self.dev_number(meta.dev);
                self.new_dir(dev)
            }
        };
        self.dirs[d as usize].dev = self.dev_number(meta.dev);
        self.dirs[d as usize].ino = meta.ino;
        d
    }

    /// Puts a directory record and everything below it back on the free lists, adding what it held to `out`.
    fn collect(&mut self, d: u32, path: &Path, out: &mut Vec<(PathBuf, Meta)>, free: bool) {
        let mut stack = vec![(d, path.to_path_buf())];
        while let Some((d, dir_path)) = stack.pop() {
            for i in 0..self.dirs[d as usize].entries.len() {
                let e = self.dirs[d as usize].entries[i];
                let child = dir_path.join(self.name(d, &e));
                out.push((child.clone(), self.meta_of(d, i)));
                if kind_of(e.kind) == Kind::Dir {
                    stack.push((e.slot(), child));
                } else if free && e.stat {
                    self.free_stat(e.slot());
                }
            }
            if free {
                self.free_dir(d);
            }
        }
    }

    fn list(&self, d: u32, path: &Path, out: &mut Vec<(PathBuf, Meta)>) {
        let mut stack = vec![(d, path.to_path_buf())];
        while let Some((d, dir_path)) = stack.pop() {
            let dir = &self.dirs[d as usize];
            for (i, e) in dir.entries.iter().enumerate() {
                let child = dir_path.join(self.name(d, e));
                out.push((child.clone(), self.meta_of(d, i)));
                if kind_of(e.kind) == Kind::Dir {
                    stack.push((e.slot(), child));
                }
            }
        }
    }

    /// Gives back what a directory that is done growing does not use (a walk fills one directory at a time).
    /// One that took a single entry keeps its slack, so events that alternate between directories do not
    /// reallocate a big one back and forth.
    fn trim(&mut self, (d, from): (u32, usize)) {
        if let Some(dir) = self.dirs.get_mut(d as usize) {
            if dir.entries.len() >= from + 2 {
                dir.entries.shrink_to_fit();
                dir.names.shrink_to_fit();
            }
        }
    }

    // --- entries -----------------------------------------------------------------------------------------

    fn name<'a>(&'a self, d: u32, e: &Entry) -> &'a OsStr {
        let names = &self.dirs[d as usize].names;
        os_str(&names[e.name_at as usize..e.name_at as usize + e.name_len as usize])
    }

    fn position(&self, d: u32, name: &OsStr) -> Option<usize> {
        let dir = &self.dirs[d as usize];
        let want = name.as_encoded_bytes();
        let is = |e: &Entry| {
            e.name_len as usize == want.len() && &dir.names[e.name_at as usize..e.name_at as usize + want.len()] == want
        };
        if !dir.indexed {
            return dir.entries.iter().position(is);
        }
        let hash = self.hasher.hash_one(want);
        self.indexes[&d].find(hash, |&i| is(&dir.entries[i as usize])).map(|&i| i as usize)
    }

    fn meta_of(&self, d: u32, i: usize) -> Meta {
        let dir = &self.dirs[d as usize];
        let e = dir.entries[i];
        let kind = kind_of(e.kind);
        if kind == Kind::Dir {
            let sub = &self.dirs[e.slot() as usize];
            return Meta { kind, mtime_ns: 0, size: 0, ino: sub.ino, dev: self.devs[sub.dev as usize] };
        }
        if e.stat {
            let st = self.stats[e.slot() as usize];
            return Meta { kind, mtime_ns: st.mtime_ns, size: st.size, ino: st.ino, dev: st.dev };
        }
        Meta::light(kind, e.ino(), self.devs[dir.files_dev as usize])
    }

    /// What a new entry `path` of directory `d` keeps in its `stat` and `data` (see `Entry`).
    fn data_for(&mut self, d: u32, path: &Path, meta: Meta) -> (bool, [u32; 2]) {
        if meta.kind == Kind::Dir {
            return (false, [self.dir_for_entry(path, meta), 0]);
        }
        let files_dev = self.devs[self.dirs[d as usize].files_dev as usize];
        if meta == Meta::light(meta.kind, meta.ino, files_dev) {
            return (false, split_ino(meta.ino));
        }
        let st = Stat { mtime_ns: meta.mtime_ns, size: meta.size, dev: meta.dev, ino: meta.ino };
        (true, [self.stats.insert(st), 0])
    }

    fn free_stat(&mut self, s: u32) {
        self.stats.release(s);
    }

    /// New metadata for an existing entry. A directory keeps its entries while it stays a directory (the
    /// engine removes a replaced one's subtree first); when it becomes something else, what it held stays
    /// findable by path, as a top.
    fn replace(&mut self, d: u32, i: usize, path: &Path, meta: Meta) {
        let old = self.dirs[d as usize].entries[i];
        let was_dir = kind_of(old.kind) == Kind::Dir;
        let (stat, data) = match (was_dir, meta.kind == Kind::Dir) {
            (true, true) => {
                let dev = self.dev_number(meta.dev);
                let sub = &mut self.dirs[old.slot() as usize];
                (sub.dev, sub.ino) = (dev, meta.ino);
                (false, old.data)
            }
            (true, false) => {
                if self.dirs[old.slot() as usize].entries.is_empty() {
                    self.free_dir(old.slot());
                } else {
                    self.tops.insert(path.to_path_buf(), old.slot());
                }
                *self.last.get_mut() = None;
                self.data_for(d, path, meta)
            }
            (false, _) => {
                if old.stat {
                    self.free_stat(old.slot());
                }
                self.data_for(d, path, meta)
            }
        };
        let e = &mut self.dirs[d as usize].entries[i];
        (e.kind, e.stat, e.data) = (meta.kind as u8, stat, data);
    }

    /// Adds `entry` to directory `d` under `name` (its name fields are set here).
    fn push(&mut self, d: u32, name: &OsStr, mut entry: Entry) {
        let bytes = name.as_encoded_bytes();
        let hasher = &self.hasher;
        let dir = &mut self.dirs[d as usize];
        (entry.name_at, entry.name_len) = (dir.names.len() as u32, bytes.len() as u16);
        dir.names.extend_from_slice(bytes);
        let at = dir.entries.len() as u32;
        dir.entries.push(entry);
        if dir.indexed {
            let (entries, names) = (&dir.entries, &dir.names);
            let index = self.indexes.get_mut(&d).expect("an indexed directory has an index");
            index.insert_unique(hasher.hash_one(bytes), at, |&i| hasher.hash_one(entry_name(names, &entries[i as usize])));
        } else if dir.entries.len() > INDEX_FROM {
            let mut index = HashTable::with_capacity(dir.entries.len());
            for (i, e) in dir.entries.iter().enumerate() {
                let h = hasher.hash_one(entry_name(&dir.names, e));
                index.insert_unique(h, i as u32, |&j| hasher.hash_one(entry_name(&dir.names, &dir.entries[j as usize])));
            }
            self.indexes.insert(d, index);
            dir.indexed = true;
        }
    }

    /// Drops entry `i` of directory `d` (the last entry takes its place).
    fn remove_at(&mut self, d: u32, i: usize) {
        let hasher = &self.hasher;
        let dir = &mut self.dirs[d as usize];
        let last = dir.entries.len() - 1;
        if let Some(index) = self.indexes.get_mut(&d).filter(|_| dir.indexed) {
            let h = hasher.hash_one(entry_name(&dir.names, &dir.entries[i]));
            if let Ok(found) = index.find_entry(h, |&j| j as usize == i) {
                found.remove();
            }
            if i != last {
                let h = hasher.hash_one(entry_name(&dir.names, &dir.entries[last]));
                if let Some(slot) = index.find_mut(h, |&j| j as usize == last) {
                    *slot = i as u32;
                }
            }
        }
        dir.garbage += dir.entries[i].name_len as u32;
        dir.entries.swap_remove(i);
        if dir.garbage as usize * 2 > dir.names.len() && dir.garbage > 64 {
            compact_names(dir);
        }
        if dir.entries.is_empty() {
            if dir.indexed {
                self.indexes.remove(&d);
            }
            dir.indexed = false;
            dir.names = Vec::new();
            dir.entries = Vec::new();
            dir.garbage = 0;
        }
    }
}

/// Rewrites a directory's name buffer without the names of removed entries.
fn compact_names(dir: &mut Dir) {
    let mut names = Vec::with_capacity(dir.names.len() - dir.garbage as usize);
    for e in &mut dir.entries {
        let at = names.len() as u32;
        names.extend_from_slice(&dir.names[e.name_at as usize..e.name_at as usize + e.name_len as usize]);
        e.name_at = at;
    }
    dir.names = names;
    dir.garbage = 0;
}

fn entry_name<'a>(names: &'a [u8], e: &Entry) -> &'a [u8] {
    &names[e.name_at as usize..e.name_at as usize + e.name_len as usize]
}

fn split_ino(ino: u64) -> [u32; 2] {
    [ino as u32, (ino >> 32) as u32]
}

fn kind_of(k: u8) -> Kind {
    match k {
        0 => Kind::File,
        1 => Kind::Dir,
        2 => Kind::Symlink,
        _ => Kind::Other,
    }
}

/// A name taken whole from `OsStr::as_encoded_bytes`, as an `OsStr` again.
#[cfg(unix)]
pub(crate) fn os_str(bytes: &[u8]) -> &OsStr {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes)
}

#[cfg(not(unix))]
pub(crate) fn os_str(bytes: &[u8]) -> &OsStr {
    // SAFETY: callers pass a whole name taken from `OsStr::as_encoded_bytes` (the tree's `push`, dir_path's `child`).
    unsafe { OsStr::from_encoded_bytes_unchecked(bytes) }
}

fn split(path: &Path) -> Option<(&Path, &OsStr)> {
    Some((path.parent()?, path.file_name()?))
}

#[cfg(test)]
mod tests;
