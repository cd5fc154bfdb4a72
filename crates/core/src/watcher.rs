//! The public handle: start a watcher (walk, budget, watches: the "ready" moment is when this returns),
//! read what backend it uses, and close it (stop and join the batching thread).

use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::budget;
use crate::change::Output;
use crate::config::{OnLimit, WatchConfig};
use crate::engine::{Engine, Mode, Msg, Root, RootChange, WatcherInfo};
use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::Meta;
use crate::native::{new_backend, PER_DIR};
use crate::scan::{count_dirs, ScanRules};

pub struct Watcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
    /// As of the start, then of the last root added or removed; shared with whoever reads it (info_cell).
    info: Arc<Mutex<WatcherInfo>>,
}

impl Watcher {
    /// Starts watching. Returns once every watch is placed and the tree is known; from then on each batch
    /// and each runtime error goes to `sink`, from the watcher's own thread.
    pub fn start(cfg: WatchConfig, sink: impl Fn(Output) + Send + 'static) -> Result<Watcher, WatchError> {
        if cfg.roots.is_empty() {
            return Err(WatchError::new(ErrorCode::Invalid, "no paths to watch", None));
        }
        let mut filter = PathFilter::new(&cfg.filter)?;
        let mut roots = Vec::with_capacity(cfg.roots.len());
        for path in &cfg.roots {
            let meta = Meta::read(path, true).map_err(|e| WatchError::from_io(&e, path, "watching"))?;
            if !meta.is_dir() {
                std::fs::metadata(path).map_err(|e| WatchError::from_io(&e, path, "watching"))?;
            }
            let mode = Mode::for_root(&cfg, path);
            if meta.is_dir() {
                filter.load_gitignore_ancestors(path);
            }
            roots.push(Root::new(path.clone(), !meta.is_dir(), mode, cfg.recursive));
        }
        let needed = check_budget(&cfg, &filter, &mut roots)?;

        let (tx, rx) = mpsc::channel();
        // The OS watcher sends to the engine's channel; it is made now, or when a root first needs it.
        let make_backend = {
            let tx = tx.clone();
            move || {
                let tx = tx.clone();
                new_backend(Box::new(move |raw| tx.send(Msg::Fs(raw)).is_ok()))
            }
        };
        let native = if roots.iter().any(|r| r.mode == Mode::Native) { Some(make_backend()?) } else { None };
        let mut engine = Engine::new(cfg, filter, roots, native, Box::new(make_backend), Box::new(sink));
        for ri in 0..engine.roots.len() {
            if let Err(e) = engine.init_root(ri, false) {
                if e.code != ErrorCode::MaxWatch {
                    return Err(e);
                }
                // The kernel refused although the count looked fine: other processes hold the rest.
                let limit = budget::max_user_watches().unwrap_or(0);
                let ours = engine.native.as_ref().map_or(0, |n| n.watch_count());
                let available = limit.saturating_sub(budget::used_by_this_user().saturating_sub(ours));
                if engine.cfg.on_limit == OnLimit::Poll {
                    let reason = format!(
                        "{} did not fit: the tree needs {needed} watches, {available} of fs.inotify.max_user_watches={limit} are free",
                        engine.roots[ri].path.display()
                    );
                    engine.switch_to_poll(ri, reason);
                    continue;
                }
                return Err(WatchError::new(ErrorCode::MaxWatch, budget::limit_message(needed, available, limit), e.path.as_deref()));
            }
        }
        let info = Arc::new(Mutex::new(engine.info()));
        let thread = std::thread::Builder::new()
            .name("watchfiles-batcher".into())
            .spawn(move || engine.run(rx))
            .map_err(|e| WatchError::new(ErrorCode::Io, format!("could not start the watcher thread: {e}"), None))?;
        Ok(Watcher { tx, thread: Some(thread), info })
    }

    /// The backend, why roots are polled, and the OS watches: as of the start, or of the last root added or
    /// removed.
    pub fn info(&self) -> WatcherInfo {
        self.info.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The cell `info()` reads, kept up to date by this handle: a reader that must not wait for a root being
    /// added (the binding's getters, while a root task holds the handle) reads it directly.
    pub fn info_cell(&self) -> Arc<Mutex<WatcherInfo>> {
        self.info.clone()
    }

    /// Watches one more root from now on (a directory, a file, or a path that does not exist yet, which is
    /// reported once it appears, as whichever it turns out to be). What it holds now is the baseline, not
    /// reported. `recursive` is this root's own (the config's `recursive` is only the start roots'
    /// default). Returns once its watches are placed. Adding a root already watched does nothing, except
    /// that a directory root changes to the recursion asked for (what it holds then is the baseline).
    pub fn add_root(&self, path: PathBuf, recursive: bool) -> Result<(), WatchError> {
        self.change_roots(RootChange::Add(path, recursive))
    }

    /// Stops watching a root. What only it held is let go without a report (nothing changed on disk);
    /// what another root holds is still reported. Removing a root not watched does nothing.
    pub fn remove_root(&self, path: PathBuf) -> Result<(), WatchError> {
        self.change_roots(RootChange::Remove(path))
    }

    fn change_roots(&self, change: RootChange) -> Result<(), WatchError> {
        let closed = || WatchError::new(ErrorCode::Invalid, "the watcher is closed", None);
        let (reply, answer) = mpsc::channel();
        self.tx.send(Msg::Roots(change, reply)).map_err(|_| closed())?;
        let info = answer.recv().map_err(|_| closed())??;
        *self.info.lock().unwrap_or_else(|e| e.into_inner()) = info;
        Ok(())
    }

    /// Stops the batching thread and waits for it. Idempotent.
    pub fn close(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.close();
    }
}

/// On inotify, counts the directories before any watch is placed: a tree that does not fit fails with
/// the fix named, or (onLimit: poll) the roots that do not fit are polled.
/// Returns the number of watches the native roots need.
fn check_budget(cfg: &WatchConfig, filter: &PathFilter, roots: &mut [Root]) -> Result<usize, WatchError> {
    if !PER_DIR {
        return Ok(0);
    }
    let Some(limit) = budget::max_user_watches() else { return Ok(0) };
    let counts: Vec<Option<usize>> = roots
        .iter()
        .map(|root| {
            (root.mode == Mode::Native).then(|| {
                if root.is_file {
                    return 1;
                }
                // Counting only: a mount inside costs at most an overestimate.
                let rules = ScanRules { ignore_permission_denied: true, stat_files: false, recursive: root.recursive, ..ScanRules::new(&root.path, cfg) };
                count_dirs(&root.path, &rules, filter)
            })
        })
        .collect();
    let total: usize = counts.iter().flatten().sum();
    let available = budget::available_watches(total).unwrap_or(limit);
    let mut needed = 0usize;
    for (root, count) in roots.iter_mut().zip(counts) {
        let Some(count) = count else { continue };
        if needed + count > available {
            match cfg.on_limit {
                OnLimit::Error => {
                    return Err(WatchError::new(
                        ErrorCode::MaxWatch,
                        budget::limit_message(total, available, limit),
                        Some(&root.path),
                    ))
                }
                OnLimit::Poll => {
                    root.mode = Mode::Poll(format!(
                        "{} needs {count} watches and does not fit fs.inotify.max_user_watches={limit}",
                        root.path.display()
                    ));
                    continue;
                }
            }
        }
        needed += count;
    }
    Ok(total)
}
