//! What the watcher reports: net changes per path, grouped into batches.

use std::path::PathBuf;

/// What happened to a path. The numbering matches Python's watchfiles (added=1, modified=2, deleted=3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Change {
    Added = 1,
    Modified = 2,
    Deleted = 3,
}

/// One net change to one path within a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub change: Change,
    pub path: PathBuf,
    /// On an `Added` entry: the path it was renamed from, when the OS paired the rename.
    pub old_path: Option<PathBuf>,
    pub is_dir: bool,
}

/// Everything that changed between two quiet moments, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub changes: Vec<FileChange>,
    /// True when events were lost (queue overflow) and the tree was rescanned to recover them.
    pub rescan: bool,
}

/// What the watcher pushes to its sink.
#[derive(Debug)]
pub enum Output {
    Batch(Batch),
    Error(crate::WatchError),
}
