//! The facts about an entry that tell whether it changed: kind, mtime at full precision, size, inode.

use std::fs::Metadata;
use std::io;
use std::path::Path;
use std::time::UNIX_EPOCH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Kind {
    /// The kind of a directory entry or of metadata, as std reports it (not following symlinks if it did not).
    pub fn of(ft: std::fs::FileType) -> Kind {
        if ft.is_dir() {
            Kind::Dir
        } else if ft.is_symlink() {
            Kind::Symlink
        } else if ft.is_file() {
            Kind::File
        } else {
            Kind::Other
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Nanoseconds since the epoch (an i64 lasts until 2262; notify's PollWatcher compares whole seconds; two edits in one second
    /// would be lost).
    pub mtime_ns: i64,
    pub size: u64,
    /// Inode and device on Unix (an atomic save changes the inode even when size and mtime collide).
    pub ino: u64,
    pub dev: u64,
}

/// `mtime_ns` of an entry whose metadata was not read (a file found by a native walk, see `Meta::light`).
pub const UNKNOWN_MTIME: i64 = i64::MIN;

impl Meta {
    /// A file found by walking a natively watched tree: kind and inode from the directory entry, no stat.
    /// OS events tell when it changes; after an overflow, `changed_since` falls back to its mtime.
    pub fn light(kind: Kind, ino: u64, dev: u64) -> Meta {
        Meta { kind, mtime_ns: UNKNOWN_MTIME, size: 0, ino, dev }
    }

    pub fn from_metadata(m: &Metadata) -> Meta {
        let kind = Kind::of(m.file_type());
        let mtime_ns = match m.modified() {
            Ok(t) => match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_nanos() as i64,
                Err(e) => -(e.duration().as_nanos() as i64),
            },
            Err(_) => 0,
        };
        let (ino, dev) = ino_dev(m);
        Meta { kind, mtime_ns, size: m.len(), ino, dev }
    }

    /// From a stat read relative to an open directory (see readdir.rs). The field types differ by target.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[allow(clippy::unnecessary_cast)]
    pub fn from_stat(st: &rustix::fs::Stat) -> Meta {
        use rustix::fs::FileType;
        let kind = match FileType::from_raw_mode(st.st_mode as _) {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            FileType::Symlink => Kind::Symlink,
            _ => Kind::Other,
        };
        let mtime_ns = (st.st_mtime as i64).saturating_mul(1_000_000_000).saturating_add(st.st_mtime_nsec as i64);
        Meta { kind, mtime_ns, size: st.st_size as u64, ino: st.st_ino as u64, dev: st.st_dev as u64 }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// Reads an entry; with `follow`, a symlink to a directory reads as that directory.
    pub fn read(path: &Path, follow: bool) -> io::Result<Meta> {
        let m = std::fs::symlink_metadata(path)?;
        if follow && m.file_type().is_symlink() {
            if let Ok(target) = std::fs::metadata(path) {
                if target.is_dir() {
                    return Ok(Meta::from_metadata(&target));
                }
            }
        }
        Ok(Meta::from_metadata(&m))
    }

    /// True when `now` may differ from this known state. A light entry (never stat'ed) counts as changed
    /// when its mtime is at or after `cutoff_ns`, the moment the watcher was last in step with the disk.
    pub fn changed_since(&self, now: &Meta, cutoff_ns: i64) -> bool {
        if self.mtime_ns == UNKNOWN_MTIME && self.kind != Kind::Dir {
            return self.kind != now.kind || self.ino != now.ino || now.mtime_ns >= cutoff_ns;
        }
        self.differs(now)
    }

    /// True when the content or identity may differ (directories only change by their entries).
    pub fn differs(&self, other: &Meta) -> bool {
        if self.kind != other.kind {
            return true;
        }
        if self.kind == Kind::Dir {
            return self.ino != other.ino || self.dev != other.dev;
        }
        self.mtime_ns != other.mtime_ns || self.size != other.size || self.ino != other.ino
    }
}

#[cfg(unix)]
fn ino_dev(m: &Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.ino(), m.dev())
}

#[cfg(not(unix))]
fn ino_dev(_m: &Metadata) -> (u64, u64) {
    (0, 0)
}
