//! Decides from a path alone whether it is ignored, so ignored directories never cost a watch and ignored
//! entries never cross into JavaScript. This is the rule; src/watch/filters.ts compiles the same rule for
//! the JavaScript fallbacks, and __test__/filter-parity.test.ts holds both to one table of cases:
//! default directory names and editor-temp globs apply to every component below a root; a user glob
//! without a slash matches any component's name, one with a slash the path relative to the root;
//! `.gitignore` files are honoured when asked.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::config::FilterConfig;
use crate::error::{ErrorCode, WatchError};

pub struct PathFilter {
    ignore_dirs: HashSet<OsString>,
    /// Editor temp globs and user globs without a slash: matched against each component's name.
    name_globs: GlobSet,
    /// User globs with a slash: matched against the path (and each ancestor) relative to the root.
    path_globs: GlobSet,
    ignore_paths: Vec<PathBuf>,
    /// Directory -> its .gitignore/.ignore rules; None when gitignore support is off.
    gitignores: Option<HashMap<PathBuf, Gitignore>>,
}

impl PathFilter {
    pub fn new(cfg: &FilterConfig) -> Result<PathFilter, WatchError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        for g in cfg.ignore_entries.iter().chain(cfg.ignore.iter()) {
            let trimmed = g.trim_end_matches('/');
            let (builder, pattern) = if trimmed.contains('/') {
                (&mut paths, trimmed.trim_start_matches('/'))
            } else {
                (&mut names, trimmed)
            };
            let glob = GlobBuilder::new(pattern).literal_separator(true).build().map_err(|e| {
                WatchError::new(
                    ErrorCode::Invalid,
                    format!("invalid ignore glob {g:?}: {} (fix or remove it)", e.kind()),
                    None,
                )
            })?;
            builder.add(glob);
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| WatchError::new(ErrorCode::Invalid, format!("invalid ignore globs: {e}"), None))
        };
        Ok(PathFilter {
            ignore_dirs: cfg.ignore_dirs.iter().map(OsString::from).collect(),
            name_globs: build(names)?,
            path_globs: build(paths)?,
            ignore_paths: cfg.ignore_paths.clone(),
            gitignores: if cfg.gitignore { Some(HashMap::new()) } else { None },
        })
    }

    /// True when `path` (below `root`, or the root itself) must be neither watched nor reported.
    pub fn is_ignored(&self, root: &Path, path: &Path, is_dir: bool) -> bool {
        if self.ignore_paths.iter().any(|p| path.starts_with(p)) {
            return true;
        }
        let Ok(rel) = path.strip_prefix(root) else { return false };
        let mut rel_so_far = String::new();
        for comp in rel.components() {
            let Component::Normal(name) = comp else { continue };
            if self.ignore_dirs.contains(name) || self.name_globs.is_match(Path::new(name)) {
                return true;
            }
            if !rel_so_far.is_empty() {
                rel_so_far.push('/');
            }
            rel_so_far.push_str(&name.to_string_lossy());
            if !self.path_globs.is_empty() && self.path_globs.is_match(Path::new(&rel_so_far)) {
                return true;
            }
        }
        self.gitignored(path, is_dir)
    }

    fn gitignored(&self, path: &Path, is_dir: bool) -> bool {
        let Some(map) = &self.gitignores else { return false };
        if map.is_empty() {
            return false;
        }
        // Deepest rules first: a nested .gitignore overrides its parents, as in git. (`skip(1)` leaves out
        // `path` itself, the first of its ancestors: its own .gitignore governs its entries, not it.)
        for dir in path.ancestors().skip(1) {
            if let Some(gi) = map.get(dir) {
                let m = gi.matched_path_or_any_parents(path, is_dir);
                if m.is_ignore() {
                    return true;
                }
                if m.is_whitelist() {
                    return false;
                }
            }
        }
        false
    }

    pub fn uses_gitignore(&self) -> bool {
        self.gitignores.is_some()
    }

    /// Loads `dir`'s .gitignore and .ignore (and .git/info/exclude where `dir` holds a repository).
    pub fn load_gitignore(&mut self, dir: &Path) {
        let Some(map) = &mut self.gitignores else { return };
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        for name in [".gitignore", ".ignore", ".git/info/exclude"] {
            let file = dir.join(name);
            if file.is_file() && builder.add(&file).is_none() {
                any = true;
            }
        }
        match (any, builder.build()) {
            (true, Ok(gi)) => {
                map.insert(dir.to_path_buf(), gi);
            }
            _ => {
                map.remove(dir);
            }
        }
    }

    /// Loads the rules of `root`'s ancestors up to the repository's top, which apply below it too.
    pub fn load_gitignore_ancestors(&mut self, root: &Path) {
        if self.gitignores.is_none() {
            return;
        }
        for dir in root.ancestors() {
            self.load_gitignore(dir);
            if dir.join(".git").exists() {
                break;
            }
        }
    }

    /// True for files whose change alters the ignore rules.
    pub fn is_ignore_file(&self, path: &Path) -> bool {
        self.gitignores.is_some()
            && matches!(path.file_name().and_then(|n| n.to_str()), Some(".gitignore" | ".ignore"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(ignore: &[&str]) -> PathFilter {
        let mut cfg = FilterConfig::default();
        cfg.ignore = ignore.iter().map(|s| s.to_string()).collect();
        PathFilter::new(&cfg).unwrap()
    }

    #[test]
    fn default_dirs_and_entries_anywhere_below_root() {
        let f = filter(&[]);
        let root = Path::new("/r");
        assert!(f.is_ignored(root, Path::new("/r/node_modules"), true));
        assert!(f.is_ignored(root, Path::new("/r/a/node_modules/x.js"), false));
        assert!(f.is_ignored(root, Path::new("/r/a/.x.swp"), false));
        assert!(f.is_ignored(root, Path::new("/r/a/x~"), false));
        assert!(f.is_ignored(root, Path::new("/r/4913"), false));
        assert!(f.is_ignored(root, Path::new("/r/a.js___jb_tmp___"), false));
        assert!(!f.is_ignored(root, Path::new("/r/a/index.js"), false));
        // The root itself may live inside an ignored name: only components below it count.
        assert!(!f.is_ignored(Path::new("/x/node_modules/pkg"), Path::new("/x/node_modules/pkg/a.js"), false));
    }

    #[test]
    fn user_globs_by_name_and_by_relative_path() {
        let f = filter(&["*.log", "dist/**", "build/cache"]);
        let root = Path::new("/r");
        assert!(f.is_ignored(root, Path::new("/r/deep/a.log"), false));
        assert!(f.is_ignored(root, Path::new("/r/dist/a.js"), false));
        assert!(!f.is_ignored(root, Path::new("/r/src/dist.js"), false));
        assert!(f.is_ignored(root, Path::new("/r/build/cache/x/y"), false));
        assert!(!f.is_ignored(root, Path::new("/r/src/build/cache"), true));
    }

    /// The corners of globset's syntax that src/watch/glob.ts reproduces for the JavaScript fallbacks.
    #[test]
    fn globset_corners_the_typescript_side_follows() {
        let root = Path::new("/r");
        let f = filter(&["dist/**", "?.txt", "{a}.js", "a{,b}.md", "(copy)*", "[!x]y"]);
        // `dist/**` ignores what lies below dist, not dist itself.
        assert!(!f.is_ignored(root, Path::new("/r/dist"), true));
        assert!(f.is_ignored(root, Path::new("/r/dist/a/b.js"), false));
        // `?` is one byte of the UTF-8 name.
        assert!(f.is_ignored(root, Path::new("/r/a.txt"), false));
        assert!(!f.is_ignored(root, Path::new("/r/é.txt"), false));
        // A group of one is a group; empty alternatives are dropped.
        assert!(f.is_ignored(root, Path::new("/r/a.js"), false));
        assert!(!f.is_ignored(root, Path::new("/r/a.md"), false));
        assert!(f.is_ignored(root, Path::new("/r/ab.md"), false));
        // Parentheses are literal; `[!x]` is a negated class.
        assert!(f.is_ignored(root, Path::new("/r/(copy) notes"), false));
        assert!(!f.is_ignored(root, Path::new("/r/copy notes"), false));
        assert!(f.is_ignored(root, Path::new("/r/ay"), false));
        assert!(!f.is_ignored(root, Path::new("/r/xy"), false));
    }

    #[test]
    fn invalid_glob_is_einval_naming_it() {
        let mut cfg = FilterConfig::default();
        cfg.ignore = vec!["a[".into()];
        let err = PathFilter::new(&cfg).err().unwrap();
        assert_eq!(err.code, ErrorCode::Invalid);
        assert!(err.message.contains("a["), "{}", err.message);
    }
}
