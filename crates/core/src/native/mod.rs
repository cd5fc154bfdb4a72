//! OS-event backends behind one interface (as @parcel/watcher does): the engine places and removes watches
//! through `OsWatcher` and receives `RawEvent`s (event.rs) on its channel, whichever backend runs.
//!
//! - Linux: `inotify_backend`, straight on the inotify crate. notify 8's inotify watcher subscribes to
//!   IN_OPEN/IN_CLOSE_NOWRITE (every read is an event), places each watch through a round trip to its own
//!   thread and reads with a 1 KiB buffer; placing 1,100 watches through it cost ~5x @parcel/watcher's
//!   ready time, so on Linux we add watches directly, with a mask that never includes reads.
//! - macOS, Windows, BSD: `notify_backend`, notify's FSEvents / ReadDirectoryChangesW / kqueue watchers,
//!   recursive from each root.
//! - Linux with the `notify-backend` feature (tests only): `notify_backend` on notify's own inotify watcher,
//!   recursive from each root as on macOS and Windows, so the engine's path for those platforms (recursive
//!   roots, notify's events, need_rescan) runs the watch tests here too. Named "notify-inotify".

use std::path::Path;

use crate::dir_path::DirPath;
use crate::error::WatchError;

mod event;
#[cfg(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend")))]
mod inotify_backend;
#[cfg(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend")))]
mod watch_table;
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend"))))]
mod notify_backend;

pub use event::{Emit, RawEvent};

/// Our own inotify backend: Linux, unless the notify-crate path is chosen for testing.
const OWN_INOTIFY: bool = cfg!(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend")));

/// True where the backend needs a watch on every directory (inotify).
pub const PER_DIR: bool = OWN_INOTIFY;

pub const BACKEND_NAME: &str = if OWN_INOTIFY {
    "inotify"
} else if cfg!(any(target_os = "linux", target_os = "android")) {
    "notify-inotify"
} else if cfg!(target_os = "macos") {
    "fsevents"
} else if cfg!(windows) {
    "windows"
} else {
    "kqueue"
};

/// What the engine needs of an OS watcher.
pub trait OsWatcher: Send {
    /// Watches a directory: alone on per-dir backends, with its subtree (`recursive`) elsewhere. A backend
    /// that keeps a record per directory keeps `handle` (dir's, see dir_path.rs), not a path of its own.
    fn watch(&mut self, dir: &Path, handle: &DirPath, recursive: bool) -> Result<(), WatchError>;
    /// Stops watching a directory (a no-op when it is not watched).
    fn unwatch(&mut self, dir: &Path);
    /// OS watches held now.
    fn watch_count(&self) -> usize;
}

pub type NativeBackend = Box<dyn OsWatcher>;

/// The OS watcher for this platform, sending its events to `emit`.
pub fn new_backend(emit: Emit) -> Result<NativeBackend, WatchError> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend")))]
    {
        Ok(Box::new(inotify_backend::InotifyBackend::new(emit)?))
    }
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend"))))]
    {
        Ok(Box::new(notify_backend::NotifyBackend::new(emit)?))
    }
}
