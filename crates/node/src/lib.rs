//! The napi-rs binding: one `NativeWatcher` class over `watchfiles_core::Watcher`. Kept thin on purpose:
//! options in, one threadsafe call per batch out, errors with stable codes. The TypeScript layer (src/)
//! owns validation, defaults and the public API.

#![deny(clippy::all)]

// Public so the export is reachable in every build (the napi registration is not part of test builds).
pub mod filter;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use watchfiles_core::{
    Batch, ErrorCode, FilterConfig, OnLimit, Output, WatchConfig, WatchError, Watcher, WatcherInfo,
    DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES,
};

/// Options as the TypeScript layer passes them, already validated and defaulted there. Durations are
/// whole ms from 0 to 2^31-1, checked again here (f64, not u32: napi would wrap 2^32 to 0 silently).
#[napi(object)]
pub struct NativeOptions {
    pub debounce_ms: Option<f64>,
    pub step_ms: Option<f64>,
    pub recursive: Option<bool>,
    pub ignore: Option<Vec<String>>,
    pub ignore_dirs: Option<Vec<String>>,
    pub ignore_entries: Option<Vec<String>>,
    pub ignore_paths: Option<Vec<String>>,
    pub gitignore: Option<bool>,
    pub force_polling: Option<bool>,
    pub poll_delay_ms: Option<f64>,
    pub ignore_permission_denied: Option<bool>,
    pub vcs_settle: Option<bool>,
    pub vcs_settle_timeout_ms: Option<f64>,
    /// 'error' (default) or 'poll'.
    pub on_limit: Option<String>,
    pub follow_symlinks: Option<bool>,
}

#[napi(object)]
pub struct NativeChange {
    /// 1 added, 2 modified, 3 deleted.
    pub change: u32,
    /// The path as text; where the name is not valid UTF-8 this is a lossy rendering and `path_bytes` holds
    /// the real name.
    pub path: String,
    /// The path's bytes, only when they are not valid UTF-8 (a Buffer that fs functions accept as a path).
    pub path_bytes: Option<Buffer>,
    pub old_path: Option<String>,
    pub old_path_bytes: Option<Buffer>,
    pub is_dir: bool,
}

#[napi(object)]
pub struct NativeError {
    /// ENOENT, ENOTDIR, EACCES, ELOOP, EMAXWATCH, EINVAL or EIO.
    pub code: String,
    pub message: String,
    pub path: Option<String>,
}

/// One call from the watcher: a batch, or an error that happened while watching.
#[napi(object)]
pub struct NativeEvent {
    pub changes: Vec<NativeChange>,
    pub rescan: bool,
    pub error: Option<NativeError>,
}

/// Options of one root added while running.
#[napi(object)]
pub struct NativeRootOptions {
    /// Watch what lies below the root's own entries; default: the watcher's `recursive`.
    pub recursive: Option<bool>,
}

type EventCallback = ThreadsafeFunction<NativeEvent, (), NativeEvent, Status, true, true>;

/// Owns the core watcher. Dropping it (the JS object garbage-collected without close()) drops the core
/// watcher, which stops and joins its threads and frees its inotify instance: nothing else holds it strongly
/// (the close task holds it only while closing, the env cleanup hook only weakly).
#[napi]
pub struct NativeWatcher {
    inner: Arc<Mutex<Option<Watcher>>>,
    /// The core handle's info cell (as of the start, then of the last root added or removed): read by the
    /// getters without waiting for a root task that holds `inner`.
    info: Arc<Mutex<WatcherInfo>>,
    /// The start roots' recursion: the default of a root added later.
    recursive: bool,
}

#[napi]
impl NativeWatcher {
    /// Starts a watcher off the JS thread; resolves once every watch is placed (the "ready" moment).
    /// Rejects with an Error that carries the NativeError fields: `code`, and `path` when there is one.
    #[napi(ts_return_type = "Promise<NativeWatcher>")]
    pub fn start(
        roots: Vec<String>,
        options: NativeOptions,
        #[napi(ts_arg_type = "(err: Error | null, event: NativeEvent) => void")] on_event: Function<NativeEvent, ()>,
    ) -> Result<AsyncTask<StartTask>> {
        // Weak: the callback alone never keeps Node alive (the TS layer holds a timer when persistent).
        let callback: EventCallback =
            on_event.build_threadsafe_function::<NativeEvent>().callee_handled::<true>().weak::<true>().build()?;
        let config = to_config(roots, options);
        let recursive = config.as_ref().map_or(true, |c| c.recursive);
        Ok(AsyncTask::new(StartTask { config: Some(config), callback: Some(callback), recursive }))
    }

    /// "inotify", "fsevents", "windows", "kqueue", "poll", or "<native>+poll".
    #[napi(getter)]
    pub fn backend(&self) -> String {
        self.info().backend
    }

    /// Why some roots are polled (empty when none is).
    #[napi(getter)]
    pub fn poll_reason(&self) -> String {
        self.info().poll_reason
    }

