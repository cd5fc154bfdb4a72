//! The batching thread: one per watcher. It owns what is known of the tree, turns OS events into touched
//! paths, places watches on new directories (and scans them), polls the roots that need it, rescans after
//! an overflow, holds batches during VCS operations, and emits each batch to the sink.
//!
//! The invariant everything here keeps ("never lose"): every directory below a present root that exists
//! on disk is either watched under its current path or polled, and every file in it has been reported
//! since it last changed — whatever order renames, deletes and flushes interleave in. Two rules make it so:
//! - The tree's directories, their watches and the loop guard change together, only in `add_dir` and
//!   `remove_dir`, reached from `sync_path`. Nothing else drops a directory from the tree.
//! - The disk moves ahead of the event queue. So a flush first brings every touched path in step with the
//!   disk (`sync_path` again): a directory renamed or deleted while the batch gathered is unwatched and
//!   forgotten then, exactly as its queued event would have done, and the loop guard lets the directory
//!   be walked again wherever it lands (see visited.rs).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

use notify::event::{EventKind, ModifyKind, RenameMode};

use crate::change::Output;
use crate::config::{OnLimit, WatchConfig};
use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::Meta;
use crate::native::{NativeBackend, PER_DIR};
use crate::pending::Pending;
use crate::scan::{scan, PollMount, ScanRules, Visited};
use crate::tree::Tree;
use crate::vcs::VcsProbe;

pub enum Msg {
    Fs(notify::Result<notify::Event>),
    Stop,
}

pub type Sink = Box<dyn Fn(Output) + Send>;

fn unreadable(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Native,
    /// Polled, with the reason shown to the user.
    Poll(String),
}

pub struct Root {
    pub path: PathBuf,
    pub is_file: bool,
    pub mode: Mode,
    /// False while the root does not exist (deleted), is of the wrong kind, or cannot be read (with
    /// ignorePermissionDenied); it is looked for again at each poll tick.
    pub present: bool,
    /// The user was told this root cannot be read; said once until it can.
    pub denied_said: bool,
}

impl Root {
    pub fn new(path: PathBuf, is_file: bool, mode: Mode) -> Root {
        Root { path, is_file, mode, present: true, denied_said: false }
    }
}

pub struct Engine {
    pub cfg: WatchConfig,
    pub filter: PathFilter,
    pub roots: Vec<Root>,
    pub tree: Tree,
    pub visited: Visited,
    pub native: Option<NativeBackend>,
    pub pending: Pending,
    pub vcs: Option<VcsProbe>,
    pub sink: Sink,
    hold_since: Option<Instant>,
    next_poll: Option<Instant>,
    limit_reported: bool,
    /// Wall clock (ns since the epoch) when watching began: a file never stat'ed with an mtime at or
    /// after it changed while events were lost (see `Meta::changed_since`).
    started_ns: i64,
}

