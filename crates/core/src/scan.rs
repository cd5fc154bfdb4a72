//! Walks a directory subtree with the filter's pruning. A hook runs on each directory *before* it is read,
//! so the caller can place the watch first and nothing created in between is missed (notify#727).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::Meta;
use crate::mounts;

pub struct ScanRules<'a> {
    pub root: &'a Path,
    pub recursive: bool,
    pub follow_symlinks: bool,
    pub ignore_permission_denied: bool,
    /// Read every file's metadata (polling needs it); otherwise files are recorded from their directory
    /// entry alone, which is most of the walk's cost saved on a natively watched tree.
    pub stat_files: bool,
    /// Stop at a directory that is a mount the OS sends no events for (NFS, FUSE, 9p...): it is recorded
    /// but not walked, and returned, so the caller polls it as a root of its own.
    pub stop_at_poll_mounts: bool,
}

/// A directory below the walk's start that is the mount point of a filesystem to poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollMount {
    pub path: PathBuf,
    pub reason: String,
}

/// Real directories already walked, by (device, inode): each is watched once, and symlink loops end.
pub type Visited = HashSet<(u64, u64)>;

/// Walks below `start` (which the caller has already recorded), calling `before_read` on each directory
/// and `found` on each entry that is not ignored. Returns the mounts to poll it stopped at (see
/// `ScanRules::stop_at_poll_mounts`).
pub fn scan(
    start: &Path,
    rules: &ScanRules,
    filter: &mut PathFilter,
    visited: &mut Visited,
    before_read: &mut dyn FnMut(&Path) -> Result<(), WatchError>,
    found: &mut dyn FnMut(&Path, Meta),
) -> Result<Vec<PollMount>, WatchError> {
    let mut poll_mounts = Vec::new();
    let mut stack = vec![(start.to_path_buf(), dir_device(start))];
    while let Some((dir, dir_dev)) = stack.pop() {
        match before_read(&dir) {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::Access && rules.ignore_permission_denied => continue,
            Err(e) => return Err(e),
        }
        if filter.uses_gitignore() {
            filter.load_gitignore(&dir);
        }
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(err) => match skip_or_fail(&err, &dir, rules) {
                Some(e) => return Err(e),
                None => continue,
            },
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let looks_dir = match entry.file_type() {
                Ok(ft) if ft.is_dir() => true,
                Ok(ft) if ft.is_symlink() && rules.follow_symlinks => path.is_dir(),
                _ => false,
            };
            if filter.is_ignored(rules.root, &path, looks_dir) {
                continue;
            }
            let meta = if looks_dir || rules.stat_files || !cfg!(unix) {
                // DirEntry::metadata stats relative to the open directory (no path walk from /).
                // Symlinks to follow are read through their path.
                match entry.metadata() {
                    Ok(m) if m.file_type().is_symlink() && rules.follow_symlinks => match Meta::read(&path, true) {
                        Ok(m) => m,
                        Err(_) => continue,
                    },
                    Ok(m) => Meta::from_metadata(&m),
                    Err(_) => continue, // vanished between readdir and stat: its delete event follows
                }
            } else {
                light_meta(&entry, dir_dev)
            };
            found(&path, meta);
            if !meta.is_dir() || !rules.recursive {
                continue;
            }
            // Only a directory on another device can be a mount point: statfs is asked of those alone.
            if rules.stop_at_poll_mounts && meta.dev != dir_dev {
                if let Some(reason) = mounts::poll_reason(&path) {
                    poll_mounts.push(PollMount { path, reason });
                    continue;
                }
            }
            if visited.insert((meta.dev, meta.ino)) {
                stack.push((path, meta.dev));
            }
        }
    }
    Ok(poll_mounts)
}

/// Kind and inode from a directory entry (no stat); the device is its directory's.
#[cfg(unix)]
fn light_meta(entry: &fs::DirEntry, dev: u64) -> Meta {
    use crate::meta::Kind;
    use std::os::unix::fs::DirEntryExt;
    let kind = match entry.file_type() {
        Ok(ft) if ft.is_symlink() => Kind::Symlink,
        Ok(ft) if ft.is_file() => Kind::File,
        Ok(ft) if ft.is_dir() => Kind::Dir,
        _ => Kind::Other,
    };
    Meta::light(kind, entry.ino(), dev)
}

#[cfg(not(unix))]
fn light_meta(_entry: &fs::DirEntry, _dev: u64) -> Meta {
    unreachable!("files are always stat'ed where directory entries carry no inode")
}

#[cfg(unix)]
fn dir_device(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(dir).map(|m| m.dev()).unwrap_or(0)
}

#[cfg(not(unix))]
fn dir_device(_dir: &Path) -> u64 {
    0
}

/// Counts the directories a walk would watch, without reading file metadata (for the inotify budget).
pub fn count_dirs(start: &Path, rules: &ScanRules, filter: &PathFilter) -> usize {
    let mut seen: Visited = HashSet::new();
    let mut count = 0;
    let mut stack = vec![start.to_path_buf()];
    while let Some(dir) = stack.pop() {
        count += 1;
        if !rules.recursive {
            continue;
        }
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(ft) = entry.file_type() else { continue };
            let path = entry.path();
            let is_dir = ft.is_dir() || (ft.is_symlink() && rules.follow_symlinks && path.is_dir());
            if !is_dir || filter.is_ignored(rules.root, &path, true) {
                continue;
            }
            if ft.is_symlink() {
                match Meta::read(&path, true) {
                    Ok(m) if seen.insert((m.dev, m.ino)) => {}
                    _ => continue,
                }
            }
            stack.push(path);
        }
    }
    count
}

fn skip_or_fail(err: &io::Error, dir: &Path, rules: &ScanRules) -> Option<WatchError> {
    match err.kind() {
        io::ErrorKind::NotFound => None,
        io::ErrorKind::PermissionDenied if rules.ignore_permission_denied => None,
        _ => Some(WatchError::from_io(err, dir, "reading directory")),
    }
}
