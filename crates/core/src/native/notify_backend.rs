//! The notify backend: FSEvents, ReadDirectoryChangesW or kqueue, recursive from each root; the engine's
//! filter drops what is ignored. Also the mapping of notify's errors to ours.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;

use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::engine::Msg;
use crate::error::{ErrorCode, WatchError};

pub struct NotifyBackend {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
}

impl NotifyBackend {
    #[allow(dead_code)] // used where inotify is not
    pub fn new(tx: Sender<Msg>) -> Result<NotifyBackend, WatchError> {
        let watcher = notify::recommended_watcher(move |res| {
            let _ = tx.send(Msg::Fs(res));
        })
        .map_err(|e| from_notify(e, None))?;
        Ok(NotifyBackend { watcher, watched: HashSet::new() })
    }
}

impl super::OsWatcher for NotifyBackend {
    fn watch_count(&self) -> usize {
        self.watched.len()
    }

    fn watch(&mut self, dir: &Path, recursive: bool) -> Result<(), WatchError> {
        if self.watched.contains(dir) {
            return Ok(());
        }
        let mode = if recursive && !super::PER_DIR { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
        self.watcher.watch(dir, mode).map_err(|e| from_notify(e, Some(dir)))?;
        self.watched.insert(dir.to_path_buf());
        Ok(())
    }

    fn unwatch(&mut self, dir: &Path) {
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
