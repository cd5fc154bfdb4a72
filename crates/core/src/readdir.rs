//! Reading one directory's entries for a walk, with as few syscalls and allocations as the platform allows.
//! On Linux: getdents64 into one buffer reused for the whole walk (no allocation per entry), each entry's
//! kind and inode from its directory entry, and a stat, when one is needed, relative to the open directory
//! (no path lookup from /). Elsewhere: std::fs::read_dir.

use std::ffi::OsStr;
use std::io;
use std::path::Path;

use crate::meta::{Kind, Meta};

/// What a directory entry tells without a stat.
#[derive(Clone, Copy)]
pub struct Hint {
    /// None where the filesystem does not fill in the entry's type (d_type DT_UNKNOWN): stat it.
    pub kind: Option<Kind>,
    /// The inode (0 where the platform's directory entries carry none).
    pub ino: u64,
}

/// What can be read of an entry beyond its directory entry, when it is needed.
pub trait Entry {
    /// The entry's metadata, following a symlink when asked.
    fn stat(&self, follow: bool) -> io::Result<Meta>;
    /// True when the entry is a directory whose link count says it holds no subdirectories (2 on ext4, xfs,
    /// tmpfs and most others; false wherever that cannot be told, e.g. btrfs says 1).
    fn holds_no_subdirs(&self) -> bool;
}

pub type Stat<'a> = &'a dyn Entry;

/// Reads directories one after another, reusing its buffer.
pub struct DirReader {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    buf: Vec<std::mem::MaybeUninit<u8>>,
}

impl Default for DirReader {
    fn default() -> Self {
        DirReader {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            buf: vec![std::mem::MaybeUninit::uninit(); 32 * 1024],
        }
    }
}

impl DirReader {
    /// Calls `each` with every entry of `dir` but `.` and `..`. An error opening `dir` is returned; an
    /// error while reading ends the listing there (as std's iterator does).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn read(&mut self, dir: &Path, each: &mut dyn FnMut(&OsStr, Hint, Stat)) -> io::Result<()> {
        use rustix::fs::{openat, FileType, Mode, OFlags, RawDir, CWD};
        use std::os::unix::ffi::OsStrExt;
        let fd = openat(CWD, dir, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        let mut entries = RawDir::new(&fd, &mut self.buf);
        while let Some(Ok(entry)) = entries.next() {
            let name = entry.file_name();
            let bytes = name.to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Directory => Some(Kind::Dir),
                FileType::RegularFile => Some(Kind::File),
                FileType::Symlink => Some(Kind::Symlink),
                FileType::Unknown => None,
                _ => Some(Kind::Other),
            };
            each(OsStr::from_bytes(bytes), Hint { kind, ino: entry.ino() }, &AtEntry { dir: &fd, name });
        }
        Ok(())
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub fn read(&mut self, dir: &Path, each: &mut dyn FnMut(&OsStr, Hint, Stat)) -> io::Result<()> {
        for entry in std::fs::read_dir(dir)?.flatten() {
            let kind = entry.file_type().ok().map(Kind::of);
            each(&entry.file_name(), Hint { kind, ino: ino(&entry) }, &StdEntry(&entry));
        }
        Ok(())
    }
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn ino(entry: &std::fs::DirEntry) -> u64 {
    use std::os::unix::fs::DirEntryExt;
    entry.ino()
}

#[cfg(not(unix))]
fn ino(_entry: &std::fs::DirEntry) -> u64 {
    0
}

/// An entry of a directory open as `dir`: stat'ed relative to it.
#[cfg(any(target_os = "linux", target_os = "android"))]
struct AtEntry<'a> {
    dir: &'a std::os::fd::OwnedFd,
    name: &'a std::ffi::CStr,
}

#[cfg(any(target_os = "linux", target_os = "android"))]
impl Entry for AtEntry<'_> {
    fn stat(&self, follow: bool) -> io::Result<Meta> {
        use rustix::fs::{statat, AtFlags};
        let flags = if follow { AtFlags::empty() } else { AtFlags::SYMLINK_NOFOLLOW };
        Ok(Meta::from_stat(&statat(self.dir, self.name, flags)?))
    }

    fn holds_no_subdirs(&self) -> bool {
        use rustix::fs::{statat, AtFlags, FileType};
        statat(self.dir, self.name, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|st| FileType::from_raw_mode(st.st_mode as _) == FileType::Directory && st.st_nlink == 2)
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
struct StdEntry<'a>(&'a std::fs::DirEntry);

#[cfg(not(any(target_os = "linux", target_os = "android")))]
impl Entry for StdEntry<'_> {
    fn stat(&self, follow: bool) -> io::Result<Meta> {
        let m = self.0.metadata()?;
        if follow && m.file_type().is_symlink() {
            return Meta::read(&self.0.path(), true);
        }
        Ok(Meta::from_metadata(&m))
    }

    fn holds_no_subdirs(&self) -> bool {
        false
    }
}
