//! What the watcher's handle reports about the engine: the backend, why roots are polled, the OS watches.

use super::*;
use crate::native::BACKEND_NAME;

/// What a running watcher uses, for `watcher.backend` and debug lines.
#[derive(Debug, Clone)]
pub struct WatcherInfo {
    /// "inotify", "fsevents", "windows", "kqueue", "poll", or `"<native>+poll"` when mixed.
    pub backend: String,
    /// Why some or all roots are polled; empty when none is.
    pub poll_reason: String,
    /// OS watches placed (at start, or as of the last root added or removed).
    pub watch_count: usize,
}

impl Engine {
    /// Taken at start and after each root added or removed (the handle keeps the latest).
    pub(crate) fn info(&self) -> WatcherInfo {
        let native = self.roots.iter().any(|r| r.mode == Mode::Native);
        let mut reasons: Vec<&str> = Vec::new();
        for root in &self.roots {
            if let Mode::Poll(reason) = &root.mode {
                if !reasons.contains(&reason.as_str()) {
                    reasons.push(reason);
                }
            }
        }
        let backend = match (native, reasons.is_empty()) {
            (true, true) => BACKEND_NAME.to_string(),
            (true, false) => format!("{BACKEND_NAME}+poll"),
            (false, _) => "poll".to_string(),
        };
        WatcherInfo {
            backend,
            poll_reason: reasons.join("; "),
            watch_count: self.native.as_ref().map_or(0, |n| n.watch_count()),
        }
    }
}
