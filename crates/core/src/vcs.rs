//! Tells whether a version-control operation is under way in a repository that holds a root, so the
//! batcher can hold its batch and emit once when the operation is over (one restart per `git checkout`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A state directory touched this recently counts as an operation in progress (a rebase between picks).
const ACTIVE_WINDOW: Duration = Duration::from_millis(1500);

enum Repo {
    Git(PathBuf),
    Hg(PathBuf),
}

pub struct VcsProbe {
    repos: Vec<Repo>,
}

impl VcsProbe {
    /// Finds the repositories that hold each root (the root itself or an ancestor).
    pub fn for_roots(roots: &[PathBuf]) -> VcsProbe {
        let mut repos: Vec<Repo> = Vec::new();
        for root in roots {
            for dir in root.ancestors() {
                if let Some(git) = git_dir(dir) {
                    if !repos.iter().any(|r| matches!(r, Repo::Git(g) if *g == git)) {
                        repos.push(Repo::Git(git));
                    }
                    break;
                }
                let hg = dir.join(".hg");
                if hg.is_dir() {
                    if !repos.iter().any(|r| matches!(r, Repo::Hg(h) if *h == hg)) {
                        repos.push(Repo::Hg(hg));
                    }
                    break;
                }
            }
        }
        VcsProbe { repos }
    }

    pub fn is_empty(&self) -> bool {
        self.repos.is_empty()
    }

    /// True while any repository is in the middle of an operation that rewrites the work tree.
    pub fn busy(&self) -> bool {
        self.repos.iter().any(|r| match r {
            Repo::Git(g) => {
                g.join("index.lock").exists()
                    || g.join("HEAD.lock").exists()
                    || ["rebase-merge", "rebase-apply", "sequencer"].iter().any(|s| recently_active(&g.join(s)))
            }
            Repo::Hg(h) => h.join("wlock").exists() || h.join("store/lock").exists(),
        })
    }
}

/// The git directory of a work tree at `dir`: `.git` itself, or where a `.git` file (worktree) points.
fn git_dir(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = fs::read_to_string(&dot_git).ok()?;
    let target = text.strip_prefix("gitdir:")?.trim();
    let path = Path::new(target);
    Some(if path.is_absolute() { path.to_path_buf() } else { dir.join(path) })
}

fn recently_active(state: &Path) -> bool {
    let Ok(meta) = fs::metadata(state) else { return false };
    let Ok(modified) = meta.modified() else { return true };
    SystemTime::now().duration_since(modified).map(|age| age < ACTIVE_WINDOW).unwrap_or(true)
}
