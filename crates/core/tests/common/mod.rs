//! What the core's integration tests share: a watcher whose outputs arrive on a channel, and a bounded
//! wait for the batch that reports a given path.

#![allow(dead_code)] // each test crate uses its own part of this

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use watchfiles_core::{Batch, Output, WatchConfig, Watcher};

/// Starts a watcher on `roots`, its configuration adjusted by `tweak`, sending every output to the channel.
pub fn start(roots: Vec<PathBuf>, tweak: impl FnOnce(&mut WatchConfig)) -> (Watcher, Receiver<Output>) {
    let mut cfg = WatchConfig::new(roots);
    tweak(&mut cfg);
    let (tx, rx) = channel();
    let w = Watcher::start(cfg, move |out| {
        let _ = tx.send(out);
    })
    .expect("watcher starts");
    (w, rx)
}

/// Batches until one mentions `until` (within 20 s); an error reported meanwhile fails the test.
pub fn until(rx: &Receiver<Output>, until: &Path) -> Vec<Batch> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut out = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Output::Batch(b)) => {
                let done = b.changes.iter().any(|c| c.path == until);
                out.push(b);
                if done {
                    return out;
                }
            }
            Ok(Output::Error(e)) => panic!("unexpected error {:?}: {}", e.code, e.message),
            Err(_) => panic!("{} was not reported within 20 s (got {out:?})", until.display()),
        }
    }
}

/// A temporary directory and its canonical path (the watcher reports canonical paths).
pub fn tmp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    (dir, root)
}
