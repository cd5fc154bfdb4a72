//! Roots that come and go while the watcher runs: one watcher (one inotify instance, one batching thread)
//! whatever paths the layers above want, as watchexec keeps a changeable path set on one watcher. A root
//! added now is taken as the baseline (its entries are not reported); one that does not exist yet is
//! looked for at each poll tick and reported when it appears. A root removed stops being reported, and
//! what it alone held (tree entries, OS watches, loop-guard claims, pending changes) is let go silently:
//! removing a root is not a change on disk.

use super::*;

impl Engine {
    pub(super) fn add_root(&mut self, path: PathBuf) -> Result<(), WatchError> {
        // Already a root: nothing to do (a mount found inside another root becomes a root in its own right).
        if let Some(r) = self.roots.iter_mut().find(|r| r.path == path) {
            r.inner_mount = false;
            return Ok(());
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
        // A root that does not exist yet is taken for a directory: that is what watching a path to be made is for.
        let is_file = meta.is_some_and(|m| !m.is_dir());
        if !is_file {
            self.filter.load_gitignore_ancestors(&path);
        }
        self.roots.push(Root::new(path, is_file, mode));
        let ri = self.roots.len() - 1;
        self.refresh_vcs();
        if meta.is_none() {
            self.roots[ri].present = false;
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
        let roots: Vec<PathBuf> = self.roots.iter().map(|r| r.path.clone()).collect();
        // What another root still holds stays: the whole subtree when this root lay inside another, else
        // the roots nested in this one and the directories above them.
        let kept = |p: &Path| roots.iter().any(|r| p.starts_with(r) || r.starts_with(p));
        if !roots.iter().any(|r| path.starts_with(r)) {
            let mut entries = self.tree.subtree(path);
            // Deepest first, so a directory leaves after what it holds.
            entries.sort_by_key(|(p, _)| std::cmp::Reverse(p.components().count()));
            for (p, m) in entries {
                if kept(&p) {
                    continue;
                }
                if m.is_dir() {
                    self.visited.release((m.dev, m.ino), &p);
                    if let Some(n) = self.native.as_mut() {
                        n.unwatch(&p);
                    }
                }
                self.tree.remove_subtree(&p);
            }
            self.pending.forget(|p| p.starts_with(path) && !kept(p));
        }
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

    /// The VCS directories to probe follow the roots.
    fn refresh_vcs(&mut self) {
        if self.cfg.vcs_settle {
            let roots: Vec<PathBuf> = self.roots.iter().map(|r| r.path.clone()).collect();
            self.vcs = Some(VcsProbe::for_roots(&roots)).filter(|v| !v.is_empty());
        }
    }
}
