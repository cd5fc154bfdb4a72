//! inotify, directly: one non-recursive watch per directory (so ignored directories never cost one),
//! placed synchronously by the engine, with a mask that leaves reads out. A reader thread turns kernel
//! events into `RawEvent`s for the engine; a pipe wakes it to stop.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use inotify::{EventMask, Inotify, WatchMask, Watches};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fs::inotify::{add_watch, remove_watch, WatchFlags};
use rustix::io::Errno;

use super::watch_table::WatchTable;
use super::{Emit, RawEvent};
use crate::dir_path::DirPath;
use crate::error::{ErrorCode, WatchError};

/// Changes only: no IN_OPEN / IN_ACCESS / IN_CLOSE_NOWRITE, so reading files costs nothing.
const MASK: WatchMask = WatchMask::ATTRIB
    .union(WatchMask::CREATE)
    .union(WatchMask::DELETE)
    .union(WatchMask::CLOSE_WRITE)
    .union(WatchMask::MODIFY)
    .union(WatchMask::MOVED_FROM)
    .union(WatchMask::MOVED_TO)
    .union(WatchMask::DELETE_SELF)
    .union(WatchMask::MOVE_SELF);

/// Every watch, shared with the reader thread (which names events by descriptor).
type Shared = Arc<Mutex<WatchTable>>;

pub struct InotifyBackend {
    /// The inotify instance's descriptor. Watches are added and removed by number through it, so no
    /// `inotify::WatchDescriptor` (a number and a weak reference) is kept per directory.
    fd: RawFd,
    /// Holds the instance open while the backend lives (the reader thread owns the `Inotify`); this is what
    /// keeps `fd` valid. Not duplicated: one watcher is one inotify descriptor.
    _open: Watches,
    watches: Shared,
    /// The pipe's write end: a byte on it (or its closing) wakes the reader to stop.
    stop: OwnedFd,
    reader: Option<JoinHandle<()>>,
}

impl InotifyBackend {
    pub fn new(emit: Emit) -> Result<InotifyBackend, WatchError> {
        let inotify = Inotify::init().map_err(|e| init_error(&e))?;
        let (fd, open) = (inotify.as_raw_fd(), inotify.watches());
        let (wake, stop) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(|e| WatchError::new(ErrorCode::Io, format!("pipe: {}", io::Error::from(e)), None))?;
        let watches: Shared = Arc::default();
        let reader_watches = watches.clone();
        let reader = std::thread::Builder::new()
            .name("watchfiles-inotify".into())
            .spawn(move || read_loop(inotify, wake, reader_watches, emit))
            .map_err(|e| WatchError::new(ErrorCode::Io, format!("could not start the inotify thread: {e}"), None))?;
        Ok(InotifyBackend { fd, _open: open, watches, stop, reader: Some(reader) })
    }
}

impl InotifyBackend {
    fn table(&self) -> std::sync::MutexGuard<'_, WatchTable> {
        self.watches.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn inotify_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: `_open` keeps the inotify descriptor open for as long as `self` lives.
        unsafe { BorrowedFd::borrow_raw(self.fd) }
    }
}

impl super::OsWatcher for InotifyBackend {
    fn watch(&mut self, dir: &Path, handle: &DirPath, _recursive: bool) -> Result<(), WatchError> {
        if self.table().wd_of(handle).is_some() {
            return Ok(());
        }
        // Only a directory (one replaced by a file since the walk read it fails with ENOTDIR, and is skipped).
        let flags = WatchFlags::from_bits_retain((MASK | WatchMask::ONLYDIR).bits());
        let id = add_watch(self.inotify_fd(), dir, flags).map_err(|e| add_error(&io::Error::from(e), dir))?;
        // When the descriptor is already another path's and that path still is this directory, `dir` reached
        // it through a symlink (made in a race with the walk): its events keep the first path's name.
        // Otherwise the old path is gone (a rename whose events are still queued): the new name wins.
        self.table().add(handle, id, |old| old != handle && same_directory(&old.to_path_buf(), dir));
        Ok(())
    }

