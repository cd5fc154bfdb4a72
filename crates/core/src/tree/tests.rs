use super::*;
use std::collections::{BTreeMap, HashMap};

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

#[test]
fn an_entry_is_sixteen_bytes_and_a_walked_file_allocates_nothing_of_its_own() {
    assert_eq!(std::mem::size_of::<Entry>(), 16);
    assert!(std::mem::size_of::<Dir>() <= 72);
    let mut t = Tree::default();
    t.insert(Path::new("/r"), Meta { kind: Kind::Dir, mtime_ns: 5, size: 4096, ino: 2, dev: 9 });
    assert_eq!(t.get(Path::new("/r")), Some(Meta { kind: Kind::Dir, mtime_ns: 0, size: 0, ino: 2, dev: 9 }));
    for i in 0..1000u64 {
        t.insert(&Path::new("/r").join(format!("f{i}.js")), Meta::light(Kind::File, 100 + i, 9));
    }
    assert!(t.stats.is_empty(), "a file known from its directory entry keeps no stat");
    assert_eq!(t.get(Path::new("/r/f7.js")), Some(Meta::light(Kind::File, 107, 9)));
    // A file on another device than its directory (a bind mount) keeps its own.
    t.insert(Path::new("/r/bound"), Meta::light(Kind::File, 1, 10));
    assert_eq!(t.get(Path::new("/r/bound")), Some(Meta::light(Kind::File, 1, 10)));
    assert_eq!(t.stats.len(), 1);
    // Only the wide directory has a name index, and it goes with the directory's entries.
    assert_eq!(t.indexes.len(), 1);
    t.remove_subtree(Path::new("/r"));
    assert!(t.indexes.is_empty() && t.is_empty());
}

/// The tree as it was first written (a map per directory path): the behaviour the compact tree must keep,
/// also where the engine never goes (entries below a file, directories whose parent is unknown).
#[derive(Default)]
struct Model {
    dirs: HashMap<PathBuf, HashMap<PathBuf, Meta>>,
}

impl Model {
    fn get(&self, path: &Path) -> Option<Meta> {
        self.dirs.get(path.parent()?)?.get(Path::new(path.file_name()?)).copied()
    }

    fn len(&self) -> usize {
        self.dirs.values().map(HashMap::len).sum()
    }

    fn insert(&mut self, path: &Path, mut meta: Meta) {
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else { return };
        if meta.is_dir() {
            (meta.mtime_ns, meta.size) = (0, 0); // not kept: a directory changes only by identity
        }
        self.dirs.entry(parent.to_path_buf()).or_default().insert(PathBuf::from(name), meta);
    }

    fn walk(&mut self, path: &Path, remove: bool) -> BTreeMap<PathBuf, Meta> {
        let mut out = BTreeMap::new();
        if let (Some(parent), Some(name)) = (path.parent(), path.file_name()) {
            let entries = self.dirs.get_mut(parent);
            let meta = if remove {
                entries.and_then(|e| e.remove(Path::new(name)))
            } else {
                entries.and_then(|e| e.get(Path::new(name)).copied())
            };
            if let Some(m) = meta {
                out.insert(path.to_path_buf(), m);
            }
        }
        let mut stack = vec![path.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let children = if remove { self.dirs.remove(&dir) } else { self.dirs.get(&dir).cloned() };
            for (name, m) in children.into_iter().flatten() {
                let child = dir.join(name);
                if m.is_dir() {
                    stack.push(child.clone());
                }
                out.insert(child, m);
            }
        }
        out
    }
}

fn random_path(rng: &mut fastrand::Rng) -> PathBuf {
    const NAMES: [&str; 5] = ["a", "b", "c", "dé", "a.js"];
    let mut p = PathBuf::from(if rng.bool() { "/r" } else { "/s/t" });
    for _ in 0..rng.usize(0..4) {
        if rng.u8(0..6) == 0 {
            // A wide directory, so names get a hash index and entries are moved when others leave.
            p.push(format!("n{}", rng.usize(0..60)));
        } else {
            p.push(NAMES[rng.usize(0..NAMES.len())]);
        }
    }
    p
}

fn random_meta(rng: &mut fastrand::Rng) -> Meta {
    let kind = [Kind::Dir, Kind::Dir, Kind::File, Kind::File, Kind::Symlink, Kind::Other][rng.usize(0..6)];
    let dev = rng.u64(1..3);
    let ino = if rng.bool() { rng.u64(..) } else { rng.u64(1..50) };
    if kind != Kind::Dir && rng.bool() {
        return Meta::light(kind, ino, dev);
    }
    Meta { kind, mtime_ns: rng.i64(..), size: rng.u64(..), ino, dev }
}

#[test]
fn matches_a_map_per_directory_path_through_random_operations() {
    for seed in 0..300u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut tree = Tree::default();
        let mut model = Model::default();
        for step in 0..400 {
            let path = random_path(&mut rng);
            let what = format!("seed {seed} step {step} at {}", path.display());
            match rng.u8(0..10) {
                0..=4 => {
                    let m = random_meta(&mut rng);
                    tree.insert(&path, m);
                    model.insert(&path, m);
                }
                5 => {
                    let got: BTreeMap<PathBuf, Meta> = tree.remove_subtree(&path).into_iter().collect();
                    assert_eq!(got, model.walk(&path, true), "remove_subtree, {what}");
                }
                6 => {
                    let got: BTreeMap<PathBuf, Meta> = tree.subtree(&path).into_iter().collect();
                    assert_eq!(got, model.walk(&path, false), "subtree, {what}");
                }
                _ => assert_eq!(tree.get(&path), model.get(&path), "get, {what}"),
            }
            assert_eq!(tree.len(), model.len(), "len, {what}");
            let indexed = tree.dirs.iter().enumerate().filter(|(_, dir)| dir.indexed);
            assert!(indexed.clone().all(|(d, _)| tree.indexes.contains_key(&(d as u32))), "index kept, {what}");
            assert_eq!(indexed.count(), tree.indexes.len(), "no index left behind, {what}");
        }
        // Everything the model holds is found, and nothing else is listed.
        for (dir, entries) in &model.dirs {
            for (name, m) in entries {
                assert_eq!(tree.get(&dir.join(name)), Some(*m), "seed {seed}: final get");
            }
        }
    }
}

#[test]
fn removed_entries_deepest_first() {
    let mut t = Tree::default();
    t.insert(Path::new("/r"), meta(Kind::Dir));
    t.insert(Path::new("/r/a"), meta(Kind::Dir));
    t.insert(Path::new("/r/a/b"), meta(Kind::Dir));
    t.insert(Path::new("/r/a/b/c.js"), meta(Kind::File));
    let removed: Vec<PathBuf> = t.remove_subtree(Path::new("/r")).into_iter().map(|(p, _)| p).collect();
    let pos = |p: &str| removed.iter().position(|x| x == Path::new(p)).unwrap();
    assert!(pos("/r/a/b/c.js") < pos("/r/a/b") && pos("/r/a/b") < pos("/r/a") && pos("/r/a") < pos("/r"));
    assert!(t.is_empty());
    assert!(t.tops.values().all(|&d| t.dirs[d as usize].entries.is_empty()));
}
