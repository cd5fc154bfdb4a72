//! watchfiles-core: the pure-Rust watcher behind watchfiles-node. No Node here: `cargo test` runs it alone.
//!
//! Data flows one way: OS events (inotify read directly on Linux, the notify crate elsewhere, each turned
//! into the engine's own `RawEvent`) or our own polling -> the engine (filter, tree, watches, batching;
//! see the invariant in engine/mod.rs) -> a sink that receives [`Output`]s. Start one with
//! [`Watcher::start`].

pub mod budget;
pub mod change;
pub mod config;
mod dir_path;
mod engine;
pub mod error;
pub mod filter;
pub mod meta;
pub mod mounts;
mod native;
mod pending;
mod readdir;
mod slots;
pub mod scan;
pub mod tree;
pub mod vcs;
mod visited;
mod watcher;

pub use change::{Batch, Change, FileChange, Output};
pub use config::{FilterConfig, OnLimit, WatchConfig, DEFAULT_IGNORE_DIRS, DEFAULT_IGNORE_ENTRIES};
pub use error::{ErrorCode, WatchError};
pub use native::BACKEND_NAME;
pub use engine::WatcherInfo;
pub use watcher::Watcher;
