//! Directory paths as 4-byte handles into one shared tree of names. A big tree has one path per directory in
//! the loop guard and in the inotify backend; as a path of its own (an `Arc<Path>`) each cost the whole path
//! again, some 90 bytes for a 60-byte path. Here a directory's path is its parent's node and its own name: a
//! 16-byte node, the name's bytes, and a slot of the index, about 30 bytes.
//!
//! A node is interned by (parent, name), so two handles of one path are one node, and comparing paths is
//! comparing numbers. A handle counts as a reference to its node and a node as one to its parent; the last
//! reference gone, the node goes. The store is one per process behind a mutex that is only ever taken last
//! (nothing is called while it is held), so it may be taken under any other lock.

use std::collections::hash_map::RandomState;
use std::ffi::OsStr;
use std::hash::BuildHasher;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};

use hashbrown::HashTable;

use crate::slots::Slots;
use crate::tree::os_str;

const NO_PARENT: u32 = u32::MAX;

/// A directory's path, held. Cloning takes another reference; dropping lets it go.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DirPath(NonZeroU32);

impl DirPath {
    /// The handle of `path` (every path has one; its components are interned as needed).
    pub fn new(path: &Path) -> DirPath {
        let mut store = store();
        let mut node = NO_PARENT;
        for c in path.components() {
            let child = store.child(node, c.as_os_str());
            if node != NO_PARENT {
                store.release(node); // the child holds its parent now
            }
            node = child;
        }
        if node == NO_PARENT {
            node = store.child(NO_PARENT, OsStr::new("")); // the empty path
        }
        DirPath::from_node(node)
    }

    /// The handle of the entry `name` of this directory.
    pub fn child(&self, name: &OsStr) -> DirPath {
        DirPath::from_node(store().child(self.node(), name))
    }

    /// The handle `path` has now, if any handle holds it.
    pub fn find(path: &Path) -> Option<DirPath> {
        let mut store = store();
        let mut node = NO_PARENT;
        for c in path.components() {
            node = store.find(node, c.as_os_str().as_encoded_bytes())?;
        }
        (node != NO_PARENT).then(|| {
            store.nodes[node as usize].refs += 1;
            DirPath::from_node(node)
        })
    }

    /// True when this is the handle of `path` (no allocation).
    pub fn is(&self, path: &Path) -> bool {
        let store = store();
        let mut node = self.node();
        let mut components = path.components().rev().peekable();
        if components.peek().is_none() {
            return store.nodes[node as usize].parent == NO_PARENT && store.name(node).is_empty();
        }
        for c in components {
            if node == NO_PARENT || store.name(node) != c.as_os_str().as_encoded_bytes() {
                return false;
            }
            node = store.nodes[node as usize].parent;
        }
        node == NO_PARENT
    }

    pub fn to_path_buf(&self) -> PathBuf {
        store().path(self.node())
    }

    fn from_node(node: u32) -> DirPath {
        DirPath(NonZeroU32::new(node + 1).expect("fewer than u32::MAX nodes"))
    }

    fn node(&self) -> u32 {
        self.0.get() - 1
    }
}

impl Clone for DirPath {
    fn clone(&self) -> DirPath {
        store().nodes[self.node() as usize].refs += 1;
        DirPath(self.0)
    }
}

impl Drop for DirPath {
    fn drop(&mut self) {
        store().release(self.node());
    }
}

/// One component of an interned path. 16 bytes.
struct Node {
    parent: u32,
    name_at: u32,
    name_len: u16,
    /// Handles of this node and nodes below it; 0 while the node is free.
    refs: u32,
}

#[derive(Default)]
struct Store {
    nodes: Slots<Node>,
    names: Vec<u8>,
    /// Bytes of `names` whose nodes are gone (the buffer is rewritten when they are most of it).
    garbage: usize,
    /// Every live node, by (parent, name).
    index: HashTable<u32>,
    hasher: RandomState,
}

static STORE: LazyLock<Mutex<Store>> = LazyLock::new(Mutex::default);

fn store() -> MutexGuard<'static, Store> {
    // A panic elsewhere while the lock was held left the store whole: every method finishes its change before
    // anything that could panic.
    STORE.lock().unwrap_or_else(|p| p.into_inner())
}

impl Store {
    fn name(&self, node: u32) -> &[u8] {
        let n = &self.nodes[node as usize];
        &self.names[n.name_at as usize..n.name_at as usize + n.name_len as usize]
    }

    fn hash(&self, parent: u32, name: &[u8]) -> u64 {
        self.hasher.hash_one((parent, name))
    }

    fn find(&self, parent: u32, name: &[u8]) -> Option<u32> {
        let hash = self.hash(parent, name);
        self.index.find(hash, |&n| self.nodes[n as usize].parent == parent && self.name(n) == name).copied()
    }

    /// The node of `name` below `parent` (NO_PARENT: a first component), with one more reference.
    fn child(&mut self, parent: u32, name: &OsStr) -> u32 {
        let bytes = name.as_encoded_bytes();
        if let Some(node) = self.find(parent, bytes) {
            self.nodes[node as usize].refs += 1;
            return node;
        }
        let name_len = u16::try_from(bytes.len()).expect("a path component is shorter than 64 KiB");
        if parent != NO_PARENT {
            self.nodes[parent as usize].refs += 1;
        }
        let fresh = Node { parent, name_at: self.names.len() as u32, name_len, refs: 1 };
        self.names.extend_from_slice(bytes);
        let node = self.nodes.insert(fresh);
        let hash = self.hash(parent, bytes);
        let (nodes, names, hasher) = (&self.nodes, &self.names, &self.hasher);
        self.index.insert_unique(hash, node, |&n| {
            let n = &nodes[n as usize];
            hasher.hash_one((n.parent, &names[n.name_at as usize..n.name_at as usize + n.name_len as usize]))
        });
        node
    }

