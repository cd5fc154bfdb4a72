//! The roots: which root holds a path, placing a root's watches and walking it (again, when it comes
//! back), a root we may not read yet, mounts inside a root that are polled as roots of their own, and the
//! move of a root from OS events to polling when the watch limit is hit.

use super::*;

impl Engine {
    /// What `path` is on disk now, as root `ri` sees it: a root of the wrong kind (a watched directory
    /// replaced by a file, a watched file replaced by a directory) counts as absent until the right kind
    /// is back.
    pub(super) fn read_in(&self, ri: usize, path: &Path) -> Option<Meta> {
        let root = &self.roots[ri];
        if path == root.path {
            let meta = Meta::read(path, true).ok()?;
            return (meta.is_dir() != root.is_file).then_some(meta);
        }
        self.read(path)
    }

    /// Places the watches of root `ri` and records what is below it. With `report`, every entry found
    /// is part of the next batch as added (a root that came back).
    pub fn init_root(&mut self, ri: usize, report: bool) -> Result<(), WatchError> {
        let path = self.roots[ri].path.clone();
        let meta = Meta::read(&path, true).map_err(|e| WatchError::from_io(&e, &path, "watching"))?;
        if meta.is_dir() == self.roots[ri].is_file {
            let (want, found) = if meta.is_dir() { ("file", "directory") } else { ("directory", "file") };
            let message = format!("{} is a {found} now; it was watched as a {want}", path.display());
            return Err(WatchError::new(ErrorCode::NotDir, message, Some(&path)));
        }
        if !self.roots[ri].is_file && self.cfg.ignore_permission_denied && unreadable(&path) {
            return Ok(self.wait_until_readable(ri));
        }
        self.roots[ri].present = true;
        self.roots[ri].denied_said = false;
        let now = Instant::now();
        if report {
            self.pending.touch(&path, None, now);
        }
        self.tree.insert(&path, meta);
        let native = self.roots[ri].mode == Mode::Native;
        if self.roots[ri].is_file {
            if native {
                let parent = path.parent().unwrap_or(Path::new("/")).to_path_buf();
                self.native_mut().watch(&parent, &DirPath::new(&parent), false)?;
            }
            return Ok(());
        }
        // The same directory reached through another root (a symlink to it, or a root nested in another):
        // watched once, under the first path, as the README says.
        let handle = DirPath::new(&path);
        if !self.visited.claim((meta.dev, meta.ino), &handle) {
            return Ok(());
        }
        if native && !PER_DIR {
            let recursive = self.roots[ri].recursive;
            self.native_mut().watch(&path, &handle, recursive)?;
        }
        self.scan_new_dir(ri, &path, report)
    }

    /// A root directory we may not read, with ignorePermissionDenied: nothing below it can be watched yet.
    /// Say so once, and look again at each poll tick: it is picked up (and reported) once it is readable.
    pub(super) fn wait_until_readable(&mut self, ri: usize) {
        self.roots[ri].present = false;
        self.schedule_poll(Instant::now());
        if !self.roots[ri].denied_said {
            self.roots[ri].denied_said = true;
            let path = self.roots[ri].path.clone();
            let message = format!(
                "permission denied reading {}: nothing in it is watched until it becomes readable (ignorePermissionDenied is set, so watching goes on and it is picked up then)",
                path.display()
            );
            self.report(WatchError::new(ErrorCode::Access, message, Some(&path)));
        }
    }

    /// A mount inside a natively watched root that sends no events (an NFS or FUSE mount below the project):
    /// it becomes a polled root of its own, while the rest of the tree keeps OS events.
    pub(super) fn add_poll_root(&mut self, mount: PollMount, report: bool) {
        if self.roots.iter().any(|r| r.path == mount.path) {
            return;
        }
        // Found by a recursive walk, so watched as deep as the root it lies in.
        self.roots.push(Root { inner_mount: true, ..Root::new(mount.path, false, Mode::Poll(mount.reason), true) });
        let ri = self.roots.len() - 1;
        if let Err(e) = self.init_root(ri, report) {
            self.roots[ri].present = false;
            if e.code != ErrorCode::NotFound {
                self.report(e);
            }
        }
        self.schedule_poll(Instant::now());
    }

    /// The root that holds `path`: the deepest one when roots nest. An entry of a flat root that a recursive
    /// root also holds, and does not ignore, is the recursive root's (a directory made there is walked).
    pub(super) fn root_for(&self, path: &Path) -> Option<usize> {
        let deepest = |want: &dyn Fn(&Root) -> bool| {
            let mut best: Option<usize> = None;
            for (i, r) in self.roots.iter().enumerate() {
                if r.holds(path) && want(r) && best.map_or(true, |b| self.roots[b].path.as_os_str().len() < r.path.as_os_str().len()) {
                    best = Some(i);
                }
            }
            best
        };
        let best = deepest(&|_| true)?;
        let flat = &self.roots[best];
        if flat.recursive || flat.is_file || flat.path == path {
            return Some(best);
        }
        deepest(&|r| r.recursive && !r.is_file && !self.filter.is_ignored(&r.path, path, false)).or(Some(best))
    }

    /// The watch limit was hit while the watcher runs: poll the root if allowed, else say so once.
    pub(super) fn on_limit(&mut self, ri: usize, err: WatchError) {
        if self.cfg.on_limit == OnLimit::Poll && self.roots[ri].mode == Mode::Native {
            let reason = format!("{} did not fit the inotify watch limit", self.roots[ri].path.display());
            self.switch_to_poll(ri, reason);
        } else if !self.limit_reported {
            self.limit_reported = true;
            self.report(err);
        }
    }

    /// Moves a root from OS events to polling, keeping what is known of it.
    pub fn switch_to_poll(&mut self, ri: usize, reason: String) {
        let root = self.roots[ri].path.clone();
        if let Some(n) = self.native.as_mut() {
            for (p, m) in self.tree.subtree(&root) {
                if m.is_dir() {
                    n.unwatch(&p);
                }
            }
        }
        self.roots[ri].mode = Mode::Poll(reason);
        self.schedule_poll(Instant::now());
    }
}

fn unreadable(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}
