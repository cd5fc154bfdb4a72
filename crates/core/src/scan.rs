//! Walks a directory subtree with the filter's pruning. A hook runs on each directory *before* it is read,
//! so the caller can place the watch first and nothing created in between is missed (notify#727).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::Path;

use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::Meta;

pub struct ScanRules<'a> {
    pub root: &'a Path,
    pub recursive: bool,
    pub follow_symlinks: bool,
    pub ignore_permission_denied: bool,
}

/// Real directories already walked, by (device, inode): each is watched once, and symlink loops end.
pub type Visited = HashSet<(u64, u64)>;

/// Walks below `start` (which the caller has already recorded), calling `before_read` on each directory
/// and `found` on each entry that is not ignored.
pub fn scan(
    start: &Path,
    rules: &ScanRules,
    filter: &mut PathFilter,
    visited: &mut Visited,
    before_read: &mut dyn FnMut(&Path) -> Result<(), WatchError>,
    found: &mut dyn FnMut(&Path, Meta),
) -> Result<(), WatchError> {
    let mut stack = vec![start.to_path_buf()];
    while let Some(dir) = stack.pop() {
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
            // DirEntry::metadata stats relative to the open directory (no path walk from /): the walk's
            // main cost. Symlinks to follow are read through their path.
            let meta = match entry.metadata() {
                Ok(m) if m.file_type().is_symlink() && rules.follow_symlinks => match Meta::read(&path, true) {
                    Ok(m) => m,
                    Err(_) => continue,
                },
                Ok(m) => Meta::from_metadata(&m),
                Err(_) => continue, // vanished between readdir and stat: its delete event follows
            };
            found(&path, meta);
            if meta.is_dir() && rules.recursive && visited.insert((meta.dev, meta.ino)) {
                stack.push(path);
            }
        }
    }
    Ok(())
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
