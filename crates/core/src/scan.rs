//! Walks a directory subtree with the filter's pruning. A hook runs on each directory *before* it is read,
//! so the caller can place the watch first and nothing created in between is missed (notify#727).

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::WatchConfig;
use crate::dir_path::DirPath;
use crate::error::{ErrorCode, WatchError};
use crate::filter::PathFilter;
use crate::meta::{Kind, Meta};
use crate::mounts;
use crate::readdir::{DirReader, Hint, Stat};

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
/// and `found` on each entry that is not ignored. `before_read` gets the directory's path and its handle (see
/// dir_path.rs), which the loop guard keeps too. A directory that cannot be walked for a reason that
/// concerns it alone (gone, too long a path, unreadable with ignorePermissionDenied) is skipped and the
/// walk goes on; any other error ends it.
pub fn scan(
    start: &Path,
    rules: &ScanRules,
    filter: &mut PathFilter,
    visited: &mut Visited,
    before_read: &mut dyn FnMut(&Path, &DirPath) -> Result<(), WatchError>,
    found: &mut dyn FnMut(&Path, Meta),
) -> Result<Walked, WatchError> {
    let mut poll_mounts = Vec::new();
    let mut too_long: Option<WatchError> = None;
    let mut reader = DirReader::default();
    let mut stack: Vec<(PathBuf, DirPath, u64)> = vec![(start.to_path_buf(), DirPath::new(start), dir_device(start))];
    while let Some((dir, handle, dir_dev)) = stack.pop() {
        match before_read(&dir, &handle) {
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
        // One path buffer for the whole directory: an entry's path is its name pushed onto it (and popped).
        let mut path = dir.clone();
        let mut subdirs: Vec<(PathBuf, u64, u64)> = Vec::new();
        let read = reader.read(&dir, &mut |name, hint, stat| {
            path.push(name);
            if let Some((meta, is_dir)) = entry_meta(&path, hint, stat, rules, filter, dir_dev) {
                found(&path, meta);
                if is_dir && rules.recursive {
                    subdirs.push((path.clone(), meta.dev, meta.ino));
                }
            }
            path.pop();
        });
        if let Err(err) = read {
            match skip_or_fail(&err, &dir, rules) {
                Some(e) if e.code == ErrorCode::NameTooLong => {
                    too_long.get_or_insert(e);
                    continue;
                }
                Some(e) => return Err(e),
                None => continue,
            }
        }
        for (sub, dev, ino) in subdirs {
            // Only a directory on another device can be a mount point: statfs is asked of those alone.
            if rules.stop_at_poll_mounts && dev != dir_dev {
                if let Some(reason) = mounts::poll_reason(&sub) {
                    poll_mounts.push(PollMount { path: sub, reason });
                    continue;
                }
            }
            let sub_handle = match sub.file_name() {
                Some(name) => handle.child(name),
                None => DirPath::new(&sub),
            };
            if visited.claim((dev, ino), &sub_handle) {
                stack.push((sub, sub_handle, dev));
            }
        }
    }
    Ok(Walked { poll_mounts, too_long })
}
/// The metadata of entry `path` of a directory on device `dir_dev`, and whether it is walked as a
/// directory; None when it is ignored or vanished between readdir and stat (its delete event follows).
/// A file of a natively watched tree is recorded from its directory entry alone (kind and inode, no stat);
/// a directory is stat'ed (its device and inode guard against loops and find mounts), and a symlink to
/// follow is read through.
fn entry_meta(path: &Path, hint: Hint, stat: Stat, rules: &ScanRules, filter: &PathFilter, dir_dev: u64) -> Option<(Meta, bool)> {
    let mut known: Option<Meta> = None;
    let kind = match hint.kind {
        Some(k) => k,
        None => {
            let m = stat.stat(false).ok()?;
            known = Some(m);
            m.kind
        }
    };
    let mut target: Option<Meta> = None;
    let is_dir = match kind {
        Kind::Dir => true,
        Kind::Symlink if rules.follow_symlinks => {
            target = stat.stat(true).ok().filter(Meta::is_dir);
            target.is_some()
        }
        _ => false,
    };
    if filter.is_ignored(rules.root, path, is_dir) {
        return None;
    }
    let meta = match (target, known) {
        (Some(t), _) => t,
        (None, Some(m)) => m,
        (None, None) if is_dir || rules.stat_files || hint.ino == 0 => stat.stat(false).ok()?,
        (None, None) => Meta::light(kind, hint.ino, dir_dev),
    };
    Some((meta, is_dir))
}

#[cfg(unix)]
fn dir_device(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).map(|m| m.dev()).unwrap_or(0)
}

