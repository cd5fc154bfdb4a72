//! Roots that come and go while the watcher runs: one watcher (one inotify instance, one batching thread)
//! whatever paths the layers above want, as watchexec keeps a changeable path set on one watcher. A root
//! added now is taken as the baseline (its entries are not reported); one that does not exist yet is
//! looked for at each poll tick and reported when it appears. A root removed stops being reported, and
//! what it alone held (tree entries, OS watches, loop-guard claims, pending changes) is let go silently:
//! removing a root is not a change on disk.

use super::*;

impl Engine {
    pub(super) fn add_root(&mut self, path: PathBuf, recursive: bool) -> Result<(), WatchError> {
        // Already a root: nothing to do but its recursion (a mount found inside another root becomes a
        // root in its own right).
        if let Some(ri) = self.roots.iter().position(|r| r.path == path) {
            self.roots[ri].inner_mount = false;
            return self.set_recursive(ri, recursive);
        }
        let meta = match Meta::read(&path, true) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(WatchError::from_io(&e, &path, "watching")),
        };
        let mode = Mode::for_root(&self.cfg, &path);
        if mode == Mode::Native && self.native.is_none() {
            self.native = Some((self.make_backend)()?);
        }
        // A root that does not exist yet is taken for a directory until it appears, as whichever it is then.
        let is_file = meta.is_some_and(|m| !m.is_dir());
        if !is_file {
            self.filter.load_gitignore_ancestors(&path);
        }
        self.roots.push(Root::new(path, is_file, mode, recursive));
        let ri = self.roots.len() - 1;
        self.refresh_vcs();
        if meta.is_none() {
            self.roots[ri].present = false;
            self.roots[ri].kind_open = true;
        } else if let Err(e) = self.init_root(ri, false) {
            if e.code == ErrorCode::MaxWatch && self.cfg.on_limit == OnLimit::Poll {
                let reason = format!("{} did not fit the inotify watch limit", self.roots[ri].path.display());
                self.switch_to_poll(ri, reason);
            } else {
                let path = self.roots[ri].path.clone();
                self.remove_root(&path);
                return Err(e);
            }
        }
        if self.needs_polling() {
            self.schedule_poll(Instant::now());
        }
        Ok(())
    }

    pub(super) fn remove_root(&mut self, path: &Path) {
        let Some(ri) = self.roots.iter().position(|r| r.path == path && !r.inner_mount) else { return };
        let was_file = self.roots.remove(ri).is_file;
        // Mounts that were polled as roots because they lie inside this one leave with it.
        self.roots.retain(|r| !(r.inner_mount && r.path.starts_with(path)));
        self.let_go(path, |_| false);
        // A file root watched its directory for itself; let that go when nothing else needs it (a directory
        // root holding it keeps it in the tree).
        if was_file {
            if let Some(parent) = path.parent() {
                let needed = self.tree.get(parent).is_some()
                    || self.roots.iter().any(|r| r.path == parent || (r.is_file && r.path.parent() == Some(parent)));
                if !needed {
                    if let Some(n) = self.native.as_mut() {
                        n.unwatch(parent);
                    }
                }
            }
        }
        self.refresh_vcs();
    }

    /// A directory root watched deeper or less deep from now on. Deeper: what lies below is walked and
    /// watched, as the baseline. Less deep: what only the depth held is let go, as a removed root's is.
    fn set_recursive(&mut self, ri: usize, recursive: bool) -> Result<(), WatchError> {
        let root = &self.roots[ri];
        if root.recursive == recursive || root.is_file {
            self.roots[ri].recursive = recursive;
            return Ok(());
        }
        let path = root.path.clone();
        let (native, present) = (root.mode == Mode::Native, root.present);
        if !recursive {
            self.roots[ri].recursive = false;
            self.let_go(&path, |p| p.parent() == Some(path.as_path()));
            if native && !PER_DIR && present {
                let n = self.native_mut();
                n.unwatch(&path);
                n.watch(&path, &DirPath::new(&path), false)?;
            }
            return Ok(());
        }
        self.roots[ri].recursive = true;
        // The directory reached first through another path is walked there (see init_root).
        let handle = DirPath::new(&path);
        let owned = Meta::read(&path, true).is_ok_and(|m| m.is_dir() && self.visited.claim((m.dev, m.ino), &handle));
        if !present || !owned {
            return Ok(());
        }
        if native && !PER_DIR {
            let n = self.native_mut();
            n.unwatch(&path);
            n.watch(&path, &handle, true)?;
        }
        self.scan_new_dir(ri, &path, false)
    }

    /// Forgets what lies at and below `path` that no root holds any more and `keep` does not ask for: tree
    /// entries, OS watches, loop-guard claims, pending changes. Silently: nothing changed on disk.
    fn let_go(&mut self, path: &Path, keep: impl Fn(&Path) -> bool) {
        // A recursive root holding `path` holds all of it.
        if self.roots.iter().any(|r| r.recursive && !r.is_file && path.starts_with(&r.path) && r.path != path) {
            return;
        }
        // What another root still holds stays, and so do the directories above a root.
        let roots: Vec<(PathBuf, bool, bool)> = self.roots.iter().map(|r| (r.path.clone(), r.recursive, r.is_file)).collect();
        let kept = |p: &Path| {
            keep(p)
                || roots.iter().any(|(r, recursive, is_file)| {
                    r.starts_with(p) || (!is_file && if *recursive { p.starts_with(r) } else { p.parent() == Some(r.as_path()) })
                })
        };
        // A directory kept only as an entry of a flat root, or above a root, is no longer watched itself; a
        // file root's directory is.
        let watched = |p: &Path| {
            roots.iter().any(|(r, recursive, is_file)| {
                if *is_file {
                    r.parent() == Some(p)
                } else {
                    r == p || (*recursive && p.starts_with(r))
                }
            })
        };
        let mut entries = self.tree.subtree(path);
        // Deepest first, so a directory leaves after what it holds.
        entries.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
        for (p, m) in entries {
            let stays = kept(&p);
            if stays && (!m.is_dir() || watched(&p)) {
                continue;
            }
            if m.is_dir() {
                self.visited.release((m.dev, m.ino), &p);
                if let Some(n) = self.native.as_mut() {
                    n.unwatch(&p);
                }
            }
            if !stays {
                self.tree.remove_subtree(&p);
            }
        }
        self.pending.forget(|p| p.starts_with(path) && !kept(p));
    }

    /// The VCS directories to probe follow the roots.
    fn refresh_vcs(&mut self) {
        if self.cfg.vcs_settle {
            let roots: Vec<PathBuf> = self.roots.iter().map(|r| r.path.clone()).collect();
            self.vcs = Some(VcsProbe::for_roots(&roots)).filter(|v| !v.is_empty());
        }
    }
}
