//! The inotify watch budget: how many watches the system allows this user, read before watching, so a
//! tree that does not fit fails with a message that names the fix instead of half-watching silently.

/// Watches still available to this process, or None where there is no such limit (not Linux).
pub fn available_watches() -> Option<usize> {
    let limit = max_user_watches()?;
    Some(limit.saturating_sub(used_by_this_process()))
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

/// Watches this process already holds (other watchers in it); other processes' share is only seen when
/// the kernel refuses a watch, which is handled the same way.
fn used_by_this_process() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/fdinfo") else { return 0 };
    dir.flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| text.lines().filter(|l| l.starts_with("inotify wd:")).count())
        .sum()
}

pub fn limit_message(needed: usize, available: usize, limit: usize) -> String {
    format!(
        "the tree needs {needed} inotify watches but only {available} of fs.inotify.max_user_watches={limit} are free \
         (raise the limit: sudo sysctl fs.inotify.max_user_watches={} and add it to /etc/sysctl.conf; \
         or ignore large directories with the `ignore` option; or pass onLimit: 'poll' to poll what does not fit)",
        (needed + limit).next_power_of_two().max(524_288)
    )
}
