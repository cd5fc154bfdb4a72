//! Errors with stable codes: the binding passes `code` to JavaScript unchanged.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A path does not exist.
    NotFound,
    /// A path component is not a directory.
    NotDir,
    /// Permission denied.
    Access,
    /// A symlink loop.
    Loop,
    /// The OS watch limit (inotify max_user_watches / max_user_instances) is exhausted.
    MaxWatch,
    /// Invalid input: a bad glob, option or path.
    Invalid,
    /// A path in the tree is too long for the OS to watch or read (over PATH_MAX): it is skipped.
    NameTooLong,
    /// Any other I/O or backend failure.
    Io,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "ENOENT",
            ErrorCode::NotDir => "ENOTDIR",
            ErrorCode::Access => "EACCES",
            ErrorCode::Loop => "ELOOP",
            ErrorCode::MaxWatch => "EMAXWATCH",
            ErrorCode::Invalid => "EINVAL",
            ErrorCode::NameTooLong => "ENAMETOOLONG",
            ErrorCode::Io => "EIO",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WatchError {
    pub code: ErrorCode,
    pub message: String,
    pub path: Option<PathBuf>,
}

impl WatchError {
    pub fn new(code: ErrorCode, message: impl Into<String>, path: Option<&Path>) -> Self {
        WatchError { code, message: message.into(), path: path.map(Path::to_path_buf) }
    }

    /// Maps an I/O error on `path` to a code and a message that names the path and the fix.
    pub fn from_io(err: &io::Error, path: &Path, doing: &str) -> Self {
        let shown = path.display();
        let (code, message) = match err.kind() {
            io::ErrorKind::NotFound => {
                (ErrorCode::NotFound, format!("path does not exist: {shown} (create it first, or fix the path)"))
            }
            io::ErrorKind::PermissionDenied => (
                ErrorCode::Access,
                format!("permission denied {doing} {shown} (fix its permissions, or pass ignorePermissionDenied to skip it)"),
            ),
            _ => match err.raw_os_error() {
                #[cfg(unix)]
                Some(libc::ENOTDIR) => {
                    (ErrorCode::NotDir, format!("a component of {shown} is not a directory (fix the path)"))
                }
                #[cfg(unix)]
                Some(libc::ENAMETOOLONG) => (
                    ErrorCode::NameTooLong,
                    format!(
                        "path too long for the OS to watch or read (over {} bytes): {shown}; it and what is below it are not watched (shorten the path, or ignore it)",
                        libc::PATH_MAX
                    ),
                ),
                #[cfg(unix)]
                Some(libc::ELOOP) => {
                    (ErrorCode::Loop, format!("too many levels of symbolic links at {shown} (a symlink loop; remove it or ignore the path)"))
                }
                _ => (ErrorCode::Io, format!("{doing} {shown}: {err}")),
            },
        };
        WatchError::new(code, message, Some(path))
    }
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for WatchError {}
