//! The watcher's configuration, with the defaults documented in README.md.

use std::path::PathBuf;
use std::time::Duration;

/// What to do when the tree needs more inotify watches than the system allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLimit {
    /// Fail with EMAXWATCH, naming the count, the limit and the sysctl that raises it.
    Error,
    /// Poll the roots that do not fit, and say so once.
    Poll,
}

#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub roots: Vec<PathBuf>,
    /// Longest a batch may collect events, from its first event.
    pub debounce: Duration,
    /// Quiet time after the last event before a batch is emitted.
    pub step: Duration,
    /// The same for a batch that began after a quiet spell of `step` and holds only edits of files that
    /// stand where they stood, none still open for writing: a lone edit arrives this soon after it
    /// happened instead of `step` later (engine/quick.rs). Never more than `step`.
    pub quick_step: Duration,
    pub recursive: bool,
    pub filter: FilterConfig,
    pub force_polling: bool,
    pub poll_delay: Duration,
    pub ignore_permission_denied: bool,
    /// Hold batches while a git/hg operation is under way.
    pub vcs_settle: bool,
    pub vcs_settle_timeout: Duration,
    pub on_limit: OnLimit,
    pub follow_symlinks: bool,
}

#[derive(Debug, Clone)]
pub struct FilterConfig {
    /// Directory names ignored anywhere below a root.
    pub ignore_dirs: Vec<String>,
    /// Name globs (editor temp files) ignored anywhere below a root.
    pub ignore_entries: Vec<String>,
    /// Absolute paths ignored with everything below them.
    pub ignore_paths: Vec<PathBuf>,
    /// User globs: without a slash they match any component's name, with one the path relative to the root.
    pub ignore: Vec<String>,
    /// Honour .gitignore / .ignore files and .git/info/exclude.
    pub gitignore: bool,
}

pub const DEFAULT_IGNORE_DIRS: &[&str] = &[
    ".git", ".hg", ".svn", "node_modules", ".cache", ".parcel-cache", ".turbo", ".next", ".nuxt",
    ".svelte-kit", "coverage", ".nyc_output", "__pycache__", ".venv", ".tox", ".mypy_cache",
    ".pytest_cache", ".idea",
];

pub const DEFAULT_IGNORE_ENTRIES: &[&str] =
    &["*.swp", "*.swx", "*~", ".#*", "4913", ".DS_Store", "*___jb_tmp___", "*___jb_old___"];

impl Default for FilterConfig {
    fn default() -> Self {
        FilterConfig {
            ignore_dirs: DEFAULT_IGNORE_DIRS.iter().map(|s| s.to_string()).collect(),
            ignore_entries: DEFAULT_IGNORE_ENTRIES.iter().map(|s| s.to_string()).collect(),
            ignore_paths: Vec::new(),
            ignore: Vec::new(),
            gitignore: false,
        }
    }
}

impl WatchConfig {
    pub fn new(roots: Vec<PathBuf>) -> Self {
        WatchConfig {
            roots,
            debounce: Duration::from_millis(1600),
            step: Duration::from_millis(50),
            quick_step: Duration::from_millis(5),
            recursive: true,
            filter: FilterConfig::default(),
            force_polling: false,
            poll_delay: Duration::from_millis(300),
            ignore_permission_denied: false,
            vcs_settle: true,
            vcs_settle_timeout: Duration::from_secs(10),
            on_limit: OnLimit::Error,
            follow_symlinks: true,
        }
    }
}
