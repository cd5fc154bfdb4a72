//! Finds roots on filesystems whose changes the OS does not report (network and VM-shared mounts), so the
//! watcher polls those roots and keeps native events everywhere else. WSL is not a reason to poll ext4.

use std::path::Path;

/// Why `path` must be polled, or None when OS events work there.
pub fn poll_reason(path: &Path) -> Option<String> {
    fs_type(path).map(|name| format!("{} is on a {name} filesystem, which sends no change events", path.display()))
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn fs_type(path: &Path) -> Option<&'static str> {
    let stat = rustix::fs::statfs(path).ok()?;
    #[allow(clippy::unnecessary_cast)] // the field's integer type differs between targets
    remote_magic(stat.f_type as i64)
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
    let stat = rustix::fs::statfs(path).ok()?;
    // The type name is a NUL-terminated C string in a fixed array.
    let name: Vec<u8> = stat.f_fstypename.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    Some(match name.as_slice() {
        b"nfs" => "NFS",
        b"smbfs" => "SMB",
        b"afpfs" => "AFP",
        b"webdav" => "WebDAV",
        b"macfuse" | b"osxfuse" | b"fusefs" => "FUSE",
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
