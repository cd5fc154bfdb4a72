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
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use crate::change::Output;
use crate::config::{OnLimit, WatchConfig};
use crate::dir_path::DirPath;
use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::Meta;
use crate::mounts;
use crate::native::{NativeBackend, RawEvent, PER_DIR};
use crate::pending::Pending;
use crate::scan::{scan, PollMount, ScanRules, Visited};
use crate::tree::Tree;
use crate::vcs::VcsProbe;
use quick::QuickFlush;

pub enum Msg {
    Fs(RawEvent),
    /// Watch one more root, or stop watching one, while running; the result goes back on the sender.
    Roots(RootChange, Sender<Result<WatcherInfo, WatchError>>),
    Stop,
}

pub enum RootChange {
    /// A root, and whether what lies below its own entries is watched.
    Add(PathBuf, bool),
    Remove(PathBuf),
}

/// Makes the OS watcher when a root first needs one (a watcher that began with polled roots only).
pub type BackendMaker = Box<dyn Fn() -> Result<NativeBackend, WatchError> + Send>;

pub type Sink = Box<dyn Fn(Output) + Send>;


#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Native,
    /// Polled, with the reason shown to the user.
    Poll(String),
}

impl Mode {
    /// How a root is watched: polled when asked to or when its filesystem sends no events (a path that does
    /// not exist yet has no filesystem to ask, and starts native).
    pub fn for_root(cfg: &WatchConfig, path: &Path) -> Mode {
        if cfg.force_polling {
            Mode::Poll("forcePolling is set".into())
        } else if let Some(reason) = mounts::poll_reason(path) {
            Mode::Poll(reason)
        } else {
            Mode::Native
        }
    }
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
    /// A mount found inside another root and polled on its own: it leaves with that root.
    pub inner_mount: bool,
    /// Watch what lies below the root's own entries (each root has its own; start roots take the config's).
    pub recursive: bool,
    /// Added before it existed: it becomes a file root or a directory root by what appears.
    pub kind_open: bool,
}

impl Root {
    pub fn new(path: PathBuf, is_file: bool, mode: Mode, recursive: bool) -> Root {
        Root { path, is_file, mode, present: true, denied_said: false, inner_mount: false, recursive, kind_open: false }
    }

    /// True when `path` is this root's business: the root itself, what is in it, and with `recursive`
    /// what lies below that.
    pub fn holds(&self, path: &Path) -> bool {
        if self.is_file {
            path == self.path
        } else if self.recursive {
            path.starts_with(&self.path)
        } else {
            path == self.path || path.parent() == Some(self.path.as_path())
        }
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
    make_backend: BackendMaker,
    hold_since: Option<Instant>,
    /// Whether the batch gathering now may leave `quick_step` after its last event (quick.rs).
    quick: QuickFlush,
    next_poll: Option<Instant>,
    limit_reported: bool,
    /// Wall clock (ns since the epoch) when watching began: a file never stat'ed with an mtime at or
    /// after it changed while events were lost (see `Meta::changed_since`).
    started_ns: i64,
}

mod info;
pub use info::WatcherInfo;
mod live_roots;
mod polling;
mod quick;
mod roots;
mod tree_sync;

impl Engine {
    pub fn new(
        cfg: WatchConfig,
        filter: PathFilter,
        roots: Vec<Root>,
        native: Option<NativeBackend>,
        make_backend: BackendMaker,
        sink: Sink,
    ) -> Engine {
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
            make_backend,
            hold_since: None,
            quick: QuickFlush::default(),
            next_poll: None,
            limit_reported: false,
            started_ns: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as i64)
                .unwrap_or(0),
        }
    }

    pub(super) fn report(&self, err: WatchError) {
        (self.sink)(Output::Error(err));
    }

    pub(super) fn native_mut(&mut self) -> &mut NativeBackend {
        self.native.as_mut().expect("a native root has a native backend")
    }

    pub(super) fn read(&self, path: &Path) -> Option<Meta> {
        Meta::read(path, self.cfg.follow_symlinks).ok()
    }

    fn on_event(&mut self, event: RawEvent, now: Instant) {
        match event {
            RawEvent::Changed(path) => self.on_change(&path, false, now),
            RawEvent::Writing(path) => self.on_change(&path, true, now),
            RawEvent::Renamed { from, to } => self.pending.note_rename(&from, &to),
            RawEvent::Unwatched(dir) => {
                self.quick.give_up();
                self.on_unwatched(&dir, now)
            }
            RawEvent::Overflow => {
                self.quick.give_up();
                self.rescan(now)
            }
            RawEvent::Error(e) if e.code == ErrorCode::MaxWatch => {
                self.quick.give_up();
                let ri = e.path.as_deref().and_then(|p| self.root_for(p)).unwrap_or(0);
                self.on_limit(ri, e);
            }
            RawEvent::Error(e) => self.report(e),
        }
    }

    /// A path's own event: into the batch, and what it did there told to the quick-flush rule.
    fn on_change(&mut self, path: &Path, writing: bool, now: Instant) {
        let existed = self.tree.get(path).is_some();
        self.on_path(path, now);
        if self.pending.was_touched(path) {
            self.quick.saw(path, existed, self.tree.get(path).is_some(), writing);
        }
    }

    /// When the batch gathering now is due (None when there is none).
    fn due(&self) -> Option<Instant> {
        self.pending.due(self.quick.quiet_time(self.cfg.step, self.cfg.quick_step), self.cfg.debounce)
    }

    fn next_wake(&self) -> Option<Instant> {
        let batch = if self.pending.is_empty() {
            None
        } else if self.hold_since.is_some() {
            Some(Instant::now() + self.cfg.step)
        } else {
            self.due()
        };
        match (batch, self.next_poll) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn maybe_flush(&mut self, now: Instant) {
        let Some(due) = self.due() else { return };
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
        self.quick.flushed(now);
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
            if !self.in_known_directory(ri, &path) {
                continue; // its directory left the tree (or is a symlink now), and the entry with it
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
                Ok(msg) => {
                    self.handle(msg);
                    // Take what else is queued in one go: a burst costs one pass, not one wake per event.
                    while let Ok(more) = rx.try_recv() {
                        if matches!(more, Msg::Stop) {
                            return;
                        }
                        self.handle(more);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            let now = Instant::now();
            if self.next_poll.is_some_and(|t| now >= t) {
                let was_empty = self.pending.is_empty();
                self.poll_tick(now);
                if was_empty && !self.pending.is_empty() {
                    self.quick.give_up(); // a poll's finds batch normally
                }
            }
            self.maybe_flush(now);
        }
    }

    fn handle(&mut self, msg: Msg) {
        let now = Instant::now();
        if self.pending.is_empty() {
            self.quick.before_first_event(now, self.cfg.step);
        }
        match msg {
            Msg::Fs(event) => self.on_event(event, now),
            Msg::Roots(change, reply) => {
                let result = match change {
                    RootChange::Add(path, recursive) => self.add_root(path, recursive),
                    RootChange::Remove(path) => Ok(self.remove_root(&path)),
                };
                self.quick.give_up();
                // The handle's info follows the roots (a root added is more watches, maybe polled).
                let _ = reply.send(result.map(|()| self.info()));
            }
            Msg::Stop => {}
        }
    }
}
