//! What the watcher's handle reports about the engine: the backend, why roots are polled, the OS watches.

use super::*;
use crate::native::BACKEND_NAME;

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