    fn unwatch(&mut self, dir: &Path) {
        // A path no handle holds is not watched.
        let Some(handle) = DirPath::find(dir) else { return };
        let Some(id) = self.table().remove(&handle) else { return };
        // Fails harmlessly when the kernel already dropped the watch of a deleted directory.
        let _ = remove_watch(self.inotify_fd(), id);
    }

    fn watch_count(&self) -> usize {
        self.table().len()
    }
}

impl Drop for InotifyBackend {
    fn drop(&mut self) {
        // The pipe holds a byte without blocking; the write end itself closes with the struct.
        let _ = rustix::io::write(&self.stop, &[1]);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// Reads until the stop pipe wakes it (the pipe's read end closes when the thread ends).
fn read_loop(mut inotify: Inotify, wake: OwnedFd, watches: Shared, emit: Emit) {
    // 16 KiB holds some 400 events, so a burst is still read in few syscalls (each read drains the queue
    // until it would block). The buffer is zeroed, so all of it is resident from the start: 64 KiB cost
    // 48 KiB more of every watcher's memory for no measurable gain.
    let mut buffer = vec![0u8; 16 * 1024];
    let mut pending_from: Option<(u32, PathBuf)> = None;
    'outer: loop {
        // Made anew each time: the poll set borrows the inotify fd, which reading borrows mutably.
        let mut fds = [PollFd::new(&inotify, PollFlags::IN), PollFd::new(&wake, PollFlags::IN)];
        match poll(&mut fds, None) {
            Ok(_) => {}
            Err(Errno::INTR) => continue,
            Err(_) => break,
        }
        if !fds[1].revents().is_empty() {
            break;
        }
        loop {
            let events = match inotify.read_events(&mut buffer) {
                Ok(events) => events,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    emit(RawEvent::Error(WatchError::new(ErrorCode::Io, format!("reading inotify events failed: {e}"), None)));
                    break 'outer;
                }
            };
            let paths_now = watches.lock().unwrap_or_else(|p| p.into_inner());
            let mut out = Vec::new();
            let mut forget = Vec::new();
            for ev in events {
                if ev.mask.contains(EventMask::Q_OVERFLOW) {
                    out.push(RawEvent::Overflow);
                    continue;
                }
                if ev.mask.contains(EventMask::IGNORED) {
                    // A watch we removed ourselves is unmapped first; one still mapped was dropped by the kernel:
                    // the directory it watched is gone, even if another now stands at that path.
                    if let Some(dir) = paths_now.name(ev.wd.get_watch_descriptor_id()) {
                        out.push(RawEvent::Unwatched(dir.to_path_buf()));
                    }
                    forget.push(ev.wd.get_watch_descriptor_id());
                    continue;
                }
                let Some(dir) = paths_now.name(ev.wd.get_watch_descriptor_id()) else { continue };
                let mut path = dir.to_path_buf();
                if let Some(name) = ev.name {
                    path.push(name);
                }
                translate(ev.mask, ev.cookie, path, &mut pending_from, &mut out);
            }
            drop(paths_now);
            if !forget.is_empty() {
                let mut table = watches.lock().unwrap_or_else(|p| p.into_inner());
                for id in forget {
                    table.forget(id);
                }
            }
            for e in out {
                if !emit(e) {
                    break 'outer;
                }
            }
        }
    }
}

/// One kernel event as raw events. Every bit in our mask is a change of some kind, so each event says
/// "look at this path"; IN_MOVED_FROM/TO with the same cookie also pair into a rename. A file made or
/// written (IN_CREATE, IN_MODIFY) is still open until its IN_CLOSE_WRITE: that is `Writing`.
fn translate(mask: EventMask, cookie: u32, path: PathBuf, from: &mut Option<(u32, PathBuf)>, out: &mut Vec<RawEvent>) {
    if mask.contains(EventMask::MOVED_FROM) {
        *from = Some((cookie, path.clone()));
    }
    if mask.contains(EventMask::MOVED_TO) {
        if let Some((c, old)) = from.take() {
            if c == cookie {
                out.push(RawEvent::Renamed { from: old, to: path.clone() });
            }
        }
    }
    let open = mask.contains(EventMask::MODIFY) || (mask.contains(EventMask::CREATE) && !mask.contains(EventMask::ISDIR));
    out.push(if open { RawEvent::Writing(path) } else { RawEvent::Changed(path) });
}

