//! Issue 10's reproductions, each on real files: what the watcher once lost or misreported.

mod common;
#[path = "fuzz/model.rs"]
mod model;

use std::fs;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use watchfiles_core::{Change, Output};

use common::{start, tmp, until};

use model::{list, Model};

/// Nothing at all arrives for `quiet`.
fn assert_silent(rx: &Receiver<Output>, quiet: Duration) {
    if let Ok(out) = rx.recv_timeout(quiet) {
        panic!("expected nothing, got {out:?}");
    }
}

#[test]
fn a_directory_renamed_while_its_burst_is_flushed_is_watched_under_its_new_name() {
    // 2,000 files in a new directory, renamed 10-45 ms later (around the flush, with step 20), then a probe
    // written into it: every file and the probe must be reported under the new name.
    let (_d, root) = tmp();
    let (_w, rx) = start(vec![root.clone()], |c| c.step = Duration::from_millis(20));
    let mut model = Model::new(list(&root));
    for (i, delay) in (10..=45).step_by(5).enumerate() {
        let fresh = root.join(format!("new{i}"));
        fs::create_dir(&fresh).unwrap();
        for f in 0..2000 {
            fs::write(fresh.join(format!("f{f}")), "x").unwrap();
        }
        std::thread::sleep(Duration::from_millis(delay));
        let moved = root.join(format!("moved{i}"));
        fs::rename(&fresh, &moved).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        fs::write(moved.join("probe"), "p").unwrap();
        let sentinel = root.join(format!("sentinel{i}"));
        fs::write(&sentinel, "s").unwrap();
        for b in until(&rx, &sentinel) {
            model.apply(&b);
        }
        let problems = model.diff(&root, &list(&root));
        assert!(problems.is_empty(), "rename after {delay} ms: {} problems, first: {:?}", problems.len(), &problems[..problems.len().min(5)]);
        assert!(model.anomalies.is_empty(), "{:?}", model.anomalies);
    }
}

#[test]
fn a_root_replaced_by_a_file_is_reported_once_and_followed_when_it_returns() {
    let (_d, base) = tmp();
    let root = base.join("root");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("a.txt"), "a").unwrap();
    let (_w, rx) = start(vec![root.clone()], |c| {
        c.step = Duration::from_millis(20);
        c.poll_delay = Duration::from_millis(30);
    });
    fs::remove_dir_all(&root).unwrap();
    fs::write(&root, "now a file").unwrap();
    let got: Vec<(Change, PathBuf)> =
        until(&rx, &root).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert!(got.contains(&(Change::Deleted, root.clone())), "{got:?}");
    assert!(got.contains(&(Change::Deleted, root.join("a.txt"))), "{got:?}");
    assert!(!got.iter().any(|(c, _)| *c == Change::Added), "a file where the root was is not the root coming back: {got:?}");
    // Ten poll intervals: no "added <root>", no ENOTDIR, nothing.
    assert_silent(&rx, Duration::from_millis(300));
    fs::remove_file(&root).unwrap();
    fs::create_dir(&root).unwrap();
    fs::write(root.join("b.txt"), "b").unwrap();
    let back: Vec<(Change, PathBuf)> =
        until(&rx, &root.join("b.txt")).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert!(back.contains(&(Change::Added, root.clone())), "{back:?}");
    // Followed again with OS events once it is back.
    fs::write(root.join("c.txt"), "c").unwrap();
    until(&rx, &root.join("c.txt"));
}

#[test]
fn a_file_root_replaced_by_a_directory_is_reported_once_and_followed_when_it_returns() {
    let (_d, base) = tmp();
    let file = base.join("only.txt");
    fs::write(&file, "1").unwrap();
    let (_w, rx) = start(vec![file.clone()], |c| {
        c.step = Duration::from_millis(20);
        c.poll_delay = Duration::from_millis(30);
    });
    fs::remove_file(&file).unwrap();
    fs::create_dir(&file).unwrap();
    let got: Vec<(Change, PathBuf)> =
        until(&rx, &file).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert_eq!(got, vec![(Change::Deleted, file.clone())]);
    assert_silent(&rx, Duration::from_millis(300));
    fs::remove_dir(&file).unwrap();
    fs::write(&file, "2").unwrap();
    let back: Vec<(Change, PathBuf)> =
        until(&rx, &file).iter().flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone()))).collect();
    assert_eq!(back, vec![(Change::Added, file.clone())]);
}

#[test]
#[cfg(unix)]
fn a_directory_reached_through_two_roots_is_reported_under_the_first() {
    let (_d, base) = tmp();
    let real = base.join("real");
    fs::create_dir(&real).unwrap();
    let link = base.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    for (roots, first) in [(vec![real.clone(), link.clone()], &real), (vec![link.clone(), real.clone()], &link)] {
        let (_w, rx) = start(roots, |c| c.step = Duration::from_millis(20));
        let name = format!("x-{}", first.file_name().unwrap().to_string_lossy());
        fs::write(real.join(&name), "x").unwrap();
        let batches = until(&rx, &first.join(&name));
        let paths: Vec<&PathBuf> = batches.iter().flat_map(|b| b.changes.iter().map(|c| &c.path)).collect();
        assert_eq!(paths, vec![&first.join(&name)], "reported once, under the first root");
    }
}

