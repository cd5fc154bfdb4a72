//! The inotify watch budget: how many watches the system allows this user, read before watching, so a
//! tree that does not fit fails with a message that names the fix instead of half-watching silently.

/// Watches still available to this user for a tree that needs `needed`, or None where there is no such
/// limit (not Linux). Counting what other processes hold means reading every fd of every process of the
/// user, which costs real time on a busy desktop; it is done only when the tree needs more than an eighth
/// of the limit. Below that, a refusal by the kernel (ENOSPC) is still caught when a watch is placed and
/// handled the same way (EMAXWATCH, or polling with onLimit: 'poll').
pub fn available_watches(needed: usize) -> Option<usize> {
    let limit = max_user_watches()?;
    if needed <= limit / 8 {
        return Some(limit);
    }
    Some(limit.saturating_sub(used_by_this_user()))
}

pub fn max_user_watches() -> Option<usize> {
    read_number("/proc/sys/fs/inotify/max_user_watches")
}

fn read_number(path: &str) -> Option<usize> {
    if !cfg!(any(target_os = "linux", target_os = "android")) {
        return None;
    }
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Watches this user's processes hold now: the kernel's limit is per user, so other
/// processes' watchers count too.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn used_by_this_user() -> usize {
    use std::os::unix::fs::MetadataExt;
    let uid = rustix::process::geteuid().as_raw();
    let Ok(procs) = std::fs::read_dir("/proc") else { return 0 };
    let mut used = 0;
    for proc in procs.flatten() {
        let pid_dir = proc.path();
        let is_pid = proc.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid || proc.metadata().map(|m| m.uid() != uid).unwrap_or(true) {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(pid_dir.join("fd")) else { continue };
        for fd in fds.flatten() {
            let is_inotify = std::fs::read_link(fd.path()).is_ok_and(|t| t.as_os_str() == "anon_inode:inotify");
            if is_inotify {
                let info = std::fs::read_to_string(pid_dir.join("fdinfo").join(fd.file_name())).unwrap_or_default();
                used += info.lines().filter(|l| l.starts_with("inotify wd:")).count();
            }
        }
    }
    used
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn used_by_this_user() -> usize {
    0
}

pub fn limit_message(needed: usize, available: usize, limit: usize) -> String {
    format!(
        "the tree needs {needed} inotify watches but only {available} of fs.inotify.max_user_watches={limit} are free \
         (raise the limit: sudo sysctl fs.inotify.max_user_watches={} and add it to /etc/sysctl.conf; \
         or ignore large directories with the `ignore` option; or pass onLimit: 'poll' to poll what does not fit)",
        (needed + limit).next_power_of_two().max(524_288)
    )
}