impl Engine {
    pub fn new(cfg: WatchConfig, filter: PathFilter, roots: Vec<Root>, native: Option<NativeBackend>, sink: Sink) -> Engine {
        let vcs = if cfg.vcs_settle {
            Some(VcsProbe::for_roots(&roots.iter().map(|r| r.path.clone()).collect::<Vec<_>>())).filter(|v| !v.is_empty())
        } else {
            None
        };
        Engine {
            cfg,
            filter,
            roots,
            tree: Tree::default(),
            visited: Visited::default(),
            native,
            pending: Pending::default(),
            vcs,
            sink,
            hold_since: None,
            next_poll: None,
            limit_reported: false,
            started_ns: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0),
        }
    }

    fn rules(&self, ri: usize) -> ScanRules<'_> {
        ScanRules {
            root: &self.roots[ri].path,
            recursive: self.cfg.recursive,
            follow_symlinks: self.cfg.follow_symlinks,
            ignore_permission_denied: self.cfg.ignore_permission_denied,
            stat_files: true,
            stop_at_poll_mounts: self.roots[ri].mode == Mode::Native,
        }
    }

    fn read(&self, path: &Path) -> Option<Meta> {
        Meta::read(path, self.cfg.follow_symlinks).ok()
    }

    /// What `path` is on disk now, as root `ri` sees it: a root of the wrong kind (a watched directory
    /// replaced by a file, a watched file replaced by a directory) counts as absent until the right kind
    /// is back.
    fn read_in(&self, ri: usize, path: &Path) -> Option<Meta> {
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
                self.native_mut().watch(&parent, false)?;
            }
            return Ok(());
        }
        // The same directory reached through another root (a symlink to it, or a root nested in another):
        // watched once, under the first path, as the README says.
        if !self.visited.claim((meta.dev, meta.ino), &path) {
            return Ok(());
        }
        if native && !PER_DIR {
            let recursive = self.cfg.recursive;
            self.native_mut().watch(&path, recursive)?;
        }
        self.scan_new_dir(ri, &path, report)
    }

    /// A root directory we may not read, with ignorePermissionDenied: nothing below it can be watched yet.
    /// Say so once, and look again at each poll tick: it is picked up (and reported) once it is readable.
    fn wait_until_readable(&mut self, ri: usize) {
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

    fn native_mut(&mut self) -> &mut NativeBackend {
        self.native.as_mut().expect("a native root has a native backend")
    }

    /// Walks a directory that just became known: on inotify each directory is watched before it is read.
    fn scan_new_dir(&mut self, ri: usize, dir: &Path, report: bool) -> Result<(), WatchError> {
        let native_root = self.roots[ri].mode == Mode::Native;
        let watch_each = PER_DIR && native_root;
        let rules = ScanRules {
            root: &self.roots[ri].path,
            recursive: self.cfg.recursive,
            follow_symlinks: self.cfg.follow_symlinks,
            ignore_permission_denied: self.cfg.ignore_permission_denied,
            stat_files: !native_root,
            stop_at_poll_mounts: native_root,
        };
        let now = Instant::now();
        let (tree, pending, native) = (&mut self.tree, &mut self.pending, &mut self.native);
        let mut before_read = |d: &Path| -> Result<(), WatchError> {
            match native.as_mut() {
                Some(n) if watch_each => n.watch(d, false),
                _ => Ok(()),
            }
        };
        let mut found = |p: &Path, m: Meta| {
            if report {
                pending.touch(p, tree.get(p).copied(), now);
            }
            tree.insert(p, m);
        };
        let walked = scan(dir, &rules, &mut self.filter, &mut self.visited, &mut before_read, &mut found)?;
        if let Some(e) = walked.too_long {
            self.report(e);
        }
        for mount in walked.poll_mounts {
            self.add_poll_root(mount, report);
        }
        Ok(())
    }

    /// A mount inside a natively watched root that sends no events (an NFS or FUSE mount below the project):
    /// it becomes a polled root of its own, while the rest of the tree keeps OS events.
    fn add_poll_root(&mut self, mount: PollMount, report: bool) {
        if self.roots.iter().any(|r| r.path == mount.path) {
            return;
        }
        self.roots.push(Root::new(mount.path, false, Mode::Poll(mount.reason)));
        let ri = self.roots.len() - 1;
        if let Err(e) = self.init_root(ri, report) {
            self.roots[ri].present = false;
            if e.code != ErrorCode::NotFound {
                self.report(e);
            }
        }
        self.schedule_poll(Instant::now());
    }

    /// The root that holds `path` (the deepest one when roots nest).
    fn root_for(&self, path: &Path) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, r) in self.roots.iter().enumerate() {
            let holds = if r.is_file { path == r.path } else { path.starts_with(&r.path) };
            if holds && best.map_or(true, |b| self.roots[b].path.as_os_str().len() < r.path.as_os_str().len()) {
                best = Some(i);
            }
        }
        best
    }

    /// Something happened at `path`: record it for the batch and keep watches and tree in step.
    pub fn on_path(&mut self, path: &Path, now: Instant) {
        let Some(ri) = self.root_for(path) else { return };
        if !self.roots[ri].present {
            return;
        }
        let current = self.read_in(ri, path);
        let known = self.tree.get(path).copied();
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

    /// Brings the tree, the watches and the loop guard in step with what `path` is on disk (`current`).
    fn sync_path(&mut self, ri: usize, path: &Path, current: Option<Meta>, now: Instant) {
        let known = self.tree.get(path).copied();
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

    fn add_dir(&mut self, ri: usize, path: &Path, meta: Meta) {
        self.tree.insert(path, meta);
        let is_root = path == self.roots[ri].path;
        if !is_root && !self.cfg.recursive {
            return;
        }
        // A symlink to a directory already watched (or a loop): recorded, not walked again.
        if !self.visited.claim((meta.dev, meta.ino), path) {
            return;
        }
        if is_root && self.roots[ri].mode == Mode::Native && !PER_DIR {
            let recursive = self.cfg.recursive;
            if let Err(e) = self.native_mut().watch(path, recursive) {
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

    fn remove_dir(&mut self, path: &Path, now: Instant) {
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

    /// The watch limit was hit while the watcher runs: poll the root if allowed, else say so once.
    fn on_limit(&mut self, ri: usize, err: WatchError) {
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

    fn report(&self, err: WatchError) {
        (self.sink)(Output::Error(err));
    }

    fn schedule_poll(&mut self, now: Instant) {
        if self.next_poll.is_none() {
            self.next_poll = Some(now + self.cfg.poll_delay);
        }
    }

    fn needs_polling(&self) -> bool {
        self.roots.iter().any(|r| !r.present || matches!(r.mode, Mode::Poll(_)))
    }

    /// Compares root `ri` as it is on disk with what is known, and touches every difference.
    fn diff_root(&mut self, ri: usize, now: Instant) {
        let root = self.roots[ri].path.clone();
        let mut seen: HashMap<PathBuf, Meta> = HashMap::new();
        if let Some(m) = self.read(&root) {
            seen.insert(root.clone(), m);
        }
        if !self.roots[ri].is_file && seen.get(&root).is_some_and(Meta::is_dir) {
            let mut visited = Visited::default();
            let rules = self.rules(ri);
            let rules = ScanRules { root: &root, ..rules };
            let mut noop = |_: &Path| Ok(());
            let mut found = |p: &Path, m: Meta| {
                seen.insert(p.to_path_buf(), m);
            };
            let _ = scan(&root, &rules, &mut self.filter, &mut visited, &mut noop, &mut found);
        }
        // What lies in a root nested inside this one (a polled mount) is that root's business.
        let nested: Vec<PathBuf> = self
            .roots
            .iter()
            .filter(|r| !r.is_file && r.path != root && r.path.starts_with(&root))
            .map(|r| r.path.clone())
            .collect();
        let outside_nested = |p: &Path| !nested.iter().any(|n| p.starts_with(n));
        if !nested.is_empty() {
            seen.retain(|p, _| outside_nested(p));
        }
        let mut differ: Vec<PathBuf> = Vec::new();
        for (p, m) in self.tree.subtree(&root) {
            if !nested.is_empty() && !outside_nested(&p) {
                continue;
            }
            match seen.remove(&p) {
                Some(now_meta) if !m.changed_since(&now_meta, self.started_ns) => {}
                _ => differ.push(p),
            }
        }
        differ.extend(seen.into_keys());
        // Parents first, so a new directory is watched and scanned before its entries are looked at.
        differ.sort_by_key(|p| p.components().count());
        for p in differ {
            if !self.pending.was_touched(&p) || self.tree.get(&p).is_none() {
                self.on_path(&p, now);
            }
        }
    }

    fn poll_tick(&mut self, now: Instant) {
        for ri in 0..self.roots.len() {
            if !self.roots[ri].present {
                let path = &self.roots[ri].path;
                if self.read_in(ri, path).is_some() {
                    if let Err(e) = self.init_root(ri, true) {
                        self.roots[ri].present = false;
                        if e.code != ErrorCode::NotFound {
                            self.report(e);
                        }
                    }
                }
            } else if matches!(self.roots[ri].mode, Mode::Poll(_)) {
                self.diff_root(ri, now);
            }
        }
        // The next pass starts `poll_delay` after this one ended, and never sooner than twice this pass's
        // length: polling a huge tree costs at most about a third of a core instead of all of it.
        let end = Instant::now();
        let pause = self.cfg.poll_delay.max(end.duration_since(now) * 2);
        self.next_poll = if self.needs_polling() { Some(end + pause) } else { None };
    }

    /// The kernel dropped events: rescan every natively watched root and mark the batch.
    fn rescan(&mut self, now: Instant) {
        self.pending.mark_rescan(now);
        for ri in 0..self.roots.len() {
            if self.roots[ri].present && self.roots[ri].mode == Mode::Native {
                self.diff_root(ri, now);
            }
        }
    }

    fn on_event(&mut self, res: notify::Result<notify::Event>, now: Instant) {
        let event = match res {
            Ok(e) => e,
            Err(err) => {
                let e = crate::native::from_notify(err, None);
                if e.code == ErrorCode::MaxWatch {
                    let ri = e.path.as_deref().and_then(|p| self.root_for(p)).unwrap_or(0);
                    return self.on_limit(ri, e);
                }
                return self.report(e);
            }
        };
        if event.need_rescan() {
            return self.rescan(now);
        }
        match event.kind {
            // Reads are not changes: dropped before they cost anything.
            EventKind::Access(notify::event::AccessKind::Close(notify::event::AccessMode::Write)) => {}
            EventKind::Access(_) => return,
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if event.paths.len() == 2 => {
                self.pending.note_rename(&event.paths[0], &event.paths[1]);
            }
            _ => {}
        }
        for p in &event.paths {
            self.on_path(p, now);
        }
    }

    fn next_wake(&self) -> Option<Instant> {
        let batch = if self.pending.is_empty() {
            None
        } else if self.hold_since.is_some() {
            Some(Instant::now() + self.cfg.step)
        } else {
            self.pending.due(self.cfg.step, self.cfg.debounce)
        };
        match (batch, self.next_poll) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn maybe_flush(&mut self, now: Instant) {
        let Some(due) = self.pending.due(self.cfg.step, self.cfg.debounce) else { return };
        if now < due {
            return;
        }
        if let Some(vcs) = &self.vcs {
            if vcs.busy() {
                let since = *self.hold_since.get_or_insert(now);
                if now.duration_since(since) < self.cfg.vcs_settle_timeout {
                    return;
                }
            }
        }
        self.hold_since = None;
        self.sync_touched(now);
        let batch = self.pending.finish(&self.tree);
        if !batch.changes.is_empty() || batch.rescan {
            (self.sink)(Output::Batch(batch));
        }
    }

    /// Before a batch is read off: every touched path in step with the disk as it is now, through the same
    /// `sync_path` as events. The disk moves ahead of the event queue; a directory renamed or deleted since
    /// its last event is handled here as its queued event would handle it, so nothing below it is lost.
    /// Paths this touches in turn (a subtree removed or walked) are in step already.
    fn sync_touched(&mut self, now: Instant) {
        let mut paths = self.pending.paths();
        // Parents first: a removed directory takes its entries along, and they cost no stat of their own.
        paths.sort_by_key(|p| p.components().count());
        for path in paths {
            let Some(ri) = self.root_for(&path) else { continue };
            if !self.roots[ri].present {
                continue;
            }
            if self.tree.get(&path).is_none() && path.parent().is_some_and(|d| self.tree.get(d).is_none()) && path != self.roots[ri].path {
                continue; // its directory left the tree, and the entry with it
            }
            let current = self.read_in(ri, &path);
            self.sync_path(ri, &path, current, now);
        }
    }

    pub fn run(mut self, rx: Receiver<Msg>) {
        if self.needs_polling() {
            self.schedule_poll(Instant::now());
        }
        loop {
            let msg = match self.next_wake() {
                Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match msg {
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Msg::Fs(res)) => {
                    let now = Instant::now();
                    self.on_event(res, now);
                    // Take what else is queued in one go: a burst costs one pass, not one wake per event.
                    while let Ok(more) = rx.try_recv() {
                        match more {
                            Msg::Fs(res) => self.on_event(res, Instant::now()),
                            Msg::Stop => return,
                        }
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            let now = Instant::now();
            if self.next_poll.is_some_and(|t| now >= t) {
                self.poll_tick(now);
            }
            self.maybe_flush(now);
        }
    }
}
