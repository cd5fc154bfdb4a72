//! The native filter's verdict on one path, for the test that holds the TypeScript fallbacks' predicate
//! (src/watch/filters.ts) to the same answers. Pure: no watcher, no thread; the options go through the
//! same translation as a watcher's, so the verdict is the one a watcher started with them would give.

use std::path::Path;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use watchfiles_core::filter::PathFilter;

use crate::{js_error, to_config, NativeOptions};

/// True when a watcher started on `root` with `options` ignores `path` (at or below `root`; `isDir` says
/// whether it is a directory). With `gitignore`, the ignore files on disk from the repository's top down
/// to `path`'s directory are read, as the watcher reads them. Throws the watcher's EINVAL for a bad glob.
#[napi]
pub fn filter_ignores(env: Env, options: NativeOptions, root: String, path: String, is_dir: bool) -> Result<bool> {
    let cfg = to_config(vec![root.clone()], options).map_err(|e| js_error(&env, e))?;
    let mut filter = PathFilter::new(&cfg.filter).map_err(|e| js_error(&env, e))?;
    let (root, path) = (Path::new(&root), Path::new(&path));
    if filter.uses_gitignore() {
        filter.load_gitignore_ancestors(root);
        if let Ok(rel) = path.strip_prefix(root) {
            let mut dir = root.to_path_buf();
            for name in rel.parent().into_iter().flat_map(Path::components) {
                dir.push(name);
                filter.load_gitignore(&dir);
            }
        }
    }
    Ok(filter.is_ignored(root, path, is_dir))
}