#[cfg(not(unix))]
fn dir_device(_dir: &Path) -> u64 {
    0
}

/// Counts the directories a walk would watch, without reading file metadata (for the inotify budget).
/// An estimate the kernel has the last word on (a watch it refuses is reported the same way): a directory
/// whose link count says it holds no subdirectories is counted without being read, which leaves out
/// symlinks to directories inside it. That skips reading most of a source tree (its leaves) twice.
pub fn count_dirs(start: &Path, rules: &ScanRules, filter: &PathFilter) -> usize {
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    let mut count = 0;
    let mut reader = DirReader::default();
    let mut stack = vec![(start.to_path_buf(), false)];
    while let Some((dir, leaf)) = stack.pop() {
        count += 1;
        if !rules.recursive || leaf {
            continue;
        }
        let mut path = dir.clone();
        let _ = reader.read(&dir, &mut |name, hint, stat| {
            // A symlink to follow counts once per real directory it reaches.
            let link = match hint.kind {
                Some(Kind::Dir) => None,
                Some(Kind::Symlink) if rules.follow_symlinks => match stat.stat(true) {
                    Ok(m) if m.is_dir() => Some((m.dev, m.ino)),
                    _ => return,
                },
                None if stat.stat(false).is_ok_and(|m| m.is_dir()) => None,
                _ => return,
            };
            path.push(name);
            if !filter.is_ignored(rules.root, &path, true) && link.map_or(true, |id| seen.insert(id)) {
                stack.push((path.clone(), link.is_none() && stat.holds_no_subdirs()));
            }
            path.pop();
        });
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
    use rustix::fs::{mkdirat, openat, Mode, OFlags, CWD};
    use std::fs;

    /// Makes `parent/deep/d…d/d…d/…` (18 levels of 250 bytes, deeper than PATH_MAX) with `deep.txt` at the
    /// bottom, walking down with mkdirat/openat: no path that long can be handed to the kernel whole.
    fn too_long_tree(parent: &Path) -> PathBuf {
        let top = parent.join("deep");
        fs::create_dir(&top).unwrap();
        let name = "d".repeat(250);
        let mut dir = openat(CWD, &top, OFlags::DIRECTORY, Mode::empty()).unwrap();
        for _ in 0..18 {
            mkdirat(&dir, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
            dir = openat(&dir, name.as_str(), OFlags::DIRECTORY, Mode::empty()).unwrap();
        }
        openat(&dir, "deep.txt", OFlags::CREATE | OFlags::WRONLY, Mode::from_raw_mode(0o644)).unwrap();
        top
    }

    #[test]
    fn count_dirs_counts_what_the_walk_watches_leaves_included() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        for d in ["a/b/c", "d", "e", "node_modules/x"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("a/b/c/f.js"), "x").unwrap();
        std::os::unix::fs::symlink(root.join("a"), root.join("link")).unwrap();
        let filter = PathFilter::new(&FilterConfig::default()).unwrap();
        let rules = |follow_symlinks| ScanRules {
            root: &root,
            recursive: true,
            follow_symlinks,
            ignore_permission_denied: true,
            stat_files: false,
            stop_at_poll_mounts: false,
        };
        // root, a, a/b, a/b/c, d, e; following the link adds link, link/b, link/b/c.
        assert_eq!(count_dirs(&root, &rules(false), &filter), 6);
        assert_eq!(count_dirs(&root, &rules(true), &filter), 9);
        let mut walked = 0;
        let mut before = |_: &Path, _: &DirPath| -> Result<(), WatchError> {
            walked += 1;
            Ok(())
        };
        scan(&root, &rules(true), &mut PathFilter::new(&FilterConfig::default()).unwrap(), &mut Visited::default(), &mut before, &mut |_, _| {}).unwrap();
        assert_eq!(walked, 6, "the walk watches the linked directory once, under its first path");
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
        let result = scan(&root, &rules, &mut filter, &mut Visited::default(), &mut |_, _| Ok(()), &mut |p, _| {
            found.push(p.to_path_buf())
        });
        let err = result.expect("the walk goes on").too_long.expect("the skipped directory is reported");
        assert_eq!(err.code, ErrorCode::NameTooLong);
        let skipped = err.path.expect("the error names the directory");
        assert!(skipped.starts_with(&top) && skipped.as_os_str().len() >= 4096);
        // Everything the OS can reach was walked: the sibling, and the deep chain down to the limit.
        assert!(found.contains(&root.join("sibling.txt")));
        assert!(found.iter().filter(|p| p.starts_with(&top)).count() >= 15);
    }
}
