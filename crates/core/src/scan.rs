//! Walks a directory subtree with the filter's pruning. A hook runs on each directory *before* it is read,
//! so the caller can place the watch first and nothing created in between is missed (notify#727).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::WatchConfig;
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

impl<'a> ScanRules<'a> {
    /// The rules a watcher's configuration sets for walking `root`: every walk starts here and changes
    /// only what it needs (a native walk reads no file metadata and stops at mounts to poll; counting
    /// skips what it may not read).
    pub fn new(root: &'a Path, cfg: &WatchConfig) -> ScanRules<'a> {
        ScanRules {
            root,
            recursive: cfg.recursive,
            follow_symlinks: cfg.follow_symlinks,
            ignore_permission_denied: cfg.ignore_permission_denied,
            stat_files: true,
            stop_at_poll_mounts: false,
        }
    }
}

/// A directory below the walk's start that is the mount point of a filesystem to poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollMount {
    pub path: PathBuf,
    pub reason: String,
}

pub use crate::visited::Visited;

/// What a walk found besides entries.
#[derive(Debug, Default)]
pub struct Walked {
    /// The mounts to poll it stopped at (see `ScanRules::stop_at_poll_mounts`).
    pub poll_mounts: Vec<PollMount>,
    /// The first directory skipped because its path is too long to watch or read (ENAMETOOLONG, which
    /// anyone can create deep in a tree): the walk went on past it, and the caller reports it.
    pub too_long: Option<WatchError>,
}

/// Walks below `start` (which the caller has already recorded), calling `before_read` on each directory
/// and `found` on each entry that is not ignored. A directory that cannot be walked for a reason that
/// concerns it alone (gone, too long a path, unreadable with ignorePermissionDenied) is skipped and the
/// walk goes on; any other error ends it.
pub fn scan(
    start: &Path,
    rules: &ScanRules,
    filter: &mut PathFilter,
    visited: &mut Visited,
    before_read: &mut dyn FnMut(&Path) -> Result<(), WatchError>,
    found: &mut dyn FnMut(&Path, Meta),
) -> Result<Walked, WatchError> {
    let mut poll_mounts = Vec::new();
    let mut too_long: Option<WatchError> = None;
    let mut stack = vec![(start.to_path_buf(), dir_device(start))];
    while let Some((dir, dir_dev)) = stack.pop() {
        match before_read(&dir) {
            Ok(()) => {}
            Err(e) if e.code == ErrorCode::Access && rules.ignore_permission_denied => continue,
            // Gone (or replaced by a file) since its parent was read: the parent's watch reports that, and a
            // directory moved elsewhere is walked where it lands. The rest of the walk goes on.
            Err(e) if matches!(e.code, ErrorCode::NotFound | ErrorCode::NotDir) && dir != start => continue,
            Err(e) if e.code == ErrorCode::NameTooLong => {
                too_long.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(e),
        }
        if filter.uses_gitignore() {
            filter.load_gitignore(&dir);
        }
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(err) => match skip_or_fail(&err, &dir, rules) {
                Some(e) if e.code == ErrorCode::NameTooLong => {
                    too_long.get_or_insert(e);
                    continue;
                }
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
            if visited.claim((meta.dev, meta.ino), &path) {
                stack.push((path, meta.dev));
            }
        }
    }
    Ok(Walked { poll_mounts, too_long })
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
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use crate::config::FilterConfig;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    /// Makes `parent/deep/d…d/d…d/…` (18 levels of 250 bytes, deeper than PATH_MAX) with `deep.txt` at the
    /// bottom, walking down with mkdirat/openat: no path that long can be handed to the kernel whole.
    fn too_long_tree(parent: &Path) -> PathBuf {
        let top = parent.join("deep");
        fs::create_dir(&top).unwrap();
        let name = CString::new("d".repeat(250)).unwrap();
        let file = CString::new("deep.txt").unwrap();
        unsafe {
            let mut fd = libc::open(CString::new(top.as_os_str().as_bytes()).unwrap().as_ptr(), libc::O_DIRECTORY);
            assert!(fd >= 0);
            for _ in 0..18 {
                assert_eq!(libc::mkdirat(fd, name.as_ptr(), 0o755), 0);
                let next = libc::openat(fd, name.as_ptr(), libc::O_DIRECTORY);
                assert!(next >= 0);
                libc::close(fd);
                fd = next;
            }
            let f = libc::openat(fd, file.as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o644);
            assert!(f >= 0);
            libc::close(f);
            libc::close(fd);
        }
        top
    }

    #[test]
    fn a_directory_too_long_to_read_is_skipped_and_the_rest_walked() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let top = too_long_tree(&root);
        fs::write(root.join("sibling.txt"), "x").unwrap();
        let rules = ScanRules {
            root: &root,
            recursive: true,
            follow_symlinks: true,
            ignore_permission_denied: false,
            stat_files: false,
            stop_at_poll_mounts: false,
        };
        let mut filter = PathFilter::new(&FilterConfig::default()).unwrap();
        let mut found = Vec::new();
        let result = scan(&root, &rules, &mut filter, &mut Visited::default(), &mut |_| Ok(()), &mut |p, _| {
            found.push(p.to_path_buf())
        });
        let err = result.expect("the walk goes on").too_long.expect("the skipped directory is reported");
        assert_eq!(err.code, ErrorCode::NameTooLong);
        let skipped = err.path.expect("the error names the directory");
        assert!(skipped.starts_with(&top) && skipped.as_os_str().len() >= libc::PATH_MAX as usize);
        // Everything the OS can reach was walked: the sibling, and the deep chain down to the limit.
        assert!(found.contains(&root.join("sibling.txt")));
        assert!(found.iter().filter(|p| p.starts_with(&top)).count() >= 15);
    }
}