    /// OS watches placed: at start, or as of the last root added or removed.
    #[napi(getter)]
    pub fn watch_count(&self) -> u32 {
        self.info().watch_count as u32
    }

    /// Watches one more root from now on, off the JS thread: a directory, a file, or a path that does not
    /// exist yet (reported once it appears, as whichever kind it is). What it holds now is the baseline.
    /// `recursive` is the root's own (default: the watcher's). Resolves once its watches are placed; adding
    /// a root already watched does nothing but set its recursion.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn add_root(&self, path: String, options: Option<NativeRootOptions>) -> AsyncTask<RootTask> {
        let recursive = options.and_then(|o| o.recursive).unwrap_or(self.recursive);
        AsyncTask::new(RootTask { inner: self.inner.clone(), path: PathBuf::from(path), add: Some(recursive) })
    }

    /// Stops watching a root; what only it held is let go without a report. Removing a root not watched
    /// does nothing.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn remove_root(&self, path: String) -> AsyncTask<RootTask> {
        AsyncTask::new(RootTask { inner: self.inner.clone(), path: PathBuf::from(path), add: None })
    }

    /// Stops watching and joins the watcher's threads, off the JS thread. Idempotent.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close(&self) -> AsyncTask<CloseTask> {
        AsyncTask::new(CloseTask { inner: self.inner.clone() })
    }
}

impl NativeWatcher {
    fn info(&self) -> WatcherInfo {
        self.info.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub struct StartTask {
    config: Option<std::result::Result<WatchConfig, WatchError>>,
    callback: Option<EventCallback>,
    recursive: bool,
}

impl Task for StartTask {
    // A start error is carried to `resolve`, which rejects with a structured JS error (code, message, path).
    type Output = std::result::Result<Watcher, WatchError>;
    type JsValue = NativeWatcher;

    fn compute(&mut self) -> Result<Self::Output> {
        let config = self.config.take().expect("compute runs once");
        let callback = self.callback.take().expect("compute runs once");
        // NonBlocking with an unbounded queue: the batcher never waits on JS, so closing from a worker's
        // cleanup hook can always join it.
        let sink = move |out: Output| {
            callback.call(Ok(to_event(out)), ThreadsafeFunctionCallMode::NonBlocking);
        };
        Ok(config.and_then(|config| Watcher::start(config, sink)))
    }

    fn resolve(&mut self, env: Env, started: Self::Output) -> Result<NativeWatcher> {
        let watcher = started.map_err(|e| js_error(&env, e))?;
        let info = watcher.info_cell();
        let inner = Arc::new(Mutex::new(Some(watcher)));
        // A worker_thread terminated while watching: stop the threads before its environment goes away.
        // Weak, so a watcher collected without close() is dropped (and stopped) at once, not at teardown.
        let for_hook: Weak<Mutex<Option<Watcher>>> = Arc::downgrade(&inner);
        env.add_env_cleanup_hook(for_hook, |inner| {
            if let Some(inner) = inner.upgrade() {
                close_inner(&inner)
            }
        })?;
        Ok(NativeWatcher { inner, info, recursive: self.recursive })
    }
}

pub struct RootTask {
    inner: Arc<Mutex<Option<Watcher>>>,
    path: PathBuf,
    /// Add, with this recursion; None: remove.
    add: Option<bool>,
}

impl Task for RootTask {
    // An error is carried to `resolve`, which rejects with the same structured JS error as a start error.
    type Output = std::result::Result<(), WatchError>;
    type JsValue = ();

    fn compute(&mut self) -> Result<Self::Output> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let Some(watcher) = guard.as_ref() else {
            return Ok(Err(WatchError::new(ErrorCode::Invalid, "the watcher is closed", None)));
        };
        let path = std::mem::take(&mut self.path);
        Ok(match self.add {
            Some(recursive) => watcher.add_root(path, recursive),
            None => watcher.remove_root(path),
        })
    }

    fn resolve(&mut self, env: Env, done: Self::Output) -> Result<()> {
        done.map_err(|e| js_error(&env, e))
    }
}

pub struct CloseTask {
    inner: Arc<Mutex<Option<Watcher>>>,
}

impl Task for CloseTask {
    type Output = ();
    type JsValue = ();

    fn compute(&mut self) -> Result<()> {
        close_inner(&self.inner);
        Ok(())
    }

