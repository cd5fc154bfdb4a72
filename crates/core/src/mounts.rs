//! Finds roots on filesystems whose changes the OS does not report (network and VM-shared mounts), so the
//! watcher polls those roots and keeps native events everywhere else. WSL is not a reason to poll ext4.

use std::path::Path;

/// Why `path` must be polled, or None when OS events work there.
pub fn poll_reason(path: &Path) -> Option<String> {
    fs_type(path).map(|name| format!("{} is on a {name} filesystem, which sends no change events", path.display()))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn fs_type(path: &Path) -> Option<&'static str> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `buf` a properly sized out-parameter.
    if unsafe { libc::statfs(c.as_ptr(), &mut buf) } != 0 {
        return None;
    }
    remote_magic(buf.f_type as i64)
}

/// statfs magic numbers (linux/magic.h and the filesystems' own headers) of filesystems to poll.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn remote_magic(magic: i64) -> Option<&'static str> {
    Some(match magic as u32 {
        0x6969 => "NFS",
        0x517B => "SMB",
        0xFF53_4D42 => "CIFS",
        0xFE53_4D42 => "SMB2",
        0x0102_1997 => "9p (WSL /mnt drive or VM share)",
        0x6573_5546 => "FUSE",
        0x786F_4256 => "VirtualBox shared folder",
        0x5346_414F => "AFS",
        0x0_00C3_6400 => "Ceph",
        0x7375_7245 => "Coda",
        0x564C => "NCP",
        _ => return None,
    })
}

#[cfg(target_os = "macos")]
fn fs_type(path: &Path) -> Option<&'static str> {
    use std::ffi::{CStr, CString};
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut buf: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statfs(c.as_ptr(), &mut buf) } != 0 {
        return None;
    }
    let name = unsafe { CStr::from_ptr(buf.f_fstypename.as_ptr()) }.to_str().ok()?;
    Some(match name {
        "nfs" => "NFS",
        "smbfs" => "SMB",
        "afpfs" => "AFP",
        "webdav" => "WebDAV",
        "macfuse" | "osxfuse" | "fusefs" => "FUSE",
        _ => return None,
    })
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "macos")))]
fn fs_type(_path: &Path) -> Option<&'static str> {
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_temp_dir_is_not_polled() {
        let dir = std::env::temp_dir();
        assert_eq!(super::poll_reason(&dir), None);
    }
}