#[cfg(unix)]
/// Runs this test binary's test `name` again as the unprivileged user nobody (root reads everything, so
/// permissions only bind another user). The binary is copied to a world-readable place first, so it does
/// not matter where the checkout lives (often under a home directory nobody may enter).
fn run_as_nobody(name: &str) {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let place = tempfile::tempdir().unwrap();
    fs::set_permissions(place.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let exe = place.path().join("never_lose");
    fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
    let out = std::process::Command::new(&exe)
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("NEVER_LOSE_AS_NOBODY", "1")
        .env("TMPDIR", "/tmp")
        .uid(65534)
        .gid(65534)
        .current_dir("/")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("1 passed"), "as nobody:\n{text}");
}

#[test]
#[cfg(unix)]
fn an_unreadable_root_with_ignore_permission_denied_is_said_once_and_picked_up_when_readable() {
    use std::os::unix::fs::PermissionsExt;
    if std::env::var_os("NEVER_LOSE_AS_NOBODY").is_none() && rustix::process::geteuid().is_root() {
        return run_as_nobody("an_unreadable_root_with_ignore_permission_denied_is_said_once_and_picked_up_when_readable");
    }
    let (_d, base) = tmp();
    let root = base.join("locked");
    fs::create_dir(&root).unwrap();
    fs::write(root.join("early.txt"), "e").unwrap();
    fs::set_permissions(&root, fs::Permissions::from_mode(0o000)).unwrap();
    let (_w, rx) = start(vec![root.clone()], |c| {
        c.step = Duration::from_millis(20);
        c.poll_delay = Duration::from_millis(30);
        c.ignore_permission_denied = true;
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Output::Error(e)) => {
            assert_eq!(e.path.as_deref(), Some(root.as_path()));
            assert!(e.message.contains("until it becomes readable"), "{}", e.message);
        }
        other => panic!("expected one EACCES notice, got {other:?}"),
    }
    assert_silent(&rx, Duration::from_millis(300)); // said once, not every poll
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
    let got: Vec<(Change, PathBuf)> = until(&rx, &root.join("early.txt"))
        .iter()
        .flat_map(|b| b.changes.iter().map(|c| (c.change, c.path.clone())))
        .collect();
    assert!(got.contains(&(Change::Added, root.join("early.txt"))), "{got:?}");
    fs::write(root.join("later.txt"), "l").unwrap();
    until(&rx, &root.join("later.txt"));
}

#[test]
#[cfg(unix)]
fn a_directory_deleted_and_made_again_with_the_same_inode_number_is_watched_again() {
    use std::os::unix::fs::MetadataExt;
    use std::sync::{Arc, Condvar, Mutex};
    // Inode numbers are reused at once: `rm -rf d && mkdir d` gives the new d the old one's number. When both
    // happen before the watcher reads the deletion, the path looks like the same directory, and the watch
    // the kernel dropped with the old one must be noticed some other way (IN_IGNORED). The sink holds the
    // watcher's thread inside a flush while the directory is replaced, so the events wait in the queue.
    let (_d, root) = tmp();
    let dir = root.join("d");
    fs::create_dir(&dir).unwrap();
    let held = Arc::new((Mutex::new(false), Condvar::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let (entered_tx, entered) = std::sync::mpsc::channel();
    let gate = held.clone();
    let mut cfg = watchfiles_core::WatchConfig::new(vec![root.clone()]);
    cfg.step = Duration::from_millis(5);
    let _w = watchfiles_core::Watcher::start(cfg, move |out| {
        let _ = tx.send(out);
        let (lock, cv) = &*gate;
        let mut hold = lock.lock().unwrap();
        if *hold {
            let _ = entered_tx.send(());
            while *hold {
                hold = cv.wait(hold).unwrap();
            }
        }
    })
    .unwrap();
    let first = dir.join("first");
    fs::write(&first, "1").unwrap();
    until(&rx, &first);
    *held.0.lock().unwrap() = true;
    fs::write(root.join("trigger"), "t").unwrap();
    entered.recv_timeout(Duration::from_secs(10)).expect("the watcher flushed the trigger's batch");
    // The watcher's thread is inside the flush now: replace the directory under it.
    let old = fs::metadata(&dir).unwrap().ino();
    fs::remove_dir_all(&dir).unwrap();
    fs::create_dir(&dir).unwrap();
    let reused = fs::metadata(&dir).unwrap().ino() == old;
    let later = dir.join("later");
    fs::write(&later, "2").unwrap();
    *held.0.lock().unwrap() = false;
    held.1.notify_all();
    until(&rx, &later);
    // And the new directory is watched: a change made now is reported too.
    let after = dir.join("after");
    fs::write(&after, "3").unwrap();
    until(&rx, &after);
    println!("the new directory reused the old one's inode number: {reused}");
}