    fn resolve(&mut self, _env: Env, _output: ()) -> Result<()> {
        Ok(())
    }
}

fn close_inner(inner: &Mutex<Option<Watcher>>) {
    let watcher = inner.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(mut w) = watcher {
        w.close();
    }
}

/// The default ignored directory names (the TS layer's copy is checked against this in a test).
#[napi]
pub fn default_ignore_dirs() -> Vec<String> {
    DEFAULT_IGNORE_DIRS.iter().map(|s| s.to_string()).collect()
}

/// The default ignored entry globs (editor temp files).
#[napi]
pub fn default_ignore_entries() -> Vec<String> {
    DEFAULT_IGNORE_ENTRIES.iter().map(|s| s.to_string()).collect()
}

fn to_config(roots: Vec<String>, o: NativeOptions) -> std::result::Result<WatchConfig, WatchError> {
    let mut cfg = WatchConfig::new(roots.into_iter().map(PathBuf::from).collect());
    cfg.debounce = ms("debounceMs", o.debounce_ms, cfg.debounce)?;
    cfg.step = ms("stepMs", o.step_ms, cfg.step)?;
    cfg.poll_delay = ms("pollDelayMs", o.poll_delay_ms, cfg.poll_delay)?;
    cfg.vcs_settle_timeout = ms("vcsSettleTimeoutMs", o.vcs_settle_timeout_ms, cfg.vcs_settle_timeout)?;
    cfg.recursive = o.recursive.unwrap_or(cfg.recursive);
    cfg.force_polling = o.force_polling.unwrap_or(cfg.force_polling);
    cfg.ignore_permission_denied = o.ignore_permission_denied.unwrap_or(cfg.ignore_permission_denied);
    cfg.vcs_settle = o.vcs_settle.unwrap_or(cfg.vcs_settle);
    cfg.follow_symlinks = o.follow_symlinks.unwrap_or(cfg.follow_symlinks);
    cfg.on_limit = match o.on_limit.as_deref() {
        None | Some("error") => OnLimit::Error,
        Some("poll") => OnLimit::Poll,
        Some(other) => {
            return Err(WatchError::new(ErrorCode::Invalid, format!("onLimit must be 'error' or 'poll', got {other:?}"), None))
        }
    };
    let defaults = FilterConfig::default();
    cfg.filter = FilterConfig {
        ignore_dirs: o.ignore_dirs.unwrap_or(defaults.ignore_dirs),
        ignore_entries: o.ignore_entries.unwrap_or(defaults.ignore_entries),
        ignore_paths: o.ignore_paths.unwrap_or_default().into_iter().map(PathBuf::from).collect(),
        ignore: o.ignore.unwrap_or_default(),
        gitignore: o.gitignore.unwrap_or(false),
    };
    Ok(cfg)
}

/// A duration in whole ms from 0 to 2^31-1 (setTimeout's ceiling, the TS layer's limit too).
fn ms(name: &str, value: Option<f64>, default: Duration) -> std::result::Result<Duration, WatchError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && v >= 0.0 && v <= i32::MAX as f64 && v.fract() == 0.0 => {
            Ok(Duration::from_millis(v as u64))
        }
        Some(v) => Err(WatchError::new(
            ErrorCode::Invalid,
            format!("{name} must be a whole number of ms from 0 to {}, got {v}", i32::MAX),
            None,
        )),
    }
}

fn to_event(out: Output) -> NativeEvent {
    match out {
        Output::Batch(Batch { changes, rescan }) => NativeEvent {
            changes: changes
                .into_iter()
                .map(|c| NativeChange {
                    change: c.change as u32,
                    path: c.path.to_string_lossy().into_owned(),
                    path_bytes: raw_bytes(&c.path),
                    old_path: c.old_path.as_ref().map(|p| p.to_string_lossy().into_owned()),
                    old_path_bytes: c.old_path.as_deref().and_then(raw_bytes),
                    is_dir: c.is_dir,
                })
                .collect(),
            rescan,
            error: None,
        },
        Output::Error(e) => NativeEvent {
            changes: Vec::new(),
            rescan: false,
            error: Some(NativeError {
                code: e.code.as_str().to_string(),
                message: e.message.clone(),
                path: e.path.as_ref().map(|p| p.to_string_lossy().into_owned()),
            }),
        },
    }
}

/// The bytes of a path that is not valid UTF-8 (so its text form cannot name it); None for every other.
fn raw_bytes(path: &std::path::Path) -> Option<Buffer> {
    if path.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(Buffer::from(path.as_os_str().as_bytes().to_vec()))
    }
    #[cfg(not(unix))]
    {
        // Windows paths are UTF-16; an unpaired surrogate is the only case, and WTF-8 keeps it distinct.
        Some(Buffer::from(path.as_os_str().as_encoded_bytes().to_vec()))
    }
}

/// A start error as a JS Error with the same fields as a runtime NativeError (`code`, `message`, `path`),
/// so any path (a newline, a NUL) reaches JS intact.
fn js_error(env: &Env, e: WatchError) -> Error {
    let build = || -> Result<Error> {
        let mut obj = env.create_error(Error::from_reason(e.message.clone()))?;
        obj.set_named_property("code", e.code.as_str())?;
        if let Some(path) = &e.path {
            obj.set_named_property("path", path.to_string_lossy().into_owned())?;
        }
        Ok(Error::from(obj.to_unknown()))
    };
    build().unwrap_or_else(|err| err)
}
