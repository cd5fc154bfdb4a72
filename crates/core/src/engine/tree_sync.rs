//! Keeping the tree, the OS watches and the loop guard in step with the disk, one path at a time. The
//! only place a directory enters or leaves the tree (`add_dir`, `remove_dir`), so the three never drift
//! apart (see the invariant in mod.rs).

use super::*;

impl Engine {
    /// Something happened at `path`: record it for the batch and keep watches and tree in step.
    pub fn on_path(&mut self, path: &Path, now: Instant) {
        let Some(mut ri) = self.root_for(path) else { return };
        if !self.roots[ri].present {
            // The root itself is back (made in a watched directory): no need to wait for the poll tick.
            if path == self.roots[ri].path {
                self.look_for_root(ri);
                if self.roots[ri].present {
                    return;
                }
            }
            // Still absent: a root around it that is there goes on seeing the path.
            let around = self.roots.iter().enumerate().filter(|(_, r)| r.present && r.holds(path));
            match around.max_by_key(|(_, r)| r.path.as_os_str().len()) {
                Some((i, _)) => ri = i,
                None => return,
            }
        }
        // An event from a directory that has left the tree (or become a symlink) since: its own change
        // takes its entries along. Reading the path now would go through whatever stands there instead.
        if !self.in_known_directory(ri, path) {
            return;
        }
        let current = self.read_in(ri, path);
        let known = self.tree.get(path);
        let is_dir = current.or(known).is_some_and(|m| m.is_dir());
        if self.filter.is_ignored(&self.roots[ri].path, path, is_dir) {
            return;
        }
        if self.filter.is_ignore_file(path) {
            if let Some(dir) = path.parent() {
                self.filter.load_gitignore(dir);
            }
        }
        self.pending.touch(path, known, now);
        self.sync_path(ri, path, current, now);
    }

    /// The OS dropped the watch of directory `path` (it was deleted). A directory at the path now is another
    /// one even when its identity looks the same: inode numbers are reused at once, so a directory deleted
    /// and made again before its events are read passes the identity check in `sync_path`. It leaves the
    /// tree and whatever stands there now is walked and watched afresh.
    pub(super) fn on_unwatched(&mut self, path: &Path, now: Instant) {
        let Some(ri) = self.root_for(path) else { return };
        let Some(known) = self.tree.get(path).filter(Meta::is_dir) else { return };
        if !self.roots[ri].present {
            return;
        }
        self.pending.touch(path, Some(known), now);
        self.remove_dir(path, now);
        let current = self.read_in(ri, path);
        self.sync_path(ri, path, current, now);
    }

    /// True when `path` is root `ri` itself or stands in a directory the tree knows. A path below a
    /// directory that has left the tree, or is a symlink now, is not read: `lstat` would follow the
    /// symlink in its middle and find another directory's entry.
    pub(super) fn in_known_directory(&self, ri: usize, path: &Path) -> bool {
        path == self.roots[ri].path || path.parent().and_then(|d| self.tree.get(d)).is_some_and(|m| m.is_dir())
    }

    /// Brings the tree, the watches and the loop guard in step with what `path` is on disk (`current`).
    pub(super) fn sync_path(&mut self, ri: usize, path: &Path, current: Option<Meta>, now: Instant) {
        let known = self.tree.get(path);
        let was_dir = known.is_some_and(|k| k.is_dir());
        let same_dir = matches!((known, current), (Some(k), Some(c)) if k.is_dir() && c.is_dir() && k.ino == c.ino && k.dev == c.dev);
        // A directory that is gone, or is another one now (replaced, or renamed over), leaves with its subtree.
        if was_dir && !same_dir {
            self.remove_dir(path, now);
        }
        match current {
            // A new directory, also where a file or symlink was a moment ago.
            Some(c) if c.is_dir() && !same_dir => self.add_dir(ri, path, c),
            Some(c) if !c.is_dir() => self.tree.insert(path, c),
            None if known.is_some() && !was_dir => {
                self.tree.remove_subtree(path);
            }
            _ => {}
        }
        if path == self.roots[ri].path && current.is_none() {
            self.roots[ri].present = false;
            self.schedule_poll(now);
        }
    }

    pub(super) fn add_dir(&mut self, ri: usize, path: &Path, meta: Meta) {
        self.tree.insert(path, meta);
        let is_root = path == self.roots[ri].path;
        if !is_root && !self.roots[ri].recursive {
            return;
        }
        // A symlink to a directory already watched (or a loop): recorded, not walked again.
        let handle = DirPath::new(path);
        if !self.visited.claim((meta.dev, meta.ino), &handle) {
            return;
        }
        if is_root && self.roots[ri].mode == Mode::Native && !PER_DIR {
            let recursive = self.roots[ri].recursive;
            if let Err(e) = self.native_mut().watch(path, &handle, recursive) {
                return self.report(e);
            }
        }
        if let Err(e) = self.scan_new_dir(ri, path, true) {
            if e.code == ErrorCode::MaxWatch {
                self.on_limit(ri, e);
            } else if e.code != ErrorCode::NotFound {
                self.report(e);
            }
        }
    }

    pub(super) fn remove_dir(&mut self, path: &Path, now: Instant) {
        for (p, m) in self.tree.remove_subtree(path) {
            self.pending.touch(&p, Some(m), now);
            if m.is_dir() {
                self.visited.release((m.dev, m.ino), &p);
                if let Some(n) = self.native.as_mut() {
                    n.unwatch(&p);
                }
            }
        }
    }

    /// Walks a directory that just became known: on inotify each directory is watched before it is read.
    pub(super) fn scan_new_dir(&mut self, ri: usize, dir: &Path, report: bool) -> Result<(), WatchError> {
        let native_root = self.roots[ri].mode == Mode::Native;
        let watch_each = PER_DIR && native_root;
        let rules = ScanRules {
            stat_files: !native_root,
            stop_at_poll_mounts: native_root,
            recursive: self.roots[ri].recursive,
            ..ScanRules::new(&self.roots[ri].path, &self.cfg)
        };
        let now = Instant::now();
        let (tree, pending, native) = (&mut self.tree, &mut self.pending, &mut self.native);
        let mut before_read = |d: &Path, handle: &DirPath| -> Result<(), WatchError> {
            match native.as_mut() {
                Some(n) if watch_each => n.watch(d, handle, false),
                _ => Ok(()),
            }
        };
        let mut count = 0usize;
        let mut found = |p: &Path, m: Meta| {
            count += 1;
            if report {
                pending.touch(p, tree.get(p), now);
            }
            tree.insert(p, m);
        };
        let walked = scan(dir, &rules, &mut self.filter, &mut self.visited, &mut before_read, &mut found)?;
        if count >= RELEASE_AFTER {
            release_free_memory();
        }
        if let Some(e) = walked.too_long {
            self.report(e);
        }
        for mount in walked.poll_mounts {
            self.add_poll_root(mount, report);
        }
        Ok(())
    }
}

/// A walk of this many entries leaves enough freed memory behind (paths, listings) to be worth giving back.
const RELEASE_AFTER: usize = 10_000;

/// Returns the allocator's free pages to the OS. The walk's short-lived allocations are interleaved with
/// the tree's long-lived ones, so glibc would otherwise keep megabytes of freed pages in the watcher's RSS.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator already holds free; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