/// Both paths lead to one directory now (symlinks followed).
fn same_directory(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

fn add_error(err: &io::Error, dir: &Path) -> WatchError {
    if err.raw_os_error() == Some(libc::ENOSPC) {
        return WatchError::watch_limit(Some(dir));
    }
    WatchError::from_io(err, dir, "watching")
}

fn init_error(err: &io::Error) -> WatchError {
    if err.raw_os_error() == Some(libc::EMFILE) {
        return WatchError::too_many_instances();
    }
    WatchError::new(ErrorCode::Io, format!("inotify_init failed: {err}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::OsWatcher;

    #[test]
    fn a_path_that_reaches_a_watched_directory_through_a_symlink_does_not_take_its_name() {
        // The walk read `c` as a directory; before its watch was placed it became a symlink to `d`, which
        // is watched already. inotify hands back d's descriptor: d's events must keep d's name.
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let (d, c) = (root.join("d"), root.join("c"));
        std::fs::create_dir(&d).unwrap();
        std::os::unix::fs::symlink(&d, &c).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut backend = InotifyBackend::new(Box::new(move |e| tx.send(e).is_ok())).unwrap();
        backend.watch(&d, &DirPath::new(&d), false).unwrap();
        backend.watch(&c, &DirPath::new(&c), false).unwrap();
        backend.unwatch(&c); // the engine lets the symlink go once it sees what c is: d stays watched
        std::fs::write(d.join("x"), "x").unwrap();
        let got = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        assert_eq!(got, RawEvent::Writing(d.join("x"))); // its IN_CREATE, under d's name
        // A file where a directory was read is refused, not watched as if it were one.
        std::fs::write(root.join("f"), "f").unwrap();
        assert_eq!(backend.watch(&root.join("f"), &DirPath::new(&root.join("f")), false).unwrap_err().code, ErrorCode::NotDir);
    }

    fn run(events: &[(EventMask, u32, &str)]) -> Vec<RawEvent> {
        let (mut from, mut out) = (None, Vec::new());
        for (mask, cookie, path) in events {
            translate(*mask, *cookie, PathBuf::from(path), &mut from, &mut out);
        }
        out
    }

    #[test]
    fn every_event_is_a_change_at_its_path() {
        let out = run(&[(EventMask::CREATE | EventMask::ISDIR, 0, "/r/d"), (EventMask::CLOSE_WRITE, 0, "/r/f"), (EventMask::ATTRIB, 0, "/r/f")]);
        assert_eq!(
            out,
            vec![RawEvent::Changed("/r/d".into()), RawEvent::Changed("/r/f".into()), RawEvent::Changed("/r/f".into())]
        );
    }

    #[test]
    fn a_file_made_or_written_is_writing_until_it_is_closed() {
        let out = run(&[(EventMask::CREATE, 0, "/r/f"), (EventMask::MODIFY, 0, "/r/f"), (EventMask::CLOSE_WRITE, 0, "/r/f")]);
        assert_eq!(
            out,
            vec![RawEvent::Writing("/r/f".into()), RawEvent::Writing("/r/f".into()), RawEvent::Changed("/r/f".into())]
        );
    }

    #[test]
    fn moved_from_and_to_with_one_cookie_pair_into_a_rename() {
        let out = run(&[(EventMask::MOVED_FROM, 7, "/r/a"), (EventMask::MOVED_TO, 7, "/r/b")]);
        assert_eq!(
            out,
            vec![
                RawEvent::Changed("/r/a".into()),
                RawEvent::Renamed { from: "/r/a".into(), to: "/r/b".into() },
                RawEvent::Changed("/r/b".into())
            ]
        );
    }

    #[test]
    fn moves_with_other_cookies_or_from_outside_stay_apart() {
        let out = run(&[(EventMask::MOVED_FROM, 1, "/r/a"), (EventMask::MOVED_TO, 2, "/r/b"), (EventMask::MOVED_TO, 1, "/r/c")]);
        assert_eq!(out, vec![RawEvent::Changed("/r/a".into()), RawEvent::Changed("/r/b".into()), RawEvent::Changed("/r/c".into())]);
    }
}