    /// One reference to `node` let go; a node left with none goes, and lets go of its parent.
    fn release(&mut self, mut node: u32) {
        while node != NO_PARENT {
            let n = &mut self.nodes[node as usize];
            n.refs -= 1;
            if n.refs > 0 {
                break;
            }
            let parent = n.parent;
            let hash = self.hash(parent, self.name(node));
            if let Ok(found) = self.index.find_entry(hash, |&m| m == node) {
                found.remove();
            }
            self.garbage += self.nodes[node as usize].name_len as usize;
            self.nodes.release(node);
            node = parent;
        }
        if self.index.is_empty() {
            // No path is held (the last watcher closed): give all of it back, not just the names.
            *self = Store::default();
        } else if self.garbage > 4096 && self.garbage * 2 > self.names.len() {
            self.compact_names();
        }
    }

    /// Rewrites the name buffer without the names of nodes that are gone.
    fn compact_names(&mut self) {
        let mut names = Vec::with_capacity(self.names.len() - self.garbage);
        for n in self.nodes.iter_mut().filter(|n| n.refs > 0) {
            let at = names.len() as u32;
            names.extend_from_slice(&self.names[n.name_at as usize..n.name_at as usize + n.name_len as usize]);
            n.name_at = at;
        }
        self.names = names;
        self.garbage = 0;
    }

    fn path(&self, mut node: u32) -> PathBuf {
        let mut chain = Vec::new();
        while node != NO_PARENT {
            chain.push(node);
            node = self.nodes[node as usize].parent;
        }
        let mut path = PathBuf::with_capacity(chain.iter().map(|&n| self.nodes[n as usize].name_len as usize + 1).sum());
        for &n in chain.iter().rev() {
            path.push(os_str(self.name(n))); // a whole component, taken from `as_encoded_bytes` in `child`
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store is shared by every test thread, so a test looks only at its own paths.
    fn nodes_named(prefix: &str) -> usize {
        let s = store();
        (0..s.nodes.len() as u32).filter(|&n| s.nodes[n as usize].refs > 0 && s.name(n).starts_with(prefix.as_bytes())).count()
    }

    #[test]
    fn a_store_that_holds_no_path_any_more_gives_all_of_its_memory_back() {
        let mut s = Store::default();
        let root = s.child(NO_PARENT, OsStr::new("/"));
        let leaves: Vec<u32> = (0..1000).map(|i| s.child(root, OsStr::new(&format!("d{i}")))).collect();
        s.release(root); // the leaves hold it
        assert_eq!((s.nodes.len(), s.index.len()), (1001, 1001));
        for n in leaves {
            s.release(n);
        }
        assert_eq!((s.nodes.capacity(), s.names.capacity(), s.nodes.free_capacity(), s.index.capacity()), (0, 0, 0, 0));
    }

    #[test]
    fn a_path_comes_back_as_it_went_in_and_one_path_is_one_handle() {
        for p in ["/", "/dp-a/b/c", "/dp-a/b/c.d/é", "relative/dp-x", ""] {
            assert_eq!(DirPath::new(Path::new(p)).to_path_buf(), PathBuf::from(p));
        }
        let a = DirPath::new(Path::new("/dp-one/two"));
        let b = DirPath::new(Path::new("/dp-one")).child(OsStr::new("two"));
        assert_eq!(a, b);
        assert_ne!(a, DirPath::new(Path::new("/dp-one/three")));
        assert_eq!(DirPath::find(Path::new("/dp-one/two")), Some(a.clone()));
        assert_eq!(DirPath::find(Path::new("/dp-one/none")), None);
        assert!(a.is(Path::new("/dp-one/two")) && !a.is(Path::new("/dp-one")) && !a.is(Path::new("/x/dp-one/two")));
        assert!(!a.is(Path::new("dp-one/two")), "a relative path is another path");
    }

    #[test]
    fn a_node_lives_while_a_handle_holds_it_or_a_node_below_it() {
        let leaf = DirPath::new(Path::new("/dp-live/mid/leaf"));
        assert_eq!(nodes_named("dp-live"), 1);
        let mid = DirPath::find(Path::new("/dp-live/mid")).expect("the leaf holds its parent");
        drop(leaf);
        assert_eq!(DirPath::find(Path::new("/dp-live/mid/leaf")), None);
        let again = mid.clone();
        drop(mid);
        assert_eq!(again.to_path_buf(), PathBuf::from("/dp-live/mid"));
        drop(again);
        assert_eq!(nodes_named("dp-live"), 0);
        assert_eq!(DirPath::find(Path::new("/dp-live")), None);
    }

    #[test]
    fn names_of_nodes_that_went_are_given_back_and_the_rest_stay_whole() {
        let keep: Vec<DirPath> = (0..50).map(|i| DirPath::new(&Path::new("/dp-keep").join(format!("k{i}")))).collect();
        for round in 0..20 {
            let gone: Vec<DirPath> =
                (0..200).map(|i| DirPath::new(&Path::new("/dp-churn").join(format!("{round}-{i}-{}", "n".repeat(40))))).collect();
            drop(gone);
        }
        assert_eq!(nodes_named("dp-churn"), 0);
        let s = store();
        assert!(s.garbage <= 4096 || s.garbage * 2 <= s.names.len(), "the buffer was rewritten");
        drop(s);
        for (i, k) in keep.iter().enumerate() {
            assert_eq!(k.to_path_buf(), Path::new("/dp-keep").join(format!("k{i}")));
        }
    }
}
