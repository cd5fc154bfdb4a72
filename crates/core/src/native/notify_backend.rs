//! The notify backend: FSEvents, ReadDirectoryChangesW or kqueue, recursive from each root; the engine's
//! filter drops what is ignored. notify's events and errors become `RawEvent`s here, so nothing past this
//! file knows notify.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};
use notify::{RecommendedWatcher, RecursiveMode, Watcher as _};

use super::{Emit, RawEvent};
use crate::dir_path::DirPath;
use crate::error::{ErrorCode, WatchError};

pub struct NotifyBackend {
    watcher: RecommendedWatcher,
    watched: HashSet<PathBuf>,
}

impl NotifyBackend {
    pub fn new(emit: Emit) -> Result<NotifyBackend, WatchError> {
        let watcher = notify::recommended_watcher(move |res| {
            for raw in translate(res) {
                emit(raw);
            }
        })
        .map_err(|e| from_notify(e, None))?;
        Ok(NotifyBackend { watcher, watched: HashSet::new() })
    }
}

impl super::OsWatcher for NotifyBackend {
    fn watch_count(&self) -> usize {
        self.watched.len()
    }

    fn watch(&mut self, dir: &Path, _handle: &DirPath, recursive: bool) -> Result<(), WatchError> {
        if self.watched.contains(dir) {
            return Ok(());
        }
        let mode = if recursive && !super::PER_DIR { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
        self.watcher.watch(dir, mode).map_err(|e| from_notify(e, Some(dir)))?;
        self.watched.insert(dir.to_path_buf());
        Ok(())
    }

    fn unwatch(&mut self, dir: &Path) {
        if self.watched.remove(dir) {
            // The kernel drops the watch of a deleted directory itself; the error then is expected.
            let _ = self.watcher.unwatch(dir);
        }
    }
}

/// One notify callback as raw events: reads dropped, a paired rename kept, lost events as `Overflow`.
fn translate(res: notify::Result<notify::Event>) -> Vec<RawEvent> {
    let event = match res {
        Ok(e) => e,
        Err(err) => return vec![RawEvent::Error(from_notify(err, None))],
    };
    if event.need_rescan() {
        return vec![RawEvent::Overflow];
    }
    let mut out = Vec::with_capacity(event.paths.len() + 1);
    match event.kind {
        // Reads are not changes (a file closed after writing is).
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => {}
        EventKind::Access(_) => return out,
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) if event.paths.len() == 2 => {
            out.push(RawEvent::Renamed { from: event.paths[0].clone(), to: event.paths[1].clone() });
        }
        _ => {}
    }
    // A file just made, or written on inotify (the one backend that reports the close ending a write), is
    // likely still open: `Writing` until the path's next event.
    let writing = match event.kind {
        EventKind::Create(kind) => kind != CreateKind::Folder,
        EventKind::Modify(ModifyKind::Data(_)) => cfg!(any(target_os = "linux", target_os = "android")),
        _ => false,
    };
    out.extend(event.paths.into_iter().map(if writing { RawEvent::Writing } else { RawEvent::Changed }));
    out
}

fn from_notify(err: notify::Error, path: Option<&Path>) -> WatchError {
    let path = path.or_else(|| err.paths.first().map(PathBuf::as_path));
    match err.kind {
        notify::ErrorKind::MaxFilesWatch => WatchError::watch_limit(path),
        notify::ErrorKind::PathNotFound => WatchError::new(
            ErrorCode::NotFound,
            format!("path does not exist: {}", path.map(|p| p.display().to_string()).unwrap_or_default()),
            path,
        ),
        notify::ErrorKind::Io(ref io) => {
            #[cfg(unix)]
            if io.raw_os_error() == Some(libc::EMFILE) {
                return WatchError::too_many_instances();
            }
            match path {
                Some(p) => WatchError::from_io(io, p, "watching"),
                None => WatchError::new(ErrorCode::Io, format!("watcher failed: {io}"), None),
            }
        }
        _ => WatchError::new(ErrorCode::Io, format!("watcher failed: {err}"), path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{CreateKind, DataChange, Flag};
    use notify::Event;

    #[test]
    fn reads_are_dropped_and_writes_kept() {
        let read = Event::new(EventKind::Access(AccessKind::Open(AccessMode::Read))).add_path("/r/f".into());
        assert!(translate(Ok(read)).is_empty());
        let closed = Event::new(EventKind::Access(AccessKind::Close(AccessMode::Write))).add_path("/r/f".into());
        assert_eq!(translate(Ok(closed)), vec![RawEvent::Changed("/r/f".into())]);
        let data = Event::new(EventKind::Modify(ModifyKind::Data(DataChange::Any))).add_path("/r/g".into());
        // Written and still open where the OS reports the close that ends a write (inotify).
        let written = if cfg!(any(target_os = "linux", target_os = "android")) { RawEvent::Writing } else { RawEvent::Changed };
        assert_eq!(translate(Ok(data)), vec![written("/r/g".into())]);
    }

    #[test]
    fn a_file_just_made_is_writing_and_a_directory_is_not() {
        let file = Event::new(EventKind::Create(CreateKind::File)).add_path("/r/f".into());
        assert_eq!(translate(Ok(file)), vec![RawEvent::Writing("/r/f".into())]);
        let dir = Event::new(EventKind::Create(CreateKind::Folder)).add_path("/r/d".into());
        assert_eq!(translate(Ok(dir)), vec![RawEvent::Changed("/r/d".into())]);
    }

    #[test]
    fn a_paired_rename_keeps_both_paths() {
        let both = Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both))).add_path("/r/a".into()).add_path("/r/b".into());
        assert_eq!(
            translate(Ok(both)),
            vec![
                RawEvent::Renamed { from: "/r/a".into(), to: "/r/b".into() },
                RawEvent::Changed("/r/a".into()),
                RawEvent::Changed("/r/b".into())
            ]
        );
    }

    #[test]
    fn lost_events_are_an_overflow_and_errors_keep_their_code() {
        let lost = Event::new(EventKind::Create(CreateKind::Any)).set_flag(Flag::Rescan);
        assert_eq!(translate(Ok(lost)), vec![RawEvent::Overflow]);
        let full = notify::Error::new(notify::ErrorKind::MaxFilesWatch).add_path("/r".into());
        match translate(Err(full)).as_slice() {
            [RawEvent::Error(e)] => {
                assert_eq!(e.code, ErrorCode::MaxWatch);
                assert!(e.message.contains("max_user_watches"));
            }
            other => panic!("{other:?}"),
        }
    }
}
