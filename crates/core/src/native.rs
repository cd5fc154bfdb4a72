//! The OS-event backend, one interface over notify's per-OS watchers. On Linux (inotify) it places one
//! non-recursive watch per directory, so ignored directories never cost a watch; elsewhere the OS watches
//! recursively and the filter drops what is ignored.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::engine::Msg;
use crate::error::{ErrorCode, WatchError};

/// True where the backend needs a watch on every directory (inotify).
pub const PER_DIR: bool = cfg!(target_os = "linux") || cfg!(target_os = "android");

pub const BACKEND_NAME: &str = if cfg!(any(target_os = "linux", target_os = "android")) {
    "inotify"
} else if cfg!(target_os = "macos") {
    "fsevents"
} else if cfg!(windows) {
    "windows"
} else {
    "kqueue"
};

pub struct NativeBackend {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
}

impl NativeBackend {
    pub fn new(tx: Sender<Msg>) -> Result<NativeBackend, WatchError> {
        let watcher = notify::recommended_watcher(move |res| {
            let _ = tx.send(Msg::Fs(res));
        })
        .map_err(|e| from_notify(e, None))?;
        Ok(NativeBackend { watcher, watched: HashSet::new() })
    }

    pub fn watch_count(&self) -> usize {
        self.watched.len()
    }

    /// Watches a directory: alone on per-dir backends, with its subtree (`recursive`) elsewhere.
    pub fn watch(&mut self, dir: &Path, recursive: bool) -> Result<(), WatchError> {
        if self.watched.contains(dir) {
            return Ok(());
        }
        let mode = if recursive && !PER_DIR { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
        self.watcher.watch(dir, mode).map_err(|e| from_notify(e, Some(dir)))?;
        self.watched.insert(dir.to_path_buf());
        Ok(())
    }

    pub fn unwatch(&mut self, dir: &Path) {
        if self.watched.remove(dir) {
            // The kernel drops the watch of a deleted directory itself; the error then is expected.
            let _ = self.watcher.unwatch(dir);
        }
    }
}

pub fn from_notify(err: notify::Error, path: Option<&Path>) -> WatchError {
    let path = path.or_else(|| err.paths.first().map(PathBuf::as_path));
    match err.kind {
        notify::ErrorKind::MaxFilesWatch => WatchError::new(
            ErrorCode::MaxWatch,
            format!(
                "the OS file-watch limit is exhausted{} (raise it: sudo sysctl fs.inotify.max_user_watches=524288, \
                 or ignore large directories with the `ignore` option, or pass onLimit: 'poll')",
                path.map(|p| format!(" while watching {}", p.display())).unwrap_or_default()
            ),
            path,
        ),
        notify::ErrorKind::PathNotFound => WatchError::new(
            ErrorCode::NotFound,
            format!("path does not exist: {}", path.map(|p| p.display().to_string()).unwrap_or_default()),
            path,
        ),
        notify::ErrorKind::Io(ref io) => {
            #[cfg(unix)]
            if io.raw_os_error() == Some(libc::EMFILE) {
                return WatchError::new(
                    ErrorCode::MaxWatch,
                    "too many inotify instances (raise it: sudo sysctl fs.inotify.max_user_instances=1024, \
                     or close unused watchers)",
                    path,
                );
            }
            match path {
                Some(p) => WatchError::from_io(io, p, "watching"),
                None => WatchError::new(ErrorCode::Io, format!("watcher failed: {io}"), None),
            }
        }
        _ => WatchError::new(ErrorCode::Io, format!("watcher failed: {err}"), path),
    }
}
