/**
 * The ignore rules of the JS-side backends (the JS poller and watchman), as one predicate over (absolute
 * path, its root): the default lists or a DefaultFilter's, ignorePaths and `ignore` globs, exactly as the
 * native core applies them (crates/core/src/filter.rs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileIgnoreGlobs, DefaultFilter } from '../filters.js';
import type { ResolvedOptions } from '../options.js';
import { Change, WatchError } from '../types.js';

export function makeIgnore(options: ResolvedOptions): (p: string, root: string) => boolean {
  const defaults = new DefaultFilter({
    ignoreDirs: options.ignoreDirs,
    ignoreEntityPatterns: options.ignoreEntries,
    ignorePaths: options.ignorePaths,
  });
  const globs = compileIgnoreGlobs(options.ignore);
  return (p, root) => {
    const rel = path.relative(root, p);
    // Only components below the root count for the default lists: watching inside node_modules on purpose works.
    if (rel && !defaults.accepts(Change.modified, rel)) return true;
    if (options.ignorePaths.some((x) => p === x || p.startsWith(x + path.sep))) return true;
    return globs(p, root);
  };
}

/** Throws the WatchError the native core gives for a root that cannot be watched. */
export function checkRoot(root: string): fs.Stats {
  try {
    return fs.statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new WatchError('ENOTDIR', `a path component is not a directory: ${root}`, root);
    if (code === 'EACCES') throw new WatchError('EACCES', `permission denied: ${root}`, root);
    throw new WatchError('ENOENT', `path does not exist: ${root} (create it first, or fix the path)`, root);
  }
}
