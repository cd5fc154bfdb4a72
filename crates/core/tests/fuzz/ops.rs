//! Random filesystem operations on a small name space, so that paths collide often: files and
//! directories take each other's names, renames land on existing entries, directories move while they
//! fill. Each operation is chosen from what is on disk now and may fail harmlessly (a race with nothing:
//! the fuzzer is the only writer, so a failure just means the operation did not apply).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fastrand::Rng;

use super::model::{list, Listing};

const NAMES: &[&str] = &["a", "b", "c", "d", "e"];

pub struct Ops<'a> {
    pub root: &'a Path,
    pub rng: Rng,
    /// Symlinks may point at directories in the tree (only when the watcher does not follow them: a
    /// followed alias is reported under the first path that reaches it, which a path model cannot mirror).
    pub links_to_dirs: bool,
    /// A file outside the tree that symlinks may point at.
    pub outside_file: PathBuf,
    /// Largest number of files one burst creates.
    pub burst: usize,
    pub step: Duration,
}

/// What an operation did, for the failure report.
pub type Log = Vec<String>;

impl Ops<'_> {
    fn pick<'b>(&mut self, items: &'b [PathBuf]) -> Option<&'b PathBuf> {
        (!items.is_empty()).then(|| &items[self.rng.usize(..items.len())])
    }

    /// A path of depth 1 to 3 under an existing directory (or the root).
    fn new_path(&mut self, dirs: &[PathBuf]) -> PathBuf {
        let base = if self.rng.u8(..3) == 0 || dirs.is_empty() {
            self.root.to_path_buf()
        } else {
            dirs[self.rng.usize(..dirs.len())].clone()
        };
        base.join(NAMES[self.rng.usize(..NAMES.len())])
    }

    fn content(&mut self) -> Vec<u8> {
        let n = self.rng.usize(0..64);
        (0..n).map(|_| self.rng.alphanumeric() as u8).collect()
    }

    /// One random operation; returns what it did.
    pub fn one(&mut self, log: &mut Log) {
        let disk: Listing = list(self.root);
        let files: Vec<PathBuf> = disk.iter().filter(|(_, d)| !**d).map(|(p, _)| p.clone()).collect();
        let dirs: Vec<PathBuf> = disk.iter().filter(|(_, d)| **d).map(|(p, _)| p.clone()).collect();
        let all: Vec<PathBuf> = disk.keys().cloned().collect();
        match self.rng.u8(..100) {
            0..=19 => {
                let p = self.new_path(&dirs);
                let data = self.content();
                if fs::write(&p, data).is_ok() {
                    log.push(format!("write {}", self.rel(&p)));
                }
            }
            20..=31 => {
                if let Some(p) = self.pick(&files).cloned() {
                    let data = self.content();
                    if fs::OpenOptions::new().append(true).open(&p).and_then(|mut f| std::io::Write::write_all(&mut f, &data)).is_ok() {
                        log.push(format!("append {}", self.rel(&p)));
                    }
                }
            }
            32..=41 => {
                if let Some(p) = self.pick(&files).cloned() {
                    if fs::remove_file(&p).is_ok() {
                        log.push(format!("rm {}", self.rel(&p)));
                    }
                }
            }
            42..=53 => {
                // A file renamed, across directories, possibly over an existing file.
                if let Some(from) = self.pick(&files).cloned() {
                    let to = self.new_path(&dirs);
                    if fs::rename(&from, &to).is_ok() {
                        log.push(format!("mv {} {}", self.rel(&from), self.rel(&to)));
                    }
                }
            }
            54..=65 => {
                // A directory renamed (onto a free name or an empty directory; never into itself).
                if let Some(from) = self.pick(&dirs).cloned() {
                    let to = self.new_path(&dirs);
                    if !to.starts_with(&from) && fs::rename(&from, &to).is_ok() {
                        log.push(format!("mv {}/ {}", self.rel(&from), self.rel(&to)));
                    }
                }
            }
            66..=75 => {
                // mkdir -p of a fresh chain, with a few files at the bottom.
                let mut p = self.new_path(&dirs);
                for _ in 0..self.rng.usize(0..3) {
                    p = p.join(NAMES[self.rng.usize(..NAMES.len())]);
                }
                if fs::create_dir_all(&p).is_ok() {
                    let n = self.rng.usize(0..6);
                    for i in 0..n {
                        let _ = fs::write(p.join(format!("f{i}")), b"x");
                    }
                    log.push(format!("mkdir -p {} +{n} files", self.rel(&p)));
                }
            }
            76..=83 => {
                if let Some(p) = self.pick(&dirs).cloned() {
                    if fs::remove_dir_all(&p).is_ok() {
                        log.push(format!("rm -rf {}", self.rel(&p)));
                    }
                }
            }
            84..=89 => {
                // A burst of files in a new directory, then the directory moved while its events are
                // still being read (issue 10's reproduction, scaled down).
                let dir = self.new_path(&dirs);
                if fs::create_dir(&dir).is_ok() {
                    let n = self.rng.usize(1..=self.burst);
                    for i in 0..n {
                        let _ = fs::write(dir.join(format!("burst{i}")), b"b");
                    }
                    let wait = self.rng.u64(0..=self.step.as_millis() as u64 * 2);
                    std::thread::sleep(Duration::from_millis(wait));
                    let to = self.new_path(&dirs);
                    let moved = !to.starts_with(&dir) && fs::rename(&dir, &to).is_ok();
                    log.push(format!(
                        "burst {} +{n} files, {wait} ms, {}",
                        self.rel(&dir),
                        if moved { format!("mv to {}", self.rel(&to)) } else { "not moved".into() }
                    ));
                    if moved && self.rng.bool() {
                        let _ = fs::write(to.join("probe"), b"p");
                    }
                }
            }
            90..=94 => {
                let link = self.new_path(&dirs);
                let target = match self.rng.u8(..3) {
                    0 => PathBuf::from("/nonexistent-watchfiles-fuzz/x"),
                    1 => self.outside_file.clone(),
                    _ if self.links_to_dirs => match self.pick(&all) {
                        Some(t) => t.clone(),
                        None => return,
                    },
                    _ => self.outside_file.clone(),
                };
                #[cfg(unix)]
                let made = std::os::unix::fs::symlink(&target, &link).is_ok();
                #[cfg(not(unix))]
                let made = false; // symlinks need privileges on Windows
                if made {
                    log.push(format!("ln -s {} {}", target.display(), self.rel(&link)));
                }
            }
            _ => {
                let ms = self.rng.u64(0..=self.step.as_millis() as u64 * 3);
                std::thread::sleep(Duration::from_millis(ms));
                log.push(format!("sleep {ms} ms"));
            }
        }
    }

    fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.root).unwrap_or(p).display().to_string()
    }
}
