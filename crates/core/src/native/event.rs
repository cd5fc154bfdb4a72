//! What every backend tells the engine, in the engine's own small vocabulary: the engine only needs to
//! know *where* something may have changed (it reads the disk to learn what), which renames the OS
//! paired, and when events were lost. Each backend translates its OS API into this, so the engine
//! depends on no backend's types.

use std::path::PathBuf;

use crate::error::WatchError;

/// Where a backend sends its events (the engine's channel, wrapped). False once nobody listens any more:
/// the backend's reader then stops.
pub type Emit = Box<dyn Fn(RawEvent) -> bool + Send + Sync>;

#[derive(Debug, PartialEq)]
pub enum RawEvent {
    /// Something may have changed at this path: created, written, deleted, moved in or out, attributes.
    Changed(PathBuf),
    /// As `Changed`, and the OS says the file at this path was made or written and is still open for
    /// writing (inotify's IN_CREATE / IN_MODIFY before IN_CLOSE_WRITE): more is likely to come, so the
    /// batch does not leave early (engine/quick.rs). The path's next `Changed` says the write is over.
    Writing(PathBuf),
    /// The OS paired a rename (both paths also come as `Changed`): the batch reports the pair.
    Renamed { from: PathBuf, to: PathBuf },
    /// The OS dropped the watch of this directory by itself (the directory was deleted): whatever stands at
    /// the path now is another directory, even when it reuses the old one's inode number. Only our inotify
    /// reader says this; the path-based backends (FSEvents, ReadDirectoryChangesW) hold no per-inode watch.
    #[cfg_attr(not(all(any(target_os = "linux", target_os = "android"), not(feature = "notify-backend"))), allow(dead_code))]
    Unwatched(PathBuf),
    /// Events were lost (a queue overflow, FSEvents' MustScanSubDirs): what is known must be rescanned.
    Overflow,
    /// The backend failed, or refused a watch.
    Error(WatchError),
}
